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

/** `own`: what the case said before a kernel report turned it into a FAIL. */
type Raw = { verdict: Verdict; reason: string; deviation?: Deviation; own?: Verdict };

/** What the case itself says, kernel reports aside. */
function caseJudgement(rule: ExpectationRule | undefined, outcome: CaseOutcome): Raw {
  if (outcome.error) return { verdict: 'ERROR', reason: outcome.error };
  if (outcome.skip) return { verdict: 'SKIP', reason: outcome.skip };
  if (!rule) return { verdict: 'ERROR', reason: 'no expectation for this kernel version' };
  const skip = ruleSkips(rule, outcome.observed);
  if (skip && !rule.when && outcome.observed) {
    return {
      verdict: 'ERROR',
      reason: `our expectation says the case cannot run on this kernel (${skip}), yet it ran`,
    };
  }
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
  const reason =
    own.verdict === 'PASS'
      ? warning
      : own.verdict === 'FAIL'
        ? `${own.reason}; ${warning}`
        : `${warning} (the case: ${own.verdict} ${own.reason})`;
  const deviation = own.deviation
    ? { ...own.deviation, warnings: warningTitles }
    : deviationOf(undefined, outcome.observed, warningTitles);
  return { verdict: 'FAIL', reason, deviation, own: own.verdict };
}

/** KNOWN records: those that cover this case on this kernel (recordsFor); none for raw verdicts. */
export function judge(
  rule: ExpectationRule | undefined,
  outcome: CaseOutcome,
  warningTitles: string[],
  known: KnownRecord[] = [],
): Judgement {
  const raw = rawJudgement(rule, outcome, warningTitles);
  const record = recordOf(raw, known, warningTitles);
  if (record && raw.own === 'ERROR') {
    return { verdict: 'ERROR', reason: `${raw.reason}; the warning is known bug ${record.id} (${record.cause})` };
  }
  if (record) {
    return {
      verdict: 'KNOWN',
      reason: record.cause,
      known: refOf(record),
      raw: { verdict: raw.verdict, reason: raw.reason },
    };
  }
  if (raw.verdict === 'PASS' && known.length) {
    const note = known.map((r) => `known bug ${r.id} did not show (${r.cause})`).join('; ');
    return { verdict: 'PASS', reason: raw.reason, note };
  }
  return { verdict: raw.verdict, reason: raw.reason };
}

/**
 * The record a FAIL or CRASH is. A case that skipped or could not observe says nothing about how it
 * deviates, so only a record naming every warning title covers it, never an old expunge line; and an
 * ERROR stays an ERROR, the record only named.
 */
function recordOf(raw: Raw, known: KnownRecord[], warningTitles: string[]): KnownRecord | undefined {
  if (raw.verdict === 'CRASH') return crashRecord(known, raw.reason, warningTitles);
  if (raw.verdict !== 'FAIL') return undefined;
  const named = raw.own === 'SKIP' || raw.own === 'ERROR' ? known.filter((r) => !r.legacy) : known;
  return knownAs(named, raw.deviation!);
}

/** A crash is a known deviation only where a record names its title and every other warning in the window. */
function crashRecord(known: KnownRecord[], title: string, warningTitles: string[]): KnownRecord | undefined {
  return known.find(
    (r) =>
      !r.legacy && !Object.keys(r.deviates).length && [title, ...warningTitles].every((w) => r.warnings.includes(w)),
  );
}

function refOf(r: KnownRecord): KnownRef {
  return { id: r.id, cause: r.cause, reference: r.reference };
}

export function tally(verdicts: Verdict[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const v of verdicts) counts[v]++;
  return counts;
}
