// fstests' dax group through orchestrate, the whole of it: on ext4 and xfs, on Debian's 6.1 and
// 6.12 (a matrix), with every deviation a SKIP or KNOWN that says why; a positive control (6.1
// built with a series that breaks ext4's DAX PTE write faults: generic/437 fails on ext4, not on
// xfs); and a night with that series, classified REGRESSION on exactly that case.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../orchestrator/core/matrix.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { cacheDir } from '../../orchestrator/paths.js';
import { runCli } from '../cli.js';
import { onBase, sourceTree } from '../source-tree.js';
import { withFstests } from '../third-party.js';
import { tempDir } from '../temp.js';

const results = join(cacheDir(), 'slow-results');
const env = withFstests();
const tally = (verdicts: string[]) =>
  Object.entries(verdicts.reduce<Record<string, number>>((n, v) => ({ ...n, [v]: (n[v] ?? 0) + 1 }), {}))
    .map(([v, n]) => `${n} ${v}`)
    .sort()
    .join(', ');

t.test('the dax group on ext4 and xfs, 6.1 and 6.12: every test a verdict, none unexplained', async (t) => {
  const json = join(results, 'fstests-matrix.json');
  const started = performance.now();
  const r = await runCli(
    [
      'run',
      '--kernel',
      'debian:6.1',
      '--kernel',
      'debian:6.12',
      '--test',
      'fstests',
      '--results',
      results,
      '--json',
      json,
    ],
    env,
  );
  const m = JSON.parse(readFileSync(json, 'utf8')) as Matrix;
  t.equal(r.code, 0, r.code === 0 ? 'exit 0' : r.stdout.slice(-4000) + r.stderr.slice(-2000));
  t.equal(m.passed, true);
  t.equal(m.cases.length, 28, 'the dax group: 11 generic tests on each, ext4/030 031 047 and xfs/550-552');
  for (const [k, kernel] of m.kernels.entries()) {
    for (const fs of ['ext4', 'xfs']) {
      const cells = m.cases.flatMap((c, i) =>
        c.startsWith(`fstests/${fs}/`) && m.cells[i][k] ? [m.cells[i][k]!] : [],
      );
      t.equal(cells.length, 14, `${kernel.spec} ${fs}: 14 tests`);
      t.comment(`${kernel.spec} ${fs}: ${tally(cells.map((c) => c.verdict))}`);
      const bad = cells.filter((c) => ['FAIL', 'ERROR', 'CRASH'].includes(c.verdict));
      t.same(
        bad.map((c) => `${c.verdict} ${c.reason}`),
        [],
        'no FAIL, ERROR or CRASH',
      );
    }
  }
  const cell = (name: string, k: number) => m.cells[m.cases.indexOf(`fstests/${name}`)][k]!;
  for (const name of ['xfs/xfs/551', 'xfs/xfs/552']) {
    t.equal(cell(name, 0).verdict, 'SKIP', `6.1 ${name}: reflinked files are not DAX`);
    t.equal(cell(name, 1).verdict, 'PASS', `6.12 ${name}`);
  }
  t.comment(`matrix wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
});

const MMAP_TESTS = ['fstests/*/generic/428', 'fstests/*/generic/437'];

t.test("positive control: a 6.1 whose ext4 DAX write faults are broken fails ext4's generic/437 only", async (t) => {
  const { dir, head } = await sourceTree();
  const series = onBase(join('nightly-fstests', 'series', 'ext4-dax-write-fault.mbox'), head);
  const json = join(results, 'fstests-positive-control.json');
  const r = await runCli(
    [
      'run',
      '--tree',
      dir,
      '--series',
      series,
      ...MMAP_TESTS.flatMap((x) => ['--test', x]),
      '--results',
      results,
      '--json',
      json,
    ],
    env,
  );
  const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  t.equal(r.code, 1, 'the run fails');
  const verdicts = Object.fromEntries(result.tests.map((c) => [c.name, c.verdict]));
  // t_mmap_stale_pmd writes through a PMD fault (ext4_dax_huge_fault(), untouched): only 437 sees it.
  t.same(verdicts, {
    'fstests/ext4/generic/428': 'PASS',
    'fstests/ext4/generic/437': 'FAIL',
    'fstests/xfs/generic/428': 'PASS',
    'fstests/xfs/generic/437': 'PASS',
  });
  for (const c of result.tests.filter((x) => x.verdict === 'FAIL')) {
    t.match(c.reason, /output mismatch/, c.name);
    t.ok(
      c.files?.some((f) => f.endsWith('.out.bad')),
      `${c.name}: its .out.bad is kept`,
    );
    t.comment(`${c.name}: ${c.reason}`);
  }
});

t.test("a night whose series breaks ext4 DAX write faults: REGRESSION on ext4's generic/437 only", async (t) => {
  const source = await sourceTree();
  const fixture = onBase('nightly-fstests', source.head);
  const plan = join(fixture, 'plan.yaml');
  writeFileSync(
    plan,
    readFileSync(plan, 'utf8').replace(
      'tree: linux-source,',
      `tree: linux-source, source: "${source.marker.revision}",`,
    ),
  );
  const dir = tempDir('orchestrate-nightly-fstests-');
  const r = await runCli(
    [
      'nightly',
      '--plan',
      plan,
      '--night',
      '2026-12-03',
      '--db',
      join(dir, 'nightly.db'),
      '--reports',
      join(dir, 'reports'),
      '--results',
      results,
    ],
    env,
  );
  t.equal(r.code, 0, r.stdout.slice(-3000) + r.stderr.slice(-3000));
  const regressed = [...r.stdout.matchAll(/REGRESSION (fstests\/\S+):/g)].map((m) => m[1]).sort();
  t.same(regressed, ['fstests/ext4/generic/437'], r.stdout);
  t.match(r.stdout, /base [0-9a-f]{12} \([\d.]+\): 4 PASS$/m, 'the base passes all four');
});
