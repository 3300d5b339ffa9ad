// Running selected suites on a booted guest: setup once per suite, then each case with its
// own dmesg window, verdict and evidence.
import { basename } from 'node:path';
import { matchEvidence, parseConsole, fatal, type KernelReport } from '../core/console.js';
import { expectationFor, type ExpectationFile } from '../core/expectations.js';
import { recordsFor, type KnownRecord } from '../core/known.js';
import { unrunResults, type TestResult, type WarningRef } from '../core/results.js';
import { judge, type CaseOutcome } from '../core/verdict.js';
import type { ArtifactKind } from '../core/stamp.js';
import {
  isExternal,
  peerSetupOf,
  parseFacts,
  parseObservation,
  type GuestCommand,
  type SetupFacts,
  type TestCase,
} from '../suites/suite.js';
import { caseNames, type Selection } from '../suites/index.js';
import { execSuspects, GuestLost, isWorkload, kernelLines, type Guest, type Guests } from './guest.js';
import { runExternal } from './external.js';
import type { Gate } from '../core/needs.js';
import { gated } from './gate.js';
import { DmesgError } from '../errors.js';

export interface SuiteRun {
  selection: Selection;
  expectations: ExpectationFile;
  /** Known-bug records (configs/known and the plan's); none for raw verdicts. */
  known?: KnownRecord[];
}

export function toRef(w: KernelReport, source: WarningRef['source']): WarningRef {
  return { title: w.title, kind: w.kind, source };
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-2).join(' | ');
}

function runCommand(session: Guest, cmd: GuestCommand) {
  return session.exec(cmd.argv, cmd.timeoutSeconds);
}

function failedStep(step: GuestCommand, r: { code: number | null; stderr: string; stdout: string }): CaseOutcome {
  return {
    error: `${basename(step.argv[0])} exited ${r.code}: ${tail(r.stderr || r.stdout)}`,
    suspects: execSuspects(step.argv[0], r.code),
  };
}

async function runSteps(session: Guest, steps: GuestCommand[]): Promise<CaseOutcome> {
  let stdout = '';
  for (const step of steps) {
    const r = await runCommand(session, step);
    stdout = r.stdout;
    if (r.timedOut) return { error: `${basename(step.argv[0])} timed out after ${step.timeoutSeconds} s` };
    const observed = parseObservation(r.stdout);
    if (observed?.error) return { error: `${basename(step.argv[0])}: ${observed.error}` };
    if (r.code !== 0) return failedStep(step, r);
  }
  const observed = parseObservation(stdout);
  if (typeof observed?.skip === 'string') return { skip: observed.skip, observed };
  if (observed) return { observed };
  const last = steps.at(-1)?.argv[0] ?? '';
  return { error: 'the workload printed no JSON observation', suspects: isWorkload(last) ? ['workloads'] : [] };
}

/**
 * A two-guest case's outcome from both sides: the peer's observation is kept under `peer` whatever
 * happened (its figures), and the peer's failure, named by its role, is the case's error.
 */
export function bothSides(
  own: CaseOutcome,
  other: CaseOutcome,
  tc: Pick<TestCase, 'peerRole' | 'peerFailure'>,
): CaseOutcome {
  const failed = other.error ?? (other.observed && tc.peerFailure?.(other.observed, own.observed));
  const observed = other.observed ? { ...own.observed, peer: other.observed } : own.observed;
  const error = [own.error, failed && `${tc.peerRole ?? 'peer'}: ${failed}`].filter(Boolean).join('; ');
  const suspects = [...new Set([...(own.suspects ?? []), ...(other.suspects ?? [])])];
  return { ...own, observed, ...(error ? { error } : {}), ...(suspects.length ? { suspects } : {}) };
}

/** The case's commands, and its peer's at the same time. */
async function runSides(
  session: Guest,
  peer: Guest | undefined,
  tc: TestCase,
  facts: SetupFacts,
): Promise<CaseOutcome> {
  if (!tc.peer) return runSteps(session, tc.run(facts));
  if (!peer) return { error: 'needs a second guest, and none was booted' };
  const [own, other] = await Promise.all([runSteps(session, tc.run(facts)), runSteps(peer, tc.peer(facts))]);
  return bothSides(own, other, tc);
}

async function runCleanup(session: Guest, steps: GuestCommand[]): Promise<string | undefined> {
  for (const step of steps) {
    const r = await runCommand(session, step);
    if (r.code !== 0) return `cleanup: ${basename(step.argv[0])} exited ${r.code}: ${tail(r.stderr || r.stdout)}`;
  }
  return undefined;
}

async function runCase(
  { session, peer }: Guests,
  run: SuiteRun,
  tc: TestCase,
  facts: SetupFacts,
  version: string,
): Promise<TestResult> {
  const started = performance.now();
  const name = `${run.selection.suite.name}/${tc.name}`;
  const rule = expectationFor(run.expectations, tc.name, version);
  let outcome = await runSides(session, peer, tc, facts);
  if (outcome.observed && !outcome.error && tc.precondition) {
    const unmet = tc.precondition(outcome.observed);
    if (unmet) outcome = { ...outcome, error: `precondition: ${unmet}` };
  }
  const cleanupFailed = await runCleanup(session, tc.cleanup?.(facts) ?? []);
  if (cleanupFailed && !outcome.error) outcome = { ...outcome, error: cleanupFailed };
  const mine = await kernelLines(session);
  const theirs = peer ? await kernelLines(peer, `${peer.label ?? 'peer'}: `) : { log: '' };
  for (const unread of [mine, theirs]) if (unread.error) outcome = withError(outcome, unread.error, unread.suspects);
  const log = mine.log;
  const own = parseConsole(log);
  const peerWarnings = parseConsole(theirs.log);
  const warnings = [...own, ...peerWarnings];
  const crash = warnings.find(fatal);
  if (crash) outcome = { ...outcome, crash: crash.title };
  const verdict = judge(
    rule,
    outcome,
    warnings.map((w) => w.title),
    recordsFor(run.known ?? [], name, version),
  );
  return {
    name,
    ...verdict,
    ...(outcome.suspects?.length && verdict.verdict === 'ERROR' ? { suspects: outcome.suspects } : {}),
    expected: rule?.expect ?? null,
    observed: outcome.observed ?? null,
    warnings: [...own.map((w) => toRef(w, 'dmesg')), ...peerWarnings.map((w) => toRef(w, 'peer-dmesg'))],
    evidence: rule?.evidence ? matchEvidence(log, new RegExp(escapeRegExp(rule.evidence))) : [],
    seconds: (performance.now() - started) / 1000,
  };
}

function withError(outcome: CaseOutcome, error: string, suspects: ArtifactKind[] = []): CaseOutcome {
  const all = [...(outcome.suspects ?? []), ...suspects];
  const errors = [outcome.error, error].filter(Boolean).join('; ');
  return { ...outcome, error: errors, ...(all.length ? { suspects: all } : {}) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type SetupOutcome = { facts: SetupFacts } | { error: string; suspects: ArtifactKind[] };

async function setupOn(session: Guest, steps: GuestCommand[], where: string): Promise<SetupOutcome> {
  const facts: SetupFacts = {};
  for (const step of steps) {
    const r = await runCommand(session, step);
    if (r.code !== 0)
      return { error: `${where}: ${failedStep(step, r).error}`, suspects: execSuspects(step.argv[0], r.code) };
    Object.assign(facts, parseFacts(r.stdout));
  }
  return { facts };
}

/** The suite's setup, and the second guest's at the same time; the facts are the first guest's. */
async function runSetup({ session, peer }: Guests, run: SuiteRun): Promise<SetupOutcome> {
  const { setup } = run.selection.suite;
  const peerSetup = peerSetupOf(run.selection.suite);
  if (peerSetup && !peer) return { error: 'setup: the suite needs a second guest, and none was booted', suspects: [] };
  const [main, other] = await Promise.all([
    setupOn(session, setup, 'setup'),
    peer && peerSetup ? setupOn(peer, peerSetup, 'peer setup') : { facts: {} },
  ]);
  if ('error' in main) return main;
  if ('error' in other) return other;
  return main;
}

/** The suite's setup, or the facts of the one the restored guest went through; a fresh one is saved. */
async function setupOrRestored(guests: Guests, run: SuiteRun, snapshot?: SetupSnapshot): Promise<SetupOutcome> {
  if (snapshot?.facts) return { facts: snapshot.facts };
  const setup = await runSetup(guests, run);
  if (snapshot && 'facts' in setup) await snapshot.save(setup.facts);
  return setup;
}

export interface SuitesOutcome {
  results: TestResult[];
  /** Warnings in dmesg outside any case (boot, setup). */
  outside: WarningRef[];
  /** A guest lost with no kernel report: the cases it did not judge, and why (a fresh guest may run them). */
  lost?: { cases: string[]; reason: string };
  /** The title of the crash that took a guest away, if one did. */
  crash?: string;
  /** Cached artifacts a setup failure points at. */
  suspects?: ArtifactKind[];
}

/** Results for cases a lost guest never ran: CRASH with the console's title for the first. */
export function lostResults(session: Guest, names: string[], err: GuestLost): Omit<SuitesOutcome, 'outside'> {
  // The guest is gone: a panic names why; failing that, the first report the console holds.
  const lost = err.guest ?? session;
  const reports = parseConsole(lost.consoleText());
  const crash = reports.find(fatal) ?? reports[0];
  const which = lost.label ?? 'guest';
  const [current, ...rest] = names;
  if (!current) return { results: [] };
  return {
    results: [
      ...unrunResults(
        [current],
        crash ? 'CRASH' : 'ERROR',
        crash ? `${lost.label ? `${lost.label}: ` : ''}${crash.title}` : `${which} lost: ${err.message}`,
      ),
      ...unrunResults(rest, 'ERROR', `not run: the ${which} was lost during ${current}`),
    ],
    crash: crash?.title,
    lost: crash ? undefined : { cases: names, reason: `${which} lost: ${err.message}` },
  };
}

/** Every need met: what the unit tests' scripted guests get. */
const ALL_MET: Gate = async () => undefined;

export interface SuitesOptions {
  gate?: Gate;
  /** Keeps an external run's whole output next to results.json. */
  save?: (file: string, text: string) => void;
  /** Keeps an external run's collected files next to results.json (DIR, a .tar.gz); their paths there. */
  keep?: (dir: string, tgz: Buffer) => Promise<string[]>;
  /** One suite on a saved or to-be-saved guest (engine/lab): its setup's facts when restored, or the save. */
  snapshot?: SetupSnapshot;
}

/**
 * A guest restored after its one suite's setup (FACTS: what that setup said), or one to save once
 * set up. Either way the kernel log is first read after the setup, so that the saved boot's and
 * setup's lines are read by each restored run as by the cold one.
 */
export interface SetupSnapshot {
  facts?: SetupFacts;
  save(facts: SetupFacts): Promise<void>;
}

/** One suite's cases, after its setup, into OUT as they finish: ours case by case, an external suite run by run. */
async function suiteCases(
  guests: Guests,
  run: SuiteRun,
  facts: SetupFacts,
  version: string,
  opts: SuitesOptions,
  out: SuitesOutcome,
  running: (name: string) => void,
) {
  const suite = run.selection.suite;
  const gate = opts.gate ?? ALL_MET;
  if (isExternal(suite)) {
    const ctx = {
      session: guests.session,
      suite,
      patterns: run.selection.patterns,
      expectations: run.expectations,
      known: run.known ?? [],
      version,
      gate,
      save: opts.save ?? (() => {}),
      keep: opts.keep ?? (async () => []),
      running,
    };
    return runExternal(ctx, facts, out);
  }
  for (const tc of run.selection.cases) {
    const unmet = await gated(gate, tc.needs, [`${suite.name}/${tc.name}`]);
    out.results.push(...(unmet ?? [await runCase(guests, run, tc, facts, version)]));
  }
}

export async function runSuites(
  guests: Guests,
  runs: SuiteRun[],
  version: string,
  opts: SuitesOptions = {},
): Promise<SuitesOutcome> {
  const gate = opts.gate ?? ALL_MET;
  const { session } = guests;
  const results: TestResult[] = [];
  const outside: WarningRef[] = [];
  const suspects: ArtifactKind[] = [];
  // Where the suites are: the run in progress, where its results began, an external run's name.
  let at = 0;
  let startedAt = 0;
  let running: string | undefined;
  const here = () => {
    const current = runs[at]?.selection;
    if (!current) return [];
    if (isExternal(current.suite)) return [running ?? `${current.suite.name}/*`];
    return caseNames([current]).slice(results.length - startedAt);
  };
  const pending = () => [...here(), ...caseNames(runs.slice(at + 1).map((r) => r.selection))];
  /** The kernel lines outside any case; why they could not be read, when a dmesg failed. */
  const drain = async (): Promise<string | undefined> => {
    const mine = await kernelLines(session);
    const theirs = guests.peer ? await kernelLines(guests.peer, `${guests.peer.label ?? 'peer'}: `) : { log: '' };
    outside.push(...parseConsole(mine.log).map((w) => toRef(w, 'dmesg')));
    outside.push(...parseConsole(theirs.log).map((w) => toRef(w, 'peer-dmesg')));
    suspects.push(...(mine.suspects ?? []), ...(theirs.suspects ?? []));
    return [mine.error, theirs.error].filter(Boolean).join('; ') || undefined;
  };
  try {
    // A failed read before the cases leaves their first window unknown: what it held may be lost or land there.
    let unread = opts.snapshot ? undefined : await drain();
    for (; at < runs.length; at++) {
      const run = runs[at];
      [startedAt, running] = [results.length, undefined];
      const unmet = await gated(gate, run.selection.suite.needs, caseNames([run.selection]));
      if (unmet) {
        results.push(...unmet);
        continue;
      }
      const setup = await setupOrRestored(guests, run, opts.snapshot);
      const before = [unread, await drain()].filter(Boolean).join('; ');
      unread = undefined;
      if ('error' in setup) {
        results.push(...unrunResults(caseNames([run.selection]), 'ERROR', setup.error));
        suspects.push(...setup.suspects);
        continue;
      }
      if (before) {
        const why = `the kernel log before the cases: ${before}`;
        results.push(...unrunResults(caseNames([run.selection]), 'ERROR', why));
        continue;
      }
      try {
        await suiteCases(guests, run, setup.facts, version, opts, { results, outside }, (name) => (running = name));
      } catch (err) {
        if (!(err instanceof DmesgError)) throw err;
        results.push(...unrunResults(here(), 'ERROR', err.message));
      }
    }
  } catch (err) {
    if (!(err instanceof GuestLost)) throw err;
    const lost = lostResults(session, pending(), err);
    return { ...lost, results: [...results, ...lost.results], outside, suspects };
  }
  return { results, outside, suspects };
}
