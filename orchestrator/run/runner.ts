// Running selected suites on a booted guest: setup once per suite, then each case with its
// own dmesg window, verdict and evidence.
import { basename } from 'node:path';
import { matchEvidence, parseConsole, fatal, type Warning } from '../core/console.js';
import { expectationFor, type ExpectationFile } from '../core/expectations.js';
import { unrunResults, type TestResult, type WarningRef } from '../core/results.js';
import { judge, type CaseOutcome } from '../core/verdict.js';
import { parseFacts, parseObservation, type GuestCommand, type SetupFacts, type TestCase } from '../tests/suite.js';
import type { Selection } from '../tests/index.js';
import type { Session } from './session.js';
import { delay, throwIfInterrupted } from '../adapters/lifecycle.js';

export interface SuiteRun {
  selection: Selection;
  expectations: ExpectationFile;
}

/** Thrown when the guest stops answering; the caller turns it into CRASH or ERROR. */
class GuestLost extends Error {}

export function toRef(w: Warning, source: WarningRef['source']): WarningRef {
  return { title: w.title, kind: w.kind, source };
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-2).join(' | ');
}

async function runCommand(session: Session, cmd: GuestCommand) {
  try {
    return await session.exec(cmd.argv, cmd.timeoutSeconds);
  } catch (err) {
    throw new GuestLost((err as Error).message);
  }
}

async function runSteps(session: Session, steps: GuestCommand[]): Promise<CaseOutcome> {
  let stdout = '';
  for (const step of steps) {
    const r = await runCommand(session, step);
    if (!session.qemu.running) throw new GuestLost('QEMU exited');
    stdout = r.stdout;
    if (r.timedOut || r.code === null) return { error: `${basename(step.argv[0])} timed out after ${step.timeoutSeconds} s` };
    const observed = parseObservation(r.stdout);
    if (observed?.error) return { error: `${basename(step.argv[0])}: ${observed.error}` };
    if (r.code !== 0) return { error: `${basename(step.argv[0])} exited ${r.code}: ${tail(r.stderr || r.stdout)}` };
  }
  const observed = parseObservation(stdout);
  if (typeof observed?.skip === 'string') return { skip: observed.skip, observed };
  return observed ? { observed } : { error: 'the workload printed no JSON observation' };
}

class DmesgWindow {
  private seen = 0;
  constructor(private readonly session: Session) {}

  /** dmesg lines since the last call. */
  async next(): Promise<string> {
    const lines = (await this.session.dmesg()).split('\n').filter(Boolean);
    const fresh = lines.slice(this.seen);
    this.seen = lines.length;
    return fresh.join('\n');
  }
}

async function runCase(session: Session, run: SuiteRun, tc: TestCase, facts: SetupFacts, version: string, dmesg: DmesgWindow): Promise<TestResult> {
  const started = performance.now();
  const name = `${run.selection.suite.name}/${tc.name}`;
  const rule = expectationFor(run.expectations, tc.name, version);
  let outcome = await runSteps(session, tc.run(facts));
  if (outcome.observed && tc.precondition) {
    const unmet = tc.precondition(outcome.observed);
    if (unmet) outcome = { ...outcome, error: `precondition: ${unmet}` };
  }
  for (const step of tc.cleanup?.(facts) ?? []) await runCommand(session, step);
  const log = await dmesg.next();
  const warnings = parseConsole(log);
  const crash = warnings.find(fatal);
  if (crash) outcome = { ...outcome, crash: crash.title };
  const verdict = judge(rule, outcome, warnings.map((w) => w.title));
  return {
    name, ...verdict,
    expected: rule?.expect ?? null,
    observed: outcome.observed ?? null,
    warnings: warnings.map((w) => toRef(w, 'dmesg')),
    evidence: rule?.evidence ? matchEvidence(log, new RegExp(escapeRegExp(rule.evidence))) : [],
    seconds: (performance.now() - started) / 1000,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function runSetup(session: Session, run: SuiteRun): Promise<{ facts: SetupFacts } | { error: string }> {
  const facts: SetupFacts = {};
  for (const step of run.selection.suite.setup) {
    const r = await runCommand(session, step);
    if (r.code !== 0) return { error: `setup: ${basename(step.argv[0])} exited ${r.code}: ${tail(r.stderr || r.stdout)}` };
    Object.assign(facts, parseFacts(r.stdout));
  }
  return { facts };
}

export interface SuitesOutcome {
  results: TestResult[];
  /** Warnings in dmesg outside any case (boot, setup). */
  outside: WarningRef[];
}

export async function runSuites(session: Session, runs: SuiteRun[], version: string): Promise<SuitesOutcome> {
  const dmesg = new DmesgWindow(session);
  const results: TestResult[] = [];
  const outside: WarningRef[] = [];
  const pending = (from: number) => runs.flatMap((r) => r.selection.cases.map((c) => `${r.selection.suite.name}/${c.name}`)).slice(from);
  try {
    outside.push(...parseConsole(await dmesg.next()).map((w) => toRef(w, 'dmesg')));
    for (const run of runs) {
      const setup = await runSetup(session, run);
      outside.push(...parseConsole(await dmesg.next()).map((w) => toRef(w, 'dmesg')));
      if ('error' in setup) {
        results.push(...unrunResults(run.selection.cases.map((c) => `${run.selection.suite.name}/${c.name}`), 'ERROR', setup.error));
        continue;
      }
      for (const tc of run.selection.cases) results.push(await runCase(session, run, tc, setup.facts, version, dmesg));
    }
  } catch (err) {
    throwIfInterrupted();
    if (!(err instanceof GuestLost)) throw err;
    await Promise.race([session.qemu.exited, delay(3000)]);
    const crash = parseConsole(session.qemu.consoleText()).find(fatal);
    const [current, ...rest] = pending(results.length);
    if (current) results.push(...unrunResults([current], crash ? 'CRASH' : 'ERROR', crash?.title ?? `guest lost: ${err.message}`));
    results.push(...unrunResults(rest, 'ERROR', `not run: the guest was lost during ${current}`));
  }
  return { results, outside };
}
