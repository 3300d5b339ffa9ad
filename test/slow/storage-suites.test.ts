// ndctl's tests and blktests through orchestrate, the whole of them, on Debian's 6.1 and 6.12 (a
// matrix each): every test a verdict, every FAIL or ERROR one the test says why. ndctl's whole suite
// on our 6.1 with nfit_test, and the positive controls: the same tree whose fs-DAX never maps a PMD
// fails ndctl's PMD fault tests, not the others; our 6.1 with blktests' modules passes NVMe-oF over
// rxe and over loop, the same tree with rxe losing receive completions fails rdma, not loop.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../orchestrator/core/matrix.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { cacheDir } from '../../orchestrator/paths.js';
import { runCli } from '../cli.js';
import { onBase, sourceTree } from '../source-tree.js';
import { withBlktests, withNdctl } from '../third-party.js';

const results = join(cacheDir(), 'slow-results');
const env = withBlktests(withNdctl());
const tally = (verdicts: string[]) =>
  Object.entries(verdicts.reduce<Record<string, number>>((n, v) => ({ ...n, [v]: (n[v] ?? 0) + 1 }), {}))
    .map(([v, n]) => `${n} ${v}`)
    .sort()
    .join(', ');

async function matrix(suite: string): Promise<{ code: number | null; m: Matrix; out: string }> {
  const json = join(results, `${suite}-matrix.json`);
  const r = await runCli(
    ['run', '--kernel', 'debian:6.1', '--kernel', 'debian:6.12', '--test', suite, '--results', results, '--json', json],
    env,
  );
  return { code: r.code, m: JSON.parse(readFileSync(json, 'utf8')) as Matrix, out: r.stdout + r.stderr.slice(-2000) };
}

for (const suite of ['ndctl', 'blktests']) {
  t.test(`${suite} on Debian 6.1 and 6.12: every test a verdict, none unexplained`, async (t) => {
    const started = performance.now();
    const { code, m, out } = await matrix(suite);
    t.equal(code, 0, code === 0 ? 'exit 0' : out);
    for (const [k, kernel] of m.kernels.entries()) {
      const cells = m.cells.flatMap((row) => (row[k] ? [row[k]!] : []));
      t.comment(`${kernel.spec}: ${cells.length} tests: ${tally(cells.map((c) => c.verdict))}`);
      t.ok(
        cells.some((c) => c.verdict === 'PASS'),
        `${kernel.spec}: something was tested`,
      );
      const bad = cells.filter((c) => ['FAIL', 'ERROR', 'CRASH'].includes(c.verdict));
      t.same(
        bad.map((c) => `${c.verdict} ${c.reason}`),
        [],
        'no FAIL, ERROR or CRASH',
      );
    }
    t.comment(`${suite} matrix: ${Math.round((performance.now() - started) / 1000)} s`);
  });
}

async function kernel(series?: string, config?: string): Promise<string> {
  const { dir, head } = await sourceTree();
  const r = await runCli([
    'build',
    ...['--tree', dir],
    ...(series ? ['--series', onBase(join('series', series), head)] : []),
    ...(config ? ['--config', config] : []),
  ]);
  if (r.code !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr.slice(-2000)}`);
  return r.stdout.trim();
}

const DAX_PMD = ['dax/dax-ext4.sh', 'dax/dax-xfs.sh'];
const UNTOUCHED = 'dax/revoke-devmem';

async function ndctl(id: string, tests: string[]): Promise<RunResult> {
  const json = join(results, `ndctl-${id}.json`);
  const selection = tests.length ? tests.flatMap((c) => ['--test', `ndctl/${c}`]) : ['--test', 'ndctl'];
  await runCli(['run', '--kernel', id, ...selection, '--results', results, '--json', json], env);
  return JSON.parse(readFileSync(json, 'utf8')) as RunResult;
}

const verdictOf = (r: RunResult, c: string) => r.tests.find((x) => x.name === `ndctl/${c}`);

t.test('ndctl on our 6.1 with nfit_test, then fs-DAX that never maps a PMD fails the PMD tests only', async (t) => {
  const started = performance.now();
  const good = await ndctl(await kernel(undefined, 'nfit-test'), []);
  t.comment(`ndctl on nfit_test: ${good.tests.length} tests: ${tally(good.tests.map((c) => c.verdict))}`);
  t.comment(`${Math.round((performance.now() - started) / 1000)} s`);
  t.ok(verdictOf(good, 'ndctl/libndctl')?.verdict === 'PASS', 'nfit_test loaded: libndctl ran and passed');
  t.same(
    good.tests.filter((c) => ['FAIL', 'ERROR', 'CRASH'].includes(c.verdict)).map((c) => `${c.name}: ${c.reason}`),
    [],
    'no FAIL, ERROR or CRASH',
  );
  const broken = await ndctl(await kernel('dax-pmd-fault-fallback.patch', 'nfit-test'), [...DAX_PMD, UNTOUCHED]);
  for (const c of DAX_PMD) {
    t.equal(verdictOf(good, c)?.verdict, 'PASS', `${c} on our 6.1: ${verdictOf(good, c)?.reason}`);
    t.equal(
      verdictOf(broken, c)?.verdict,
      'FAIL',
      `${c} with every PMD fault falling back: ${verdictOf(broken, c)?.reason}`,
    );
  }
  for (const r of [good, broken])
    t.equal(verdictOf(r, UNTOUCHED)?.verdict, 'PASS', `${UNTOUCHED} faults no fs-DAX PMD`);
});

// Tests that connect a host to the target (nvme/006 only sets a target up: no rxe traffic).
const NVME = ['nvme/003', 'nvme/004', 'nvme/008'];

async function nvmeTests(id: string): Promise<RunResult> {
  const json = join(results, `blktests-control-${id}.json`);
  await runCli(
    ['run', '--kernel', id, ...NVME.flatMap((c) => ['--test', `blktests/${c}`]), '--results', results, '--json', json],
    env,
  );
  return JSON.parse(readFileSync(json, 'utf8')) as RunResult;
}

t.test('positive control: rxe that loses receive completions fails NVMe-oF over rdma, not over loop', async (t) => {
  const good = await nvmeTests(await kernel(undefined, 'blktests'));
  const broken = await nvmeTests(await kernel('rxe-drop-recv-completions.patch', 'blktests'));
  const verdicts = (r: RunResult, transport: string) =>
    r.tests.filter((c) => c.name.includes(`/tr_${transport}`)).map((c) => `${c.name} ${c.verdict}`);
  for (const transport of ['rdma', 'loop']) {
    t.ok(verdicts(good, transport).length >= 3, `${transport}: nvme/003, 004 and 008 on our 6.1`);
    t.ok(
      verdicts(good, transport).every((v) => v.endsWith(' PASS')),
      `${transport} on our 6.1: ${verdicts(good, transport)}`,
    );
  }
  t.ok(
    verdicts(broken, 'rdma').every((v) => v.endsWith(' FAIL')),
    `rdma with receive completions lost: ${verdicts(broken, 'rdma')}`,
  );
  t.ok(
    verdicts(broken, 'loop').every((v) => v.endsWith(' PASS')),
    `loop does not use rxe: ${verdicts(broken, 'loop')}`,
  );
});
