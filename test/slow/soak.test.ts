// False alarms: every single-guest suite, run after run on a cold boot each, on Debian's 6.1 and on
// the self-built 6.1; no verdict may be unexpected (FAIL, ERROR, CRASH, a warning outside the
// cases), and each case's time spread is kept (slow-results/soak.json) for the record.
import t from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../../orchestrator/core/median.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { writeJson } from '../../orchestrator/adapters/store.js';
import { cacheDir } from '../../orchestrator/paths.js';
import { SUITES } from '../../orchestrator/suites/index.js';
import { isExternal, peerSetupOf } from '../../orchestrator/suites/suite.js';
import { runCli } from '../cli.js';
import { sourceTree } from '../source-tree.js';

const RUNS = Number(process.env.ORCHESTRATE_SOAK_RUNS ?? 10);
const results = join(cacheDir(), 'slow-results');
// fstests has its own slow test (its dax group is 6 minutes a boot) and its source from the environment.
const single = SUITES.filter((s) => !peerSetupOf(s) && !(isExternal(s) && s.bring?.source)).map((s) => s.name);
const UNEXPECTED = new Set(['FAIL', 'ERROR', 'CRASH']);

async function selfBuilt(): Promise<string> {
  const r = await runCli(['build', '--tree', (await sourceTree()).dir]);
  if (r.code !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr.slice(-2000)}`);
  return r.stdout.trim();
}

interface CaseFigures {
  verdicts: Record<string, number>;
  seconds: { min: number; median: number; max: number };
}

function figures(runs: RunResult[]): Record<string, CaseFigures> {
  const names = [...new Set(runs.flatMap((r) => r.tests.map((c) => c.name)))];
  return Object.fromEntries(
    names.map((name) => {
      const cases = runs.flatMap((r) => r.tests.filter((c) => c.name === name));
      const verdicts: Record<string, number> = {};
      for (const c of cases) verdicts[c.verdict] = (verdicts[c.verdict] ?? 0) + 1;
      const s = cases.map((c) => c.seconds);
      const round = (x: number) => Math.round(x * 100) / 100;
      return [
        name,
        { verdicts, seconds: { min: round(Math.min(...s)), median: round(median(s)), max: round(Math.max(...s)) } },
      ];
    }),
  );
}

const soak: Record<string, { runs: number; unexpected: string[]; cases: Record<string, CaseFigures> }> = {};

for (const [label, kernel] of [
  ['debian-6.1', async () => 'debian'],
  ['self-built-6.1', selfBuilt],
] as const) {
  t.test(`${label}: ${RUNS} cold boots of every single-guest suite, no unexpected verdict`, async (t) => {
    const id = await kernel();
    const runs: RunResult[] = [];
    for (let n = 1; n <= RUNS; n++) {
      const json = join(results, `soak-${label}-${n}.json`);
      rmSync(json, { force: true });
      const r = await runCli([
        'run',
        '--kernel',
        id,
        ...single.flatMap((s) => ['--test', s]),
        '--results',
        results,
        '--json',
        json,
      ]);
      // 0 or 1 is a verdict; anything else (bad input, a missing tool) ran nothing worth counting.
      if (r.code !== 0 && r.code !== 1) throw new Error(`run ${n} exited ${r.code}: ${r.stderr.slice(-2000)}`);
      runs.push(JSON.parse(readFileSync(json, 'utf8')) as RunResult);
    }
    const unexpected = runs.flatMap((r, i) => [
      ...r.tests
        .filter((c) => UNEXPECTED.has(c.verdict))
        .map((c) => `run ${i + 1}: ${c.name} ${c.verdict} ${c.reason}`),
      ...r.warnings.map((w) => `run ${i + 1}: warning outside the cases: ${w.title}`),
    ]);
    soak[label] = { runs: RUNS, unexpected, cases: figures(runs) };
    writeJson(join(results, 'soak.json'), soak);
    for (const [name, f] of Object.entries(soak[label].cases)) {
      t.comment(
        `${name}: ${JSON.stringify(f.verdicts)} ${f.seconds.min}–${f.seconds.max} s (median ${f.seconds.median})`,
      );
    }
    t.same(unexpected, [], 'no false alarm');
  });
}
