// Patchcheck as data: each prefix of a series gets one verdict; the first patch that breaks
// apply, build, boot or a test that passed before it, or makes a test stop running, is named.
import { bootFailure, nothingTested, type RunResult } from './results.js';
import { OUTSIDE_CASES } from './signature.js';
import { ranIn, skippedIn, stoppedRunning } from './untested.js';

/**
 * INFRA: the step could not be judged (a boot lost without a crash, a case that ERRORed);
 * UNTESTED: every case SKIPped, nothing was tested.
 */
export type StepVerdict =
  'PASS' | 'FAIL' | 'UNTESTED' | 'APPLY-FAIL' | 'CONFIG-FAIL' | 'BUILD-FAIL' | 'BOOT-FAIL' | 'INFRA';

export interface Step {
  /** 0 is the base without patches. */
  index: number;
  title: string;
  verdict: StepVerdict;
  reason: string;
  /** Cases that failed (FAIL or CRASH). */
  failing: string[];
  /** Cases that ran (any verdict but SKIP) and cases that SKIPped; absent in steps older nights kept. */
  ran?: string[];
  skipped?: string[];
  kernel?: string;
  seconds: number;
}

/** What a patchcheck found, as far as it got. */
export type Conclusion =
  | { kind: 'base-broken'; step: Step }
  | { kind: 'inconclusive'; step: Step }
  | { kind: 'breaks'; step: Step; newlyFailing: string[] }
  | { kind: 'stops-running'; step: Step; untested: string[] }
  | { kind: 'none' };

const FAILED = new Set(['FAIL', 'CRASH']);

/** A test run as one step verdict, split like bisect's evidence (core/bisect toRun). */
export function runVerdict(result: RunResult): Pick<Step, 'verdict' | 'reason' | 'failing' | 'ran' | 'skipped'> {
  const failing = result.tests.filter((t) => FAILED.has(t.verdict)).map((t) => t.name);
  const cases = { failing, ran: ranIn(result.tests), skipped: skippedIn(result.tests) };
  const boot = bootFailure(result);
  if (boot) return { verdict: boot.crash ? 'BOOT-FAIL' : 'INFRA', reason: boot.reason, ...cases };
  const first = result.tests.find((t) => FAILED.has(t.verdict));
  if (first) return { verdict: 'FAIL', reason: `${first.name}: ${first.verdict} ${first.reason}`, ...cases };
  if (result.warnings.length) {
    return {
      verdict: 'FAIL',
      reason: `warning outside the tests: ${result.warnings[0].title}`,
      ...cases,
      failing: [OUTSIDE_CASES],
    };
  }
  const error = result.tests.find((t) => t.verdict === 'ERROR');
  if (error) return { verdict: 'INFRA', reason: `${error.name}: ${error.reason}`, ...cases };
  if (nothingTested(result.tests)) {
    return { verdict: 'UNTESTED', reason: `nothing was tested: ${result.tests[0]?.reason ?? 'no case'}`, ...cases };
  }
  return { verdict: 'PASS', reason: '', ...cases };
}

const JUDGED = new Set<StepVerdict>(['PASS', 'FAIL']);
const TESTED = new Set<StepVerdict>(['PASS', 'FAIL', 'UNTESTED']);

/** The first patch that breaks apply, build, boot or a case that passed one step earlier, or stops a case running. */
export function conclude(steps: Step[]): Conclusion {
  if (steps[0] && !JUDGED.has(steps[0].verdict)) return { kind: 'base-broken', step: steps[0] };
  for (let i = 1; i < steps.length; i++) {
    const [step, before] = [steps[i], steps[i - 1]];
    if (step.verdict === 'INFRA') return { kind: 'inconclusive', step };
    if (!TESTED.has(step.verdict)) return { kind: 'breaks', step, newlyFailing: [] };
    const newly = step.failing.filter((name) => !before.failing.includes(name));
    if (newly.length) return { kind: 'breaks', step, newlyFailing: newly };
    const untested = stoppedRunning(step.skipped ?? [], before.ran ?? []);
    if (untested.length) return { kind: 'stops-running', step, untested };
  }
  return { kind: 'none' };
}

/** The last line of a patchcheck report. */
export function renderConclusion(c: Conclusion, total: number, tests: string[]): string {
  switch (c.kind) {
    case 'base-broken':
      return `the base itself does not work: ${c.step.verdict} ${c.step.reason}`;
    case 'inconclusive':
      return `inconclusive: patch ${c.step.index}/${total} could not be tested (${c.step.reason}); run again`;
    case 'stops-running':
      return `first patch after which a test stops running: ${c.step.index}/${total} "${c.step.title}" (${c.untested.join(', ')} SKIP)`;
    case 'breaks':
      return `first breaking patch: ${c.step.index}/${total} "${c.step.title}": ${c.step.verdict}${c.newlyFailing.length ? ` (${c.newlyFailing.join(', ')})` : ''}`;
    case 'none':
      return `no patch breaks apply, build, boot or ${tests.join(', ')}`;
  }
}

export function renderSteps(steps: Step[], total: number): string {
  const rows = steps.map((s) => [
    s.index === 0 ? 'base' : `${s.index}/${total}`,
    s.verdict,
    `${s.seconds}s`,
    s.title,
    s.reason,
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map(
      (r) =>
        `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}  ${r[3]}${r[4] ? `\n${' '.repeat(widths[0] + 2)}${r[4]}` : ''}`,
    )
    .join('\n');
}
