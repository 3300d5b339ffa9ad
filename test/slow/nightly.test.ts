// A night on linux-source-6.1: the base and two series from a list (one clean, one that lets
// fs-DAX pages be pinned), classified, reported; a second night reuses everything.
import t from 'tap';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../orchestrator/paths.js';
import { runCli } from '../cli.js';
import { onBase, sourceTree } from '../source-tree.js';
import { tempDir } from '../temp.js';

const dir = tempDir('orchestrate-nightly-');
const source = await sourceTree();
/** The fixture plan on the tree under test: its revision pinned, the series' base-commit its commit. */
const fixture = onBase('nightly', source.head);
const plan = join(fixture, 'plan.yaml');
writeFileSync(
  plan,
  readFileSync(plan, 'utf8').replace('tree: linux-source,', `tree: linux-source, source: "${source.marker.revision}",`),
);
const night = (name: string) =>
  runCli([
    'nightly',
    '--plan',
    plan,
    '--night',
    name,
    '--db',
    join(dir, 'nightly.db'),
    '--reports',
    join(dir, 'reports'),
    '--results',
    join(cacheDir(), 'slow-results'),
  ]);

t.test('first night: regressions, the real known bug on base and series, a clean series', async (t) => {
  const r = await night('2026-11-25');
  t.equal(r.code, 0, r.stderr.slice(-3000));
  const base = `base ${source.head.slice(0, 12)} \\(${source.marker.version.replace(/\./g, '\\.')}\\)`;
  t.match(r.stdout, new RegExp(`^dax-rdma-fixture 2026-11-25: ${base}: 5 PASS, 1 KNOWN$`, 'm'));
  t.match(
    r.stdout,
    /^  REGRESSION\s+mm\/gup, dax: long-term pins of fs-DAX \(v2, 3 patches\): 2 REGRESSION, 3 PASS, 1 KNOWN$/m,
  );
  t.match(r.stdout, /REGRESSION ib-reg-refusal\/fsdax-ext4: FAIL: registered: expected false, observed true/);
  t.match(r.stdout, /REGRESSION ib-reg-refusal\/fsdax-xfs: FAIL: registered: expected false, observed true/);
  t.match(
    r.stdout,
    /KNOWN dio-vs-truncate\/ext4-truncate: known: __bio_release_pages\(\) releases O_DIRECT pages .* \(dax-dio-lost-wakeup-6\.1; /,
  );
  t.match(
    r.stdout,
    /^      patchcheck: patch 2\/3 "mm\/gup: let FOLL_LONGTERM pin fs-DAX pages" is the first that breaks it \(FAIL: ib-reg-refusal\/fsdax-ext4, ib-reg-refusal\/fsdax-xfs\)$/m,
    'the regressing series is patchchecked on the regressing tests',
  );
  t.match(
    r.stderr,
    /nightly: patchcheck of "mm\/gup, dax: long-term pins of fs-DAX" on ib-reg-refusal\/fsdax-ext4, ib-reg-refusal\/fsdax-xfs\n/,
  );
  t.match(
    r.stdout,
    /^  KNOWN\s+fs\/dax: say why break-layouts waits for page references \(v1, 1 patches\): 5 PASS, 1 KNOWN$/m,
  );
  t.match(
    r.stderr,
    /known: .*known\/6\.1\.txt is an old expunge file: read as "any failure of each listed case on >=6\.1 <6\.2"/,
    'an old expunge file: read, with a deprecation line',
  );
  const reports = join(dir, 'reports', 'dax-rdma-fixture', '2026-11-25');
  const mails = readdirSync(join(reports, 'mail'));
  t.equal(mails.length, 2);
  const gup = mails.map((m) => readFileSync(join(reports, 'mail', m), 'utf8')).find((m) => /long-term pins/.test(m))!;
  t.match(
    gup,
    /^Subject: Re: \[PATCH v2\] mm\/gup, dax: long-term pins of fs-DAX\nIn-Reply-To: <20261120100000\.1000-0-ada@example\.org>/,
  );
  t.match(readFileSync(join(reports, 'junit.xml'), 'utf8'), /type="REGRESSION"/);
  t.match(JSON.parse(readFileSync(join(reports, 'kcidb.json'), 'utf8')), { version: { major: 5 } });
  t.match(readFileSync(join(dir, 'reports', 'index.html'), 'utf8'), /<svg /);
});

t.test('second night: everything reused, nothing built or booted', async (t) => {
  const r = await night('2026-11-26');
  t.equal(r.code, 0, r.stderr.slice(-3000));
  t.notMatch(r.stderr, /building|booting/);
  t.match(r.stdout, /REGRESSION\s+mm\/gup, dax: long-term pins of fs-DAX \(v2, 3 patches\) \(reused\)/);
  t.match(r.stdout, /patchcheck: patch 2\/3 /, 'the patchcheck is reused too');
  t.match(r.stdout, /KNOWN\s+fs\/dax: say why break-layouts waits for page references \(v1, 1 patches\) \(reused\)/);
  const report = await runCli(['report', '--db', join(dir, 'nightly.db'), '--out', join(dir, 'reports')]);
  t.equal(report.code, 0);
  t.match(
    readFileSync(join(dir, 'reports', 'index.html'), 'utf8'),
    /2026-11-25[\s\S]*2026-11-26|2026-11-26[\s\S]*2026-11-25/,
  );
});
