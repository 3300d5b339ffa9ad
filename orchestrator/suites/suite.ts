// What a test is: guest commands (scripts in guest/setup, binaries from guest/workloads) per
// case, the observation the last command prints as JSON, and a precondition on it.

/** Where uploaded guest files live in the guest. */
export const GUEST_ROOT = '/run/orchestrate/guest';
export const setupScript = (name: string) => `${GUEST_ROOT}/setup/${name}`;
export const workload = (name: string) => `${GUEST_ROOT}/bin/${name}`;

export interface GuestCommand {
  argv: string[];
  timeoutSeconds?: number;
}

/** KEY=VALUE lines printed by the suite's setup commands, e.g. fsdax=/dev/pmem0. */
export type SetupFacts = Record<string, string>;

export interface TestCase {
  name: string;
  summary: string;
  needs: string[];
  run(facts: SetupFacts): GuestCommand[];
  /** Commands run on the second guest at the same time as `run` (suites with a peer). */
  peer?(facts: SetupFacts): GuestCommand[];
  cleanup?(facts: SetupFacts): GuestCommand[];
  /** Why the observation does not show what the case claims to test; undefined when it does. */
  precondition?(observed: Record<string, unknown>): string | undefined;
}

export interface TestSuite {
  name: string;
  summary: string;
  needs: string[];
  setup: GuestCommand[];
  /** A second guest, wired to the first, and its setup: the run boots one when a suite has this. */
  peerSetup?: GuestCommand[];
  cases: TestCase[];
}

export function parseFacts(stdout: string): SetupFacts {
  const facts: SetupFacts = {};
  for (const line of stdout.split('\n')) {
    const m = /^([a-z][\w-]*)=(.*)$/.exec(line.trim());
    if (m) facts[m[1]] = m[2];
  }
  return facts;
}

/** The last line of stdout that is a JSON object. */
export function parseObservation(stdout: string): Record<string, unknown> | undefined {
  for (const line of stdout.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
