// Verdict rules: what one case's outcome, expectation and warnings add up to.
import type { ExpectationRule } from './expectations.js';
import { mismatches } from './expectations.js';
import type { ArtifactKind } from './stamp.js';

export type Verdict = 'PASS' | 'FAIL' | 'SKIP' | 'ERROR' | 'CRASH';
export const VERDICTS: Verdict[] = ['PASS', 'FAIL', 'SKIP', 'ERROR', 'CRASH'];

export interface CaseOutcome {
  /** The guest died during the case: the panic or oops title. */
  crash?: string;
  /** The case could not test what it claims (setup failed, DAX not really on, guest unreachable). */
  error?: string;
  skip?: string;
  observed?: Record<string, unknown>;
  /** Cached artifacts the failure points at (a workload that would not exec). */
  suspects?: ArtifactKind[];
}

export interface Judgement {
  verdict: Verdict;
  reason: string;
}

export function judge(rule: ExpectationRule | undefined, outcome: CaseOutcome, warningTitles: string[]): Judgement {
  if (outcome.crash) return { verdict: 'CRASH', reason: outcome.crash };
  if (outcome.error) return { verdict: 'ERROR', reason: outcome.error };
  if (outcome.skip) return { verdict: 'SKIP', reason: outcome.skip };
  if (!rule) return { verdict: 'ERROR', reason: 'no expectation for this kernel version' };
  if (!outcome.observed) return { verdict: 'ERROR', reason: 'the workload reported nothing' };
  const wrong = mismatches(rule.expect, outcome.observed);
  const unexpected = warningTitles.filter((t) => !(rule.allowWarnings ?? []).includes(t));
  if (wrong.length) return { verdict: 'FAIL', reason: wrong.join('; ') };
  if (unexpected.length) return { verdict: 'FAIL', reason: `warning: ${unexpected.join('; ')}` };
  return { verdict: 'PASS', reason: rule.why ?? 'as expected' };
}

export function tally(verdicts: Verdict[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const v of verdicts) counts[v]++;
  return counts;
}
