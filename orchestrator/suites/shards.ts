// The selected tests as a shard's units (core/shard.ts). Our suites, and external suites that list
// their cases, split by case. An external suite that learns its cases only by running them (fstests,
// blktests, ndctl) splits by the cases the newest unsharded run of the same selection reported: the
// suite's own listing would need a booted guest before the split. Without such a run it stays whole.
import { matchesAny, splitFirst } from '../core/glob.js';
import type { PastRun, Unit } from '../core/shard.js';
import { selectTests, SUITES, type Selection } from './index.js';
import { isExternal, type ExternalSuite } from './suite.js';

export function shardUnits(tests: string[], past: PastRun[]): Unit[] {
  return selectTests(tests).flatMap((s) => unitsOf(s, past));
}

function unitsOf(s: Selection, past: PastRun[]): Unit[] {
  const { suite } = s;
  if (!isExternal(suite))
    return s.cases.map((c) => ({ patterns: [`${suite.name}/${c.name}`], cases: [`${suite.name}/${c.name}`] }));
  const names = suite.cases?.filter((c) => matchesAny(c, s.patterns)) ?? reported(s, suite, past);
  const whole = { patterns: s.patterns?.map((p) => `${suite.name}/${p}`) ?? [suite.name], cases: [] as string[] };
  if (!names) return [whole];
  const unitOf = (name: string) => (suite.shardUnit ? suite.shardUnit(name) : name);
  if (names.some((n) => unitOf(n) === undefined)) return [{ ...whole, cases: names.map((n) => `${suite.name}/${n}`) }];
  const units = new Map<string, string[]>();
  for (const name of names) {
    const unit = unitOf(name)!;
    units.set(unit, [...(units.get(unit) ?? []), `${suite.name}/${name}`]);
  }
  return [...units].map(([unit, cases]) => ({ patterns: [`${suite.name}/${unit}`], cases }));
}

/** The cases (without the suite) the newest unsharded run of this selection reported; none such: undefined. */
function reported(s: Selection, suite: ExternalSuite, past: PastRun[]): string[] | undefined {
  const prefix = `${suite.name}/`;
  const runLevel = runLevelNames(suite, s.patterns);
  for (const run of [...past].sort((a, b) => b.id.localeCompare(a.id))) {
    if (run.shard || !sameSelection(run.selection, s)) continue;
    const names = run.cases
      .map((c) => c.name)
      .filter((n) => n.startsWith(prefix))
      .map((n) => n.slice(prefix.length))
      .filter((n) => !n.includes(':') && !runLevel.has(n));
    if (names.length) return [...new Set(names)];
  }
  return undefined;
}

/** Did a run asked for SELECTION select this suite with the same patterns? */
function sameSelection(selection: string[] | undefined, s: Selection): boolean {
  if (!selection) return false;
  try {
    const then = selectTests(selection).find((x) => x.suite === s.suite);
    return !!then && JSON.stringify(then.patterns) === JSON.stringify(s.patterns);
  } catch {
    return false; // a suite or case since renamed
  }
}

/** The names a run reports for itself (a setup that failed, a skipped run), unless the run is its case (status). */
function runLevelNames(suite: ExternalSuite, patterns?: string[]): Set<string> {
  const runs = [...suite.runs({}, patterns), ...suite.runs({})];
  return new Set(
    runs
      .filter((r) => (r.format ?? suite.format) !== 'status')
      .map((r) => `${r.prefix ? `${r.prefix}/` : ''}${r.name}`),
  );
}

/** Does asking for PATTERN (--test) give the result NAME: a case it selects, or the pattern itself? */
export function covers(pattern: string, name: string): boolean {
  const [suiteName, rest] = splitFirst(pattern);
  if (name !== suiteName && !name.startsWith(`${suiteName}/`)) return false;
  if (rest === '*' || name === pattern) return true;
  const short = name.slice(suiteName.length + 1);
  const suite = SUITES.find((x) => x.name === suiteName);
  const matches = suite && isExternal(suite) ? suite.matches : undefined;
  return (matches ? matches(short, rest) : matchesAny(short, [rest])) || short.startsWith(`${rest}/`);
}
