// fstests through orchestrate on Debian's two lines, a fixed few of the dax group (the whole group
// is in test/slow/fstests.test.ts): fstests from ../shared/third_party (ORCHESTRATE_FSTESTS), built
// on the host once, run by its own check on two fs-DAX namespaces. Each test its own verdict from
// check's line, its own kernel lines, and fstests' files kept with the run.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../orchestrator/core/matrix.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { runCli } from '../cli.js';
import { withFstests } from '../third-party.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-fstests-');
const json = join(out, 'matrix.json');
const CASES = ['ext4/generic/413', 'xfs/xfs/550', 'xfs/xfs/551', 'xfs/generic/470'];
const run = await runCli(
  [
    'run',
    '--kernel',
    'debian:6.1',
    '--kernel',
    'debian:6.12',
    // Both lines at once, for npm test's 20 minutes: 167 s here against 253 s one after the other.
    '--jobs',
    '2',
    ...CASES.flatMap((c) => ['--test', `fstests/${c}`]),
    '--results',
    out,
    '--json',
    json,
  ],
  withFstests(),
);
const m = JSON.parse(readFileSync(json, 'utf8')) as Matrix;
const cell = (name: string, k: number) => m.cells[m.cases.indexOf(`fstests/${name}`)][k]!;
const runDir = (k: number) => join(out, `matrix-${m.id}`, m.kernels[k].dir);
const runOf = (k: number) => JSON.parse(readFileSync(join(runDir(k), 'results.json'), 'utf8')) as RunResult;

t.test('one verdict per selected test and kernel; exit 0', async (t) => {
  t.equal(run.code, 0, run.stdout + run.stderr.slice(-2000));
  t.same([...m.cases].sort(), CASES.map((c) => `fstests/${c}`).sort());
  t.equal(m.passed, true);
  for (const k of [0, 1]) {
    t.equal(cell('ext4/generic/413', k).verdict, 'PASS', `${m.kernels[k].spec}: dio from a DAX mmap`);
    t.equal(cell('xfs/xfs/550', k).verdict, 'PASS', `${m.kernels[k].spec}: memory failure on DAX xfs`);
    t.same(
      [cell('xfs/generic/470', k).verdict, cell('xfs/generic/470', k).reason],
      ['SKIP', 'This test requires a valid $LOGWRITES_DEV'],
      "fstests' own reason",
    );
  }
});

t.test('xfs/551 on 6.1: a reflinked file is not DAX there, so the test cannot see what it claims', async (t) => {
  const on61 = cell('xfs/xfs/551', 0);
  t.equal(on61.verdict, 'SKIP');
  t.match(on61.reason, /xfs_inode_supports_dax\(\) returns false for xfs_is_reflink_inode\(\)/);
  t.equal(cell('xfs/xfs/551', 1).verdict, 'PASS', '6.12 maps reflinked files with DAX: the test passes');
});

t.test("each test's kernel lines are its own, and fstests' files are kept with the run", async (t) => {
  const r = runOf(0);
  t.match(r.run.sources?.fstests.commit, /^[0-9a-f]{40}$/, 'the fstests commit the run used');
  const test = (name: string) => r.tests.find((c) => c.name === `fstests/${name}`)!;
  const dir = runDir(0);
  const full = test('xfs/xfs/551').files?.find((f) => f.endsWith('551.full'));
  t.ok(full && existsSync(join(dir, full)), `the .full of xfs/551: ${full}`);
  t.ok(
    test('xfs/xfs/551').files?.some((f) => f.endsWith('551.out.bad')),
    'and its .out.bad',
  );
  t.match(readFileSync(join(dir, 'fstests-xfs-check.out'), 'utf8'), /^Ran: /m, "check's whole output");
  const dmesg = readFileSync(join(dir, 'dmesg.txt'), 'utf8');
  t.match(dmesg, /run fstests xfs\/551 at /, 'check marks each test in the kernel log');
  t.match(dmesg, /recovery action for clean LRU page/, 'the poisoned page was a page-cache page, not DAX');
});
