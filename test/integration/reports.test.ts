// The nightly history and reports against the real tools: SQLite migrations and merges
// (better-sqlite3), KCIDB v5 checked by ajv against the schema, JUnit by xmllint against an XSD.
import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import Ajv2020Module from 'ajv/dist/2020.js';
import { junitXml, kcidb, type CaseRow } from '../../orchestrator/core/nightly-report.js';
import { MIGRATIONS, mergeInto, migrate, openDb } from '../../orchestrator/adapters/db.js';
import { ensureHost } from '../../orchestrator/adapters/host.js';
import { writeReports, loadNights } from '../../orchestrator/run/report.js';
import { fixturesDir } from '../../orchestrator/paths.js';
import { NIGHT } from '../night.js';

const dir = mkdtempSync(join(tmpdir(), 'orchestrate-reports-'));

t.test('migrations: a new database gets them all, an old one the rest; WAL', async (t) => {
  const fresh = openDb(join(dir, 'fresh.db'));
  t.equal(fresh.pragma('user_version', { simple: true }), MIGRATIONS.length);
  t.equal(fresh.pragma('journal_mode', { simple: true }), 'wal');
  fresh.close();
  const old = new Database(join(dir, 'old.db'));
  old.exec(MIGRATIONS[0]);
  old.pragma('user_version = 1');
  old.prepare("INSERT INTO nights (plan, night, started) VALUES ('p', '2026-11-01', 'x')").run();
  t.equal(migrate(old), MIGRATIONS.length);
  t.ok((old.prepare('PRAGMA table_info(results)').all() as { name: string }[]).some((c) => c.name === 'run_dir'), 'the later column exists');
  t.equal((old.prepare('SELECT count(*) n FROM nights').get() as { n: number }).n, 1, 'data kept');
  old.close();
});

function store(path: string, night: typeof NIGHT) {
  const db = openDb(path);
  const n = db.prepare('INSERT INTO nights (plan, night, started, base_commit, base_version) VALUES (?,?,?,?,?)').run(night.plan, night.night, night.started, night.baseCommit, night.baseVersion).lastInsertRowid;
  const put = db.prepare(`INSERT INTO results (night_id, series_id, inputs, test, verdict, class, detail, known, kernel, build_seconds, boot_seconds, test_seconds, reused)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`);
  for (const s of night.series) db.prepare('INSERT OR IGNORE INTO series VALUES (?,?,?,?,?,?,?,?)').run(s.id, s.version, s.title, s.messageId, null, JSON.stringify(s.subjects), s.source, night.started);
  const groups: [string | null, CaseRow[]][] = [[null, night.base], ...night.series.map((s): [string, CaseRow[]] => [s.id, s.cases])];
  for (const s of night.series.filter((x) => x.patchcheck)) {
    const p = s.patchcheck!;
    db.prepare('INSERT INTO patchchecks VALUES (?,?,?,?,?,?,?,?,?)').run(`in-${s.id}`, s.id, JSON.stringify(p.tests), p.patch, p.title, p.verdict, p.detail, '[]', night.started);
  }
  for (const [sid, cases] of groups) {
    for (const c of cases) {
      const id = put.run(n, sid, `in-${sid}`, c.test, c.verdict, c.class, c.detail, c.known, c.kernel, c.buildSeconds, c.bootSeconds, c.testSeconds, c.reused ? 1 : 0).lastInsertRowid;
      for (const w of c.warnings) db.prepare('INSERT INTO warnings VALUES (?,?,?,?)').run(id, w.title, w.kind, w.source);
    }
  }
  return db;
}

t.test('nights round-trip through the database, and job databases merge', async (t) => {
  const a = store(join(dir, 'a.db'), NIGHT);
  const [back] = loadNights(a);
  t.same(back.series.map((s) => s.cases.map((c) => c.class)), NIGHT.series.map((s) => s.cases.map((c) => c.class)));
  t.same(back.series[0].cases[0].warnings, NIGHT.series[0].cases[0].warnings);
  t.same(back.series.map((s) => s.patchcheck), NIGHT.series.map((s) => s.patchcheck), 'the patchcheck comes back with its series');
  store(join(dir, 'b.db'), { ...NIGHT, night: '2026-11-26' }).close();
  t.equal(mergeInto(a, join(dir, 'b.db')), 6, 'six results folded in');
  t.equal(mergeInto(a, join(dir, 'b.db')), 0, 'merging again adds nothing');
  t.same(loadNights(a).map((n) => n.night), ['2026-11-25', '2026-11-26']);
  const written = writeReports(join(dir, 'reports'), loadNights(a));
  t.ok(written.some((p) => p.endsWith('index.html')) && written.some((p) => p.endsWith('mail/aaaa.txt')));
  a.close();
});

t.test('KCIDB v5 output validates against the schema (kcidb-io v5.3)', async (t) => {
  const Ajv2020 = (Ajv2020Module as unknown as { default: typeof Ajv2020Module }).default ?? Ajv2020Module;
  const ajv = new (Ajv2020 as any)({ strict: false, validateFormats: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(join(fixturesDir, 'kcidb', 'kcidb-v5.schema.json'), 'utf8')));
  t.ok(validate(kcidb(NIGHT)), JSON.stringify(validate.errors));
  t.ok(validate(JSON.parse(readFileSync(join(fixturesDir, 'kcidb', 'example-valid.json'), 'utf8'))), 'the schema accepts its example');
  const broken = kcidb(NIGHT) as any;
  broken.tests[0].status = 'BROKEN';
  t.notOk(validate(broken), 'and refuses a bad status: the check can fail');
});

t.test('JUnit XML validates against the Jenkins xunit schema', async (t) => {
  await ensureHost([{ probe: 'xmllint', pkg: 'libxml2-utils' }]);
  const file = join(dir, 'junit.xml');
  const xsd = join(fixturesDir, 'junit', 'junit.xsd');
  writeFileSync(file, junitXml(NIGHT));
  t.doesNotThrow(() => execFileSync('xmllint', ['--noout', '--schema', xsd, file], { stdio: 'pipe' }));
  writeFileSync(file, junitXml(NIGHT).replace('<testcase ', '<testcase line="1" '));
  t.throws(() => execFileSync('xmllint', ['--noout', '--schema', xsd, file], { stdio: 'pipe' }), 'a stray attribute is refused');
});
