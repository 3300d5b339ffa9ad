// Patchcheck as data: each prefix of a series gets one verdict; the first patch that breaks
// apply, build, boot or a test that passed before it is named.
import { bootFailure, type RunResult } from './results.js';

export type StepVerdict = 'PASS' | 'FAIL' | 'APPLY-FAIL' | 'CONFIG-FAIL' | 'BUILD-FAIL' | 'BOOT-FAIL';

export interface Step {
  /** 0 is the base without patches. */
  index: number;
  title: string;
  verdict: StepVerdict;
  reason: string;
  /** Cases that did not pass. */
  failing: string[];
  kernel?: string;
  seconds: number;
  /** A boot that failed without a kernel crash (no SSH, QEMU gone): likely the host, not the patch. */
  inconclusive?: boolean;
}

export interface Breakage {
  step: Step;
  /** Failing cases that passed one step earlier (empty for apply/build/boot breakage). */
  newlyFailing: string[];
}

const BAD = new Set(['FAIL', 'ERROR', 'CRASH']);

/** A test run as one step verdict: a boot that never reached the tests is BOOT-FAIL. */
export function runVerdict(result: RunResult): Pick<Step, 'verdict' | 'reason' | 'failing' | 'inconclusive'> {
  const failing = result.tests.filter((t) => BAD.has(t.verdict)).map((t) => t.name);
  const boot = bootFailure(result);
  if (boot) return { verdict: 'BOOT-FAIL', reason: boot.reason, failing, ...(boot.crash ? {} : { inconclusive: true }) };
  if (result.passed) return { verdict: 'PASS', reason: '', failing };
  const first = result.tests.find((t) => BAD.has(t.verdict));
  const warning = result.warnings[0];
  const reason = first ? `${first.name}: ${first.verdict} ${first.reason}` : `warning outside the tests: ${warning?.title ?? '?'}`;
  return { verdict: 'FAIL', reason, failing: first ? failing : ['(run)'] };
}

export function firstBreaking(steps: Step[]): Breakage | undefined {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (step.index === 0 || step.verdict === 'PASS') continue;
    if (step.verdict !== 'FAIL') return { step, newlyFailing: [] };
    const before = new Set(i > 0 ? steps[i - 1].failing : []);
    const newly = step.failing.filter((name) => !before.has(name));
    if (newly.length) return { step, newlyFailing: newly };
  }
  return undefined;
}

export function renderSteps(steps: Step[], total: number): string {
  const rows = steps.map((s) => [
    s.index === 0 ? 'base' : `${s.index}/${total}`, s.verdict, `${s.seconds}s`, s.title, s.reason,
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}  ${r[3]}${r[4] ? `\n${' '.repeat(widths[0] + 2)}${r[4]}` : ''}`).join('\n');
}
