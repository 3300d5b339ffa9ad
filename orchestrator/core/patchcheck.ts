// Patchcheck as data: each prefix of a series gets one verdict; the first patch that breaks
// apply, build, boot or a test that passed before it is named.
import { bootFailure, type RunResult } from './results.js';

/** INFRA: the step could not be judged (a boot lost without a crash, a case that ERRORed). */
export type StepVerdict = 'PASS' | 'FAIL' | 'APPLY-FAIL' | 'CONFIG-FAIL' | 'BUILD-FAIL' | 'BOOT-FAIL' | 'INFRA';

export interface Step {
  /** 0 is the base without patches. */
  index: number;
  title: string;
  verdict: StepVerdict;
  reason: string;
  /** Cases that failed (FAIL or CRASH). */
  failing: string[];
  kernel?: string;
  seconds: number;
}

/** What a patchcheck found, as far as it got. */
export type Conclusion =
  | { kind: 'base-broken'; step: Step }
  | { kind: 'inconclusive'; step: Step }
  | { kind: 'breaks'; step: Step; newlyFailing: string[] }
  | { kind: 'none' };

const FAILED = new Set(['FAIL', 'CRASH']);

/** A test run as one step verdict, split like bisect's evidence (core/bisect toRun). */
export function runVerdict(result: RunResult): Pick<Step, 'verdict' | 'reason' | 'failing'> {
  const failing = result.tests.filter((t) => FAILED.has(t.verdict)).map((t) => t.name);
  const boot = bootFailure(result);
  if (boot) return { verdict: boot.crash ? 'BOOT-FAIL' : 'INFRA', reason: boot.reason, failing };
  const first = result.tests.find((t) => FAILED.has(t.verdict));
  if (first) return { verdict: 'FAIL', reason: `${first.name}: ${first.verdict} ${first.reason}`, failing };
  if (result.warnings.length) return { verdict: 'FAIL', reason: `warning outside the tests: ${result.warnings[0].title}`, failing: ['(run)'] };
  const error = result.tests.find((t) => t.verdict === 'ERROR');
  if (error) return { verdict: 'INFRA', reason: `${error.name}: ${error.reason}`, failing };
  return { verdict: 'PASS', reason: '', failing };
}

const JUDGED = new Set<StepVerdict>(['PASS', 'FAIL']);

/** The first patch that breaks apply, build, boot or a case that passed one step earlier. */
export function conclude(steps: Step[]): Conclusion {
  if (steps[0] && !JUDGED.has(steps[0].verdict)) return { kind: 'base-broken', step: steps[0] };
  for (let i = 1; i < steps.length; i++) {
    const step = steps[i];
    if (step.verdict === 'PASS') continue;
    if (step.verdict === 'INFRA') return { kind: 'inconclusive', step };
    if (step.verdict !== 'FAIL') return { kind: 'breaks', step, newlyFailing: [] };
    const before = new Set(steps[i - 1].failing);
    const newly = step.failing.filter((name) => !before.has(name));
    if (newly.length) return { kind: 'breaks', step, newlyFailing: newly };
  }
  return { kind: 'none' };
}

/** The last line of a patchcheck report. */
export function renderConclusion(c: Conclusion, total: number, tests: string[]): string {
  switch (c.kind) {
    case 'base-broken': return `the base itself does not work: ${c.step.verdict} ${c.step.reason}`;
    case 'inconclusive': return `inconclusive: patch ${c.step.index}/${total} could not be tested (${c.step.reason}); run again`;
    case 'breaks': return `first breaking patch: ${c.step.index}/${total} "${c.step.title}": ${c.step.verdict}${c.newlyFailing.length ? ` (${c.newlyFailing.join(', ')})` : ''}`;
    case 'none': return `no patch breaks apply, build, boot or ${tests.join(', ')}`;
  }
}

export function renderSteps(steps: Step[], total: number): string {
  const rows = steps.map((s) => [
    s.index === 0 ? 'base' : `${s.index}/${total}`, s.verdict, `${s.seconds}s`, s.title, s.reason,
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}  ${r[3]}${r[4] ? `\n${' '.repeat(widths[0] + 2)}${r[4]}` : ''}`).join('\n');
}
