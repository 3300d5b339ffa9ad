// The bisect workflow end to end (range from a real git tree, the log, resume, the report) against
// a tester with a scripted history of verdicts: no kernel is built or booted.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InterruptedError } from '../../orchestrator/errors.js';
import { DEFAULTS } from '../../orchestrator/core/bisect.js';
import { bisect, type BisectLog, type BisectRequest } from '../../orchestrator/workflows/bisect.js';
import { commitFile, gitIn } from '../git-repo.js';
import { ScriptedTester, type Call, type Script, type Scripted } from '../fake-tester.js';
import { tempDir } from '../temp.js';

const TEST = 'ib-reg-refusal/fsdax-ext4';

/** A linear history of N commits; their hashes, oldest first. */
function history(n: number): { dir: string; commits: string[] } {
  const dir = tempDir('orchestrate-bisect-');
  gitIn(dir, 'init', '-q', '-b', 'master');
  const commits = Array.from({ length: n }, (_, i) => commitFile(dir, 'dax.c', `int v${i};\n`, `dax: step ${i}`));
  return { dir, commits };
}

function request(
  dir: string,
  commits: string[],
  more: Partial<BisectRequest> = {},
): BisectRequest & { lines: string[] } {
  const lines: string[] = [];
  return {
    tree: dir,
    good: commits[0],
    bad: commits[commits.length - 1],
    fix: false,
    tests: [TEST],
    options: { ...DEFAULTS },
    resultsDir: tempDir('orchestrate-bisect-results-'),
    accel: 'tcg',
    install: false,
    log: (line) => lines.push(line),
    lines,
    ...more,
  };
}

const FAIL: Scripted = { cases: { [TEST]: { verdict: 'FAIL', reason: 'registered: expected refused' } } };
const PASS: Scripted = {};

/** Commit I of COMMITS, as the script sees it. */
const indexIn = (commits: string[]) => (call: Call) => commits.indexOf(call.ref!);

t.test('the culprit is found past a build failure, a boot crash and a case that stops running', async (t) => {
  const { dir, commits } = history(16);
  const at = indexIn(commits);
  const tester = new ScriptedTester((call) => {
    const i = at(call);
    if (i === 7) return { stage: 'BUILD-FAIL' };
    if (i === 8) return { cases: { [TEST]: 'SKIP' } };
    if (i === 10) return { bootCrash: 'BUG: kernel NULL pointer dereference, address: 0000000000000000' };
    return i >= 12 ? FAIL : PASS;
  });
  const req = request(dir, commits, { tests: [TEST, 'ib-reg-refusal/fsdax-xfs'] });
  const report = await bisect(req, tester);
  t.equal(report.status, 'found');
  t.equal(report.culprit, commits[12]);
  t.equal(report.culpritInfo?.subject, 'dax: step 12', 'the subject read from the tree');
  t.same(report.signature, [`${TEST}:FAIL`]);
  const refs = tester.calls.map((c) => c.ref);
  t.equal(new Set(refs).size, refs.length, 'no commit tested twice (--runs 1)');
  t.ok(refs.length <= Math.ceil(Math.log2(15)) + 2 + 3, `${refs.length} commits tested`);
  const skipped = report.steps.filter((s) => s.verdict === 'skip').map((s) => s.reason);
  t.match(
    skipped,
    [/^BUILD-FAIL: scripted/, new RegExp(`^stopped running: ${TEST} SKIP`), /^does not boot: kernel crashed: BUG/],
    'each kind of skip met on the way, with its reason',
  );
  t.equal(report.builds.used, refs.length);
  const log = JSON.parse(readFileSync(report.log, 'utf8')) as BisectLog;
  t.equal(log.runs.length, refs.length, 'every run logged');
});

t.test('an untestable commit next to the culprit leaves both as the answer', async (t) => {
  const { dir, commits } = history(10);
  const at = indexIn(commits);
  const report = await bisect(
    request(dir, commits),
    new ScriptedTester((call) => {
      const i = at(call);
      return i === 5 ? { stage: 'BUILD-FAIL' } : i >= 6 ? FAIL : PASS;
    }),
  );
  t.equal(report.status, 'range');
  t.same(report.candidates, [commits[5], commits[6]]);
});

t.test(
  'a flaky failure: passing commits are run until the miss is unlikely; an infra error is tried again',
  async (t) => {
    const { dir, commits } = history(10);
    const at = indexIn(commits);
    const flaky: Script = (call, attempt) => {
      const i = at(call);
      if (i === 2 && attempt === 0)
        return { cases: { [TEST]: { verdict: 'ERROR', reason: 'guest lost: ssh closed' } } };
      return i >= 6 && attempt % 3 !== 2 ? FAIL : PASS;
    };
    const tester = new ScriptedTester(flaky);
    const report = await bisect(request(dir, commits, { options: { ...DEFAULTS, runs: 3 } }), tester);
    t.equal(report.status, 'found');
    t.equal(report.culprit, commits[6]);
    t.ok(report.failRate > 0 && report.failRate < 1, `fail rate ${report.failRate}`);
    t.ok(report.confidence >= DEFAULTS.confidence, `confidence ${report.confidence}`);
    const runsOf = (i: number) => tester.calls.filter((c) => c.ref === commits[i]).length;
    const passing = report.steps.filter((s) => s.verdict === 'good').map((s) => commits.indexOf(s.commit));
    t.ok(passing.length > 0);
    for (const i of passing) t.ok(runsOf(i) > 3, `passing commit ${i} ran ${runsOf(i)} times`);
    if (tester.calls.some((c) => c.ref === commits[2])) t.ok(runsOf(2) >= 2, 'the infra error was run again');
    const step2 = report.steps.find((s) => s.commit === commits[2]);
    if (step2) t.equal(step2.verdict, 'good', 'an infra error is not a verdict');
  },
);

t.test('a bisect stopped midway resumes from its log; another verdict key starts again', async (t) => {
  const { dir, commits } = history(32);
  const at = indexIn(commits);
  const script: Script = (call) => (at(call) >= 20 ? FAIL : PASS);
  const req = request(dir, commits);
  const first = new ScriptedTester((call, attempt) => {
    if (first.calls.length === 4) throw new InterruptedError('SIGINT');
    return script(call, attempt);
  });
  await t.rejects(bisect(req, first), InterruptedError);
  t.equal(first.calls.length, 4, 'stopped while testing the fourth commit');
  const before = first.calls.slice(0, 3).map((c) => c.ref);

  const second = new ScriptedTester(script);
  const report = await bisect(req, second);
  t.equal(report.culprit, commits[20]);
  t.match(req.lines.join('\n'), /resuming from .*: 3 runs logged/);
  const again = second.calls.map((c) => c.ref).filter((r) => before.includes(r));
  t.same(again, [], 'no logged commit is tested again');

  const other = new ScriptedTester(script, 'verdicts-2');
  const fresh = await bisect(req, other);
  t.equal(fresh.culprit, commits[20]);
  t.not(fresh.log, report.log, 'another key, another log');
  t.ok(
    other.calls.some((c) => before.includes(c.ref!)),
    'changed verdict rules test again',
  );
});

t.test('--fix finds the first commit where the test passes', async (t) => {
  const { dir, commits } = history(12);
  const at = indexIn(commits);
  const req = request(dir, commits, { fix: true, good: commits[11], bad: commits[0] });
  const report = await bisect(req, new ScriptedTester((call) => (at(call) >= 8 ? PASS : FAIL)));
  t.equal(report.status, 'found');
  t.equal(report.culprit, commits[8]);
});

t.test('ends that do not hold: the good end fails', async (t) => {
  const { dir, commits } = history(6);
  const tester = new ScriptedTester(() => FAIL);
  const report = await bisect(request(dir, commits), tester);
  t.equal(report.status, 'check-failed');
  t.match(report.message, /the good end .* fails/);
  t.equal(tester.calls.length, 2, 'only the ends were tested');
});

/**
 * A tester whose runs take time: each boots, then (a test) saves its guest halfway; counts the runs
 * under way at once, and those started before the first run of their commit had saved.
 */
class TimedTester extends ScriptedTester {
  running = 0;
  most = 0;
  /** Runs started while the first of their commit was booting (not yet saved). */
  early = 0;
  /** Runs started while the first of their commit, saved, was still running. */
  beside = 0;
  private readonly leads = new Map<string, 'booting' | 'saved' | 'done'>();

  override async built(...args: Parameters<ScriptedTester['built']>) {
    const [build, run] = args;
    const ref = build.ref!;
    const lead = this.leads.get(ref);
    if (lead === 'booting') this.early++;
    if (lead === 'saved') this.beside++;
    if (!lead) this.leads.set(ref, 'booting');
    const outcome = await super.built(...args);
    this.running++;
    this.most = Math.max(this.most, this.running);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (!lead && outcome.result) {
        this.leads.set(ref, 'saved');
        run.snapshotSettled?.();
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      return outcome;
    } finally {
      this.running--;
      if (!lead) this.leads.set(ref, 'done');
    }
  }
}

t.test(
  '--runs 3 --jobs 2: two runs of a commit at once, the second once the first has saved; each logged',
  async (t) => {
    const { dir, commits } = history(8);
    const at = indexIn(commits);
    const tester = new TimedTester((call) => (at(call) >= 5 ? FAIL : PASS));
    const req = request(dir, commits, { options: { ...DEFAULTS, runs: 3, jobs: 2 } });
    const report = await bisect(req, tester);
    t.equal(report.culprit, commits[5]);
    t.equal(tester.most, 2);
    t.equal(tester.early, 0, 'no run started before the first of its commit had saved its guest');
    t.ok(tester.beside > 0, 'runs started beside the first of their commit, once it had saved');
    t.match(
      req.lines.join('\n'),
      /checking failing-end \w+ \(2 runs side by side: the others once the first has saved its guest\)/,
    );
    const log = JSON.parse(readFileSync(report.log, 'utf8')) as BisectLog;
    t.equal(log.runs.length, tester.calls.length, 'every run is in the log');
    t.equal(log.runs.filter((r) => r.commit === commits[7]).length, 3);
  },
);

t.test('a first run that tested nothing (the build failed) starts no others of its commit', async (t) => {
  const { dir, commits } = history(8);
  const at = indexIn(commits);
  const tester = new TimedTester((call) => (at(call) === 4 ? { stage: 'BUILD-FAIL' } : at(call) >= 5 ? FAIL : PASS));
  const req = request(dir, commits, { options: { ...DEFAULTS, runs: 3, jobs: 2 } });
  await bisect(req, tester);
  t.equal(tester.calls.filter((c) => c.ref === commits[4]).length, 1, 'the unbuildable commit: one try');
});

t.test('a run that breaks beside another: the other is logged, then the error stops the bisect', async (t) => {
  const { dir, commits } = history(4);
  const tester = new TimedTester((_call, attempt) => {
    if (attempt === 1) throw new InterruptedError('SIGINT');
    return FAIL;
  });
  const req = request(dir, commits, { options: { ...DEFAULTS, runs: 3, jobs: 2 } });
  const bisected = bisect(req, tester);
  await t.rejects(bisected, InterruptedError);
  const log = JSON.parse(readFileSync(readdirSync(req.resultsDir).map((f) => join(req.resultsDir, f))[0], 'utf8'));
  t.equal((log as BisectLog).runs.length, 1, 'the first run, beside the broken one');
});
