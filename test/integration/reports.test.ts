// The nightly history and reports against the real tools: SQLite migrations and merges
// (better-sqlite3), KCIDB v5 checked by ajv against the schema, JUnit by xmllint against an XSD.
import t from 'tap';
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import Ajv2020Module from 'ajv/dist/2020.js';
import { junitXml, kcidb } from '../../orchestrator/core/nightly-report.js';
import { MIGRATIONS, migrate, openDb } from '../../orchestrator/adapters/db.js';
import { mergeInto } from '../../orchestrator/adapters/history.js';
import { ensureHost, NEEDS } from '../../orchestrator/adapters/host.js';
import { writeReports, loadNights } from '../../orchestrator/workflows/report.js';
import { fixturesDir } from '../../orchestrator/paths.js';
import { NIGHT } from '../night.js';
import { storeNight as store } from '../night-db.js';
import { BASE_RUN, MATRIX_RUNS, matrixOf, writeRun } from '../runs.js';
import { runCli } from '../cli.js';
import { tempDir } from '../temp.js';

const dir = tempDir('orchestrate-reports-');

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
  t.ok(
    (old.prepare('PRAGMA table_info(results)').all() as { name: string }[]).some((c) => c.name === 'run_dir'),
    'the later column exists',
  );
  t.equal((old.prepare('SELECT count(*) n FROM nights').get() as { n: number }).n, 1, 'data kept');
  old.close();
});

t.test('nights round-trip through the database, and job databases merge', async (t) => {
  const a = store(join(dir, 'a.db'), NIGHT);
  const [back] = loadNights(a);
  t.same(
    back.series.map((s) => s.cases.map((c) => c.class)),
    NIGHT.series.map((s) => s.cases.map((c) => c.class)),
  );
  t.same(back.series[0].cases[0].warnings, NIGHT.series[0].cases[0].warnings);
  t.same(
    back.series.map((s) => s.patchcheck),
    NIGHT.series.map((s) => s.patchcheck),
    'the patchcheck comes back with its series',
  );
  store(join(dir, 'b.db'), { ...NIGHT, night: '2026-11-26' }).close();
  t.equal(mergeInto(a, join(dir, 'b.db')), 6, 'six results folded in');
  t.equal(mergeInto(a, join(dir, 'b.db')), 0, 'merging again adds nothing');
  t.same(
    loadNights(a).map((n) => n.night),
    ['2026-11-25', '2026-11-26'],
  );
  const written = writeReports(join(dir, 'reports'), loadNights(a));
  t.ok(written.some((p) => p.endsWith('index.html')) && written.some((p) => p.endsWith('mail/aaaa.txt')));
  a.close();
});

t.test(
  "the pages link each case to its run directory, wherever it lies; an older night's placeholder title is mended",
  async (t) => {
    const runs = join(dir, 'elsewhere', 'runs');
    const base = writeRun(join(runs, 'base run'), BASE_RUN);
    const night = {
      ...NIGHT,
      night: '2026-11-27',
      base: NIGHT.base.map((c) => ({ ...c, runDir: base })),
      series: [
        {
          ...NIGHT.series[1],
          id: 'cccc',
          title: '*** SUBJECT HERE ***',
          cases: NIGHT.series[1].cases.map((c) => ({ ...c, runDir: join(runs, 'gone') })),
        },
      ],
    };
    const db = store(join(dir, 'c.db'), night);
    const nights = loadNights(db);
    db.close();
    t.same(
      nights[0].base.map((c) => c.runDir),
      [base, base],
      'run_dir read back',
    );
    t.equal(nights[0].series[0].title, 'a', 'the first patch names the series');
    writeReports(join(dir, 'pages', 'reports'), nights);
    const html = readFileSync(join(dir, 'pages', 'reports', 'index.html'), 'utf8');
    t.match(
      html,
      /<a href="\.\.\/\.\.\/elsewhere\/runs\/base%20run\/console\.log">console\.log<\/a>/,
      'relative to index.html',
    );
    t.match(html, /<td>errno<\/td><td>95 \(EOPNOTSUPP\)<\/td><td>95 \(EOPNOTSUPP\)<\/td>/, 'values from results.json');
    t.match(html, /the run directory [^<]*\/gone is gone/);
  },
);

t.test(
  'report --matrix DIR: the page at DIR/index.html (or --out), one line for a DIR without matrix.json',
  async (t) => {
    const m = join(dir, 'matrix-x');
    const matrix = matrixOf();
    for (const [k, r] of MATRIX_RUNS.entries()) writeRun(join(m, matrix.kernels[k].dir), r.result);
    writeFileSync(join(m, 'matrix.json'), JSON.stringify(matrix));
    const r = await runCli(['report', '--matrix', m]);
    t.equal(r.code, 0, r.stderr);
    t.match(
      readFileSync(join(m, 'index.html'), 'utf8'),
      /<a href="debian-6\.12\.117-1\/console\.log">console\.log<\/a>/,
    );
    t.equal((await runCli(['report', '--matrix', m, '--out', join(dir, 'm.html')])).code, 0);
    t.match(readFileSync(join(dir, 'm.html'), 'utf8'), /<a href="matrix-x\/debian-6\.1\.192-2\/dmesg\.txt">/);
    const bad = await runCli(['report', '--matrix', dir]);
    t.equal(bad.code, 2);
    t.match(
      bad.stderr,
      /^error: --matrix \S+: no matrix\.json there \(orchestrate run with several --kernel writes one\)\n$/,
    );
  },
);

t.test('KCIDB v5 output validates against the schema (kcidb-io v5.3)', async (t) => {
  const Ajv2020 = (Ajv2020Module as unknown as { default: typeof Ajv2020Module }).default ?? Ajv2020Module;
  const ajv = new (Ajv2020 as any)({ strict: false, validateFormats: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(join(fixturesDir, 'kcidb', 'kcidb-v5.schema.json'), 'utf8')));
  t.ok(validate(kcidb(NIGHT)), JSON.stringify(validate.errors));
  t.ok(
    validate(JSON.parse(readFileSync(join(fixturesDir, 'kcidb', 'example-valid.json'), 'utf8'))),
    'the schema accepts its example',
  );
  const broken = kcidb(NIGHT) as any;
  broken.tests[0].status = 'BROKEN';
  t.notOk(validate(broken), 'and refuses a bad status: the check can fail');
});

t.test('JUnit XML validates against the Jenkins xunit schema', async (t) => {
  await ensureHost([NEEDS.xmllint]);
  const file = join(dir, 'junit.xml');
  const xsd = join(fixturesDir, 'junit', 'junit.xsd');
  writeFileSync(file, junitXml(NIGHT));
  t.doesNotThrow(() => execFileSync('xmllint', ['--noout', '--schema', xsd, file], { stdio: 'pipe' }));
  writeFileSync(file, junitXml(NIGHT).replace('<testcase ', '<testcase line="1" '));
  t.throws(
    () => execFileSync('xmllint', ['--noout', '--schema', xsd, file], { stdio: 'pipe' }),
    'a stray attribute is refused',
  );
});
