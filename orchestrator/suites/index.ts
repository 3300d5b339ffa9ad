// Every test orchestrate knows, and selecting them by "suite" or "suite/case".
import { UsageError } from '../errors.js';
import { matchesAny } from '../core/glob.js';
import { dioVsTruncate, dioWriteVsTruncate } from './dio-vs-truncate.js';
import { blktests } from './blktests.js';
import { fstests } from './fstests.js';
import { ndctl } from './ndctl.js';
import { ibRegRefusal } from './ib-reg-refusal.js';
import { longtermPinFsdax } from './longterm-pin-fsdax.js';
import { odpFsdax } from './odp-fsdax.js';
import { rdmaLoopback } from './rdma-loopback.js';
import { kselftestGup } from './kselftest-gup.js';
import { rdmaCore } from './rdma-core.js';
import { rdmaSmoke } from './rdma-smoke.js';
import { rdmaTwoGuests } from './rdma-two-guests.js';
import { isExternal, type AnySuite, type TestCase } from './suite.js';

export const SUITES: AnySuite[] = [
  ibRegRefusal,
  rdmaLoopback,
  rdmaTwoGuests,
  dioVsTruncate,
  dioWriteVsTruncate,
  odpFsdax,
  longtermPinFsdax,
  rdmaCore,
  kselftestGup,
  fstests,
  ndctl,
  blktests,
  rdmaSmoke,
];

/** The suites' own sources, built on the host (fstests'), with what their builds need. */
export const SOURCE_RECIPES = SUITES.flatMap((s) => (isExternal(s) && s.bring?.source ? [s.bring.source] : []));

export interface Selection {
  suite: AnySuite;
  /** Our suites' selected cases. */
  cases: TestCase[];
  /** An external suite's selected case names or globs; undefined: all of them. */
  patterns?: string[];
}

/** "suite", "suite/case" or "suite/glob*": the suites and cases they name, in the order asked. */
export function selectTests(names: string[]): Selection[] {
  const picked = new Map<AnySuite, { cases: Set<string>; patterns?: string[]; all: boolean }>();
  for (const name of names) {
    const slash = name.indexOf('/');
    const [suiteName, pattern] = slash < 0 ? [name, undefined] : [name.slice(0, slash), name.slice(slash + 1)];
    const suite = SUITES.find((s) => s.name === suiteName);
    if (!suite) throw new UsageError(`unknown test "${name}" (known: ${SUITES.map((s) => s.name).join(', ')})`);
    const entry = picked.get(suite) ?? { cases: new Set<string>(), all: false };
    picked.set(suite, entry);
    if (!pattern) entry.all = true;
    else entry.patterns = [...(entry.patterns ?? []), pattern];
    const known = isExternal(suite) ? suite.cases : suite.cases.map((c) => c.name);
    const hits = (known ?? []).filter((c) => matchesAny(c, pattern ? [pattern] : undefined));
    if (known && !hits.length) throw new UsageError(`unknown case "${name}" (cases: ${known.join(', ')})`);
    hits.forEach((c) => entry.cases.add(c));
  }
  return [...picked].map(([suite, e]) =>
    isExternal(suite)
      ? { suite, cases: [], patterns: e.all ? undefined : e.patterns }
      : { suite, cases: suite.cases.filter((c) => e.all || e.cases.has(c.name)) },
  );
}

/** What a retry selects: each unjudged case of ours by name; an external suite's run, by its patterns as asked. */
export function retryTests(asked: string[], unjudged: string[]): string[] {
  const names = caseNames(selectTests(asked));
  const suiteOf = (name: string) => name.split('/')[0];
  const picked = unjudged.flatMap((c) => (names.includes(c) ? [c] : names.filter((n) => suiteOf(n) === suiteOf(c))));
  return [...new Set(picked)];
}

/** "suite/case" for every selected case, in run order; an external suite's patterns as asked. */
export function caseNames(selections: Selection[]): string[] {
  return selections.flatMap((s) => {
    if (!isExternal(s.suite)) return s.cases.map((c) => `${s.suite.name}/${c.name}`);
    const names = s.suite.cases?.filter((c) => matchesAny(c, s.patterns)) ?? s.patterns ?? ['*'];
    return names.map((n) => `${s.suite.name}/${n}`);
  });
}

/** Config fragments the selected suites need in a kernel we build (kselftest-gup: selftests). */
export function suiteFragments(tests: string[]): string[] {
  return [...new Set(selectTests(tests).flatMap((s) => (isExternal(s.suite) ? (s.suite.fragments ?? []) : [])))];
}
