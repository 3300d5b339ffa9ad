// The bisect engine, pure: the log of runs in, the next commit to test (or the answer) out.
// Runs are kept raw (what failed, and how); whether a failure "counts" is decided here, against
// the signature of the failing end, so a log replays to the same decisions.
import { bootFailure, nothingTested, type RunResult } from './results.js';
import { skippedIn, stoppedRunning } from './untested.js';
import { OUTSIDE_CASES, signature, signatureCase } from './signature.js';

/** A full commit hash as 12 characters; anything else (a Debian version, a ref) as it is. */
export function short(commit: string): string {
  return /^[0-9a-f]{40}$/.test(commit) ? commit.slice(0, 12) : commit;
}

export type Mode = 'regression' | 'fix';

/** What one build + boot + test of a commit gave. */
export type Run =
  | { kind: 'tested'; failures: string[]; detail: string; seconds?: Record<string, number>; skipped?: string[] }
  | { kind: 'untestable'; reason: string; seconds?: Record<string, number> }
  | { kind: 'infra'; reason: string; seconds?: Record<string, number> };

export interface LoggedRun {
  commit: string;
  run: Run;
  /** How the kernel was had: built now, found in the store, fetched. The engine ignores it. */
  kernel?: 'built' | 'cached' | 'fetched' | 'failed';
}

export interface BisectOptions {
  mode: Mode;
  /** Runs per commit (at least). */
  runs: number;
  /** Upper bound on runs per commit while a passing verdict is not yet confident. */
  maxRuns: number;
  /** Wanted probability that a commit called passing really is (for flaky tests). */
  confidence: number;
  /** Infrastructure errors tolerated per commit, and in all, before giving up. */
  maxInfraPerCommit: number;
  maxInfra: number;
  /** Count any failure, not only one that looks like the failing end's. */
  anyFailure: boolean;
  /** Runs of one commit that may run at once (guests side by side). */
  jobs: number;
}

export const DEFAULTS: Omit<BisectOptions, 'mode'> = {
  runs: 1,
  maxRuns: 10,
  confidence: 0.95,
  maxInfraPerCommit: 2,
  maxInfra: 5,
  anyFailure: false,
  jobs: 1,
};

export type StepVerdict = 'good' | 'bad' | 'skip';
type State = 'failing' | 'passing' | 'untestable' | 'pending' | 'abort';

interface CommitState {
  state: State;
  reason: string;
  fails: number;
  passes: number;
}

export type Action =
  | {
      kind: 'run';
      commit: string;
      purpose: 'check-failing-end' | 'check-passing-end' | 'step';
      /** Runs to start at once: each is needed whatever the others show, unless one fails mid-range. */
      together: number;
      /**
       * A commit's first runs: the first boots and saves the guest, the others start once it is saved
       * and restore it; they are wanted if the first passes (a failing step's are spare runs).
       */
      led: boolean;
    }
  | { kind: 'done'; result: BisectResult };

export interface StepSummary {
  commit: string;
  verdict: StepVerdict;
  fails: number;
  runs: number;
  reason: string;
  seconds: Record<string, number>;
}

export interface BisectResult {
  mode: Mode;
  /** found: one commit; range: several, all untestable but one; check-failed / aborted: no answer. */
  status: 'found' | 'range' | 'check-failed' | 'aborted';
  culprit?: string;
  /** For 'range': the commits that may hold the change, oldest first. */
  candidates: string[];
  message: string;
  /** The signature the failing end showed: what "fails the same way" means. */
  signature: string[];
  failRate: number;
  confidence: number;
  steps: StepSummary[];
}

/** Which end of the range fails: the bad one for a regression, the old one for a fix. */
function failingEnd(commits: string[], mode: Mode): string {
  return mode === 'regression' ? commits[commits.length - 1] : commits[0];
}

function passingEnd(commits: string[], mode: Mode): string {
  return mode === 'regression' ? commits[0] : commits[commits.length - 1];
}

function runsOf(log: LoggedRun[], commit: string): Run[] {
  return log.filter((l) => l.commit === commit).map((l) => l.run);
}

/** The failing end's first failing run: later failures count only when they share a part of it. */
function referenceSignature(log: LoggedRun[], commits: string[], mode: Mode): string[] {
  const first = runsOf(log, failingEnd(commits, mode)).find((r) => r.kind === 'tested' && r.failures.length);
  return first?.kind === 'tested' ? first.failures : [];
}

function matches(run: Run, reference: string[], any: boolean): boolean {
  if (run.kind !== 'tested' || !run.failures.length) return false;
  return any || !reference.length || run.failures.some((f) => reference.includes(f));
}

/**
 * How often the failing end fails, on the cautious side (as if one more run had passed): a flaky
 * test needs more passing runs to call a commit passing. --runs 1 declares the test deterministic.
 */
function failRate(log: LoggedRun[], commits: string[], o: BisectOptions): number {
  if (o.runs <= 1) return 1;
  const reference = referenceSignature(log, commits, o.mode);
  const tested = runsOf(log, failingEnd(commits, o.mode)).filter((r) => r.kind === 'tested');
  return tested.filter((r) => matches(r, reference, o.anyFailure)).length / (tested.length + 1);
}

/** Passing runs needed before "no failure seen" is believed: the misses allowed are shared by the steps. */
function runsNeeded(rate: number, o: BisectOptions, count: number): number {
  if (rate >= 1) return o.runs;
  if (rate <= 0) return o.maxRuns;
  const miss = (1 - o.confidence) / (idealSteps(count) + 1);
  return Math.min(o.maxRuns, Math.max(o.runs, Math.ceil(Math.log(miss) / Math.log(1 - rate))));
}

/** A run that cannot say whether the failing end's cases fail: they SKIPped here (core/untested). */
function stopped(run: Run, reference: string[]): Run {
  if (run.kind !== 'tested' || run.failures.length) return run;
  const untested = stoppedRunning(run.skipped ?? [], reference.map(signatureCase));
  if (!untested.length) return run;
  return { kind: 'untestable', reason: `stopped running: ${untested.join(', ')} SKIP`, seconds: run.seconds };
}

function classify(
  all: Run[],
  reference: string[],
  needed: number,
  o: BisectOptions,
  atFailingEnd = false,
): CommitState {
  const runs = all.map((r) => stopped(r, reference));
  const fails = runs.filter((r) => matches(r, reference, o.anyFailure)).length;
  const passes = runs.filter((r) => r.kind === 'tested' && !r.failures.length).length;
  const unrelated = runs.filter(
    (r) => r.kind === 'tested' && r.failures.length && !matches(r, reference, o.anyFailure),
  );
  const infra = runs.filter((r) => r.kind === 'infra');
  const untestable = runs.find((r) => r.kind === 'untestable');
  const base = { fails, passes };
  if (untestable?.kind === 'untestable') return { state: 'untestable', reason: untestable.reason, ...base };
  if (infra.length > o.maxInfraPerCommit) {
    const last = infra[infra.length - 1] as { reason: string };
    return { state: 'abort', reason: `${infra.length} infrastructure errors, last: ${last.reason}`, ...base };
  }
  const conclusive = fails + passes;
  if (atFailingEnd) {
    // Every tested run counts here: failures unlike the first one must not keep it pending forever.
    if (conclusive + unrelated.length < o.runs) return { state: 'pending', reason: '', ...base };
    return fails
      ? { state: 'failing', reason: `${fails}/${conclusive} runs fail`, ...base }
      : { state: 'passing', reason: 'no run fails', ...base };
  }
  if (fails) return { state: 'failing', reason: `${fails}/${conclusive} runs fail the same way`, ...base };
  if (passes >= needed) return { state: 'passing', reason: `${passes}/${passes} runs pass`, ...base };
  if (unrelated.length >= o.runs && !passes) {
    const title = unrelated[0]?.kind === 'tested' ? unrelated[0].failures.join(', ') : '';
    return { state: 'untestable', reason: `fails differently from the failing end: ${title}`, ...base };
  }
  if (passes + unrelated.length >= o.maxRuns)
    return { state: 'passing', reason: `${passes} runs pass (fewer than the ${needed} wanted)`, ...base };
  return { state: 'pending', reason: '', ...base };
}

function verdictOf(state: State, mode: Mode): StepVerdict {
  if (state === 'untestable' || state === 'abort' || state === 'pending') return 'skip';
  return (state === 'failing') === (mode === 'regression') ? 'bad' : 'good';
}

function sumSeconds(runs: Run[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of runs)
    for (const [k, v] of Object.entries(r.seconds ?? {})) out[k] = Math.round(((out[k] ?? 0) + v) * 10) / 10;
  return out;
}

/** Probability that no commit called passing was a flaky failure missed. */
function confidenceOf(passCounts: number[], rate: number): number {
  if (rate >= 1) return 1;
  return passCounts.reduce((c, n) => c * (1 - (1 - rate) ** n), 1);
}

function pickMiddle(lo: number, hi: number, skip: Set<number>): number | undefined {
  const mid = (lo + hi) / 2;
  const open = [];
  for (let i = lo + 1; i < hi; i++) if (!skip.has(i)) open.push(i);
  open.sort((a, b) => Math.abs(a - mid) - Math.abs(b - mid) || a - b);
  return open[0];
}

/**
 * COMMITS run oldest first, from the passing end of a regression (or the failing end of a fix)
 * to the other. Checks both ends, then halves the range, skipping what cannot be tested.
 */
export function next(commits: string[], log: LoggedRun[], o: BisectOptions): Action {
  const reference = referenceSignature(log, commits, o.mode);
  const rate = failRate(log, commits, o);
  const needed = runsNeeded(rate, o, commits.length - 1);
  const states = new Map<string, CommitState>();
  const state = (c: string) => {
    if (!states.has(c))
      states.set(c, classify(runsOf(log, c), reference, needed, o, c === failingEnd(commits, o.mode)));
    return states.get(c)!;
  };
  const done = (partial: Omit<BisectResult, 'mode' | 'signature' | 'failRate' | 'confidence' | 'steps'>): Action => {
    const tested = commits.filter((c) => runsOf(log, c).length);
    const steps = tested.map((c) => {
      const s = state(c);
      const runs = runsOf(log, c);
      return {
        commit: c,
        verdict: verdictOf(s.state, o.mode),
        fails: s.fails,
        runs: runs.length,
        reason: s.reason,
        seconds: sumSeconds(runs),
      };
    });
    const passing = tested.filter((c) => state(c).state === 'passing').map((c) => state(c).passes);
    return {
      kind: 'done',
      result: {
        mode: o.mode,
        signature: reference,
        failRate: rate,
        confidence: confidenceOf(passing, rate),
        steps,
        ...partial,
      },
    };
  };
  /**
   * As many runs of a commit as it needs at least (all passing), up to o.jobs; its first batch is
   * led: the first run boots and saves the guest the others restore once it is saved.
   */
  const run = (commit: string, purpose: Extract<Action, { kind: 'run' }>['purpose']): Action => {
    const done = runsOf(log, commit).length;
    const want = commit === failingEnd(commits, o.mode) ? o.runs : Math.max(o.runs, needed);
    const together = Math.max(1, Math.min(o.jobs, want - done));
    return { kind: 'run', commit, purpose, together, led: !done && together > 1 };
  };
  const infraTotal = log.filter((l) => l.run.kind === 'infra').length;
  if (infraTotal > o.maxInfra) {
    return done({
      status: 'aborted',
      candidates: [],
      message: `too many infrastructure errors (${infraTotal}): fix the setup and re-run to resume`,
    });
  }
  for (const [end, purpose, want] of [
    [failingEnd(commits, o.mode), 'check-failing-end', 'failing'],
    [passingEnd(commits, o.mode), 'check-passing-end', 'passing'],
  ] as const) {
    const s = state(end);
    if (s.state === 'pending') return run(end, purpose);
    if (s.state === 'abort') return done({ status: 'aborted', candidates: [], message: `${end}: ${s.reason}` });
    if (s.state !== want) {
      const name =
        purpose === 'check-failing-end'
          ? o.mode === 'regression'
            ? 'bad'
            : 'old (failing)'
          : o.mode === 'regression'
            ? 'good'
            : 'new (fixed)';
      const why =
        s.state === 'untestable'
          ? `cannot be tested: ${s.reason}`
          : s.state === 'passing'
            ? `passes (${s.reason})`
            : `fails (${s.reason})`;
      return done({ status: 'check-failed', candidates: [], message: `the ${name} end ${short(end)} ${why}` });
    }
  }
  const oldState = o.mode === 'regression' ? 'passing' : 'failing';
  let lo = 0;
  let hi = commits.length - 1;
  const skip = new Set<number>();
  for (;;) {
    const i = pickMiddle(lo, hi, skip);
    if (i === undefined) break;
    const s = state(commits[i]);
    if (s.state === 'pending') return run(commits[i], 'step');
    if (s.state === 'abort') return done({ status: 'aborted', candidates: [], message: `${commits[i]}: ${s.reason}` });
    if (s.state === 'untestable') skip.add(i);
    else if (s.state === oldState) lo = i;
    else hi = i;
  }
  const candidates = commits.slice(lo + 1, hi + 1);
  const first = o.mode === 'regression' ? 'first bad commit' : 'first fixed commit';
  if (candidates.length === 1)
    return done({ status: 'found', culprit: candidates[0], candidates, message: `${first}: ${candidates[0]}` });
  return done({
    status: 'range',
    candidates,
    message: `${first} is one of ${candidates.length}; the others could not be tested`,
  });
}

/** ⌈log2 N⌉: what a bisect of N commits needs without skips. */
export function idealSteps(count: number): number {
  return Math.ceil(Math.log2(Math.max(1, count)));
}

/**
 * A test run as bisect evidence. A boot that crashes, or tests that only SKIP, make the commit
 * untestable, and so does a SKIP of a case the failing end fails (classify); ERROR without a
 * crash (guest lost, setup broke) is infrastructure, tried again; FAIL and CRASH are failures,
 * each named "case:VERDICT[:title]" so they can be compared. Verdicts are raw: a KNOWN case is
 * the failure it stands for (a bisect looks for where a bug starts).
 */
export function toRun(result: RunResult, seconds: Record<string, number>): Run {
  const tests = result.tests.map((t) => (t.raw ? { ...t, verdict: t.raw.verdict, reason: t.raw.reason } : t));
  const boot = bootFailure(result);
  if (boot)
    return boot.crash
      ? { kind: 'untestable', reason: `does not boot: ${boot.reason}`, seconds }
      : { kind: 'infra', reason: `boot: ${boot.reason}`, seconds };
  const failures = [
    ...tests
      .filter((t) => t.verdict === 'FAIL' || t.verdict === 'CRASH')
      .flatMap((t) => {
        const titles = t.verdict === 'CRASH' ? [t.reason] : t.warnings.map((w) => w.title);
        const failures = titles.length
          ? titles.map((title) => ({ test: t.name, verdict: t.verdict, title }))
          : [{ test: t.name, verdict: t.verdict }];
        return failures.map(signature);
      }),
    ...result.warnings.map((w) => signature({ test: OUTSIDE_CASES, verdict: w.kind, title: w.title })),
  ];
  if (failures.length) return { kind: 'tested', failures, detail: failures.join('; '), seconds };
  const error = tests.find((t) => t.verdict === 'ERROR');
  if (error) return { kind: 'infra', reason: `${error.name}: ${error.reason}`, seconds };
  if (nothingTested(tests)) {
    return { kind: 'untestable', reason: `nothing was tested: ${tests[0]?.reason ?? 'no case'}`, seconds };
  }
  const skipped = skippedIn(tests);
  return { kind: 'tested', failures: [], detail: 'pass', seconds, ...(skipped.length ? { skipped } : {}) };
}

/** `git bisect run` codes: 0 good, 1 bad, 125 skip; 255 stops git's bisect (our infrastructure broke). */
export function gitBisectCode(run: Run): number {
  if (run.kind === 'untestable') return 125;
  if (run.kind === 'infra') return 255;
  return run.failures.length ? 1 : 0;
}
