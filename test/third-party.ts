// The field's suites our tests run (fstests, ndctl, blktests), as ../shared/third_party keeps them next to the
// checkout (see its README), or where ORCHESTRATE_THIRD_PARTY points. Missing, a test fails saying so.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../orchestrator/paths.js';

const PLACES = [
  process.env.ORCHESTRATE_THIRD_PARTY,
  join(repoRoot, '..', 'shared', 'third_party'),
  '/work/shared/third_party',
];

/** The archive NAME (fstests.tar.gz); throws naming the places looked at when none has it. */
export function thirdParty(name: string): string {
  const found = PLACES.filter((d): d is string => !!d)
    .map((d) => resolve(d, name))
    .find((p) => existsSync(p));
  if (!found)
    throw new Error(`${name} not found in ${PLACES.filter(Boolean).join(', ')} (set ORCHESTRATE_THIRD_PARTY)`);
  return found;
}

/** The environment a run of orchestrate needs to find fstests. */
export const withFstests = (env = process.env) => ({ ...env, ORCHESTRATE_FSTESTS: thirdParty('fstests.tar.gz') });

/** The environment a run of orchestrate needs to find ndctl's tests. */
export const withNdctl = (env = process.env) => ({ ...env, ORCHESTRATE_NDCTL: thirdParty('ndctl.tar.gz') });

/** The environment a run of orchestrate needs to find blktests. */
export const withBlktests = (env = process.env) => ({ ...env, ORCHESTRATE_BLKTESTS: thirdParty('blktests.tar.gz') });
