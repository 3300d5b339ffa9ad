// Bisect on a real history: ten commits on linux-source-6.1, one breaking the build (at the first
// midpoint), one letting fs-DAX pages be pinned long-term (the culprit ib-reg-refusal must find).
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, fixturesDir } from '../../orchestrator/paths.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { runCli } from '../cli.js';
import { newestTwo61 } from '../debian-kernels.js';
import { tempDir } from '../temp.js';
import { gitIn, historyTree, snapshot } from '../git-repo.js';
import { sourceTree } from '../source-tree.js';

const TEST = 'ib-reg-refusal/fsdax-ext4';
const results = join(cacheDir(), 'slow-results');

async function history() {
  return historyTree(
    (await sourceTree()).dir,
    join(fixturesDir, 'bisect', 'gup-regression-history.mbox'),
    'bisect-gup',
  );
}

t.test('bisect names the culprit, skips the commit that does not build, within ⌈log2 N⌉ + 2 builds', async (t) => {
  const h = await history();
  const before = snapshot(h.dir);
  const json = join(results, 'bisect.json');
  const args = [
    'bisect',
    '--tree',
    h.dir,
    '--good',
    h.base,
    '--bad',
    h.tip,
    '--test',
    TEST,
    '--results',
    results,
    '--json',
    json,
  ];
  const r = await runCli(args);
  t.equal(r.code, 0, r.stderr.slice(-3000));
  const culprit = gitIn(h.dir, 'log', '--format=%H', '--grep=let FOLL_LONGTERM pin', `${h.base}..${h.tip}`);
  t.match(r.stdout, new RegExp(`^first bad commit: ${culprit}$`, 'm'));
  const out = JSON.parse(readFileSync(json, 'utf8'));
  t.equal(out.mode, 'regression');
  t.equal(out.culprit.commit, culprit);
  t.equal(out.culprit.subject, 'mm/gup: let FOLL_LONGTERM pin fs-DAX pages');
  const skipped = out.steps.filter((s: { verdict: string }) => s.verdict === 'skip');
  t.same(
    skipped.map((s: { subject: string }) => s.subject),
    ['fs/dax: pass a page hint to dax_layout_busy_page_range()'],
  );
  t.match(skipped[0].reason, /BUILD-FAIL: fs\/dax\.c:\d+:\d+: error: too many arguments/);
  t.ok(out.builds.used <= 6, `${out.builds.used} builds for N = 10 (⌈log2 10⌉ + 2 = 6)`);
  t.equal(out.builds.ideal, 6);
  for (const s of out.steps)
    t.ok(s.seconds.build >= 0 && s.commit.length === 40, `step ${s.commit.slice(0, 12)} ${s.verdict}`);
  t.same(snapshot(h.dir), before, 'the tree is untouched');

  const again = await runCli(args);
  t.equal(again.code, 0);
  t.match(again.stderr, /resuming from .*bisect-[0-9a-f]+\.json: \d+ runs logged/);
  t.notMatch(again.stderr, /testing|checking/, 'nothing run again: the log holds every answer');
  t.equal(JSON.parse(readFileSync(json, 'utf8')).culprit.commit, culprit);
});

t.test('test --exit-code git-bisect: 0, 1 and 125 for git bisect run', async (t) => {
  const h = await history();
  const at = (subject: string) => gitIn(h.dir, 'log', '--format=%H', `--grep=${subject}`, `${h.base}..${h.tip}`);
  const code = async (ref: string) =>
    (
      await runCli([
        'test',
        '--tree',
        h.dir,
        '--ref',
        ref,
        '--test',
        TEST,
        '--exit-code',
        'git-bisect',
        '--results',
        results,
      ])
    ).code;
  t.equal(await code(h.base), 0, 'good');
  t.equal(await code(at('let FOLL_LONGTERM pin')), 1, 'bad');
  t.equal(await code(at('pass a page hint')), 125, 'does not build: skip');
});

t.test(
  'bisect over Debian packages, --runs 3: both ends pass, and it says so; run 2 restored beside run 1 once saved',
  async (t) => {
    const { older, newest, newestVersion } = await newestTwo61();
    const dir = tempDir('orchestrate-bisect-debian-');
    const argv = ['bisect', '--kernels', `debian:${older}..${newest}`, '--test', TEST, '--runs', '3'];
    const r = await runCli([...argv, '--results', dir]);
    t.equal(r.code, 1, r.stderr.slice(-2000));
    t.match(r.stdout, new RegExp(`^the bad end ${newestVersion.replace(/[.~+]/g, '\\$&')} passes`, 'm'));
    t.match(
      r.stderr,
      /checking failing-end \S+ \(2 runs side by side: the others once the first has saved its guest\)/,
    );
    const runs = readdirSync(dir)
      .filter((d) => existsSync(join(dir, d, 'results.json')))
      .map((d) => JSON.parse(readFileSync(join(dir, d, 'results.json'), 'utf8')) as RunResult);
    t.equal(runs.length, 3);
    const at = (x: RunResult) => Date.parse(x.run.started);
    const [first, ...later] = runs.sort((a, b) => at(a) - at(b));
    const use = first.run.snapshot;
    t.ok(
      use?.saved || use?.restored,
      `the first run saved its guest (or restored one saved before): ${JSON.stringify(use)}`,
    );
    t.ok(
      later.every((x) => x.run.snapshot?.restored),
      'the runs after the first restored its guest',
    );
    const firstEnd = at(first) + first.run.durations.total * 1000;
    t.ok(at(later[0]) < firstEnd, 'the second started while the first ran its cases');
    t.ok(
      runs.every((x) => x.passed),
      'each passes',
    );
  },
);
