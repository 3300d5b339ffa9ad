// One night of a plan: the base built and tested (or found), then every series that arrived,
// applied on its base, built, booted, tested and classified against the base. A series with the
// same inputs as an earlier one is not run again; one that breaks never stops the others.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InterruptedError, UsageError } from '../errors.js';
import {
  baseCases,
  classifySeries,
  parsePlan,
  storedVerdict,
  patchcheckTargets,
  type CaseOutcome,
  type Classified,
  type Plan,
  type StageFailure,
} from '../core/nightly.js';
import { requestKey } from '../core/kconfig.js';
import { conclude, renderConclusion, type Conclusion, type Step } from '../core/patchcheck.js';
import { OUTSIDE_CASES } from '../core/signature.js';
import { bootFailure, type RunResult } from '../core/results.js';
import { blockingProblems, seriesTitle, type Series } from '../core/series.js';
import { loadKnown, loadYaml } from '../adapters/config.js';
import type { KnownRecord } from '../core/known.js';
import type { Db } from '../adapters/db.js';
import {
  baseResults,
  finishNight,
  finishShard,
  hasPatchcheck,
  insertPatchcheck,
  insertSeries,
  kernelOf,
  openNight,
  recordResults,
  resultsOf,
  reuse,
  setNightBase,
  startShard,
  warningsOf,
  type PatchcheckRow,
} from '../adapters/history.js';
import { resolveRev, tryResolveRev } from '../adapters/git.js';
import { ensureLinuxSource } from '../adapters/linux-source.js';
import { throwIfInterrupted } from '../adapters/lifecycle.js';
import { readRecord } from '../adapters/kernel-store.js';
import { suiteFragments } from '../suites/index.js';
import { intake, type Arrival } from './intake.js';
import { patchcheck } from './patchcheck.js';
import { isBuilt, loadFragments, type KernelTester, type TestRun } from '../engine/tester.js';
import { historyCutoff, type Shard } from '../core/shard.js';
import { describeShard, planShard, type ShardPlan } from './shard.js';

export interface NightOptions extends Omit<TestRun, 'tests'> {
  /** The plan, as loadPlan gave it. */
  loaded: LoadedPlan;
  db: Db;
  night: string;
  since?: Date;
  /** Test only this series (a job of a scaled-out night). */
  onlySeries?: string;
  /** Test only this shard of the plan's tests (a job of a night split further). */
  shard?: Shard;
}

export interface Tested {
  cases: CaseOutcome[];
  stage?: { kind: StageFailure; reason: string };
  kernel?: string;
  seconds: { build: number; boot: number; test: number };
  warnings: { test: string; title: string; kind: string; source: string }[];
  runDir?: string;
}

export interface LoadedPlan {
  plan: Plan;
  /** A path in the plan, relative to the plan file. */
  resolvePath: (p: string) => string;
}

export function loadPlan(path: string): LoadedPlan {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`--plan ${path}: no such file`);
  let plan: Plan;
  try {
    plan = parsePlan(loadYaml(file), path);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const resolvePath = (p: string) => (isAbsolute(p) ? p : resolve(dirname(file), p));
  // Fragment names stay names (configs/kernel/NAME.config); paths are relative to the plan.
  plan.config = [...plan.config.map((c) => (c.includes('/') ? resolvePath(c) : c)), ...suiteFragments(plan.tests)];
  return { plan, resolvePath };
}

function inputsHash(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** What a night's result for the base or a series is stored under: a night with the same inputs reuses it. */
export function nightInputs(plan: Plan, config: string, verdicts: string, commit: string, seriesId?: string): string {
  const what = seriesId ? ['series', seriesId] : ['base'];
  return inputsHash([...what, commit, config, plan.tests, plan.runs, verdicts]);
}

/** A night's options with what it runs on: the tester that has kernels tested. */
type Night = NightOptions & { tester: KernelTester; planKnown: KnownRecord[] };

/** What every step of one night shares. */
interface Tonight extends Night {
  plan: Plan;
  tree: string;
  /** The rendered config and the verdict key: with a commit (and a series), a result's inputs. */
  config: string;
  key: string;
  nightId: number;
  bases: Map<string, { inputs: string; kernel?: string; version?: string }>;
  /** With --shard: the split, and this job's part of it (plan.tests). */
  part?: ShardPlan;
}

function outcomes(result: RunResult): Pick<Tested, 'cases' | 'stage' | 'warnings'> {
  const boot = bootFailure(result);
  if (boot)
    return {
      cases: [],
      stage: { kind: boot.crash ? 'BOOT-FAIL' : 'INFRA', reason: `boot: ${boot.reason}` },
      warnings: [],
    };
  const tests = result.tests;
  return {
    cases: tests.map((t) => ({
      name: t.name,
      verdict: t.verdict,
      reason: t.reason,
      warnings: t.warnings.map((w) => w.title),
      known: t.known,
    })),
    warnings: [
      ...tests.flatMap((t) => t.warnings.map((w) => ({ test: t.name, ...w }))),
      ...result.warnings.map((w) => ({ test: OUTSIDE_CASES, ...w })),
    ],
  };
}

/** Build (or find) and test one kernel: the base, or the base plus a series. */
async function buildAndTest(o: Night, plan: Plan, tree: string, ref: string, series?: Series): Promise<Tested> {
  const { built, result, dir, seconds } = await o.tester.built(
    { tree, ref, series, configs: plan.config },
    { ...o, tests: plan.tests },
  );
  if (!isBuilt(built)) return { cases: [], warnings: [], stage: { kind: built.kind, reason: built.reason }, seconds };
  return { ...outcomes(result!), kernel: built.id, runDir: dir, seconds };
}

interface StoredCase extends Classified {
  verdict: string;
}

/** Each planned test's class against the base, with the verdict it had. */
function classesOf(plan: Plan, t: Tested, base: CaseOutcome[]): StoredCase[] {
  return classifySeries(plan.tests, t.stage, t.cases, base).map((c) => ({ ...c, verdict: storedVerdict(c, t.cases) }));
}

function record(
  db: Db,
  nightId: number,
  seriesId: string | null,
  inputs: string,
  t: Tested,
  classes: StoredCase[],
): void {
  recordResults(
    db,
    nightId,
    seriesId,
    classes.map((c) => ({
      row: {
        night_id: nightId,
        series_id: seriesId,
        inputs,
        test: c.test,
        verdict: c.verdict,
        class: c.class,
        detail: c.detail,
        known: c.known ? JSON.stringify(c.known) : null,
        kernel: t.kernel ?? null,
        build_seconds: t.seconds.build,
        boot_seconds: t.seconds.boot,
        test_seconds: t.seconds.test,
        reused: 0,
        run_dir: t.runDir ?? null,
      },
      warnings: t.warnings.filter((x) => x.test === c.test || x.test === OUTSIDE_CASES),
    })),
  );
}

/** The history's row for a patchcheck that named a patch, or found that none alone breaks the tests. */
function patchcheckRow(inputs: string, s: Series, tests: string[], steps: Step[], found: Conclusion): PatchcheckRow {
  const broke = found.kind === 'breaks' || found.kind === 'stops-running' ? found : undefined;
  const detail =
    found.kind === 'breaks'
      ? found.newlyFailing.join(', ') || found.step.reason
      : found.kind === 'stops-running'
        ? `${found.untested.join(', ')} stop running (SKIP)`
        : null;
  return {
    inputs,
    series_id: s.id,
    tests: JSON.stringify(tests),
    patch: broke?.step.index ?? null,
    title: broke?.step.title ?? null,
    verdict: found.kind === 'stops-running' ? 'UNTESTED' : (broke?.step.verdict ?? null),
    detail,
    steps: JSON.stringify(steps),
    finished: new Date().toISOString(),
  };
}

/** Patchchecks a series that regressed (once per inputs: a resumed or later night finds the row). */
async function nameThePatch(n: Tonight, commit: string, s: Series, inputs: string): Promise<void> {
  if (hasPatchcheck(n.db, inputs)) return;
  const classes: Classified[] = resultsOf(n.db, inputs, n.nightId).map((r) => ({
    test: r.test,
    class: r.class as Classified['class'],
    detail: r.detail,
  }));
  const tests = patchcheckTargets(n.plan, s.patches.length, classes);
  if (!tests.length) return;
  n.log(`nightly: patchcheck of "${seriesTitle(s)}" on ${tests.join(', ')}`);
  try {
    const asked = { ...n, tree: n.tree, ref: commit, configs: n.plan.config, series: s, tests, keepGoing: false };
    const steps = await patchcheck(asked, n.tester);
    const found = conclude(steps);
    if (found.kind === 'base-broken' || found.kind === 'inconclusive') {
      n.log(`nightly: patchcheck of ${s.id}: ${renderConclusion(found, s.patches.length, tests)}; not recorded`);
      return;
    }
    insertPatchcheck(n.db, patchcheckRow(inputs, s, tests, steps, found));
  } catch (err) {
    if (err instanceof InterruptedError) throw err;
    n.log(`nightly: patchcheck of ${s.id}: ${(err as Error).message}`);
  }
}

function baseOutcomes(db: Db, inputs: string): CaseOutcome[] {
  const seen = new Set<string>();
  return baseCases(baseResults(db, inputs).filter((r) => !seen.has(r.test) && seen.add(r.test))).map((r) => ({
    name: r.test,
    verdict: r.verdict as CaseOutcome['verdict'],
    reason: r.detail,
    warnings: warningsOf(db, r.id).map((w) => w.title),
  }));
}

export interface NightSummary {
  nightId: number;
  plan: Plan;
  baseCommit: string;
  arrivals: { arrival: Arrival; reused: boolean; error?: string }[];
}

/** The base at COMMIT, tested (or found) once a night. */
async function base(n: Tonight, commit: string) {
  if (!n.bases.has(commit)) {
    const inputs = nightInputs(n.plan, n.config, n.key, commit);
    if (!reuse(n.db, n.nightId, inputs)) {
      n.log(`nightly: base ${commit.slice(0, 12)}`);
      const t = await buildAndTest(n, n.plan, n.tree, commit);
      record(n.db, n.nightId, null, inputs, t, classesOf(n.plan, t, t.cases));
    }
    const kernel = kernelOf(n.db, inputs);
    n.bases.set(commit, { inputs, kernel, version: kernel ? readRecord(kernel)?.version : undefined });
  }
  return n.bases.get(commit)!;
}

function storeSeries(n: Tonight, { series: s, source }: Arrival): void {
  insertSeries(n.db, {
    id: s.id,
    version: s.version,
    title: seriesTitle(s),
    message_id: s.cover?.messageId ?? s.patches[0]?.messageId ?? null,
    base_commit: s.baseCommit ?? null,
    subjects: JSON.stringify(s.patches.map((p) => p.title)),
    source,
    first_seen: new Date().toISOString(),
  });
}

/** One series on its base (the plan's when its base-commit is not in the tree): reused, or tested and classified. */
async function testSeries(n: Tonight, arrival: Arrival, baseCommit: string): Promise<{ reused: boolean }> {
  const s = arrival.series;
  const commit = (s.baseCommit && (await tryResolveRev(n.tree, s.baseCommit))) || baseCommit;
  const inputs = nightInputs(n.plan, n.config, n.key, commit, s.id);
  const reused = reuse(n.db, n.nightId, inputs);
  if (!reused) {
    const problems = blockingProblems(s);
    const b = await base(n, commit);
    n.log(`nightly: series "${seriesTitle(s)}" (v${s.version}, ${s.patches.length} patches)`);
    const t: Tested = problems.length
      ? {
          cases: [],
          warnings: [],
          stage: { kind: 'APPLY-FAIL', reason: problems.join('; ') },
          seconds: { build: 0, boot: 0, test: 0 },
        }
      : await buildAndTest(n, n.plan, n.tree, commit, s);
    record(n.db, n.nightId, s.id, inputs, t, classesOf(n.plan, t, baseOutcomes(n.db, b.inputs)));
  }
  await nameThePatch(n, commit, s, inputs);
  return { reused };
}

/** A series whose testing broke: INFRA for each test, not cached under its inputs, so tomorrow's night tries again. */
function recordLost(n: Tonight, arrival: Arrival, message: string): void {
  n.log(`nightly: series from ${arrival.source}: ${message}`);
  const none: Tested = { cases: [], warnings: [], seconds: { build: 0, boot: 0, test: 0 } };
  const rows = n.plan.tests.map((test) => ({ test, class: 'INFRA' as const, detail: message, verdict: 'INFRA' }));
  record(n.db, n.nightId, arrival.series.id, `infra-${Date.now()}`, none, rows);
}

/** Opens tonight: the plan's records, the verdict key, the base's tree and commit, tonight's row in the history. */
async function open(night: NightOptions, tester: KernelTester): Promise<Tonight & { baseCommit: string }> {
  const { resolvePath } = night.loaded;
  const { plan, part, asked } = shardOf(night);
  const known = plan.known ? loadKnown(resolvePath(plan.known), night.log) : [];
  // Everything else that decides a verdict: a cached result is reused only when it matches too.
  const { append, accel, bootTimeout, stallTimeout } = night;
  const key = await tester.verdictKey({ append, known, accel, bootTimeout, stallTimeout });
  const fromSource = plan.base.tree === 'linux-source';
  const tree = fromSource ? await ensureLinuxSource(night.log, plan.base.source) : resolvePath(plan.base.tree);
  const baseCommit = await resolveRev(tree, plan.base.ref);
  const config = requestKey(loadFragments(plan.config));
  const nightId = openNight(night.db, plan.name, night.night);
  const bases = new Map();
  return { ...night, asked, planKnown: known, tester, plan, tree, key, config, nightId, bases, baseCommit, part };
}

/** The plan, or with --shard its shard: the plan's tests split by the runs before this night began. */
function shardOf(night: NightOptions): { plan: Plan; part?: ShardPlan; asked?: TestRun['asked'] } {
  const { plan } = night.loaded;
  if (!night.shard) return { plan };
  const part = planShard(plan.tests, night.shard, resolve(night.resultsDir), historyCutoff(night.night));
  night.log(`nightly: ${describeShard(part)}`);
  return { plan: { ...plan, tests: part.tests }, part, asked: { selection: plan.tests, shard: night.shard } };
}

export async function runNight(night: NightOptions, tester: KernelTester): Promise<NightSummary> {
  const n = await open(night, tester);
  const job = n.onlySeries ?? '';
  if (n.part) startShard(n.db, n.nightId, job, n.part.shard, n.part.split);
  const arrivals = n.plan.tests.length ? await testAll(n) : [];
  if (n.part) finishShard(n.db, n.nightId, job, n.part.shard);
  finishNight(n.db, n.nightId);
  return { nightId: n.nightId, plan: n.plan, baseCommit: n.baseCommit, arrivals };
}

/** The base, then every series that arrived (or the one asked for). */
async function testAll(n: Tonight & { baseCommit: string }): Promise<NightSummary['arrivals']> {
  const { plan, baseCommit } = n;
  const main = await base(n, baseCommit);
  setNightBase(n.db, n.nightId, { commit: baseCommit, kernel: main.kernel ?? null, version: main.version ?? null });
  const arrivals: NightSummary['arrivals'] = [];
  const wanted = (a: Arrival) => !n.onlySeries || a.series.id === n.onlySeries;
  for (const arrival of intake(plan, n.loaded.resolvePath, n.since).filter(wanted)) {
    throwIfInterrupted();
    storeSeries(n, arrival);
    try {
      arrivals.push({ arrival, ...(await testSeries(n, arrival, baseCommit)) });
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      recordLost(n, arrival, (err as Error).message);
      arrivals.push({ arrival, reused: false, error: (err as Error).message });
    }
  }
  return arrivals;
}
