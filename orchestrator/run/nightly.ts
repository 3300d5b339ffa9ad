// One night of a plan: the base built and tested (or found), then every series that arrived,
// applied on its base, built, booted, tested and classified against the base. A series with the
// same inputs as an earlier one is not run again; one that breaks never stops the others.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InterruptedError, UsageError } from '../errors.js';
import { baseCases, classifySeries, parsePlan, storedVerdict, patchcheckTargets, type CaseOutcome, type Classified, type Plan, type StageFailure } from '../core/nightly.js';
import { mergeFragments, renderRequest } from '../core/kconfig.js';
import { conclude, renderConclusion } from '../core/patchcheck.js';
import { bootFailure, type RunResult } from '../core/results.js';
import { blockingProblems, seriesTitle, type Series } from '../core/series.js';
import { loadKnown, loadYaml } from '../adapters/config.js';
import { verdictKey } from '../adapters/verdict-key.js';
import { copyWarnings, insertPatchcheck, insertResult, insertSeries, openNight, setNightBase, type Db, type ResultRow } from '../adapters/db.js';
import { resolveRev, tryResolveRev } from '../adapters/git.js';
import { ensureLinuxSource } from '../adapters/linux-source.js';
import { throwIfInterrupted } from '../adapters/lifecycle.js';
import { readRecord } from '../adapters/kernel-store.js';
import { buildThenTest, isBuilt, loadFragments } from './build.js';
import { suiteFragments } from '../suites/index.js';
import { intake, type Arrival } from './intake.js';
import { patchcheck } from './patchcheck.js';
import type { RunOptions } from './pipeline.js';

export interface NightOptions extends Omit<RunOptions, 'kernel' | 'modules' | 'tests'> {
  /** The plan, as loadPlan gave it. */
  loaded: LoadedPlan;
  db: Db;
  night: string;
  since?: Date;
  /** Test only this series (a job of a scaled-out night). */
  onlySeries?: string;
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

function outcomes(result: RunResult): Pick<Tested, 'cases' | 'stage' | 'warnings'> {
  const boot = bootFailure(result);
  if (boot) return { cases: [], stage: { kind: boot.crash ? 'BOOT-FAIL' : 'INFRA', reason: `boot: ${boot.reason}` }, warnings: [] };
  const tests = result.tests;
  return {
    cases: tests.map((t) => ({
      name: t.name, verdict: t.verdict, reason: t.reason, warnings: t.warnings.map((w) => w.title),
      known: t.known,
    })),
    warnings: [
      ...tests.flatMap((t) => t.warnings.map((w) => ({ test: t.name, ...w }))),
      ...result.warnings.map((w) => ({ test: '(run)', ...w })),
    ],
  };
}

/** Build (or find) and test one kernel: the base, or the base plus a series. */
async function buildAndTest(o: NightOptions, plan: Plan, tree: string, ref: string, series?: Series): Promise<Tested> {
  const { built, result, dir, seconds } = await buildThenTest({ tree, ref, series, configs: plan.config, log: o.log }, { ...o, tests: plan.tests });
  if (!isBuilt(built)) return { cases: [], warnings: [], stage: { kind: built.kind, reason: built.reason }, seconds };
  return { ...outcomes(result!), kernel: built.id, runDir: dir, seconds };
}

interface StoredCase extends Classified {
  verdict: string;
}

/** Each planned test's class against the base, with the verdict it had. */
function classesOf(plan: Plan, t: Tested, base: CaseOutcome[]): StoredCase[] {
  return classifySeries(plan.tests, t.stage, t.cases, base)
    .map((c) => ({ ...c, verdict: storedVerdict(c, t.cases) }));
}

function record(db: Db, nightId: number, seriesId: string | null, inputs: string, t: Tested, classes: StoredCase[]): void {
  db.transaction(() => {
    // A retry in the same night replaces what the failed setup left.
    db.prepare("DELETE FROM results WHERE night_id = ? AND series_id IS ? AND class = 'INFRA'").run(nightId, seriesId);
    for (const c of classes) {
      insertResult(db, {
        night_id: nightId, series_id: seriesId, inputs, test: c.test, verdict: c.verdict, class: c.class, detail: c.detail,
        known: c.known ? JSON.stringify(c.known) : null, kernel: t.kernel ?? null, build_seconds: t.seconds.build, boot_seconds: t.seconds.boot,
        test_seconds: t.seconds.test, reused: 0, run_dir: t.runDir ?? null,
      }, t.warnings.filter((x) => x.test === c.test || x.test === '(run)'));
    }
  })();
}

/** Rows of an earlier night with the same inputs, copied into this night as reused. */
export function reuse(db: Db, nightId: number, inputs: string): boolean {
  const earlier = db.prepare('SELECT night_id FROM results WHERE inputs = ? ORDER BY id DESC LIMIT 1').get(inputs) as { night_id: number } | undefined;
  if (!earlier) return false;
  if (earlier.night_id === nightId) return true;
  const rows = db.prepare('SELECT * FROM results WHERE inputs = ? AND night_id = ?').all(inputs, earlier.night_id) as (ResultRow & { id: number })[];
  if (rows.some((r) => r.class === 'INFRA')) return false; // the setup failed that night: try again
  db.transaction(() => {
    for (const r of rows) copyWarnings(db, r.id, insertResult(db, { ...r, night_id: nightId, reused: 1 }));
  })();
  return true;
}

/** Patchchecks a series that regressed (once per inputs: a resumed or later night finds the row). */
async function nameThePatch(o: NightOptions, plan: Plan, tree: string, commit: string, s: Series, inputs: string, nightId: number): Promise<void> {
  const db = o.db;
  if (db.prepare('SELECT 1 FROM patchchecks WHERE inputs = ?').get(inputs)) return;
  const classes = db.prepare('SELECT test, class, detail FROM results WHERE inputs = ? AND night_id = ?').all(inputs, nightId) as Classified[];
  const tests = patchcheckTargets(plan, s.patches.length, classes);
  if (!tests.length) return;
  o.log(`nightly: patchcheck of "${seriesTitle(s)}" on ${tests.join(', ')}`);
  try {
    const steps = await patchcheck({ ...o, tree, ref: commit, configs: plan.config, series: s, tests, keepGoing: false });
    const found = conclude(steps);
    if (found.kind === 'base-broken' || found.kind === 'inconclusive') {
      o.log(`nightly: patchcheck of ${s.id}: ${renderConclusion(found, s.patches.length, tests)}; not recorded`);
      return;
    }
    const broke = found.kind === 'breaks' || found.kind === 'stops-running' ? found : undefined;
    const detail = found.kind === 'breaks' ? found.newlyFailing.join(', ') || found.step.reason
      : found.kind === 'stops-running' ? `${found.untested.join(', ')} stop running (SKIP)` : null;
    insertPatchcheck(db, {
      inputs, series_id: s.id, tests: JSON.stringify(tests), patch: broke?.step.index ?? null, title: broke?.step.title ?? null,
      verdict: found.kind === 'stops-running' ? 'UNTESTED' : broke?.step.verdict ?? null, detail,
      steps: JSON.stringify(steps), finished: new Date().toISOString(),
    });
  } catch (err) {
    if (err instanceof InterruptedError) throw err;
    o.log(`nightly: patchcheck of ${s.id}: ${(err as Error).message}`);
  }
}

function baseOutcomes(db: Db, inputs: string): CaseOutcome[] {
  const rows = db.prepare('SELECT id, test, verdict, detail FROM results WHERE inputs = ? AND series_id IS NULL ORDER BY id DESC').all(inputs) as { id: number; test: string; verdict: string; detail: string }[];
  const seen = new Set<string>();
  return baseCases(rows.filter((r) => !seen.has(r.test) && seen.add(r.test))).map((r) => ({
    name: r.test, verdict: r.verdict as CaseOutcome['verdict'], reason: r.detail,
    warnings: (db.prepare('SELECT title FROM warnings WHERE result_id = ?').all(r.id) as { title: string }[]).map((w) => w.title),
  }));
}

export interface NightSummary {
  nightId: number;
  plan: Plan;
  baseCommit: string;
  arrivals: { arrival: Arrival; reused: boolean; error?: string }[];
}

export async function runNight(night: NightOptions): Promise<NightSummary> {
  const { plan, resolvePath } = night.loaded;
  const known = plan.known ? loadKnown(resolvePath(plan.known), night.log) : [];
  const o = { ...night, planKnown: known };
  // Everything else that decides a verdict: a cached result is reused only when it matches too.
  const key = await verdictKey({ append: o.append, known, accel: o.accel, bootTimeout: o.bootTimeout, stallTimeout: o.stallTimeout });
  const tree = plan.base.tree === 'linux-source' ? await ensureLinuxSource(o.log, plan.base.source) : resolvePath(plan.base.tree);
  const baseCommit = await resolveRev(tree, plan.base.ref);
  const config = renderRequest(mergeFragments(loadFragments(plan.config)));
  const db = o.db;
  const nightId = openNight(db, plan.name, o.night);
  const bases = new Map<string, { inputs: string; kernel?: string; version?: string }>();

  const base = async (commit: string) => {
    const inputs = nightInputs(plan, config, key, commit);
    if (!bases.has(commit)) {
      if (!reuse(db, nightId, inputs)) {
        o.log(`nightly: base ${commit.slice(0, 12)}`);
        const t = await buildAndTest(o, plan, tree, commit);
        record(db, nightId, null, inputs, t, classesOf(plan, t, t.cases));
      }
      const kernel = (db.prepare('SELECT kernel FROM results WHERE inputs = ? AND kernel IS NOT NULL LIMIT 1').get(inputs) as { kernel: string } | undefined)?.kernel;
      bases.set(commit, { inputs, kernel, version: kernel ? readRecord(kernel)?.version : undefined });
    }
    return bases.get(commit)!;
  };

  const main = await base(baseCommit);
  setNightBase(db, nightId, { commit: baseCommit, kernel: main.kernel ?? null, version: main.version ?? null });
  const arrivals: NightSummary['arrivals'] = [];
  for (const arrival of intake(plan, resolvePath, o.since).filter((a) => !o.onlySeries || a.series.id === o.onlySeries)) {
    throwIfInterrupted();
    const s = arrival.series;
    insertSeries(db, {
      id: s.id, version: s.version, title: seriesTitle(s), message_id: s.cover?.messageId ?? s.patches[0]?.messageId ?? null,
      base_commit: s.baseCommit ?? null, subjects: JSON.stringify(s.patches.map((p) => p.title)), source: arrival.source, first_seen: new Date().toISOString(),
    });
    try {
      const commit = (s.baseCommit && await tryResolveRev(tree, s.baseCommit)) || baseCommit;
      const inputs = nightInputs(plan, config, key, commit, s.id);
      if (reuse(db, nightId, inputs)) {
        await nameThePatch(o, plan, tree, commit, s, inputs, nightId);
        arrivals.push({ arrival, reused: true });
        continue;
      }
      const problems = blockingProblems(s);
      const b = await base(commit);
      o.log(`nightly: series "${seriesTitle(s)}" (v${s.version}, ${s.patches.length} patches)`);
      const t: Tested = problems.length
        ? { cases: [], warnings: [], stage: { kind: 'APPLY-FAIL', reason: problems.join('; ') }, seconds: { build: 0, boot: 0, test: 0 } }
        : await buildAndTest(o, plan, tree, commit, s);
      record(db, nightId, s.id, inputs, t, classesOf(plan, t, baseOutcomes(db, b.inputs)));
      await nameThePatch(o, plan, tree, commit, s, inputs, nightId);
      arrivals.push({ arrival, reused: false });
    } catch (err) {
      if (err instanceof InterruptedError) throw err;
      const message = (err as Error).message;
      o.log(`nightly: series from ${arrival.source}: ${message}`);
      // Not cached under the series' inputs: tomorrow's night tries it again.
      const none: Tested = { cases: [], warnings: [], seconds: { build: 0, boot: 0, test: 0 } };
      const rows = plan.tests.map((test) => ({ test, class: 'INFRA' as const, detail: message, verdict: 'INFRA' }));
      record(db, nightId, s.id, `infra-${Date.now()}`, none, rows);
      arrivals.push({ arrival, reused: false, error: message });
    }
  }
  db.prepare('UPDATE nights SET finished = ? WHERE id = ?').run(new Date().toISOString(), nightId);
  return { nightId, plan, baseCommit, arrivals };
}
