// A guest that never reaches SSH is an ERROR with the last console lines; a panic is a CRASH.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { qemuGone, runCli, scratch } from '../cli.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-bootfail-');

async function run(name: string, extra: string[]) {
  const json = join(out, `${name}.json`);
  const { dir, env } = scratch('orchestrate-bootfail-tmp-');
  const r = await runCli(['run', '--test', 'ib-reg-refusal/anon', '--results', out, '--json', json, ...extra], env);
  return { ...r, tmp: dir, result: JSON.parse(readFileSync(json, 'utf8')) as RunResult };
}

t.test('no SSH: ERROR (boot) with the last console lines', async (t) => {
  // A shell as init waits on the console forever: the kernel is fine, the guest never answers.
  const r = await run('no-ssh', ['--append', 'rdinit=/bin/sh', '--boot-timeout', '15']);
  t.equal(r.code, 1);
  t.equal(r.result.tests[0].verdict, 'ERROR');
  t.equal(r.result.tests[0].reason, 'boot: no SSH within 15 s (sshd never started)');
  const tail =
    /boot failed: .*\n((?: {2}.*\n)+)/
      .exec(r.stderr)?.[1]
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(2)) ?? [];
  const console = readFileSync(join(/results: (.*)/.exec(r.stderr)![1], 'console.log'), 'utf8');
  t.ok(tail.length >= 5, `the last console lines follow (${tail.length})`);
  t.ok(console.includes(tail.at(-1)!), "the last of them is the console's");
  t.match(console, /Run \/bin\/sh as init process/, 'the guest reached its shell');
  t.same(await qemuGone(r.tmp), []);
});

t.test('a panic during boot: CRASH with the panic title', async (t) => {
  const r = await run('panic', ['--append', 'rdinit=/no/such/init', 'root=/dev/nowhere', '--boot-timeout', '60']);
  t.equal(r.code, 1);
  t.equal(r.result.tests[0].verdict, 'CRASH');
  t.match(r.result.tests[0].reason, /^boot: guest crashed: Kernel panic - not syncing: /);
  t.ok(r.result.run.durations.boot < 60, 'QEMU exit on panic ends the wait, not the timeout');
  t.notOk(
    r.result.warnings.some((w) => r.result.tests[0].reason.endsWith(w.title)),
    'the panic is not also an unexpected warning',
  );
  t.same(await qemuGone(r.tmp), []);
});

t.test('a boot whose console goes silent is booted again once, then an ERROR naming the last line', async (t) => {
  const r = await run('stall', ['--append', 'rdinit=/bin/sh', '--stall-timeout', '4', '--boot-timeout', '100']);
  t.equal(r.code, 1);
  t.match(r.stderr, /boot stalled: no console output for 4 s after ".*"; booting again/);
  t.match(r.result.tests[0].reason, /^boot: boot stalled twice: no console output for 4 s after "[ -~]+"$/);
  t.ok(
    r.result.run.durations.boot < 40,
    `two stalls end the wait well before the boot timeout (${r.result.run.durations.boot} s)`,
  );
  t.same(await qemuGone(r.tmp), []);
});
