// One rule for the nightly, patchcheck and bisect: a case that ran in the run it is compared with
// (the base, the step before, the failing end) and SKIPs now has stopped running. It is UNTESTED:
// it says nothing about whether the change broke or fixed it, so it is never PASS or FIXED.
import type { Verdict } from './verdict.js';

interface Named {
  name: string;
  verdict: Verdict | string;
}

/** Names of the cases that ran (any verdict but SKIP). */
export function ranIn(cases: Named[]): string[] {
  return cases.filter((c) => c.verdict !== 'SKIP').map((c) => c.name);
}

/** Names of the cases that SKIPped. */
export function skippedIn(cases: Named[]): string[] {
  return cases.filter((c) => c.verdict === 'SKIP').map((c) => c.name);
}

/** The cases skipped now that ran before. */
export function stoppedRunning(skippedNow: string[], ranBefore: string[]): string[] {
  const ran = new Set(ranBefore);
  return skippedNow.filter((name) => ran.has(name));
}
