// blktests through orchestrate on Debian's two lines, a fixed few of nvme/ and srp/ (the whole
// groups are in test/slow/storage-suites.test.ts): blktests from ../shared/third_party
// (ORCHESTRATE_BLKTESTS), built on the host once, run by its own check with NVMe-oF over rxe and
// over loop. Each test and condition its own verdict, its kernel lines, blktests' files kept.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../orchestrator/core/matrix.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { runCli } from '../cli.js';
import { withBlktests } from '../third-party.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-blktests-');
const json = join(out, 'matrix.json');
const run = await runCli(
  [
    'run',
    // Both lines at once, for npm test's 20 minutes: 85 s here against 113 s one after the other.
    ...['--kernel', 'debian:6.1', '--kernel', 'debian:6.12', '--jobs', '2'],
    // A glob on the test: check gets the tree's tests it matches (nvme/003 alone), not the group.
    ...['--test', 'blktests/nvme/006', '--test', 'blktests/nvme/003*'],
    ...['--results', out, '--json', json],
  ],
  withBlktests(),
);
const m = JSON.parse(readFileSync(json, 'utf8')) as Matrix;
const cell = (name: string, k: number) => m.cells[m.cases.indexOf(`blktests/${name}`)]?.[k];
const runDir = (k: number) => join(out, `matrix-${m.id}`, m.kernels[k].dir);

t.test('NVMe-oF over rxe: one verdict per test and transport on both lines; exit 0', async (t) => {
  t.equal(run.code, 0, run.stdout + run.stderr.slice(-2000));
  const tests = new Set(m.cases.map((c) => c.split('/').slice(1, 3).join('/')));
  t.same([...tests].sort(), ['nvme/003', 'nvme/006'], 'the tests asked for, and no others');
  for (const k of [0, 1]) {
    for (const c of ['nvme/003/tr_rdma', 'nvme/006/tr_rdma_bd_device', 'nvme/006/tr_rdma_bd_file'])
      t.equal(cell(c, k)?.verdict, 'PASS', `${m.kernels[k].spec} ${c}`);
  }
});

t.test("loop: Debian's 6.1 has no NVME_TARGET_LOOP, 6.12 has", async (t) => {
  t.same(
    [cell('nvme/006/tr_loop_bd_file', 0)?.verdict, cell('nvme/006/tr_loop_bd_file', 0)?.reason],
    ['SKIP', 'driver nvme_loop is not available'],
    "blktests' own reason",
  );
  t.equal(cell('nvme/006/tr_loop_bd_file', 1)?.verdict, 'PASS');
});

t.test("each test's files and kernel lines are its own", async (t) => {
  const r = JSON.parse(readFileSync(join(runDir(0), 'results.json'), 'utf8')) as RunResult;
  t.match(r.run.sources?.blktests.commit, /^[0-9a-f]{40}$/, 'the blktests commit the run used');
  const test = r.tests.find((c) => c.name === 'blktests/nvme/006/tr_rdma_bd_file')!;
  const status = test.files?.find((f) => f.endsWith('nodev_tr_rdma_bd_file/nvme/006'));
  t.ok(status && existsSync(join(runDir(0), status)), `its status file: ${status}`);
  t.match(readFileSync(join(runDir(0), status!), 'utf8'), /^status\tpass$/m, 'which says pass too');
  const dmesg = readFileSync(join(runDir(0), 'dmesg.txt'), 'utf8');
  t.match(dmesg, /run blktests nvme\/006 at /, 'check marks each test in the kernel log');
  t.match(dmesg, /nvmet_rdma: enabling port/, 'the target listened on rxe');
});
