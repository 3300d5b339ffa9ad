// Every test orchestrate knows, and selecting them by "suite" or "suite/case".
import { UsageError } from '../errors.js';
import { dioVsTruncate, dioWriteVsTruncate } from './dio-vs-truncate.js';
import { ibRegRefusal } from './ib-reg-refusal.js';
import { longtermPinFsdax } from './longterm-pin-fsdax.js';
import { odpFsdax } from './odp-fsdax.js';
import { rdmaLoopback } from './rdma-loopback.js';
import { rdmaTwoGuests } from './rdma-two-guests.js';
import type { TestSuite } from './suite.js';

export const SUITES: TestSuite[] = [ibRegRefusal, rdmaLoopback, rdmaTwoGuests, dioVsTruncate, dioWriteVsTruncate, odpFsdax, longtermPinFsdax];

export interface Selection {
  suite: TestSuite;
  cases: TestSuite['cases'];
}

export function selectTests(names: string[]): Selection[] {
  const picked = new Map<TestSuite, Set<string>>();
  for (const name of names) {
    const [suiteName, caseName] = name.split('/', 2);
    const suite = SUITES.find((s) => s.name === suiteName);
    if (!suite) throw new UsageError(`unknown test "${name}" (known: ${SUITES.map((s) => s.name).join(', ')})`);
    if (caseName && !suite.cases.some((c) => c.name === caseName)) {
      throw new UsageError(`unknown case "${name}" (cases: ${suite.cases.map((c) => c.name).join(', ')})`);
    }
    const set = picked.get(suite) ?? new Set<string>();
    for (const c of suite.cases) if (!caseName || c.name === caseName) set.add(c.name);
    picked.set(suite, set);
  }
  return [...picked].map(([suite, set]) => ({ suite, cases: suite.cases.filter((c) => set.has(c.name)) }));
}

/** "suite/case" for every selected case, in run order. */
export function caseNames(selections: Selection[]): string[] {
  return selections.flatMap((s) => s.cases.map((c) => `${s.suite.name}/${c.name}`));
}
