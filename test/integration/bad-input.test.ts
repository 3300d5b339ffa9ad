// Bad input: one line on stderr, exit 2, no stack trace, nothing started.
import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'orchestrate-bad-'));

async function oneLineError(t: Test, args: string[], message: RegExp, env?: NodeJS.ProcessEnv) {
  const r = await runCli(args, env);
  t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, `one line: ${r.stderr}`);
  t.match(lines[0], message);
  t.notMatch(r.stderr, /\bat .*\.js:\d+/, 'no stack trace');
}

t.test('an unknown test or case', async (t) => {
  await oneLineError(t, ['run', '--test', 'no-such-test'], /^error: unknown test "no-such-test" \(known: ib-reg-refusal, rdma-loopback, dio-vs-truncate, odp-fsdax, longterm-pin-fsdax\)$/);
  await oneLineError(t, ['repro', 'ib-reg-refusal/nope'], /^error: unknown case "ib-reg-refusal\/nope" \(cases: fsdax-ext4, /);
});

t.test('an unknown kernel version', async (t) => {
  await oneLineError(t, ['run', '--kernel', 'debian:9.9.9', '--test', 'ib-reg-refusal'], /^error: no Debian kernel matches "9\.9\.9" \(available: .*6\.1\./);
  await oneLineError(t, ['kernel', 'fetch', 'fedora:40'], /^error: kernel fetch fedora:40: want debian or debian:VERSION$/);
});

t.test('a --kernel path that does not exist, or is no kernel', async (t) => {
  await oneLineError(t, ['run', '--kernel', '/no/such/bzImage', '--test', 'ib-reg-refusal'], /^error: --kernel \/no\/such\/bzImage: no such file$/);
  const junk = join(scratch, 'junk');
  writeFileSync(junk, 'not a kernel');
  await oneLineError(t, ['run', '--kernel', junk, '--test', 'ib-reg-refusal'], /not a bzImage or vmlinux/);
});

t.test('missing host tools, when not allowed to install them', async (t) => {
  const env = { ...process.env, PATH: '/nonexistent' };
  await oneLineError(t, ['repro', '--no-install'], /^error: missing host packages: qemu-system-x86 mmdebstrap .*\(orchestrate setup installs them\)$/, env);
});

t.test('usage errors from the parser', async (t) => {
  await oneLineError(t, ['frobnicate'], /^error: Unknown argument: frobnicate$/);
  await oneLineError(t, ['run'], /^error: Missing required argument: test$/);
  await oneLineError(t, ['run', '--test', 'ib-reg-refusal', '--accel', 'hvf'], /^error: Invalid values:/);
});
