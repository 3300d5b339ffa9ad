// Expectations per test case and kernel version: data (configs/expectations/*.yaml), not branches.
import { globToRegExp } from './glob.js';
import { inRange, validRange } from './kernel-version.js';

export interface ExpectationRule {
  kernels: string;
  /** Absent only on a skip rule of ours (the case cannot decide anything on these kernels). */
  expect?: Record<string, unknown>;
  /** A dmesg line the expected outcome leaves behind, shown as evidence. */
  evidence?: string;
  why?: string;
  /** This case cannot decide anything on these kernels (an external test whose premise fails): why. */
  skip?: string;
  /** The skip holds only for an observation with these values (how the test fails); else `expect` judges. */
  when?: Record<string, unknown>;
}

export interface ExpectationFile {
  test: string;
  cases: Record<string, ExpectationRule[]>;
}

export function expectationFor(file: ExpectationFile, caseName: string, version: string): ExpectationRule | undefined {
  return file.cases[caseName]?.find((rule) => inRange(version, rule.kernels));
}

/** An external suite's own rule: the case passes. */
export const SUITES_OWN_RULE: ExpectationRule = {
  kernels: '*',
  expect: { result: 'pass' },
  why: "the suite's own rule: the case passes",
};

/**
 * An external suite's case: the first override (a case name or glob) with a rule for this kernel,
 * where the suite's own rule contradicts correct kernel behaviour; else the suite's own rule. A
 * skip that does not hold for the observation leaves the case to the suite's own rule.
 */
export function externalRuleFor(file: ExpectationFile, caseName: string, version: string): ExpectationRule {
  for (const [pattern, rules] of Object.entries(file.cases ?? {})) {
    if (!globToRegExp(pattern).test(caseName)) continue;
    const rule = rules.find((r) => inRange(version, r.kernels));
    if (rule) return rule.expect ? rule : { ...rule, expect: SUITES_OWN_RULE.expect, why: SUITES_OWN_RULE.why };
  }
  return SUITES_OWN_RULE;
}

/** The rule's skip reason when it applies to this observation. */
export function ruleSkips(rule: ExpectationRule, observed: Record<string, unknown> | undefined): string | undefined {
  if (!rule.skip) return undefined;
  if (!rule.when) return rule.skip;
  return observed && !mismatches(rule.when, observed).length ? rule.skip : undefined;
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (v: unknown) => isMap(v) && Object.keys(v).length > 0;
/** "<6.13", "<=6.12.200", "=6.12.117": a range someone read or measured ends somewhere. */
const hasUpperBound = (range: string) =>
  range
    .trim()
    .split(/\s+/)
    .some((term) => /^(<|<=|=)?\d/.test(term));

/** A rule's shape: a valid range, and an expectation that can fail (or a skip that says why). */
function ruleProblems(at: string, rule: ExpectationRule): string[] {
  return [
    ...(validRange(String(rule.kernels)) ? [] : [`${at}: bad kernels range "${rule.kernels}"`]),
    ...(rule.expect !== undefined && !nonEmpty(rule.expect)
      ? [`${at}: an empty expect passes anything; say what is expected`]
      : []),
    ...(rule.expect === undefined && !rule.skip ? [`${at}: rule without expect (or skip)`] : []),
    ...(rule.when !== undefined && !nonEmpty(rule.when) ? [`${at}: an empty when; say how the test fails`] : []),
  ];
}

/**
 * Problems of an external suite's overrides: beyond a rule's shape, each says why, covers a bounded
 * range of kernels someone read or measured, and pins how the test fails (its message, in expect
 * or in a skip's when), so that any other outcome is judged by the suite's own rule.
 */
export function checkOverrides(file: ExpectationFile): string[] {
  if (!file || !isMap(file.cases)) return [`${file?.test ?? '?'}: want cases: { CASE-OR-GLOB: [rules] }`];
  return Object.entries(file.cases).flatMap(([name, rules]) =>
    (Array.isArray(rules) ? rules : [null]).flatMap((rule) => {
      const at = `${file.test}/${name}`;
      if (!isMap(rule)) return [`${at}: want a list of rules`];
      const pinned = rule.skip ? rule.when : rule.expect;
      return [
        ...ruleProblems(at, rule),
        ...(rule.why || rule.skip
          ? []
          : [`${at}: an override says why (which kernel behaviour the suite's rule contradicts)`]),
        ...(hasUpperBound(String(rule.kernels))
          ? []
          : [
              `${at}: an override names the kernels it was read or measured on, with an upper bound (not "${rule.kernels}")`,
            ]),
        ...(isMap(pinned) && 'message' in pinned
          ? []
          : [`${at}: an override pins how the test fails (message in ${rule.skip ? 'when' : 'expect'})`]),
      ];
    }),
  );
}

/** Problems as lines: cases without rules, rules with bad ranges or nothing to expect. */
export function checkExpectations(file: ExpectationFile, caseNames: string[]): string[] {
  const cases = file.cases ?? {};
  const problems = caseNames
    .filter((name) => !cases[name]?.length)
    .map((name) => `${file.test}/${name}: no expectation`);
  for (const [name, rules] of Object.entries(cases)) {
    if (!caseNames.includes(name)) problems.push(`${file.test}/${name}: expectation for an unknown case`);
    for (const rule of rules ?? []) problems.push(...ruleProblems(`${file.test}/${name}`, rule));
  }
  return problems;
}

/** The expected fields that the observation does not match, with the values observed. */
export function deviatingFields(
  expect: Record<string, unknown>,
  observed: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(expect)
      .filter((key) => JSON.stringify(observed[key] ?? null) !== JSON.stringify(expect[key]))
      .map((key) => [key, observed[key] ?? null]),
  );
}

/** The expected fields that the observation does not match, as "field: expected X, observed Y". */
export function mismatches(expect: Record<string, unknown>, observed: Record<string, unknown>): string[] {
  return Object.entries(expect)
    .filter(([key, want]) => JSON.stringify(observed[key] ?? null) !== JSON.stringify(want))
    .map(
      ([key, want]) => `${key}: expected ${JSON.stringify(want)}, observed ${JSON.stringify(observed[key] ?? null)}`,
    );
}
