// orchestrate bisect: the engine's next() asks for a commit, this builds (or fetches), boots and
// tests it, and logs the run before asking again. The log is the bisect: re-running resumes it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { DEFAULTS, idealSteps, next, short, toRun, type BisectOptions, type BisectResult, type LoggedRun, type Mode } from '../core/bisect.js';
import { debianRange } from '../core/debian.js';
import { runSeconds } from '../core/results.js';
import type { ReportView } from '../core/bisect-report.js';
import { availableKernels } from '../adapters/apt.js';
import { commitInfo, git, repoTop, resolveRev, revList } from '../adapters/git.js';
import { readJsonOr, writeJson } from '../adapters/store.js';
import { throwIfInterrupted } from '../adapters/lifecycle.js';
import { verdictKey } from '../adapters/verdict-key.js';
import { mergeFragments, renderRequest } from '../core/kconfig.js';
import { buildThenTest, isBuilt, loadFragments } from './build.js';
import { fetchDebianKernel } from './kernels.js';
import { runTests, type RunOptions } from './pipeline.js';

export interface BisectRequest extends Omit<RunOptions, 'kernel' | 'modules'> {
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

interface Range {
  /** Oldest first, both ends included. */
  commits: string[];
  kind: 'git' | 'debian';
  repo?: string;
}

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
  const ancestor = await git(repo, ['merge-base', '--is-ancestor', old, young], false);
  if (ancestor.code !== 0) {
    throw new UsageError(req.fix ? `--bad ${req.bad} is not an ancestor of --good ${req.good} (with --fix, bad is the older end)` : `--good ${req.good} is not an ancestor of --bad ${req.bad}`);
  }
  // First parents only: bisection needs a line. A merge named as culprit can be bisected again along its branch.
  const between = await revList(repo, `${old}..${young}`, true);
  if (!between.length) throw new UsageError('--good and --bad are the same commit');
  return { commits: [old, ...between], kind: 'git', repo };
}

async function debianKernels(spec: string): Promise<Range> {
  const m = /^debian:(.+)$/.exec(spec);
  if (!m) throw new UsageError(`--kernels ${spec}: want debian:FROM..TO or debian:A,B,C`);
  const available = await availableKernels();
  const picked = m[1].includes('..')
    ? debianRange(available, ...(m[1].split('..') as [string, string]))
    : m[1].split(',').map((q) => available.find((k) => k.debVersion === q || k.version === q || k.release.startsWith(q)));
  if (!picked || picked.some((k) => !k)) throw new UsageError(`--kernels ${spec}: not every end is a packaged kernel (see: apt-cache search linux-image-6)`);
  const list = picked.map((k) => k!.debVersion);
  if (list.length < 2) throw new UsageError(`--kernels ${spec}: fewer than two kernels in that range`);
  return { commits: list, kind: 'debian' };
}

/**
 * The config a step's build would use, by content: our default fragments, then --config and the
 * selected suites' fragments, merged and rendered as the build id hashes it. Packaged kernels: none.
 */
export function bisectConfig(kind: 'git' | 'debian', configs?: string[], load = loadFragments): string | null {
  return kind === 'git' ? renderRequest(mergeFragments(load(configs))) : null;
}

/** What a logged run depends on: a log of other inputs, or of another orchestrate, is not resumed. */
export function logKey(
  range: { commits: string[] }, req: Pick<BisectRequest, 'tests' | 'options'>, mode: Mode,
  verdicts: string, config: string | null,
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
async function testCommit(req: BisectRequest, range: Range, commit: string): Promise<LoggedRun> {
  if (range.kind === 'git') {
    const { built, result, seconds } = await buildThenTest({ tree: range.repo!, ref: commit, configs: req.configs, log: req.log }, req);
    if (!isBuilt(built)) {
      return { commit, kernel: built.cached ? 'cached' : 'failed', run: { kind: 'untestable', reason: `${built.kind}: ${built.reason}`, seconds: { build: seconds.build } } };
    }
    return { commit, kernel: built.kind, run: toRun(result!, seconds) };
  }
  const started = performance.now();
  const kernel = await fetchDebianKernel(commit, req.log);
  const build = Math.round((performance.now() - started) / 100) / 10;
  const { result } = await runTests({ ...req, kernel: kernel.id });
  return { commit, kernel: 'fetched', run: toRun(result, { build, ...runSeconds(result) }) };
}

function describeRun(l: LoggedRun): string {
  const r = l.run;
  return r.kind === 'tested' ? (r.failures.length ? `fails: ${r.detail}` : 'passes') : `${r.kind}: ${r.reason}`;
}

export async function bisect(req: BisectRequest): Promise<ReportView> {
  const started = performance.now();
  if (!!req.tree === !!req.kernels) throw new UsageError('bisect needs --tree (with --good/--bad) or --kernels debian:FROM..TO');
  const mode: Mode = req.fix ? 'fix' : 'regression';
  const range = req.tree ? await gitRange(req) : await debianKernels(req.kernels!);
  const options: BisectOptions = { ...DEFAULTS, ...req.options, mode };
  const { append, accel, bootTimeout, stallTimeout } = req;
  const verdicts = await verdictKey({ append, accel, bootTimeout, stallTimeout });
  const key = logKey(range, req, mode, verdicts, bisectConfig(range.kind, req.configs));
  const path = join(resolve(req.resultsDir), `bisect-${key}.json`);
  // Infrastructure errors are about the setup of that moment: a resumed bisect tries those commits again.
  const runs = loadLog(path, key, req.replay).filter((l) => range.commits.includes(l.commit) && l.run.kind !== 'infra');
  if (runs.length) req.log(`resuming from ${req.replay ?? path}: ${runs.length} runs logged`);
  const save = () => writeJson(path, { format: 'orchestrate-bisect/1', key, inputs: { tree: range.repo, good: req.good, bad: req.bad, kernels: req.kernels, tests: req.tests, mode, configs: req.configs, options }, commits: range.commits, runs } satisfies BisectLog);
  req.log(`bisecting ${range.commits.length - 1} ${range.kind === 'git' ? 'commits' : 'kernel versions'} (${mode}; ⌈log2 N⌉ = ${idealSteps(range.commits.length - 1)}); log: ${path}`);
  save();
  for (;;) {
    throwIfInterrupted();
    const action = next(range.commits, runs, options);
    if (action.kind === 'done') return report(action.result, range, runs, path, started);
    req.log(`${action.purpose === 'step' ? 'testing' : `checking ${action.purpose.replace('check-', '')}`} ${short(action.commit)}`);
    const logged = await testCommit(req, range, action.commit);
    runs.push(logged);
    save();
    req.log(`  ${short(action.commit)}: ${describeRun(logged)}`);
  }
}


async function report(result: BisectResult, range: Range, runs: LoggedRun[], log: string, started: number): Promise<ReportView> {
  const subjects: Record<string, string> = {};
  for (const s of result.steps) subjects[s.commit] = range.repo ? (await commitInfo(range.repo, s.commit)).subject : `Debian linux-image ${s.commit}`;
  const firstRuns = new Map<string, LoggedRun>();
  for (const r of runs) if (!firstRuns.has(r.commit)) firstRuns.set(r.commit, r);
  const kinds = [...firstRuns.values()].map((r) => r.kernel);
  return {
    ...result,
    culpritInfo: result.culprit && range.repo ? await commitInfo(range.repo, result.culprit) : undefined,
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
