// The nightly history: every statement on the database (adapters/db.ts holds its schema), one row
// type per table, and the named operations the nightly and the reports use.
import type { Shard, ShardJob } from '../core/shard.js';
import { openDb, type Db } from './db.js';

export interface NightRow {
  id: number;
  plan: string;
  night: string;
  started: string;
  finished: string | null;
  base_commit: string | null;
  base_kernel: string | null;
  base_version: string | null;
}

/** The night's row, made on first use; its id. */
export function openNight(db: Db, plan: string, night: string, started = new Date().toISOString()): number {
  db.prepare('INSERT OR IGNORE INTO nights (plan, night, started) VALUES (?,?,?)').run(plan, night, started);
  return (db.prepare('SELECT id FROM nights WHERE plan = ? AND night = ?').get(plan, night) as { id: number }).id;
}

export function setNightBase(
  db: Db,
  nightId: number,
  base: { commit: string; kernel: string | null; version: string | null },
): void {
  db.prepare('UPDATE nights SET base_commit = ?, base_kernel = ?, base_version = ? WHERE id = ?').run(
    base.commit,
    base.kernel,
    base.version,
    nightId,
  );
}

export interface SeriesRow {
  id: string;
  version: number;
  title: string;
  message_id: string | null;
  base_commit: string | null;
  /** JSON list of the patch subjects. */
  subjects: string;
  source: string;
  first_seen: string;
}

/** A series the first time it is seen; later sightings keep the first. */
export function insertSeries(db: Db, s: SeriesRow): void {
  db.prepare(
    'INSERT OR IGNORE INTO series (id, version, title, message_id, base_commit, subjects, source, first_seen) VALUES (?,?,?,?,?,?,?,?)',
  ).run(s.id, s.version, s.title, s.message_id, s.base_commit, s.subjects, s.source, s.first_seen);
}

export interface PatchcheckRow {
  inputs: string;
  series_id: string;
  /** JSON list of the tests it ran. */
  tests: string;
  patch: number | null;
  title: string | null;
  verdict: string | null;
  detail: string | null;
  /** JSON list of the steps. */
  steps: string;
  finished: string;
}

export function insertPatchcheck(db: Db, p: PatchcheckRow): void {
  db.prepare(
    'INSERT OR REPLACE INTO patchchecks (inputs, series_id, tests, patch, title, verdict, detail, steps, finished) VALUES (?,?,?,?,?,?,?,?,?)',
  ).run(p.inputs, p.series_id, p.tests, p.patch, p.title, p.verdict, p.detail, p.steps, p.finished);
}

const RESULT_COLUMNS = [
  'night_id',
  'series_id',
  'inputs',
  'test',
  'verdict',
  'class',
  'detail',
  'known',
  'kernel',
  'build_seconds',
  'boot_seconds',
  'test_seconds',
  'reused',
  'run_dir',
] as const;

/** A results row as written (the id is the database's). */
export type ResultRow = {
  [K in (typeof RESULT_COLUMNS)[number]]: K extends
    'night_id' | 'build_seconds' | 'boot_seconds' | 'test_seconds' | 'reused'
    ? number
    : K extends 'inputs' | 'test' | 'verdict' | 'class' | 'detail'
      ? string
      : string | null;
};

/** A results row as stored. */
export type StoredResult = ResultRow & { id: number };

export interface WarningRow {
  title: string;
  kind: string;
  source: string;
}

/** One result and its warnings; the new row's id. */
export function insertResult(db: Db, row: ResultRow, warnings: WarningRow[] = []): number {
  const id = Number(
    db
      .prepare(`INSERT INTO results (${RESULT_COLUMNS.join(', ')}) VALUES (${RESULT_COLUMNS.map(() => '?').join(',')})`)
      .run(...RESULT_COLUMNS.map((c) => row[c])).lastInsertRowid,
  );
  for (const w of warnings)
    db.prepare('INSERT INTO warnings (result_id, title, kind, source) VALUES (?,?,?,?)').run(
      id,
      w.title,
      w.kind,
      w.source,
    );
  return id;
}

/** The warnings of result FROM (in SCHEMA: main, or an attached database) for result TO. */
function copyWarnings(db: Db, from: number, to: number, schema = 'main'): void {
  db.prepare(
    `INSERT INTO warnings (result_id, title, kind, source) SELECT ?, title, kind, source FROM ${schema}.warnings WHERE result_id = ?`,
  ).run(to, from);
}

/** Folds another database's nights into this one (job databases of a scaled-out night), migrating it first. */
export function mergeInto(db: Db, other: string): number {
  openDb(other).close();
  db.prepare('ATTACH DATABASE ? AS other').run(other);
  try {
    return db.transaction(() => {
      // A job that tested nothing (an empty shard) knows no base: another job's fills it in.
      db.exec(
        `INSERT INTO nights (plan, night, started, finished, base_commit, base_kernel, base_version)
         SELECT plan, night, started, finished, base_commit, base_kernel, base_version FROM other.nights WHERE true
         ON CONFLICT (plan, night) DO UPDATE SET base_commit = COALESCE(nights.base_commit, excluded.base_commit),
           base_kernel = COALESCE(nights.base_kernel, excluded.base_kernel),
           base_version = COALESCE(nights.base_version, excluded.base_version)`,
      );
      db.exec('INSERT OR IGNORE INTO series SELECT * FROM other.series');
      db.exec('INSERT OR IGNORE INTO patchchecks SELECT * FROM other.patchchecks');
      const rows = db
        .prepare(`SELECT r.*, n.plan, n.night FROM other.results r JOIN other.nights n ON n.id = r.night_id`)
        .all() as (StoredResult & { plan: string; night: string })[];
      const exists = db.prepare('SELECT 1 FROM results WHERE night_id = ? AND inputs = ? AND test = ?');
      let n = 0;
      for (const r of rows) {
        const nightId = openNight(db, r.plan, r.night);
        if (exists.get(nightId, r.inputs, r.test)) continue;
        copyWarnings(db, r.id, insertResult(db, { ...r, night_id: nightId }), 'other');
        n++;
      }
      mergeShards(db);
      return n;
    })();
  } finally {
    db.exec('DETACH DATABASE other');
  }
}

/** The attached database's shard jobs; a job finished in either database is finished. */
function mergeShards(db: Db): void {
  const jobs = db
    .prepare('SELECT s.*, n.plan, n.night FROM other.shards s JOIN other.nights n ON n.id = s.night_id')
    .all() as (ShardRow & { plan: string; night: string })[];
  for (const j of jobs)
    db.prepare(
      `INSERT INTO shards (night_id, job, shard, count, split, started, finished) VALUES (?,?,?,?,?,?,?)
       ON CONFLICT (night_id, job, shard) DO UPDATE SET finished = COALESCE(shards.finished, excluded.finished)`,
    ).run(openNight(db, j.plan, j.night), j.job, j.shard, j.count, j.split, j.started, j.finished);
}

export interface ShardRow {
  night_id: number;
  /** The series the job tested (--only-series), '' for all. */
  job: string;
  shard: number;
  count: number;
  /** JSON: every shard's --test values. */
  split: string;
  started: string;
  finished: string | null;
}

/** A shard job begins (again): its split is kept for the merge to tell what a lost shard held. */
export function startShard(db: Db, nightId: number, job: string, shard: Shard, split: string[][]): void {
  db.prepare(
    `INSERT INTO shards (night_id, job, shard, count, split, started) VALUES (?,?,?,?,?,?)
     ON CONFLICT (night_id, job, shard) DO UPDATE SET count = excluded.count, split = excluded.split,
       started = excluded.started, finished = NULL`,
  ).run(nightId, job, shard.index, shard.count, JSON.stringify(split), new Date().toISOString());
}

export function finishShard(db: Db, nightId: number, job: string, shard: Shard): void {
  db.prepare('UPDATE shards SET finished = ? WHERE night_id = ? AND job = ? AND shard = ?').run(
    new Date().toISOString(),
    nightId,
    job,
    shard.index,
  );
}

export function shardJobsOf(db: Db, nightId: number): ShardJob[] {
  const rows = db.prepare('SELECT * FROM shards WHERE night_id = ? ORDER BY job, shard').all(nightId) as ShardRow[];
  return rows.map((r) => ({ job: r.job, shard: r.shard, split: JSON.parse(r.split), finished: !!r.finished }));
}

/** What the rows of lost shards are stored under: never an inputs hash, so never reused. */
export const LOST_SHARD = 'lost-shard';

/** The night's rows for lost shards, as now computed: the last merge's are replaced. */
export function replaceLostShardRows(db: Db, nightId: number, rows: ResultRow[]): void {
  db.transaction(() => {
    db.prepare('DELETE FROM results WHERE night_id = ? AND inputs = ?').run(nightId, LOST_SHARD);
    for (const r of rows) insertResult(db, r);
  })();
}

export function finishNight(db: Db, nightId: number, at = new Date().toISOString()): void {
  db.prepare('UPDATE nights SET finished = ? WHERE id = ?').run(at, nightId);
}

/**
 * The results of a base (SERIESID null) or a series in this night, with their warnings; a retry in
 * the same night replaces the rows a failed setup (INFRA) left.
 */
export function recordResults(
  db: Db,
  nightId: number,
  seriesId: string | null,
  rows: { row: ResultRow; warnings: WarningRow[] }[],
): void {
  db.transaction(() => {
    db.prepare("DELETE FROM results WHERE night_id = ? AND series_id IS ? AND class = 'INFRA'").run(nightId, seriesId);
    for (const r of rows) insertResult(db, r.row, r.warnings);
  })();
}

/**
 * Rows of an earlier night with the same inputs, copied into this night as reused: true when the
 * night has them (copied now or already there), false when there are none or their setup failed.
 */
export function reuse(db: Db, nightId: number, inputs: string): boolean {
  const earlier = db.prepare('SELECT night_id FROM results WHERE inputs = ? ORDER BY id DESC LIMIT 1').get(inputs) as
    { night_id: number } | undefined;
  if (!earlier) return false;
  if (earlier.night_id === nightId) return true;
  const rows = db
    .prepare('SELECT * FROM results WHERE inputs = ? AND night_id = ?')
    .all(inputs, earlier.night_id) as StoredResult[];
  if (rows.some((r) => r.class === 'INFRA')) return false; // the setup failed that night: try again
  db.transaction(() => {
    for (const r of rows) copyWarnings(db, r.id, insertResult(db, { ...r, night_id: nightId, reused: 1 }));
  })();
  return true;
}

export function hasPatchcheck(db: Db, inputs: string): boolean {
  return !!db.prepare('SELECT 1 FROM patchchecks WHERE inputs = ?').get(inputs);
}

/** The first patchcheck stored under any of INPUTS. */
export function patchcheckFor(db: Db, inputs: string[]): PatchcheckRow | undefined {
  if (!inputs.length) return undefined;
  return db.prepare(`SELECT * FROM patchchecks WHERE inputs IN (${inputs.map(() => '?').join(',')})`).get(...inputs) as
    PatchcheckRow | undefined;
}

/** The results stored under INPUTS in a night. */
export function resultsOf(db: Db, inputs: string, nightId: number): StoredResult[] {
  return db
    .prepare('SELECT * FROM results WHERE inputs = ? AND night_id = ? ORDER BY id')
    .all(inputs, nightId) as StoredResult[];
}

/** Every base result stored under INPUTS, newest first. */
export function baseResults(db: Db, inputs: string): StoredResult[] {
  return db
    .prepare('SELECT * FROM results WHERE inputs = ? AND series_id IS NULL ORDER BY id DESC')
    .all(inputs) as StoredResult[];
}

/** The kernel stored with a result under INPUTS, if one was built. */
export function kernelOf(db: Db, inputs: string): string | undefined {
  return (
    db.prepare('SELECT kernel FROM results WHERE inputs = ? AND kernel IS NOT NULL LIMIT 1').get(inputs) as
      { kernel: string } | undefined
  )?.kernel;
}

export function warningsOf(db: Db, resultId: number): WarningRow[] {
  return db.prepare('SELECT title, kind, source FROM warnings WHERE result_id = ?').all(resultId) as WarningRow[];
}

/** The nights, oldest first; of one plan when given. */
export function nightsOf(db: Db, plan?: string): NightRow[] {
  return db
    .prepare(`SELECT * FROM nights ${plan ? 'WHERE plan = ?' : ''} ORDER BY night`)
    .all(...(plan ? [plan] : [])) as NightRow[];
}

export function resultsOfNight(db: Db, nightId: number): StoredResult[] {
  return db.prepare('SELECT * FROM results WHERE night_id = ? ORDER BY id').all(nightId) as StoredResult[];
}

export function seriesOf(db: Db, id: string): SeriesRow | undefined {
  return db.prepare('SELECT * FROM series WHERE id = ?').get(id) as SeriesRow | undefined;
}
