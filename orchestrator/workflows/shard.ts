// A shard of a run: the selected tests as units, the durations the results directory holds, the
// split (core/shard.ts), and this shard's part of it.
import { caseSeconds, planShards, unitSeconds, type Shard } from '../core/shard.js';
import { pastRuns } from '../adapters/run-history.js';
import { shardUnits } from '../suites/shards.js';

export interface ShardPlan {
  shard: Shard;
  /** Every shard's --test values, in shard order. */
  split: string[][];
  /** This shard's --test values. */
  tests: string[];
  /** How many cases the history knows for this shard and for the whole run, and their estimated seconds. */
  cases: { mine: number; all: number };
  seconds: { mine: number; all: number };
}

/** Shard SHARD of TESTS, balanced by the runs in RESULTS_DIR that started before BEFORE. */
export function planShard(tests: string[], shard: Shard, resultsDir: string, before: Date): ShardPlan {
  const past = pastRuns(resultsDir, before);
  const units = shardUnits(tests, past);
  const seconds = unitSeconds(units, caseSeconds(past));
  const shards = planShards(seconds, shard.count);
  const mine = shards[shard.index - 1];
  const sum = (ix: number[]) => Math.round(ix.reduce((t, i) => t + seconds[i], 0));
  const count = (ix: number[]) => ix.reduce((t, i) => t + Math.max(1, units[i].cases.length), 0);
  return {
    shard,
    split: shards.map((s) => s.flatMap((i) => units[i].patterns)),
    tests: mine.flatMap((i) => units[i].patterns),
    cases: { mine: count(mine), all: count(units.map((_, i) => i)) },
    seconds: { mine: sum(mine), all: sum(units.map((_, i) => i)) },
  };
}

/** One line for the log: which part of the run this shard takes. */
export function describeShard(p: ShardPlan): string {
  const { index, count } = p.shard;
  if (!p.tests.length) return `shard ${index}/${count}: nothing to run (${p.cases.all} cases split ${count} ways)`;
  const { mine, all } = p.seconds;
  return `shard ${index}/${count}: ${p.cases.mine} of ${p.cases.all} cases, about ${mine} of ${all} s by the history`;
}
