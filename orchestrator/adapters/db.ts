// The nightly history's SQLite database (better-sqlite3): its schema and opening it. Migrations run in
// order inside a transaction; WAL lets `orchestrate report` read during a night. Every statement on
// it is in adapters/history.ts.
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
  `CREATE TABLE shards (
     night_id INTEGER NOT NULL REFERENCES nights(id),
     job TEXT NOT NULL,
     shard INTEGER NOT NULL,
     count INTEGER NOT NULL,
     split TEXT NOT NULL,
     started TEXT NOT NULL,
     finished TEXT,
     PRIMARY KEY (night_id, job, shard)
   );`,
];

/**
 * How long a statement waits for another process's write (several nightly jobs, a merge, a report
 * on one database) before "database is locked"; set at open, so it covers the switch to WAL too.
 */
const BUSY_MS = 10_000;

export function openDb(path: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: BUSY_MS });
  walMode(db);
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * Switching a new database to WAL takes an exclusive lock without SQLite's busy handler: several
 * processes opening one new database at once get SQLITE_BUSY (measured: 1 in 10 races of four), so
 * the switch is retried as long as a busy statement would wait.
 */
function walMode(db: Db): void {
  const until = Date.now() + BUSY_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > until) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** Each step re-reads the version inside an IMMEDIATE transaction: two processes opening a new database don't both migrate. */
export function migrate(db: Db): number {
  db.pragma(`busy_timeout = ${BUSY_MS}`);
  for (let v = 0; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) !== v) return;
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
