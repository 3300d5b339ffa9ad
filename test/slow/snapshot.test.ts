// Snapshots against cold boots, on Debian's 6.1: every single-guest suite cold, then saved (after
// its setup), then restored, with the same verdicts and observations case by case; then the soak:
// 100 restored repros in a row and 20 cold ones, no unexpected verdict, no QEMU left, and the
// cache no bigger than the snapshot (slow-results/snapshot-soak.json keeps the figures).
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../../orchestrator/core/median.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { removeTree } from '../../orchestrator/adapters/lifecycle.js';
import { snapshotsDir } from '../../orchestrator/adapters/snapshot-store.js';
import { writeJson } from '../../orchestrator/adapters/store.js';
import { cacheDir } from '../../orchestrator/paths.js';
import { SUITES } from '../../orchestrator/suites/index.js';
import { isExternal, peerSetupOf } from '../../orchestrator/suites/suite.js';
import { qemuGone, scratch, startCli, finished } from '../cli.js';

const results = join(cacheDir(), 'slow-results');
// fstests, ndctl and blktests have their own slow tests (minutes to hours a boot).
const single = SUITES.filter((s) => !peerSetupOf(s) && !isExternal(s)).map((s) => s.name);
const UNEXPECTED = new Set(['FAIL', 'ERROR', 'CRASH']);
const SOAK = Number(process.env.ORCHESTRATE_SNAPSHOT_SOAK ?? 100);
const COLD = Number(process.env.ORCHESTRATE_SNAPSHOT_COLD ?? 20);

async function run(args: string[]): Promise<{ result: RunResult; stderr: string; leftovers: number[] }> {
  const { dir, env } = scratch('orchestrate-snapshot-slow-');
  const json = join(dir, 'r.json');
  const r = await finished(startCli([...args, '--results', join(dir, 'results'), '--json', json], env));
  if (!existsSync(json)) throw new Error(`no results (${r.code}): ${r.stderr.slice(-2000)}`);
  return {
    result: JSON.parse(readFileSync(json, 'utf8')) as RunResult,
    stderr: r.stderr,
    leftovers: await qemuGone(dir),
  };
}

/** Timings (io_ms, truncate_wait_ms, bandwidths) differ run to run, cold or restored alike. */
const TIMING = /_(ms|us|s|mb_s)$/;
const untimed = (o: unknown) =>
  o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).filter(([k]) => !TIMING.test(k))) : o;

/** What a verdict rests on: each case's name, verdict, reason and its observation, timings aside. */
const judged = (r: RunResult) =>
  r.tests.map((c) => ({ name: c.name, verdict: c.verdict, reason: c.reason, observed: untimed(c.observed) }));

/** Bytes the cache takes on disk, its slow-results (this tier's own records) aside. */
function bytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.parentPath.startsWith(results))
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).blocks * 512, 0);
}

for (const suite of single) {
  t.test(`${suite}: cold, saved and restored judge alike`, async (t) => {
    const cold = await run(['run', '--test', suite, '--no-snapshot']);
    const saved = await run(['run', '--test', suite, '--snapshot']);
    if (saved.result.run.snapshot?.restored) {
      removeTree(join(snapshotsDir(), saved.result.run.snapshot.key));
      Object.assign(saved, await run(['run', '--test', suite, '--snapshot']));
    }
    t.match(saved.result.run.snapshot, { restored: false }, saved.stderr.slice(-1000));
    const restored = await run(['run', '--test', suite]);
    t.match(restored.result.run.snapshot, { restored: true }, restored.stderr.slice(-1000));
    t.same(judged(saved.result), judged(cold.result), 'saving');
    t.same(judged(restored.result), judged(cold.result), 'restored');
    t.same([...cold.leftovers, ...saved.leftovers, ...restored.leftovers], []);
  });
}

t.test(`${SOAK} restored repros and ${COLD} cold ones: no unexpected verdict, nothing left behind`, async (t) => {
  await run(['repro', '--snapshot']);
  const before = bytes(cacheDir());
  const figures: Record<string, number[]> = { restored: [], cold: [] };
  const unexpected: string[] = [];
  for (const [kind, count, extra] of [
    ['restored', SOAK, []],
    ['cold', COLD, ['--no-snapshot']],
  ] as const) {
    for (let n = 1; n <= count; n++) {
      const started = performance.now();
      const r = await run(['repro', ...extra]);
      figures[kind].push((performance.now() - started) / 1000);
      if (kind === 'restored' && !r.result.run.snapshot?.restored) unexpected.push(`${kind} ${n}: booted cold`);
      for (const c of r.result.tests)
        if (UNEXPECTED.has(c.verdict)) unexpected.push(`${kind} ${n}: ${c.name} ${c.verdict} ${c.reason}`);
      if (r.result.warnings.length)
        unexpected.push(`${kind} ${n}: ${r.result.warnings.map((w) => w.title).join('; ')}`);
      if (r.leftovers.length) unexpected.push(`${kind} ${n}: QEMU left running (${r.leftovers.join(' ')})`);
    }
  }
  const growth = bytes(cacheDir()) - before;
  const record = {
    restored: { runs: SOAK, median: median(figures.restored), max: Math.max(...figures.restored) },
    cold: { runs: COLD, median: median(figures.cold), max: Math.max(...figures.cold) },
    cacheGrowthBytes: growth,
    unexpected,
  };
  writeJson(join(results, 'snapshot-soak.json'), record);
  t.comment(JSON.stringify(record));
  t.same(unexpected, [], 'every repro as expected');
  t.ok(growth < 16 << 20, `the cache grew ${growth} bytes (results live outside it)`);
});
