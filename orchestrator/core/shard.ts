// One suite run split across N jobs by case, balanced by how long each case took before. Pure: the
// units a job can be asked to run and what the history says of their cases in, N lists out; every
// unit in exactly one list, and the same lists for the same inputs, so N processes agree on the split.
import { median } from './median.js';

/** Shard INDEX (1-based) of COUNT. */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const [index, count] = [Number(m[1]), Number(m[2])];
  return index >= 1 && index <= count ? { index, count } : undefined;
}

export const shardText = (s: Shard): string => `${s.index}/${s.count}`;

/**
 * What a job can be asked to run (`--test` values) and the cases that covers, as far as they are
 * known: a case of ours, or what an external suite runs as one (blktests runs a test's transports together).
 */
export interface Unit {
  patterns: string[];
  cases: string[];
}

/** A case's seconds when no case of the run has any history: any constant splits by count. */
export const DEFAULT_CASE_SECONDS = 60;

/** How many of a case's newest durations its estimate is the median of. */
const RECENT = 5;

/** A run as its results.json tells it: what was asked, whether it was a shard, each case's seconds. */
export interface PastRun {
  id: string;
  selection?: string[];
  shard?: Shard;
  cases: { name: string; seconds: number }[];
}

/** Each case's estimate: the median of its newest durations (runs in id order, oldest first). */
export function caseSeconds(runs: PastRun[]): Map<string, number> {
  const seen = new Map<string, number[]>();
  for (const run of [...runs].sort((a, b) => a.id.localeCompare(b.id)))
    for (const c of run.cases) seen.set(c.name, [...(seen.get(c.name) ?? []), c.seconds].slice(-RECENT));
  return new Map([...seen].map(([name, s]) => [name, median(s)]));
}

/** Each unit's estimate: its cases' sum; a case (or a unit of unknown cases) never seen counts as the median case. */
export function unitSeconds(units: Unit[], seconds: ReadonlyMap<string, number>): number[] {
  const known = units.flatMap((u) => u.cases.flatMap((c) => (seconds.has(c) ? [seconds.get(c)!] : [])));
  const typical = known.length ? median(known) : DEFAULT_CASE_SECONDS;
  return units.map((u) =>
    (u.cases.length ? u.cases : [undefined]).reduce((t, c) => t + (seconds.get(c!) ?? typical), 0),
  );
}

/**
 * Greedy longest-processing-time first: the longest unit goes to the least loaded shard (ties: the
 * lower index; equal units: the earlier one first). Each shard's unit indices in their original order.
 */
export function planShards(seconds: number[], count: number): number[][] {
  const order = seconds.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s || a.i - b.i);
  const load = new Array<number>(count).fill(0);
  const shards: number[][] = Array.from({ length: count }, () => []);
  for (const { s, i } of order) {
    const least = load.indexOf(Math.min(...load));
    load[least] += s;
    shards[least].push(i);
  }
  return shards.map((s) => s.sort((a, b) => a - b));
}

/** The longest shard's seconds: what the split makes the wall time. */
export function makespan(seconds: number[], shards: number[][]): number {
  return Math.max(...shards.map((s) => s.reduce((t, i) => t + seconds[i], 0)));
}

/**
 * The history a split reads ends where the day of NIGHT (a nightly's YYYY-MM-DD), else today (UTC),
 * began: shards started at different times that day, or a retried one, see the same runs and agree.
 */
export function historyCutoff(night?: string, now = new Date()): Date {
  const day = night && /^\d{4}-\d{2}-\d{2}$/.test(night) ? night : now.toISOString().slice(0, 10);
  return new Date(`${day}T00:00:00Z`);
}

/** A shard job of a night as its database recorded it: JOB is the series it tested ('' for all). */
export interface ShardJob {
  job: string;
  shard: number;
  split: string[][];
  finished: boolean;
}

/** A unit no merged database has a result for, in the base (series null) or a series; why, naming its shard. */
export interface LostUnit {
  series: string | null;
  pattern: string;
  detail: string;
}

/**
 * What the merged night lacks: every unit of the split, for the base and each series a job or a
 * row names, that no row covers. The shard is named, and why: no database of it, a job that did
 * not finish, or one that finished without it. Splits that differ are merged (a unit in its first).
 */
export function lostUnits(
  jobs: ShardJob[],
  rows: { series: string | null; test: string }[],
  covers: (pattern: string, test: string) => boolean,
): LostUnit[] {
  const shardOf = new Map<string, number>();
  for (const j of jobs)
    j.split.forEach((patterns, i) => patterns.forEach((p) => shardOf.has(p) || shardOf.set(p, i + 1)));
  const count = Math.max(0, ...jobs.map((j) => j.split.length));
  const groups = [
    null,
    ...new Set([...jobs.map((j) => j.job).filter(Boolean), ...rows.flatMap((r) => r.series ?? [])]),
  ];
  return groups.flatMap((series) =>
    [...shardOf]
      .filter(([p]) => !rows.some((r) => r.series === series && covers(p, r.test)))
      .map(([pattern, shard]) => ({
        series,
        pattern,
        detail: `shard ${shard}/${count}: ${whyLost(jobs, series, shard)}`,
      })),
  );
}

function whyLost(jobs: ShardJob[], series: string | null, shard: number): string {
  const mine = jobs.filter((j) => j.shard === shard && (series === null || j.job === series || j.job === ''));
  if (!mine.length) return 'no database of its job (the job never ran, or its database was lost)';
  if (!mine.some((j) => j.finished)) return 'its job did not finish';
  return 'its job finished without a result for this';
}
