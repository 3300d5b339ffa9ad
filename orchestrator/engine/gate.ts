// Needs as gates on cases: what the suites, their cases and external runs need, checked first.
import { GateError, type Gate, type Need } from '../core/needs.js';
import { unrunResults, type TestResult } from '../core/results.js';

/** NAMES as SKIP when a need is unmet, as ERROR when the needs could not be checked; undefined when all are met. */
export async function gated(gate: Gate, needs: Need[], names: string[]): Promise<TestResult[] | undefined> {
  try {
    const unmet = await gate(needs);
    return unmet ? unrunResults(names, 'SKIP', `needs: ${unmet}`) : undefined;
  } catch (err) {
    if (!(err instanceof GateError)) throw err;
    return unrunResults(names, 'ERROR', err.message);
  }
}
