// orchestrate bisect: the engine's next() asks for a commit, this builds (or fetches), boots and
// tests it, and logs the run before asking again. The log is the bisect: re-running resumes it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import {
  DEFAULTS,
  idealSteps,
  next,
  short,
  toRun,
  type BisectOptions,
  type Action,
  type BisectResult,
  type LoggedRun,
  type Mode,
} from '../core/bisect.js';
import { debianRange } from '../core/debian.js';
import type { ReportView } from '../core/bisect-report.js';
import { availableKernels } from '../adapters/apt.js';
import { commitInfo, isAncestor, repoTop, resolveRev, revList } from '../adapters/git.js';
import { readJsonOr, writeJson } from '../adapters/store.js';
import { throwIfInterrupted } from '../adapters/lifecycle.js';
import { requestKey } from '../core/kconfig.js';
import { isBuilt, loadFragments, type KernelTester, type TestRun } from '../engine/tester.js';

export interface BisectRequest extends TestRun {
  tree?: string;
  good?: string;
  bad?: string;
  /** debian:FROM..TO, or debian:A,B,C */
  kernels?: string;
  fix: boolean;
  configs?: string[];
  options: Omit<BisectOptions, 'mode'>;
  replay?: string;
}

/** What is bisected, oldest first, both ends included: commits of a tree, or packaged kernels' versions. */
type Range = { kind: 'git'; repo: string; commits: string[] } | { kind: 'debian'; commits: string[] };

export interface BisectLog {
  format: 'orchestrate-bisect/1';
  key: string;
  inputs: Record<string, unknown>;
  commits: string[];
  runs: LoggedRun[];
}

async function gitRange(req: BisectRequest): Promise<Range> {
  if (!req.good || !req.bad) throw new UsageError('bisect --tree needs --good and --bad');
  const repo = await repoTop(req.tree!);
  const [good, bad] = [await resolveRev(repo, req.good), await resolveRev(repo, req.bad)];
  // A regression goes good → bad; a fix goes from the failing (--bad) to the fixed (--good).
  const [old, young] = req.fix ? [bad, good] : [good, bad];
  if (!(await isAncestor(repo, old, young))) {
    throw new UsageError(
      req.fix
        ? `--bad ${req.bad} is not an ancestor of --good ${req.good} (with --fix, bad is the older end)`
        : `--good ${req.good} is not an ancestor of --bad ${req.bad}`,
    );
  }
  // First parents only: bisection needs a line. A merge named as culprit can be bisected again along its branch.
  const between = await revList(repo, `${old}..${young}`, { firstParent: true });
  if (!between.length) throw new UsageError('--good and --bad are the same commit');
  return { commits: [old, ...between], kind: 'git', repo };
}

async function debianKernels(spec: string): Promise<Range> {
  const m = /^debian:(.+)$/.exec(spec);
  if (!m) throw new UsageError(`--kernels ${spec}: want debian:FROM..TO or debian:A,B,C`);
  const available = await availableKernels();
  const picked = m[1].includes('..')
    ? debianRange(available, ...(m[1].split('..') as [string, string]))
    : m[1]
        .split(',')
        .map((q) => available.find((k) => k.debVersion === q || k.version === q || k.release.startsWith(q)));
  if (!picked || picked.some((k) => !k))
    throw new UsageError(`--kernels ${spec}: not every end is a packaged kernel (see: apt-cache search linux-image-6)`);
  const list = picked.map((k) => k!.debVersion);
  if (list.length < 2) throw new UsageError(`--kernels ${spec}: fewer than two kernels in that range`);
  return { commits: list, kind: 'debian' };
}

/**
 * The config a step's build would use, by content: our default fragments, then --config and the
 * selected suites' fragments, merged and rendered as the build id hashes it (their directives too,
 * when there are any). Packaged kernels: none.
 */
export function bisectConfig(kind: 'git' | 'debian', configs?: string[], load = loadFragments): string | null {
  return kind === 'git' ? requestKey(load(configs)) : null;
}

/** What a logged run depends on: a log of other inputs, or of another orchestrate, is not resumed. */
export function logKey(
  range: { commits: string[] },
  req: Pick<BisectRequest, 'tests' | 'options'>,
  mode: Mode,
  verdicts: string,
  config: string | null,
): string {
  const inputs = [range.commits, req.tests, mode, config, req.options.runs, req.options.anyFailure, verdicts];
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 12);
}

function loadLog(path: string, key: string, replay?: string): LoggedRun[] {
  const source = replay ? resolve(replay) : path;
  if (replay && !existsSync(source)) throw new UsageError(`--replay ${replay}: no such file`);
  const log = readJsonOr<BisectLog>(source);
  if (replay && log?.format !== 'orchestrate-bisect/1') throw new UsageError(`--replay ${replay}: not a bisect log`);
  if (!log || (!replay && log.key !== key)) return [];
  return log.runs;
}

/** One build (or fetch) + boot + test of a commit, as the engine's evidence. */
async function testCommit(tester: KernelTester, req: BisectRequest, range: Range, commit: string): Promise<LoggedRun> {
  if (range.kind === 'debian') {
    const { result, seconds } = await tester.packaged(commit, req);
    return { commit, kernel: 'fetched', run: toRun(result, { ...seconds }) };
  }
  const { built, result, seconds } = await tester.built({ tree: range.repo, ref: commit, configs: req.configs }, req);
  if (!isBuilt(built)) {
    const run = {
      kind: 'untestable' as const,
      reason: `${built.kind}: ${built.reason}`,
      seconds: { build: seconds.build },
    };
    return { commit, kernel: built.cached ? 'cached' : 'failed', run };
  }
  return { commit, kernel: built.kind, run: toRun(result!, { ...seconds }) };
}

/**
 * The runs of one action. A led batch starts its other runs once the first run's guest is saved (or
 * restored, or known not to be saved), so they restore it; not at all when that run was no test.
 */
async function runBatch(
  tester: KernelTester,
  req: BisectRequest,
  range: Range,
  action: Extract<Action, { kind: 'run' }>,
): Promise<PromiseSettledResult<LoggedRun>[]> {
  const start = (r: BisectRequest) => testCommit(tester, r, range, action.commit);
  if (!action.led) return Promise.allSettled(Array.from({ length: action.together }, () => start(req)));
  let saved = () => {};
  const ready = new Promise<boolean>((resolve) => (saved = () => resolve(true)));
  const first = start({ ...req, snapshotSettled: saved });
  const go = await Promise.race([
    ready,
    first.then(
      (l) => l.run.kind === 'tested',
      () => false,
    ),
  ]);
  const others = go ? Array.from({ length: action.together - 1 }, () => start(req)) : [];
  return Promise.allSettled([first, ...others]);
}

function describeRun(l: LoggedRun): string {
  const r = l.run;
  return r.kind === 'tested' ? (r.failures.length ? `fails: ${r.detail}` : 'passes') : `${r.kind}: ${r.reason}`;
}

/** The log file of a bisect: its runs so far, kept whole after each one. */
interface Log {
  path: string;
  runs: LoggedRun[];
  save(): void;
}

async function openLog(req: BisectRequest, tester: KernelTester, range: Range, options: BisectOptions): Promise<Log> {
  const { append, accel, bootTimeout, stallTimeout } = req;
  const verdicts = await tester.verdictKey({ append, accel, bootTimeout, stallTimeout });
  const key = logKey(range, req, options.mode, verdicts, bisectConfig(range.kind, req.configs));
  const path = join(resolve(req.resultsDir), `bisect-${key}.json`);
  // Infrastructure errors are about the setup of that moment: a resumed bisect tries those commits again.
  const runs = loadLog(path, key, req.replay).filter((l) => range.commits.includes(l.commit) && l.run.kind !== 'infra');
  if (runs.length) req.log(`resuming from ${req.replay ?? path}: ${runs.length} runs logged`);
  const { good, bad, kernels, tests, configs } = req;
  const inputs = { tree: range.kind === 'git' ? range.repo : undefined, good, bad, kernels, tests, mode: options.mode };
  const log: BisectLog = {
    format: 'orchestrate-bisect/1',
    key,
    inputs: { ...inputs, configs, options },
    commits: range.commits,
    runs,
  };
  return { path, runs, save: () => writeJson(path, log) };
}

export async function bisect(req: BisectRequest, tester: KernelTester): Promise<ReportView> {
  const started = performance.now();
  if (!!req.tree === !!req.kernels)
    throw new UsageError('bisect needs --tree (with --good/--bad) or --kernels debian:FROM..TO');
  const mode: Mode = req.fix ? 'fix' : 'regression';
  const range = req.tree ? await gitRange(req) : await debianKernels(req.kernels!);
  const options: BisectOptions = { ...DEFAULTS, ...req.options, mode };
  const log = await openLog(req, tester, range, options);
  const count = range.commits.length - 1;
  const noun = range.kind === 'git' ? 'commits' : 'kernel versions';
  req.log(`bisecting ${count} ${noun} (${mode}; ⌈log2 N⌉ = ${idealSteps(count)}); log: ${log.path}`);
  log.save();
  for (;;) {
    throwIfInterrupted();
    const action = next(range.commits, log.runs, options);
    if (action.kind === 'done') return report(action.result, range, log.runs, log.path, started);
    const doing = action.purpose === 'step' ? 'testing' : `checking ${action.purpose.replace('check-', '')}`;
    const led = action.led ? ': the others once the first has saved its guest' : '';
    const many = action.together > 1 ? ` (${action.together} runs side by side${led})` : '';
    req.log(`${doing} ${short(action.commit)}${many}`);
    const settled = await runBatch(tester, req, range, action);
    for (const s of settled) {
      if (s.status === 'rejected') continue;
      log.runs.push(s.value);
      req.log(`  ${short(action.commit)}: ${describeRun(s.value)}`);
    }
    log.save();
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

async function report(
  result: BisectResult,
  range: Range,
  runs: LoggedRun[],
  log: string,
  started: number,
): Promise<ReportView> {
  const subjects: Record<string, string> = {};
  const repo = range.kind === 'git' ? range.repo : undefined;
  for (const s of result.steps)
    subjects[s.commit] = repo ? (await commitInfo(repo, s.commit)).subject : `Debian linux-image ${s.commit}`;
  const firstRuns = new Map<string, LoggedRun>();
  for (const r of runs) if (!firstRuns.has(r.commit)) firstRuns.set(r.commit, r);
  const kinds = [...firstRuns.values()].map((r) => r.kernel);
  return {
    ...result,
    culpritInfo: result.culprit && repo ? await commitInfo(repo, result.culprit) : undefined,
    subjects,
    builds: {
      used: kinds.filter((k) => k === 'built' || k === 'failed' || k === 'fetched').length,
      built: kinds.filter((k) => k === 'built' || k === 'failed').length,
      cached: kinds.filter((k) => k === 'cached').length,
      ideal: idealSteps(range.commits.length - 1) + 2,
    },
    range: range.commits.length - 1,
    totalSeconds: Math.round((performance.now() - started) / 1000),
    log,
  };
}
