// The results of a run: what results.json holds, the summary, and the exit status it implies.
import type { Shard } from './shard.js';
import type { ArtifactKind } from './stamp.js';
import { tally, type KnownRef, type Verdict } from './verdict.js';

export interface WarningRef {
  title: string;
  kind: string;
  source: 'dmesg' | 'console' | 'peer-dmesg' | 'peer-console';
}

export interface TestResult {
  name: string;
  verdict: Verdict;
  reason: string;
  expected: Record<string, unknown> | null;
  observed: Record<string, unknown> | null;
  warnings: WarningRef[];
  evidence: string[];
  /** Files the suite wrote for this case (fstests' .out.bad, .full, .dmesg), relative to the run's directory. */
  files?: string[];
  seconds: number;
  /** KNOWN: the known-bug record, and the verdict without it. */
  known?: KnownRef;
  raw?: { verdict: Verdict; reason: string };
  /** PASS on a kernel a known-bug record covers: that it did not show. */
  note?: string;
  /** Cached artifacts this result's failure points at; checked by hash before a second run. */
  suspects?: ArtifactKind[];
}

export interface RunInfo {
  id: string;
  started: string;
  kernel: { id: string; release: string; version: string; source: string };
  accel: string;
  accelReason: string;
  /** peerArgv: the second guest's, for two-guest suites. */
  qemu: { version: string; argv: string[]; peerArgv?: string[] };
  image: string;
  /** The tests as asked (--test); a shard's: the whole run's, of which it ran its part. */
  selection?: string[];
  /** This run is shard INDEX of COUNT of the selection (run --shard, nightly --shard). */
  shard?: Shard;
  /** The suites' own sources (fstests): where each came from, its commit and the key of what was built. */
  sources?: Record<string, { path: string; key: string; commit?: string }>;
  /** Seconds per phase. */
  durations: Record<string, number>;
  /** Seconds from QEMU start to boot milestones seen on the console. */
  boot: Record<string, number | null>;
  /** Set when the guest never reached the tests. */
  bootFailure?: BootFailure;
  /**
   * The guest was restored from a snapshot, or booted and saved (engine/lab SnapshotUse). A restored
   * run's console.log starts at the restore; BOOT_CONSOLE beside it is the saved guest's boot.
   */
  snapshot?: { key: string; restored: boolean; seconds?: number; saved?: boolean; why?: string };
  /** The guest was lost with no kernel report (QEMU killed, a host hiccup): its unjudged cases ran again. */
  retry?: Retry;
}

/** In a restored run's directory: the console of the boot its guest was saved from, up to the save. */
export const BOOT_CONSOLE = 'boot-console.log';

/** An infrastructure loss retried once on a fresh guest: which cases, why, and the attempt's run. */
export interface Retry {
  cases: string[];
  reason: string;
  /** The second attempt's run id; its files are in retry/<run> of this run's directory. */
  run: string;
}

/**
 * The first attempt's results with each retried case replaced by the second attempt's (dropped when
 * the second has none by that name: an external suite's placeholder, whose real cases it adds), and
 * both attempts' warnings outside any case.
 */
export function withRetry(first: RunResult, second: RunResult, retry: Retry): RunResult {
  const again = new Map(second.tests.map((t) => [t.name, t]));
  const seen = new Set(first.tests.map((t) => t.name));
  const tests = first.tests.flatMap((t) => {
    if (!retry.cases.includes(t.name)) return [t];
    const redone = again.get(t.name);
    return redone ? [redone] : [];
  });
  const added = second.tests.filter((t) => !seen.has(t.name));
  return finishRun({ ...first.run, retry }, [...tests, ...added], [...first.warnings, ...second.warnings]);
}

/** Why a boot never reached the tests, and the crash title when the kernel crashed. */
export interface BootFailure {
  reason: string;
  crash?: string;
  /** The cached artifacts how far the boot got points at. */
  suspects?: ArtifactKind[];
}

export interface RunResult {
  format: 'orchestrate-results/1';
  run: RunInfo;
  tests: TestResult[];
  /** Warnings outside any case (boot, setup): unexpected, so they fail the run. */
  warnings: WarningRef[];
  summary: Record<Verdict, number>;
  passed: boolean;
}

const BAD: Verdict[] = ['FAIL', 'ERROR', 'CRASH'];

/** A run passes when something was tested (not every case SKIPped) and nothing went wrong. */
export function finishRun(run: RunInfo, tests: TestResult[], warnings: WarningRef[]): RunResult {
  const summary = tally(tests.map((t) => t.verdict));
  const passed = !nothingTested(tests) && !tests.some((t) => BAD.includes(t.verdict)) && warnings.length === 0;
  return { format: 'orchestrate-results/1', run, tests, warnings, summary, passed };
}

/** No case ran: none at all, or every one SKIPped. */
export function nothingTested(tests: { verdict: Verdict }[]): boolean {
  return tests.every((t) => t.verdict === 'SKIP');
}

/** The run failed only because nothing was tested (what --allow-nothing-tested accepts). */
export function onlyUntested(result: RunResult): boolean {
  const clean = result.warnings.length === 0 && !result.run.bootFailure;
  return clean && result.tests.length > 0 && nothingTested(result.tests);
}

/** One result per case for a run that never got to test (boot failed, guest crashed). */
export function unrunResults(names: string[], verdict: Verdict, reason: string): TestResult[] {
  return names.map((name) => ({
    name,
    verdict,
    reason,
    expected: null,
    observed: null,
    warnings: [],
    evidence: [],
    seconds: 0,
  }));
}

/** Every case of a run whose boot failed: CRASH when the kernel crashed, else ERROR. */
export function bootFailedResults(names: string[], failure: BootFailure): TestResult[] {
  return unrunResults(names, failure.crash ? 'CRASH' : 'ERROR', `boot: ${failure.reason}`);
}

/** A run whose boot never reached the tests: why, and whether the kernel crashed. */
export function bootFailure(result: RunResult): { reason: string; crash: boolean } | undefined {
  const failure = result.run.bootFailure;
  return failure && { reason: failure.reason, crash: !!failure.crash };
}

/** Seconds a run spent booting and testing (late modules and cases), for build / boot / test tables. */
export function runSeconds(result: RunResult): { boot: number; test: number } {
  const d = result.run.durations;
  return { boot: d.boot ?? 0, test: Math.round(((d.modules ?? 0) + (d.tests ?? 0)) * 10) / 10 };
}
