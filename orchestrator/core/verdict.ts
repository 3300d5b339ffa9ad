// Verdict rules: what one case's outcome, expectation, warnings and known-bug records add up to.
import type { ExpectationRule } from './expectations.js';
import { deviatingFields, mismatches, ruleSkips } from './expectations.js';
import { knownAs, type Deviation, type KnownRecord } from './known.js';
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

type Raw = { verdict: Verdict; reason: string; deviation?: Deviation };

/** What the case itself says, kernel reports aside. */
function caseJudgement(rule: ExpectationRule | undefined, outcome: CaseOutcome): Raw {
  if (outcome.error) return { verdict: 'ERROR', reason: outcome.error };
  if (outcome.skip) return { verdict: 'SKIP', reason: outcome.skip };
  if (!rule) return { verdict: 'ERROR', reason: 'no expectation for this kernel version' };
  const skip = ruleSkips(rule, outcome.observed);
  if (skip) return { verdict: 'SKIP', reason: `our expectation: ${skip}` };
  if (!outcome.observed) return { verdict: 'ERROR', reason: 'the workload reported nothing' };
  if (!rule.expect || !Object.keys(rule.expect).length) {
    return { verdict: 'ERROR', reason: 'the expectation expects nothing' };
  }
  const wrong = mismatches(rule.expect, outcome.observed);
  if (wrong.length) {
    return { verdict: 'FAIL', reason: wrong.join('; '), deviation: deviationOf(rule, outcome.observed, []) };
  }
  return { verdict: 'PASS', reason: rule.why ?? 'as expected' };
}

type Observed = Record<string, unknown> | undefined;

function deviationOf(rule: ExpectationRule | undefined, observed: Observed, warnings: string[]): Deviation {
  const fields = rule?.expect && observed ? deviatingFields(rule.expect, observed) : {};
  return { fields, warnings, observed: observed ?? {} };
}

/**
 * A kernel report in the case's window fails the case whatever the case itself says: a SKIP, an
 * ERROR or a PASS with a WARNING is a FAIL whose reason names both.
 */
function rawJudgement(rule: ExpectationRule | undefined, outcome: CaseOutcome, warningTitles: string[]): Raw {
  if (outcome.crash) return { verdict: 'CRASH', reason: outcome.crash };
  const own = caseJudgement(rule, outcome);
  if (!warningTitles.length) return own;
  const warning = `warning: ${warningTitles.join('; ')}`;
  const reason = own.verdict === 'PASS' ? warning
    : own.verdict === 'FAIL' ? `${own.reason}; ${warning}` : `${warning} (the case: ${own.verdict} ${own.reason})`;
  const deviation = own.deviation
    ? { ...own.deviation, warnings: warningTitles } : deviationOf(undefined, outcome.observed, warningTitles);
  return { verdict: 'FAIL', reason, deviation };
}

/** KNOWN records: those that cover this case on this kernel (recordsFor); none for raw verdicts. */
export function judge(rule: ExpectationRule | undefined, outcome: CaseOutcome, warningTitles: string[], known: KnownRecord[] = []): Judgement {
  const raw = rawJudgement(rule, outcome, warningTitles);
  const record = raw.verdict === 'FAIL' ? knownAs(known, raw.deviation!)
    : raw.verdict === 'CRASH' ? crashRecord(known, raw.reason) : undefined;
  if (record) {
    return { verdict: 'KNOWN', reason: record.cause, known: refOf(record), raw: { verdict: raw.verdict, reason: raw.reason } };
  }
  if (raw.verdict === 'PASS' && known.length) {
    const note = known.map((r) => `known bug ${r.id} did not show (${r.cause})`).join('; ');
    return { verdict: 'PASS', reason: raw.reason, note };
  }
  return { verdict: raw.verdict, reason: raw.reason };
}

/** A crash is a known deviation only where a record names its title (an old expunge line never does). */
function crashRecord(known: KnownRecord[], title: string): KnownRecord | undefined {
  return known.find((r) => !r.legacy && r.warnings.includes(title) && !Object.keys(r.deviates).length);
}

function refOf(r: KnownRecord): KnownRef {
  return { id: r.id, cause: r.cause, reference: r.reference };
}

export function tally(verdicts: Verdict[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const v of verdicts) counts[v]++;
  return counts;
}
