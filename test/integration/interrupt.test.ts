// No orphans: Ctrl-C or SIGTERM at any phase kills QEMU and removes temp files; even a SIGKILL
// of orchestrate takes QEMU down (setpriv --pdeathsig).
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { finished, newQemuPids, qemuGone, qemuPids, startCli, waitForOutput } from '../cli.js';

function runDirs(): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('orchestrate-run-') || d.startsWith('orchestrate-boot-')));
}

t.test('Ctrl-C while the guest boots', async (t) => {
  const before = qemuPids();
  const dirsBefore = runDirs();
  const child = startCli(['run', '--test', 'ib-reg-refusal/anon', '--results', tmpdir()]);
  const done = finished(child);
  await waitForOutput(child, /booting /, 120_000);
  await new Promise((r) => setTimeout(r, 1500));
  t.ok(newQemuPids(before).length > 0, 'QEMU was running');
  child.kill('SIGINT');
  const r = await done;
  t.equal(r.code, 130);
  t.match(r.stderr, /error: interrupted by SIGINT; QEMU stopped, temp files removed/);
  t.same(await qemuGone(before), [], 'QEMU killed');
  t.same([...runDirs()].filter((d) => !dirsBefore.has(d)), [], 'temp dirs removed');
});

t.test('SIGTERM to `orchestrate boot` once the guest is up', async (t) => {
  const before = qemuPids();
  const child = startCli(['boot']);
  const done = finished(child);
  const ssh = await waitForOutput(child, /ssh -i \S+/, 120_000);
  const workDir = dirname(ssh.split(' ')[2]);
  t.ok(existsSync(workDir));
  child.kill('SIGTERM');
  const r = await done;
  t.equal(r.code, 143);
  t.same(await qemuGone(before), []);
  t.notOk(existsSync(workDir), 'work dir with keys removed');
});

t.test('SIGKILL of orchestrate still takes QEMU down', async (t) => {
  const before = qemuPids();
  const child = startCli(['boot']);
  await waitForOutput(child, /ssh -i \S+/, 120_000);
  t.ok(newQemuPids(before).length > 0);
  child.kill('SIGKILL');
  t.same(await qemuGone(before, 5000), [], 'pdeathsig killed QEMU');
});
