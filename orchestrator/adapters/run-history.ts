// The durations history: what the runs under a results directory recorded in their results.json.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../core/results.js';
import type { PastRun } from '../core/shard.js';
import { readJsonOr } from './store.js';

/** A run's directory: its id, the UTC time it started (newRunId) and a random tail. */
const RUN_DIR = /^\d{8}T\d{6}-[a-z0-9]+$/;
/** Enough runs for every case's recent durations; reading more only costs time. */
const NEWEST = 200;

const stamp = (at: Date) => at.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');

/** The newest runs in DIR that started before BEFORE, with each case that took any time; oldest first. */
export function pastRuns(dir: string, before: Date): PastRun[] {
  if (!existsSync(dir)) return [];
  const cutoff = stamp(before);
  const ids = readdirSync(dir)
    .filter((d) => RUN_DIR.test(d) && d < cutoff)
    .sort()
    .slice(-NEWEST);
  return ids.flatMap((id) => {
    const r = readJsonOr<RunResult>(join(dir, id, 'results.json'));
    if (!Array.isArray(r?.tests) || r.run?.bootFailure) return [];
    const cases = r.tests.filter((t) => t.seconds > 0).map((t) => ({ name: t.name, seconds: t.seconds }));
    return [{ id, selection: r.run.selection, shard: r.run.shard, cases }];
  });
}
