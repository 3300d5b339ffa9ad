// Verdict rules: what one case's outcome, expectation, warnings and known-bug records add up to.
import type { ExpectationRule } from './expectations.js';
import { deviatingFields, mismatches } from './expectations.js';
import { knownAs, type KnownRecord } from './known.js';
import type { ArtifactKind } from './stamp.js';

export type Verdict = 'PASS' | 'FAIL' | 'KNOWN' | 'SKIP' | 'ERROR' | 'CRASH';
export const VERDICTS: Verdict[] = ['PASS', 'FAIL', 'KNOWN', 'SKIP', 'ERROR', 'CRASH'];

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

/** The known-bug record a KNOWN verdict stands on. */
export interface KnownRef {
  id: string;
  cause: string;
  reference: string;
}

export interface Judgement {
  verdict: Verdict;
  reason: string;
  /** KNOWN: the record; `raw` is the verdict without known records (what bisect judges). */
  known?: KnownRef;
  raw?: { verdict: Verdict; reason: string };
  /** PASS on a kernel a known record covers: the bug did not show. */
  note?: string;
}

function rawJudgement(rule: ExpectationRule | undefined, outcome: CaseOutcome, warningTitles: string[]) {
  if (outcome.crash) return { verdict: 'CRASH' as const, reason: outcome.crash };
  if (outcome.error) return { verdict: 'ERROR' as const, reason: outcome.error };
  if (outcome.skip) return { verdict: 'SKIP' as const, reason: outcome.skip };
  if (!rule) return { verdict: 'ERROR' as const, reason: 'no expectation for this kernel version' };
  if (rule.skip) return { verdict: 'SKIP' as const, reason: `our expectation: ${rule.skip}` };
  if (!outcome.observed) return { verdict: 'ERROR' as const, reason: 'the workload reported nothing' };
  const wrong = mismatches(rule.expect, outcome.observed);
  const reason = [...wrong, ...(warningTitles.length ? [`warning: ${warningTitles.join('; ')}`] : [])].join('; ');
  if (reason) {
    const deviation = { fields: deviatingFields(rule.expect, outcome.observed), warnings: warningTitles, observed: outcome.observed };
    return { verdict: 'FAIL' as const, reason, deviation };
  }
  return { verdict: 'PASS' as const, reason: rule.why ?? 'as expected' };
}

/** KNOWN records: those that cover this case on this kernel (recordsFor); none for raw verdicts. */
export function judge(rule: ExpectationRule | undefined, outcome: CaseOutcome, warningTitles: string[], known: KnownRecord[] = []): Judgement {
  const raw = rawJudgement(rule, outcome, warningTitles);
  if (raw.verdict === 'FAIL') {
    const record = knownAs(known, raw.deviation);
    if (!record) return { verdict: 'FAIL', reason: raw.reason };
    return { verdict: 'KNOWN', reason: record.cause, known: refOf(record), raw: { verdict: 'FAIL', reason: raw.reason } };
  }
  if (raw.verdict === 'CRASH') {
    const record = known.find((r) => r.legacy);
    if (record) return { verdict: 'KNOWN', reason: record.cause, known: refOf(record), raw: { verdict: 'CRASH', reason: raw.reason } };
  }
  if (raw.verdict === 'PASS' && known.length) {
    return { ...raw, note: known.map((r) => `known bug ${r.id} did not show (${r.cause})`).join('; ') };
  }
  return { verdict: raw.verdict, reason: raw.reason };
}

function refOf(r: KnownRecord): KnownRef {
  return { id: r.id, cause: r.cause, reference: r.reference };
}

/** Raw verdicts: what the kernel did against the expectations alone (bisect, --no-known). */
export function rawVerdict(t: { verdict: Verdict; raw?: { verdict: Verdict } }): Verdict {
  return t.raw?.verdict ?? t.verdict;
}

export function tally(verdicts: Verdict[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const v of verdicts) counts[v]++;
  return counts;
}
