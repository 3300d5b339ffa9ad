import t from 'tap';
import {
  DEFAULTS,
  gitBisectCode,
  idealSteps,
  next,
  toRun,
  type BisectOptions,
  type BisectResult,
  type LoggedRun,
  type Run,
} from '../../orchestrator/core/bisect.js';
import { bisectJson, renderBisect } from '../../orchestrator/core/bisect-report.js';
import {
  bootFailedResults,
  finishRun,
  type BootFailure,
  type RunInfo,
  type TestResult,
} from '../../orchestrator/core/results.js';

const SIG = 'ib-reg-refusal/fsdax-ext4:FAIL';
const commits = (n: number) => Array.from({ length: n }, (_, i) => `c${String(i).padStart(3, '0')}`);
const pass: Run = { kind: 'tested', failures: [], detail: 'pass' };
const fail: Run = { kind: 'tested', failures: [SIG], detail: 'fail' };

type Oracle = (commit: string, index: number, attempt: number) => Run;

function drive(list: string[], oracle: Oracle, o: Partial<BisectOptions> = {}, log: LoggedRun[] = []) {
  const opts = { ...DEFAULTS, mode: 'regression' as const, ...o };
  const tested: string[] = [];
  for (let guard = 0; guard < 500; guard++) {
    const a = next(list, log, opts);
    if (a.kind === 'done') return { result: a.result, log, tested };
    const attempt = log.filter((l) => l.commit === a.commit).length;
    tested.push(a.commit);
    log.push({ commit: a.commit, run: oracle(a.commit, list.indexOf(a.commit), attempt) });
  }
  throw new Error('no answer in 500 runs');
}

const distinct = (xs: string[]) => new Set(xs).size;
const regressionAt =
  (k: number): Oracle =>
  (_c, i) =>
    i >= k ? fail : pass;

t.test('linear history: the culprit within ⌈log2 N⌉ + 2 commits tested', async (t) => {
  for (const [n, k] of [
    [100, 37],
    [100, 1],
    [100, 99],
    [2, 1],
    [17, 9],
  ]) {
    const list = commits(n);
    const { result, tested } = drive(list, regressionAt(k));
    t.equal(result.status, 'found');
    t.equal(result.culprit, list[k], `n=${n} k=${k}`);
    t.ok(distinct(tested) <= idealSteps(n - 1) + 2, `${distinct(tested)} commits tested for n=${n}`);
    t.equal(result.confidence, 1);
    t.same(result.signature, [SIG]);
  }
});

t.test('skips next to the culprit give the smallest honest range', async (t) => {
  const list = commits(40);
  const untestable = new Set([19, 20]);
  const oracle: Oracle = (c, i) =>
    untestable.has(i) ? { kind: 'untestable', reason: 'BUILD-FAIL: fs/dax.c:1: error' } : i >= 20 ? fail : pass;
  const { result } = drive(list, oracle);
  t.equal(result.status, 'range');
  t.same(result.candidates, [list[19], list[20], list[21]]);
  t.match(result.steps.find((s) => s.commit === list[20])?.reason, /BUILD-FAIL/);
  const skipBefore = drive(list, (c, i) =>
    i === 21 ? { kind: 'untestable', reason: 'no boot' } : i >= 25 ? fail : pass,
  );
  t.equal(skipBefore.result.culprit, list[25], 'a skip away from the culprit costs a step, not the answer');
});

t.test('an all-skip range', async (t) => {
  const list = commits(10);
  const { result } = drive(list, (c, i) =>
    i === 0 ? pass : i === 9 ? fail : { kind: 'untestable', reason: 'does not build' },
  );
  t.equal(result.status, 'range');
  t.same(result.candidates, list.slice(1));
  t.ok(result.steps.filter((s) => s.verdict === 'skip').length >= 8);
});

t.test('ends checked first: a good end that fails, a bad end that passes', async (t) => {
  const list = commits(10);
  t.match(drive(list, () => fail).result, { status: 'check-failed', message: /the good end c000 fails/ });
  t.match(drive(list, () => pass).result, { status: 'check-failed', message: /the bad end c009 passes/ });
  t.match(drive(list, (c, i) => (i === 9 ? { kind: 'untestable', reason: 'BUILD-FAIL' } : pass)).result, {
    status: 'check-failed',
    message: /bad end c009 cannot be tested: BUILD-FAIL/,
  });
});

t.test("a crash unlike the bad end's is recorded, not blamed", async (t) => {
  const list = commits(64);
  const crash: Run = {
    kind: 'tested',
    failures: ['ib-reg-refusal/fsdax-ext4:CRASH:BUG: unable to handle page fault in rxe_mr_init_user'],
    detail: 'crash',
  };
  const { result } = drive(list, (c, i) => (i === 31 ? crash : i >= 40 ? fail : pass));
  t.equal(result.culprit, list[40]);
  const s32 = result.steps.find((s) => s.commit === list[31]);
  t.equal(s32?.verdict, 'skip');
  t.match(s32?.reason, /fails differently from the failing end: .*BUG: unable to handle/);
  t.equal(
    drive(list, (c, i) => (i === 31 ? crash : i >= 40 ? fail : pass), { anyFailure: true }).result.culprit,
    list[31],
    '--any-failure blames it',
  );
});

t.test('reverse mode: the first commit that fixes', async (t) => {
  const list = commits(50);
  const { result } = drive(list, (c, i) => (i >= 30 ? pass : fail), { mode: 'fix' });
  t.equal(result.status, 'found');
  t.equal(result.culprit, list[30]);
  t.equal(result.mode, 'fix');
  t.match(result.message, /first fixed commit/);
  t.match(drive(list, (c, i) => (i >= 30 ? fail : pass), { mode: 'fix' }).result, {
    status: 'check-failed',
    message: /old \(failing\) end c000 passes/,
  });
});

function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

t.test('a flaky test: more runs where it matters, and an honest confidence', async (t) => {
  const list = commits(64);
  let right = 0;
  let confidence = 0;
  const seeds = 40;
  for (let seed = 1; seed <= seeds; seed++) {
    const random = rng(seed);
    const oracle: Oracle = (c, i) => (i >= 23 && random() < 0.5 ? fail : pass);
    const { result } = drive(list, oracle, { runs: 3, maxRuns: 12 });
    if (result.culprit === list[23]) right++;
    confidence += result.confidence;
  }
  t.ok(right >= seeds * 0.9, `${right}/${seeds} right with p=0.5`);
  t.ok(
    confidence / seeds < 1 && confidence / seeds > 0.8,
    `mean reported confidence ${(confidence / seeds).toFixed(3)}`,
  );
  const once = drive(list, (c, i) => (i >= 23 ? fail : pass), { runs: 3 });
  t.ok(
    once.result.confidence > 0.95,
    `a test that failed every run at the bad end: confidence ${once.result.confidence.toFixed(3)}`,
  );
  t.equal(
    once.result.steps.find((s) => s.commit === list[63])?.runs,
    3,
    'the bad end is run --runs times to measure its fail rate',
  );
});

t.test('a failing end that fails differently every run is not run forever', async (t) => {
  const list = commits(8);
  const { result, log } = drive(
    list,
    (c, i, attempt) => (i === 7 ? { kind: 'tested', failures: [`x:CRASH:BUG at ${attempt}`], detail: 'crash' } : pass),
    { runs: 3 },
  );
  t.equal(log.filter((l) => l.commit === list[7]).length, 3, 'the bad end ran --runs times');
  t.equal(result.status, 'found');
  t.equal(result.culprit, list[7]);
});

t.test('infrastructure errors are retried; too many abort', async (t) => {
  const list = commits(16);
  const infra: Run = { kind: 'infra', reason: 'ssh: connection lost, no kernel crash' };
  const once = drive(list, (c, i, attempt) => (i === 7 && attempt === 0 ? infra : i >= 10 ? fail : pass));
  t.equal(once.result.culprit, list[10], 'one infra error at a commit: retried');
  const always = drive(list, (c, i) => (i === 7 ? infra : i >= 10 ? fail : pass));
  t.equal(always.result.status, 'aborted');
  t.match(always.result.message, /c007: 3 infrastructure errors, last: ssh: connection lost/);
});

t.test('resume: a partial log continues without re-running what it holds', async (t) => {
  const list = commits(100);
  const full = drive(list, regressionAt(61));
  const partial = full.log.slice(0, 4);
  const resumed = drive(list, regressionAt(61), {}, [...partial]);
  t.same(resumed.result.culprit, full.result.culprit);
  t.same(resumed.tested, full.tested.slice(4), 'exactly the runs the log did not have');
  const replayed: BisectResult = drive(
    list,
    () => {
      throw new Error('no run needed');
    },
    {},
    [...full.log],
  ).result;
  t.same(replayed, full.result, 'a complete log replays to the same answer');
});

t.test(
  'a step where the failing case SKIPs is untestable, not good: one rule with the nightly and patchcheck',
  async (t) => {
    const stops: Run = { kind: 'tested', failures: [], detail: 'pass', skipped: ['ib-reg-refusal/fsdax-ext4'] };
    const otherSkips: Run = { kind: 'tested', failures: [], detail: 'pass', skipped: ['ib-reg-refusal/anon'] };
    // Commits 40..49 make the failing case skip; the regression is at 45, hidden among them.
    const { result } = drive(commits(100), (_c, i) => (i >= 40 && i < 50 ? stops : i >= 45 ? fail : pass));
    t.equal(result.status, 'range', 'the skipping commits are not called good');
    t.same(result.candidates, commits(100).slice(40, 51), 'from the first skipping commit to the first failing one');
    t.match(
      result.steps.find((x) => x.commit === 'c045'),
      { verdict: 'skip', reason: 'stopped running: ib-reg-refusal/fsdax-ext4 SKIP' },
    );
    const other = drive(commits(100), (_c, i) => (i >= 37 ? fail : otherSkips));
    t.equal(other.result.culprit, 'c037', 'a case the failing end does not fail may skip: the step is still good');
  },
);

t.test('a test run as bisect evidence', async (t) => {
  const info = { id: 'r' } as RunInfo;
  const r = (verdict: TestResult['verdict'], reason = '', warnings: TestResult['warnings'] = []): TestResult => ({
    name: 'ib-reg-refusal/fsdax-ext4',
    verdict,
    reason,
    expected: null,
    observed: null,
    warnings,
    evidence: [],
    seconds: 1,
  });
  const s = { build: 1, boot: 2, test: 3 };
  t.same(toRun(finishRun(info, [r('PASS')], []), s), { kind: 'tested', failures: [], detail: 'pass', seconds: s });
  t.match(toRun(finishRun(info, [r('FAIL', 'registered')], []), s), {
    kind: 'tested',
    failures: ['ib-reg-refusal/fsdax-ext4:FAIL'],
  });
  const warned = toRun(
    finishRun(
      info,
      [r('FAIL', 'warning', [{ title: 'WARNING in dax_disassociate_entry', kind: 'WARNING', source: 'dmesg' }])],
      [],
    ),
    s,
  );
  t.same(warned.kind === 'tested' && warned.failures, [
    'ib-reg-refusal/fsdax-ext4:FAIL:WARNING in dax_disassociate_entry',
  ]);
  const bootFailed = (failure: BootFailure) =>
    finishRun({ ...info, bootFailure: failure }, bootFailedResults(['a/b'], failure), []);
  const crash = toRun(
    bootFailed({ reason: 'guest crashed: Kernel panic - not syncing: VFS', crash: 'Kernel panic - not syncing: VFS' }),
    s,
  );
  t.match(crash, { kind: 'untestable', reason: 'does not boot: guest crashed: Kernel panic - not syncing: VFS' });
  t.match(toRun(bootFailed({ reason: 'no SSH within 120 s' }), s), { kind: 'infra' });
  t.match(toRun(finishRun(info, [r('ERROR', 'guest lost: ssh closed')], []), s), {
    kind: 'infra',
    reason: /guest lost/,
  });
  t.match(toRun(finishRun(info, [r('SKIP', 'rxe0 reports no ODP support')], []), s), {
    kind: 'untestable',
    reason: 'nothing was tested: rxe0 reports no ODP support',
  });
  t.match(toRun(finishRun(info, [], []), s), { kind: 'untestable', reason: 'nothing was tested: no case' });
  const other = { ...r('PASS'), name: 'ib-reg-refusal/anon' };
  t.same(toRun(finishRun(info, [other, r('SKIP', 'no rxe')], []), s), {
    kind: 'tested',
    failures: [],
    detail: 'pass',
    seconds: s,
    skipped: ['ib-reg-refusal/fsdax-ext4'],
  });
  const outside = toRun(
    finishRun(
      info,
      [r('PASS')],
      [
        {
          title: 'BUG: sleeping function called from invalid context in rxe_post_send',
          kind: 'BUG',
          source: 'console',
        },
      ],
    ),
    s,
  );
  t.same(outside.kind === 'tested' && outside.failures, [
    '(run):BUG:BUG: sleeping function called from invalid context in rxe_post_send',
  ]);
  t.same(
    [pass, fail, { kind: 'untestable', reason: 'x' } as Run, { kind: 'infra', reason: 'x' } as Run].map(gitBisectCode),
    [0, 1, 125, 255],
  );
});

t.test('the report: culprit, steps with times, builds against ⌈log2 N⌉ + 2', async (t) => {
  const list = commits(10).map((c) => c.padEnd(40, '0'));
  const { result } = drive(
    list,
    (c, i) =>
      ({
        ...(i === 4 ? { kind: 'untestable', reason: 'BUILD-FAIL: fs/dax.c:749:16: error: x' } : i >= 7 ? fail : pass),
        seconds: { build: 60, boot: 5, test: 7 },
      }) as Run,
  );
  const view = {
    ...result,
    subjects: Object.fromEntries(list.map((c, i) => [c, `subject ${i}`])),
    builds: { used: 6, built: 6, cached: 0, ideal: 6 },
    range: 9,
    totalSeconds: 500,
    log: '/x/bisect.json',
    culpritInfo: { commit: list[7], subject: 'subject 7', author: 'Ada <a@x>', date: '2026-11-23' },
  };
  const text = renderBisect(view);
  t.match(text, new RegExp(`^first bad commit: ${list[7]}\n    subject 7\n    Author: Ada <a@x>`));
  t.match(
    text,
    /c00400000000  skip  0\/1 failed  build 60s \/ boot 5s \/ test 7s  subject 4\n\s+BUILD-FAIL: fs\/dax.c:749:16/,
  );
  t.match(text, /9 commits in range; 6 kernels built or fetched \(0 from the store\), ⌈log2 N⌉ \+ 2 = 6; 500 s in all/);
  const json = bisectJson(view);
  t.match(json, { mode: 'regression', culprit: { commit: list[7], subject: 'subject 7' }, builds: { used: 6 } });
  t.same(json.steps.map((s) => s.verdict).sort(), ['bad', 'bad', 'good', 'good', 'good', 'skip']);
});

t.test(
  '--runs 5 with two jobs: two runs of a commit at once (its first led), never past --runs on an end',
  async (t) => {
    const list = commits(3);
    const batches = (jobs: number, runs: number) => {
      const opts = { ...DEFAULTS, mode: 'regression' as const, runs, jobs };
      const log: LoggedRun[] = [];
      const seen: string[] = [];
      for (let a = next(list, log, opts); a.kind === 'run'; a = next(list, log, opts)) {
        seen.push(`${a.commit}×${a.together}${a.led ? ' led' : ''}`);
        for (let i = 0; i < a.together; i++) log.push({ commit: a.commit, run: a.commit === 'c000' ? pass : fail });
      }
      return seen;
    };
    t.same(batches(2, 5), ['c002×2 led', 'c002×2', 'c002×1', 'c000×2 led', 'c000×2', 'c000×1', 'c001×2 led']);
    t.same(batches(2, 4), ['c002×2 led', 'c002×2', 'c000×2 led', 'c000×2', 'c001×2 led']);
    t.same(batches(4, 5), ['c002×4 led', 'c002×1', 'c000×4 led', 'c000×1', 'c001×4 led']);
    t.same(batches(1, 3), ['c002×1', 'c002×1', 'c002×1', 'c000×1', 'c000×1', 'c000×1', 'c001×1']);
    t.same(batches(2, 1), ['c002×1', 'c000×1', 'c001×1'], '--runs 1: one run a commit, whatever --jobs says');
  },
);
