// Expectations per test case and kernel version: data (configs/expectations/*.yaml), not branches.
import { globToRegExp } from './glob.js';
import { inRange, validRange } from './kernel-version.js';

export interface ExpectationRule {
  kernels: string;
  expect: Record<string, unknown>;
  /** A dmesg line the expected outcome leaves behind, shown as evidence. */
  evidence?: string;
  why?: string;
  /** This case cannot decide anything on these kernels (an external test whose premise fails): why. */
  skip?: string;
}

export interface ExpectationFile {
  test: string;
  cases: Record<string, ExpectationRule[]>;
}

export function expectationFor(file: ExpectationFile, caseName: string, version: string): ExpectationRule | undefined {
  return file.cases[caseName]?.find((rule) => inRange(version, rule.kernels));
}

/** An external suite's own rule: the case passes. */
export const SUITES_OWN_RULE: ExpectationRule = { kernels: '*', expect: { result: 'pass' }, why: 'the suite\'s own rule: the case passes' };


/**
 * An external suite's case: the first override (a case name or glob) with a rule for this kernel,
 * where the suite's own rule contradicts correct kernel behaviour; else the suite's own rule.
 */
export function externalRuleFor(file: ExpectationFile, caseName: string, version: string): ExpectationRule {
  for (const [pattern, rules] of Object.entries(file.cases ?? {})) {
    if (!globToRegExp(pattern).test(caseName)) continue;
    const rule = rules.find((r) => inRange(version, r.kernels));
    if (rule) return rule;
  }
  return SUITES_OWN_RULE;
}

/** Problems of an external suite's overrides: their shape, bad ranges, rules without expect (or skip) or why. */
export function checkOverrides(file: ExpectationFile): string[] {
  if (!file || typeof file.cases !== 'object' || file.cases === null) return [`${file?.test ?? '?'}: want cases: { CASE-OR-GLOB: [rules] }`];
  return Object.entries(file.cases).flatMap(([name, rules]) => (Array.isArray(rules) ? rules : [null]).flatMap((rule) => {
    if (!rule || typeof rule !== 'object') return [`${file.test}/${name}: want a list of rules`];
    return [
      ...(validRange(String(rule.kernels)) ? [] : [`${file.test}/${name}: bad kernels range "${rule.kernels}"`]),
      ...(rule.skip || (rule.expect && typeof rule.expect === 'object') ? [] : [`${file.test}/${name}: rule without expect (or skip)`]),
      ...(rule.why || rule.skip ? [] : [`${file.test}/${name}: an override says why (which kernel behaviour the suite's rule contradicts)`]),
    ];
  }));
}

/** Problems as lines: cases without rules, rules with bad ranges or nothing to expect. */
export function checkExpectations(file: ExpectationFile, caseNames: string[]): string[] {
  const cases = file.cases ?? {};
  const problems = caseNames.filter((name) => !cases[name]?.length).map((name) => `${file.test}/${name}: no expectation`);
  for (const [name, rules] of Object.entries(cases)) {
    if (!caseNames.includes(name)) problems.push(`${file.test}/${name}: expectation for an unknown case`);
    for (const rule of rules ?? []) {
      if (!validRange(String(rule.kernels))) problems.push(`${file.test}/${name}: bad kernels range "${rule.kernels}"`);
      if (!rule.expect || typeof rule.expect !== 'object') problems.push(`${file.test}/${name}: rule without expect`);
    }
  }
  return problems;
}

/** The expected fields that the observation does not match, with the values observed. */
export function deviatingFields(expect: Record<string, unknown>, observed: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expect)
    .filter((key) => JSON.stringify(observed[key] ?? null) !== JSON.stringify(expect[key]))
    .map((key) => [key, observed[key] ?? null]));
}

/** The expected fields that the observation does not match, as "field: expected X, observed Y". */
export function mismatches(expect: Record<string, unknown>, observed: Record<string, unknown>): string[] {
  return Object.entries(expect)
    .filter(([key, want]) => JSON.stringify(observed[key] ?? null) !== JSON.stringify(want))
    .map(([key, want]) => `${key}: expected ${JSON.stringify(want)}, observed ${JSON.stringify(observed[key] ?? null)}`);
}
