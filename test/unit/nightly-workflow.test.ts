// A night end to end (a real git tree, series as mbox files, the SQLite history, the reports'
// reading of it) against a tester with a scripted history of verdicts: no kernel is built or booted.
import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSeries, splitMbox } from '../../orchestrator/core/series.js';
import type { Plan } from '../../orchestrator/core/nightly.js';
import { openDb } from '../../orchestrator/adapters/db.js';
import { runNight, type NightOptions } from '../../orchestrator/workflows/nightly.js';
import { loadNights, recordLostShards } from '../../orchestrator/workflows/report.js';
import { mergeInto, openNight, shardJobsOf, startShard } from '../../orchestrator/adapters/history.js';
import { commitFile, gitIn } from '../git-repo.js';
import { ScriptedTester, type Call, type Scripted } from '../fake-tester.js';
import { tempDir } from '../temp.js';

const EXT4 = 'ib-reg-refusal/fsdax-ext4';
const XFS = 'ib-reg-refusal/fsdax-xfs';

/** A tree with a base on master and one branch per series; each series as an mbox in a directory. */
function world() {
  const tree = tempDir('orchestrate-night-tree-');
  gitIn(tree, 'init', '-q', '-b', 'master');
  commitFile(tree, 'dax.c', 'int dax;\n', 'dax: base');
  const dir = tempDir('orchestrate-night-series-');
  const series: Record<string, string> = {};
  const branch = (name: string, subjects: string[]) => {
    gitIn(tree, 'checkout', '-q', '-b', name, 'master');
    subjects.forEach((s, i) => commitFile(tree, `${name}.c`, `int ${name}${i};\n`, s));
    const mbox = gitIn(tree, 'format-patch', '--stdout', '--base=master', `master..${name}`);
    writeFileSync(join(dir, `${name}.mbox`), `${mbox}\n`);
    series[name] = parseSeries(splitMbox(readFileSync(join(dir, `${name}.mbox`), 'utf8'))).id;
  };
  branch('regresses', ['gup: pin fs-DAX pages', BREAKS]);
  branch('clean', ['dax: comment']);
  branch('nobuild', ['dax: typo']);
  branch('lost', ['dax: lost']);
  gitIn(tree, 'checkout', '-q', 'master');
  return { tree, dir, series };
}

function options(
  w: ReturnType<typeof world>,
  night: string,
  db = openDb(join(tempDir('orchestrate-night-db-'), 'n.db')),
  tests = [EXT4, XFS],
) {
  const plan: Plan = {
    name: 'unit',
    base: { tree: w.tree, ref: 'master' },
    series: { dir: w.dir },
    tests,
    config: [],
    runs: 1,
    patchcheck: true,
  };
  const lines: string[] = [];
  const o: NightOptions = {
    loaded: { plan, resolvePath: (p) => p },
    db,
    night,
    accel: 'tcg',
    install: false,
    resultsDir: tempDir('orchestrate-night-results-'),
    log: (l) => lines.push(l),
  };
  return { o, db, lines };
}

const BREAKS = 'dax: skip the wait for pinned pages';

/** The scripted kernels: one with the patch BREAKS fails ext4. */
function scriptFor(series: Record<string, string>) {
  return (call: Call): Scripted => {
    if (call.series === series.nobuild) return { stage: 'BUILD-FAIL' };
    if (call.series === series.lost) throw new Error('ssh: the guest closed the connection');
    if (call.patches?.includes(BREAKS)) {
      return {
        cases: {
          [EXT4]: {
            verdict: 'FAIL',
            reason: 'registered: expected refused',
            warning: 'WARNING in dax_disassociate_entry',
          },
        },
      };
    }
    return {};
  };
}

const classes = (cases: { test: string; class: string }[]) => Object.fromEntries(cases.map((c) => [c.test, c.class]));

t.test(
  'a night: base, a series that regresses (its patch named), a clean one, one that does not build, one lost',
  async (t) => {
    const w = world();
    const tester = new ScriptedTester(scriptFor(w.series));
    const { o, db } = options(w, '2026-12-01');
    const summary = await runNight(o, tester);
    t.equal(summary.arrivals.length, 4);
    t.match(summary.arrivals.find((a) => a.arrival.series.id === w.series.lost)?.error, /guest closed/);
    const [night] = loadNights(db, 'unit');
    t.same(classes(night.base), { [EXT4]: 'PASS', [XFS]: 'PASS' });
    const seriesView = (name: string) => night.series.find((s) => s.id === w.series[name])!;
    t.same(classes(seriesView('regresses').cases), { [EXT4]: 'REGRESSION', [XFS]: 'PASS' });
    t.same(
      seriesView('regresses')
        .cases.find((c) => c.test === EXT4)
        ?.warnings.map((x) => x.title),
      ['WARNING in dax_disassociate_entry'],
    );
    t.match(seriesView('regresses').patchcheck, { tests: [EXT4], patch: 2, title: BREAKS, verdict: 'FAIL' });
    t.same(classes(seriesView('clean').cases), { [EXT4]: 'PASS', [XFS]: 'PASS' });
    t.same(classes(seriesView('nobuild').cases), { [EXT4]: 'BUILD-FAIL', [XFS]: 'BUILD-FAIL' });
    t.same(classes(seriesView('lost').cases), { [EXT4]: 'INFRA', [XFS]: 'INFRA' });
    const regresses = tester.calls
      .filter((c) => c.patches?.[0] === 'gup: pin fs-DAX pages')
      .map((c) => [c.patches!.length, c.tests]);
    t.same(
      regresses,
      [
        [2, [EXT4, XFS]],
        [1, [EXT4]],
        [2, [EXT4]],
      ],
      'the series, then patchcheck on the regressing test',
    );
    t.ok(night.finished, 'the night is finished');
  },
);

t.test(
  'the next night with the same inputs reuses every result but the lost series; another verdict key runs all',
  async (t) => {
    const w = world();
    const first = new ScriptedTester(scriptFor(w.series));
    const { o, db } = options(w, '2026-12-01');
    await runNight(o, first);

    const second = new ScriptedTester(scriptFor(w.series));
    const again = await runNight({ ...o, night: '2026-12-02' }, second);
    t.same(
      second.calls.map((c) => c.series),
      [w.series.lost],
      'only the series that was lost is run again',
    );
    t.same(
      again.arrivals
        .filter((a) => a.reused)
        .map((a) => a.arrival.series.id)
        .sort(),
      [w.series.regresses, w.series.clean, w.series.nobuild].sort(),
    );
    const nights = loadNights(db, 'unit');
    const tonight = nights.find((n) => n.night === '2026-12-02')!;
    const regresses = tonight.series.find((s) => s.id === w.series.regresses)!;
    t.same(classes(regresses.cases), { [EXT4]: 'REGRESSION', [XFS]: 'PASS' }, 'a reused result keeps its class');
    t.ok(regresses.cases.every((c) => c.reused));
    t.equal(regresses.patchcheck?.patch, 2, 'the patchcheck is found, not run again');

    const changed = new ScriptedTester(scriptFor(w.series), 'verdicts-2');
    await runNight({ ...o, night: '2026-12-03' }, changed);
    const ran = new Set(changed.calls.map((c) => c.series ?? 'base'));
    t.same(
      ['base', ...Object.values(w.series)].filter((x) => !ran.has(x)),
      [],
      'new verdict rules: base and every series again',
    );
  },
);

t.test('a series that makes a case stop running is UNTESTED, and patchcheck names the patch', async (t) => {
  const w = world();
  const tester = new ScriptedTester((call) => {
    if (call.patches?.includes(BREAKS)) return { cases: { [XFS]: 'SKIP' } };
    return call.series === w.series.lost ? { stage: 'APPLY-FAIL' } : {};
  });
  const { o, db } = options(w, '2026-12-01');
  await runNight(o, tester);
  const [night] = loadNights(db, 'unit');
  const regresses = night.series.find((s) => s.id === w.series.regresses)!;
  t.same(classes(regresses.cases), { [EXT4]: 'PASS', [XFS]: 'UNTESTED' });
  t.match(regresses.patchcheck, { patch: 2, verdict: 'UNTESTED' });
  t.same(classes(night.series.find((s) => s.id === w.series.lost)!.cases), {
    [EXT4]: 'APPLY-FAIL',
    [XFS]: 'APPLY-FAIL',
  });
});

t.test('a base that does not build: every series is judged against nothing, never called FIXED', async (t) => {
  const w = world();
  const tester = new ScriptedTester((call) => (call.series ? {} : { stage: 'BUILD-FAIL' }));
  const { o, db } = options(w, '2026-12-01');
  await runNight(o, tester);
  const [night] = loadNights(db, 'unit');
  t.same(classes(night.base), { [EXT4]: 'BUILD-FAIL', [XFS]: 'BUILD-FAIL' });
  for (const s of night.series)
    t.notOk(
      s.cases.some((c) => c.class === 'FIXED'),
      `${s.title}: no FIXED over a base that never ran`,
    );
});

const FOUR = [EXT4, XFS, 'ib-reg-refusal/devdax', 'ib-reg-refusal/pagecache'];
const newDb = (name: string) => join(tempDir('orchestrate-shard-db-'), `${name}.db`);

/** Yesterday's run in the results directory: ext4 took as long as the other three together, and more. */
function history(resultsDir: string): void {
  const dir = join(resultsDir, '20261130T010000-aaaa');
  mkdirSync(dir);
  const seconds: Record<string, number> = { [EXT4]: 40, [XFS]: 10, 'ib-reg-refusal/devdax': 10 };
  const tests = Object.entries(seconds).map(([name, s]) => ({ name, seconds: s }));
  writeFileSync(join(dir, 'results.json'), JSON.stringify({ run: { selection: FOUR }, tests }));
}

/** Each series (and the base) as "SERIES|TEST|CLASS" lines, sorted: the night as the reports see it. */
function caseSet(db: ReturnType<typeof openDb>): string[] {
  const [night] = loadNights(db, 'unit');
  return [
    ...night.base.map((c) => `base|${c.test}|${c.class}`),
    ...night.series.flatMap((s) => s.cases.map((c) => `${s.id}|${c.test}|${c.class}`)),
  ].sort();
}

/** A night split in two: a job per series and shard, each into its own database, as --emit has it run. */
async function shardedJobs(w: ReturnType<typeof world>, resultsDir: string) {
  const dbs = new Map<string, string>();
  const calls: Call[] = [];
  for (const series of Object.values(w.series))
    for (const index of [1, 2]) {
      const path = newDb(`job-${series}-${index}`);
      const tester = new ScriptedTester(scriptFor(w.series));
      const { o } = options(w, '2026-12-01', openDb(path), FOUR);
      await runNight({ ...o, resultsDir, onlySeries: series, shard: { index, count: 2 } }, tester);
      o.db.close();
      calls.push(...tester.calls);
      dbs.set(`${series} ${index}`, path);
    }
  return { dbs, calls };
}

t.test('a night split in two shards per series, its databases merged, is the night one machine runs', async (t) => {
  const w = world();
  const whole = options(w, '2026-12-01', undefined, FOUR);
  history(whole.o.resultsDir);
  await runNight(whole.o, new ScriptedTester(scriptFor(w.series)));
  const { dbs, calls } = await shardedJobs(w, whole.o.resultsDir);
  t.same(
    [...new Set(calls.filter((c) => !c.series).map((c) => c.tests.join(' ')))],
    [EXT4, [XFS, 'ib-reg-refusal/devdax', 'ib-reg-refusal/pagecache'].join(' ')],
    'the base in two shards balanced by yesterday: ext4 alone, the rest together',
  );
  const merged = openDb(newDb('nightly'));
  for (const path of dbs.values()) mergeInto(merged, path);
  t.same(recordLostShards(merged), [], 'no shard lost');
  t.same(caseSet(merged), caseSet(whole.db), 'the same cases, the same classes');
  t.equal(caseSet(merged).length, 5 * FOUR.length, 'the base and four series, four cases each, once');
});

t.test('a shard whose database is missing, or whose job died: its cases are INFRA, the shard named', async (t) => {
  const w = world();
  const { o } = options(w, '2026-12-01', undefined, FOUR);
  history(o.resultsDir);
  const { dbs } = await shardedJobs(w, o.resultsDir);
  const late = dbs.get(`${w.series.regresses} 2`)!;
  const died = newDb('died');
  {
    const db = openDb(died);
    const split = shardJobsOf(openDb(dbs.get(`${w.series.clean} 2`)!), 1)[0].split;
    startShard(db, openNight(db, 'unit', '2026-12-01'), w.series.clean, { index: 2, count: 2 }, split);
    db.close();
  }
  const merged = openDb(newDb('nightly'));
  for (const [key, path] of dbs)
    if (key !== `${w.series.regresses} 2` && key !== `${w.series.clean} 2`) mergeInto(merged, path);
  mergeInto(merged, died);
  const lines = recordLostShards(merged);
  t.equal(lines.length, 6, `three cases of shard 2, in two series: ${lines.join('; ')}`);
  const [night] = loadNights(merged, 'unit');
  const lost = (name: string) =>
    night.series.find((s) => s.id === w.series[name])!.cases.filter((c) => c.class === 'INFRA');
  t.same(
    lost('regresses').map((c) => [c.test, c.detail]),
    [XFS, 'ib-reg-refusal/devdax', 'ib-reg-refusal/pagecache'].map((test) => [
      test,
      'shard 2/2: no database of its job (the job never ran, or its database was lost)',
    ]),
  );
  t.same(
    lost('clean').map((c) => c.detail),
    Array(3).fill('shard 2/2: its job did not finish'),
  );
  t.notOk(
    night.base.some((c) => c.class === 'INFRA'),
    "the base's shard 2 came from the other series' jobs",
  );
  mergeInto(merged, late);
  t.equal(recordLostShards(merged).length, 3, 'the late database merged: only the dead job is still lost');
  t.notOk(
    loadNights(merged, 'unit')[0]
      .series.find((s) => s.id === w.series.regresses)!
      .cases.some((c) => c.class === 'INFRA'),
    'its INFRA rows gave way to its results',
  );
});
