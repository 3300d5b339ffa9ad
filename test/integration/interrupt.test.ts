// No orphans: Ctrl-C or SIGTERM at any phase kills QEMU and removes temp files; even a SIGKILL
// of orchestrate takes QEMU down (setpriv --pdeathsig).
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { finished, qemuGone, qemuPids, scratch, sleep, startCli, waitForOutput } from '../cli.js';
import { tempDir } from '../temp.js';

t.test('Ctrl-C while the guest boots', async (t) => {
  const { dir, env } = scratch('orchestrate-int-');
  const results = tempDir('orchestrate-int-results-');
  // A cold boot: a restored guest would be up, and the case judged, before the interrupt.
  const child = startCli(['run', '--test', 'ib-reg-refusal/anon', '--results', results, '--no-snapshot'], env);
  const done = finished(child);
  await waitForOutput(child, /booting /, 120_000);
  await sleep(1500);
  t.ok(qemuPids(dir).length > 0, 'our QEMU was running');
  child.kill('SIGINT');
  const r = await done;
  t.equal(r.code, 130);
  t.match(r.stderr, /error: interrupted by SIGINT; QEMU stopped, temp files removed/);
  t.same(await qemuGone(dir), [], 'QEMU killed');
  t.same(readdirSync(dir), [], 'temp files removed');
});

t.test('SIGTERM to `orchestrate boot` once the guest is up', async (t) => {
  const { dir, env } = scratch('orchestrate-int-');
  const child = startCli(['boot'], env);
  const done = finished(child);
  const ssh = await waitForOutput(child, /ssh -i \S+/, 120_000);
  const workDir = dirname(ssh.split(' ')[2]);
  t.ok(existsSync(workDir) && workDir.startsWith(dir));
  child.kill('SIGTERM');
  const r = await done;
  t.equal(r.code, 143);
  t.same(await qemuGone(dir), []);
  t.same(readdirSync(dir), [], 'work dir with keys removed');
});

t.test('SIGKILL of orchestrate still takes QEMU down', async (t) => {
  const { dir, env } = scratch('orchestrate-int-');
  const child = startCli(['boot'], env);
  await waitForOutput(child, /ssh -i \S+/, 120_000);
  t.ok(qemuPids(dir).length > 0);
  child.kill('SIGKILL');
  t.same(await qemuGone(dir, 5000), [], 'pdeathsig killed QEMU');
});
