// The second kernel line: Debian's linux-source-6.12 built with our fragments gives the verdicts
// Debian's own 6.12 gives; the kernel's gup selftests from each line's tree (gup_test with the
// selftests fragment; gup_longterm from 6.12, whose fs-DAX cases our expectation overrides);
// bisect over 6.12 packages; a nightly whose base is the 6.12 tree.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../orchestrator/core/matrix.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { cacheDir } from '../../orchestrator/paths.js';
import { availableKernels } from '../../orchestrator/adapters/apt.js';
import { compareVersions } from '../../orchestrator/core/debian.js';
import { runCli } from '../cli.js';
import { sourceTree } from '../source-tree.js';
import { tempDir } from '../temp.js';

const results = join(cacheDir(), 'slow-results');
const SUITES = [
  'ib-reg-refusal',
  'rdma-loopback',
  'dio-vs-truncate',
  'dio-write-vs-truncate',
  'odp-fsdax',
  'longterm-pin-fsdax',
  'rdma-core',
  'rdma-two-guests',
  'rdma-smoke',
];

async function selftests(tree: string, name: string): Promise<RunResult> {
  const json = join(results, `kselftest-gup-${name}.json`);
  const r = await runCli(['run', '--tree', tree, '--test', 'kselftest-gup', '--results', results, '--json', json]);
  if (r.code !== 0) throw new Error(`${name}: exit ${r.code}\n${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
  return JSON.parse(readFileSync(json, 'utf8')) as RunResult;
}

/** The verdicts of each case on each of the matrix's two kernels, added to SEEN. */
function collect(m: Matrix, seen: Map<string, [Set<string>, Set<string>]>): void {
  m.cases.forEach((name, i) => {
    const sets = seen.get(name) ?? [new Set<string>(), new Set<string>()];
    for (const k of [0, 1] as const) if (m.cells[i][k]) sets[k].add(m.cells[i][k]!.verdict);
    seen.set(name, sets);
  });
}

/** Cases whose verdicts on the two kernels never met: what an option set differently would give. */
const apart = (seen: Map<string, [Set<string>, Set<string>]>) =>
  [...seen].filter(([, [a, b]]) => ![...a].some((v) => b.has(v))).map(([name]) => name);

t.test("self-built 6.12 gives the verdicts Debian's 6.12 gives, case by case", async (t) => {
  const tree = (await sourceTree('6.12')).dir;
  const json = join(results, 'lines-6.12.json');
  const r = await runCli([
    'run',
    '--tree',
    tree,
    '--kernel',
    'debian:6.12',
    ...SUITES.flatMap((s) => ['--test', s]),
    '--results',
    results,
    '--json',
    json,
  ]);
  t.equal(r.code, 0, r.stdout.slice(-4000) + r.stderr.slice(-2000));
  const m = JSON.parse(readFileSync(json, 'utf8')) as Matrix;
  t.same(
    m.kernels.map((k) => k.source),
    ['build', 'debian'],
  );
  t.ok(m.cases.length > 300, `${m.cases.length} cases`);
  const seen = new Map<string, [Set<string>, Set<string>]>();
  collect(m, seen);
  // A case that depends on timing (test_resize_cq on 6.12's rxe) differs by chance: run what differs
  // again on both kernels; an option set differently shows the same difference every time.
  for (let again = 1; again <= 3 && apart(seen).length; again++) {
    const rerun = join(results, `lines-6.12-again-${again}.json`);
    const kernels = m.kernels.flatMap((k) => ['--kernel', k.id]);
    const a = await runCli([
      'run',
      ...kernels,
      ...apart(seen).flatMap((c) => ['--test', c]),
      '--results',
      results,
      '--json',
      rerun,
    ]);
    t.ok(existsSync(rerun), a.stderr.slice(-2000));
    const before = apart(seen);
    collect(JSON.parse(readFileSync(rerun, 'utf8')) as Matrix, seen);
    const timing = before.filter((c) => !apart(seen).includes(c));
    if (timing.length)
      t.comment(`differ by timing, not by config (both verdicts seen on one kernel): ${timing.join(', ')}`);
  }
  t.same(apart(seen), [], 'no case depends on an option the two configs set differently');
});

t.test(
  'kselftest-gup on a 6.12 tree: gup_test runs, gup_longterm states what the kernel refuses on fs-DAX',
  async (t) => {
    const result = await selftests((await sourceTree('6.12')).dir, '6.12');
    const by = (re: RegExp) => result.tests.filter((c) => re.test(c.name));
    t.same(
      by(/\/gup_test\//).map((c) => c.verdict),
      ['PASS', 'PASS', 'PASS'],
      'CONFIG_GUP_TEST came with the selftests fragment',
    );
    const refused = by(
      /gup_longterm\/fsdax-ext4\/.*-longterm-gup-(?:fast-)?pin-in-map_shared-.*local-tmpfile$|gup_longterm\/fsdax-ext4\/.*-longterm-gup-pin-in-map_private-.*local-tmpfile$/,
    );
    t.equal(refused.length, 6);
    for (const c of refused) {
      t.equal(c.verdict, 'PASS', c.name);
      t.same(
        c.observed,
        { result: 'fail', message: 'PIN_LONGTERM_TEST_START failed' },
        `${c.name}: the kernel refused, the test called it a failure`,
      );
      t.match(c.note, /our expectation overrides the suite's rule/);
    }
    for (const place of ['fsdax-ext4', 'tmpfs', 'ext4'])
      t.ok(by(new RegExp(`gup_longterm/${place}/`)).length >= 30, `${place}: each case ran there`);
    t.same(
      result.tests.filter((c) => !['PASS', 'SKIP'].includes(c.verdict)).map((c) => c.name),
      [],
    );
  },
);

t.test('kselftest-gup on a 6.1 tree: gup_test runs; 6.1 has no gup_longterm, so its runs SKIP saying so', async (t) => {
  const result = await selftests((await sourceTree()).dir, '6.1');
  t.same(
    result.tests.filter((c) => c.name.includes('/gup_test/')).map((c) => c.verdict),
    ['PASS', 'PASS', 'PASS'],
  );
  const longterm = result.tests.filter((c) => c.name.includes('/gup_longterm/'));
  t.equal(longterm.length, 3);
  for (const c of longterm) t.match(c, { verdict: 'SKIP', reason: /needs: .*gup_longterm missing/ });
});

t.test('bisect over Debian 6.12 packages: both ends pass, and it says so', async (t) => {
  const twelve = (await availableKernels())
    .filter((k) => k.version.startsWith('6.12.'))
    .sort((a, b) => compareVersions(a.debVersion, b.debVersion));
  const [oldest, newest] = [twelve[0], twelve[twelve.length - 1]];
  const r = await runCli([
    'bisect',
    '--kernels',
    `debian:${oldest.version}..${newest.version}`,
    '--test',
    'ib-reg-refusal/fsdax-ext4',
    '--results',
    results,
  ]);
  t.equal(r.code, 1, r.stderr.slice(-2000));
  t.match(r.stdout, new RegExp(`^the bad end ${newest.debVersion.replace(/[.~+]/g, '\\$&')} passes`, 'm'));
});

t.test('a night whose base is the 6.12 tree', async (t) => {
  const dir = tempDir('orchestrate-night-612-');
  mkdirSync(join(dir, 'series'));
  writeFileSync(
    join(dir, 'plan.yaml'),
    'name: dax-rdma-612\nbase: { tree: linux-source, source: "6.12", ref: HEAD }\nseries: { dir: series }\ntests: [ib-reg-refusal]\n',
  );
  const r = await runCli([
    'nightly',
    '--plan',
    join(dir, 'plan.yaml'),
    '--night',
    '2026-12-01',
    '--db',
    join(dir, 'n.db'),
    '--reports',
    join(dir, 'reports'),
    '--results',
    results,
  ]);
  t.equal(r.code, 0, r.stderr.slice(-2000));
  t.match(r.stdout, /^dax-rdma-612 2026-12-01: base [0-9a-f]{12} \(6\.12\.\d+\): 5 PASS$/m);
});
