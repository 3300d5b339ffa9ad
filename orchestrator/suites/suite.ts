// What a test is: guest commands (scripts in guest/setup, binaries from guest/workloads) per
// case, the observation the last command prints as JSON, and a precondition on it; or an
// external suite, a program of the field's read in its own format.
import type { OutputFormat } from '../core/external.js';
import type { Need } from '../core/needs.js';
import type { MachineProfile } from '../core/machine.js';

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
  needs: Need[];
  run(facts: SetupFacts): GuestCommand[];
  /** Commands run on the second guest at the same time as `run` (suites with a peer). */
  peer?(facts: SetupFacts): GuestCommand[];
  /** The second guest's part as reasons name it ("server"); "peer" when unset. */
  peerRole?: string;
  /** Why the second guest's observation shows its part failed; undefined when it did its part. */
  peerFailure?(peer: Record<string, unknown>, own: Record<string, unknown> | undefined): string | undefined;
  cleanup?(facts: SetupFacts): GuestCommand[];
  /** Why the observation does not show what the case claims to test; undefined when it does. */
  precondition?(observed: Record<string, unknown>): string | undefined;
}

export interface TestSuite {
  name: string;
  summary: string;
  needs: Need[];
  setup: GuestCommand[];
  /** A second guest, wired to the first, and its setup: the run boots one when a suite has this. */
  peerSetup?: GuestCommand[];
  /** Modules to load besides the profile's, when this suite is selected. */
  modules?: string[];
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

/** A suite's own source (fstests), as its users keep it: how it is found and built on the host. */
export interface SourceRecipe {
  /** The suite; also the packed tree's top directory in the guest. */
  name: string;
  /** The environment variable naming a checkout or a .tar/.tar.gz source archive. */
  env: string;
  /** Where users get it (said when the variable is unset). */
  upstream: string;
  /** Commands run in a copy of the tree, in order. */
  build: string[][];
  /** Where the build sees the tree (bound there in a mount namespace of its own), for builds that
   * write absolute paths into what they make (meson): the guest unpacks it at the same path. */
  buildAt?: string;
  /** What the build needs on the host: a program on PATH or a header, and the Debian package that has it. */
  hostNeeds: { probe: string; pkg: string }[];
}

/** One program run of an external suite; its cases are named PREFIX/CASE. */
export interface ExternalRun {
  /** The case name when the run reports none of its own (exit status), or is skipped whole. */
  name: string;
  prefix?: string;
  setup?: GuestCommand[];
  command: GuestCommand;
  cleanup?: GuestCommand[];
  /** A guest directory of per-case files (fstests' results/), kept with the run; CASE.* files are the case's. */
  collect?: string;
  /** KTAP: name cases by the last "# [RUN] …" line (their result lines all say the same). */
  byRun?: boolean;
  /** This run's output format, when it is not the suite's. */
  format?: OutputFormat;
  /** Checked before the run; an unmet one makes the run SKIP, naming it. */
  needs?: Need[];
}

/**
 * A suite the field keeps (rdma-core's tests, the kernel's selftests): a program whose output is
 * read in its own format. Each case it reports gets a verdict, a dmesg window and warnings.
 */
export interface ExternalSuite {
  kind: 'external';
  name: string;
  summary: string;
  needs: Need[];
  setup: GuestCommand[];
  /** Config fragments (configs/kernel/NAME.config) a build gets when this suite is selected. */
  fragments?: string[];
  /** Modules to load besides the profile's, when this suite is selected. */
  modules?: string[];
  /** The guest this suite needs instead of the profile's NVDIMMs and memory, and kernel arguments added. */
  machine?: SuiteMachine;
  /** Modules (and what they depend on) put in the guest unloaded: the suite loads and unloads them itself. */
  shipModules?: string[];
  /**
   * What the engine builds on the host and uploads to extDir(SUITE): the kernel's own mm selftests (from the source
   * of the kernel under test), or the suite's own source tree packed as tree.tar (fstests).
   */
  bring?: { mmSelftests?: string[]; source?: SourceRecipe };
  /** Cases known without running; without them the cases are whatever the runs report. */
  cases?: string[];
  /** The runs, given the selected case names when not every case is selected. */
  runs(facts: SetupFacts, selected?: string[]): ExternalRun[];
  format: OutputFormat;
  /** Does a reported case (without the suite) fall under a selected pattern? Default: the pattern as a glob. */
  matches?(name: string, pattern: string): boolean;
  /** A reported case's kept files among the run's collected ones; default: DIR/CASE.* (fstests). */
  filesOf?(reported: string, files: string[]): string[];
  /** A reported case's name as we spell it (rdma-core: without the "tests." package). */
  caseName?(reported: string): string;
  /**
   * The pattern that runs case NAME (without the suite) and what must run with it, a shard's unit;
   * default NAME; undefined: the selection runs whole in one shard.
   */
  shardUnit?(name: string): string | undefined;
  /** A run silent this long is killed: its current case timed out. */
  caseSeconds: number;
  /** Each run's whole time. */
  suiteSeconds: number;
}

export interface SuiteMachine {
  nvdimms?: MachineProfile['nvdimms'];
  memory?: MachineProfile['memory'];
  cmdline?: string[];
}

export type AnySuite = TestSuite | ExternalSuite;

export function isExternal(suite: AnySuite): suite is ExternalSuite {
  return (suite as ExternalSuite).kind === 'external';
}

/** The second guest's setup, for suites that need one. */
export function peerSetupOf(suite: AnySuite): GuestCommand[] | undefined {
  return isExternal(suite) ? undefined : suite.peerSetup;
}

/** Where an external suite's brought files are in the guest. */
export const extDir = (suite: string) => `${GUEST_ROOT}/ext/${suite}`;

/** A suite's own tree, built on the host (bring.source), unpacked at DIR; prints SUITE=DIR. */
export const unpackTree = (suite: string, dir: string): GuestCommand => ({
  argv: [setupScript('unpack-tree.sh'), `${extDir(suite)}/tree.tar`, dir, suite],
  timeoutSeconds: 300,
});
