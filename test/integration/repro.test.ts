// The main job, for real: Debian's 6.1 kernel in QEMU (TCG here), NVDIMM + rxe, ssh2, verbs.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { qemuGone, runCli, scratch } from '../cli.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-test-');
const { dir: tmp, env } = scratch('orchestrate-repro-');
// A cold boot, as on a fresh machine: its timeline is part of what results.json says (the restored
// runs of this guest are snapshot.test's).
const run = await runCli(['repro', '--results', out, '--json', join(out, 'copy.json'), '--no-snapshot'], env);
const result = JSON.parse(readFileSync(join(out, 'copy.json'), 'utf8')) as RunResult;
const byCase = Object.fromEntries(result.tests.map((r) => [r.name.split('/')[1], r]));

t.test('repro exits 0 with five PASS verdicts and a summary line', async (t) => {
  t.equal(run.code, 0, run.stderr);
  t.same(
    result.tests.map((r) => [r.name, r.verdict]),
    [
      ['ib-reg-refusal/fsdax-ext4', 'PASS'],
      ['ib-reg-refusal/fsdax-xfs', 'PASS'],
      ['ib-reg-refusal/devdax', 'PASS'],
      ['ib-reg-refusal/pagecache', 'PASS'],
      ['ib-reg-refusal/anon', 'PASS'],
    ],
  );
  t.match(run.stdout.trim().split('\n').pop(), /^5 PASS in \d+\.\d s$/);
});

t.test('fs-DAX registration is refused with EOPNOTSUPP, the rest registers', async (t) => {
  for (const name of ['fsdax-ext4', 'fsdax-xfs']) {
    t.same(byCase[name].observed, { device: 'rxe0', kind: 'file', dax: true, registered: false, errno: 95 }, name);
    t.match(byCase[name].evidence, [/rdma_rxe: rxe_mr_init_user: Unable to pin memory region err = -95/]);
  }
  t.same(byCase.devdax.observed, { device: 'rxe0', kind: 'dev', dax: true, registered: true, errno: null });
  t.same(byCase.pagecache.observed, { device: 'rxe0', kind: 'file', dax: false, registered: true, errno: null });
  t.same(byCase.anon.observed, { device: 'rxe0', kind: 'anon', dax: null, registered: true, errno: null });
  t.match(
    run.stdout,
    /fsdax-ext4 +PASS[\s\S]*expected: registered=false errno=95 \(EOPNOTSUPP\)[\s\S]*evidence: rdma_rxe/,
  );
});

t.test('results.json describes the run', async (t) => {
  t.match(result.run.kernel.release, /^6\.1\.0-\d+-amd64$/);
  t.match(result.run.kernel.version, /^6\.1\.\d+$/);
  t.match(result.run.accel, /^(tcg|kvm)$/);
  for (const phase of ['kernel', 'image', 'boot', 'tests', 'total'])
    t.type(result.run.durations[phase], 'number', phase);
  t.ok(result.run.boot.init! > 0 && result.run.boot.sshd! > result.run.boot.init!, 'boot milestones in order');
  t.same(result.warnings, [], 'no unexpected warning');
  t.ok(result.run.qemu.argv.some((a) => a.startsWith('user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:')));
  const dir = join(out, result.run.id);
  for (const file of ['results.json', 'console.log', 'dmesg.txt']) t.ok(existsSync(join(dir, file)), file);
  t.match(readFileSync(join(dir, 'console.log'), 'utf8'), /orchestrate-init: sshd started/);
  t.match(readFileSync(join(dir, 'dmesg.txt'), 'utf8'), /Unable to pin memory region err = -95/);
});

t.test('nothing is left running', async (t) => {
  t.same(await qemuGone(tmp), []);
});
