// The real runs under test/fixtures/bug-report/ (see its README) as bug-report inputs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kernelFacts, pickCase, type BugInputs } from '../orchestrator/core/bug-report.js';
import { expectationFor } from '../orchestrator/core/expectations.js';
import type { RunResult, TestResult } from '../orchestrator/core/results.js';
import { KNOWN_DIR, loadExpectations, loadKnown } from '../orchestrator/adapters/config.js';
import { SUITES } from '../orchestrator/suites/index.js';
import type { TestSuite } from '../orchestrator/suites/suite.js';
import { fixture } from './fixtures.js';
import { fixturesDir } from '../orchestrator/paths.js';

export const BUG = 'bug-report';
export const DEBIAN_KNOWN = 'debian-6.1.192-dio-known';
export const CONTROL_FAIL = 'build-no-break-layouts-dio-fail';
export const FIXED_PASS = 'build-fix-bio-release-dio-pass';
export const GUP_FAIL = 'build-gup-fsdax-pin-ib-reg-fail';

export const runOf = (name: string) => JSON.parse(fixture(BUG, name, 'results.json')) as RunResult;

export function caseOf(run: RunResult, name: string): TestResult {
  const t = pickCase(run, name);
  if (typeof t === 'string') throw new Error(t);
  return t;
}

const optional = (...parts: string[]) => (existsSync(join(fixturesDir, ...parts)) ? fixture(...parts) : '');

/** Inputs as the workflow would gather them, from fixture NAME and its case CASE. */
export function inputsOf(name: string, caseName: string, extra: Partial<BugInputs> = {}): BugInputs {
  const result = runOf(name);
  const test = caseOf(result, caseName);
  const [suiteName, c] = caseName.split('/');
  const suite = SUITES.find((s) => s.name === suiteName) as TestSuite;
  const record = JSON.parse(fixture(BUG, name, 'kernel.json'));
  return {
    result,
    test,
    console: optional(BUG, name, 'console.log'),
    dmesg: optional(BUG, name, 'dmesg.txt'),
    kernel: kernelFacts(result.run.kernel, record),
    known: test.known && loadKnown(KNOWN_DIR).find((r) => r.id === test.known!.id),
    rule: expectationFor(loadExpectations(suite), c, result.run.kernel.version),
    ruleSource: `configs/expectations/${suiteName}.yaml`,
    caseSummary: suite.cases.find((x) => x.name === c)?.summary,
    causeFiles: [],
    reproducer: { shows: 'x' },
    attachments: ['console.log', 'dmesg.txt'],
    ...extra,
  };
}
