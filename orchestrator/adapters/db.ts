// The nightly history in SQLite (better-sqlite3): nights, series, results and their warnings.
// Migrations run in order inside a transaction; WAL lets `orchestrate report` read during a night.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Db = Database.Database;

/** Append only: a released migration is never edited, the next one fixes it. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE nights (
     id INTEGER PRIMARY KEY,
     plan TEXT NOT NULL,
     night TEXT NOT NULL,
     started TEXT NOT NULL,
     finished TEXT,
     base_commit TEXT,
     base_kernel TEXT,
     base_version TEXT,
     UNIQUE (plan, night)
   );
   CREATE TABLE series (
     id TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     title TEXT NOT NULL,
     message_id TEXT,
     base_commit TEXT,
     subjects TEXT NOT NULL,
     source TEXT NOT NULL,
     first_seen TEXT NOT NULL
   );
   CREATE TABLE results (
     id INTEGER PRIMARY KEY,
     night_id INTEGER NOT NULL REFERENCES nights(id),
     series_id TEXT REFERENCES series(id),
     inputs TEXT NOT NULL,
     test TEXT NOT NULL,
     verdict TEXT NOT NULL,
     class TEXT NOT NULL,
     detail TEXT NOT NULL,
     known TEXT,
     kernel TEXT,
     build_seconds REAL,
     boot_seconds REAL,
     test_seconds REAL,
     reused INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX results_inputs ON results (inputs);
   CREATE INDEX results_night ON results (night_id);
   CREATE TABLE warnings (
     result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,
     title TEXT NOT NULL,
     kind TEXT NOT NULL,
     source TEXT NOT NULL
   );`,
  `ALTER TABLE results ADD COLUMN run_dir TEXT;`,
  `CREATE TABLE patchchecks (
     inputs TEXT PRIMARY KEY,
     series_id TEXT NOT NULL REFERENCES series(id),
     tests TEXT NOT NULL,
     patch INTEGER,
     title TEXT,
     verdict TEXT,
     detail TEXT,
     steps TEXT NOT NULL,
     finished TEXT NOT NULL
   );`,
];

export function openDb(path: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** Each step re-reads the version inside an IMMEDIATE transaction: two processes opening a new database don't both migrate. */
export function migrate(db: Db): number {
  db.pragma('busy_timeout = 10000');
  for (let v = 0; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) !== v) return;
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

/** The night's row, made on first use; its id. */
export function openNight(db: Db, plan: string, night: string, started = new Date().toISOString()): number {
  db.prepare('INSERT OR IGNORE INTO nights (plan, night, started) VALUES (?,?,?)').run(plan, night, started);
  return (db.prepare('SELECT id FROM nights WHERE plan = ? AND night = ?').get(plan, night) as { id: number }).id;
}

export function setNightBase(db: Db, nightId: number, base: { commit: string; kernel: string | null; version: string | null }): void {
  db.prepare('UPDATE nights SET base_commit = ?, base_kernel = ?, base_version = ? WHERE id = ?').run(base.commit, base.kernel, base.version, nightId);
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
  db.prepare('INSERT OR IGNORE INTO series (id, version, title, message_id, base_commit, subjects, source, first_seen) VALUES (?,?,?,?,?,?,?,?)')
    .run(s.id, s.version, s.title, s.message_id, s.base_commit, s.subjects, s.source, s.first_seen);
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
  db.prepare('INSERT OR REPLACE INTO patchchecks (inputs, series_id, tests, patch, title, verdict, detail, steps, finished) VALUES (?,?,?,?,?,?,?,?,?)')
    .run(p.inputs, p.series_id, p.tests, p.patch, p.title, p.verdict, p.detail, p.steps, p.finished);
}

const RESULT_COLUMNS = ['night_id', 'series_id', 'inputs', 'test', 'verdict', 'class', 'detail', 'known', 'kernel',
  'build_seconds', 'boot_seconds', 'test_seconds', 'reused', 'run_dir'] as const;

/** A results row as written (the id is the database's). */
export type ResultRow = { [K in (typeof RESULT_COLUMNS)[number]]: K extends 'night_id' | 'build_seconds' | 'boot_seconds' | 'test_seconds' | 'reused' ? number : K extends 'inputs' | 'test' | 'verdict' | 'class' | 'detail' ? string : string | null };

export interface WarningRow {
  title: string;
  kind: string;
  source: string;
}

/** One result and its warnings; the new row's id. */
export function insertResult(db: Db, row: ResultRow, warnings: WarningRow[] = []): number {
  const id = Number(db.prepare(`INSERT INTO results (${RESULT_COLUMNS.join(', ')}) VALUES (${RESULT_COLUMNS.map(() => '?').join(',')})`)
    .run(...RESULT_COLUMNS.map((c) => row[c])).lastInsertRowid);
  for (const w of warnings) db.prepare('INSERT INTO warnings (result_id, title, kind, source) VALUES (?,?,?,?)').run(id, w.title, w.kind, w.source);
  return id;
}

/** The warnings of result FROM (in SCHEMA: main, or an attached database) for result TO. */
export function copyWarnings(db: Db, from: number, to: number, schema = 'main'): void {
  db.prepare(`INSERT INTO warnings (result_id, title, kind, source) SELECT ?, title, kind, source FROM ${schema}.warnings WHERE result_id = ?`).run(to, from);
}

/** Folds another database's nights into this one (job databases of a scaled-out night), migrating it first. */
export function mergeInto(db: Db, other: string): number {
  openDb(other).close();
  db.prepare('ATTACH DATABASE ? AS other').run(other);
  try {
    return db.transaction(() => {
      db.exec('INSERT OR IGNORE INTO nights (plan, night, started, finished, base_commit, base_kernel, base_version) SELECT plan, night, started, finished, base_commit, base_kernel, base_version FROM other.nights');
      db.exec('INSERT OR IGNORE INTO series SELECT * FROM other.series');
      db.exec('INSERT OR IGNORE INTO patchchecks SELECT * FROM other.patchchecks');
      const rows = db.prepare(`SELECT r.*, n.plan, n.night FROM other.results r JOIN other.nights n ON n.id = r.night_id`).all() as (ResultRow & { id: number; plan: string; night: string })[];
      const exists = db.prepare('SELECT 1 FROM results WHERE night_id = ? AND inputs = ? AND test = ?');
      let n = 0;
      for (const r of rows) {
        const nightId = openNight(db, r.plan, r.night);
        if (exists.get(nightId, r.inputs, r.test)) continue;
        copyWarnings(db, r.id, insertResult(db, { ...r, night_id: nightId }), 'other');
        n++;
      }
      return n;
    })();
  } finally {
    db.exec('DETACH DATABASE other');
  }
}
