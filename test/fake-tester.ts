// A KernelTester with a scripted history of verdicts, for the workflows' unit tests (bisect,
// patchcheck, the nightly): no kernel is built or booted, every request is kept in `calls`.
import {
  finishRun,
  bootFailedResults,
  type RunInfo,
  type RunResult,
  type TestResult,
  type WarningRef,
} from '../orchestrator/core/results.js';
import type { Verdict } from '../orchestrator/core/verdict.js';
import type { FailedBuild } from '../orchestrator/adapters/kernel-store.js';
import type { BuildRequest } from '../orchestrator/engine/build.js';
import type { BuiltAndTested, KernelTester, PackagedAndTested, TestRun } from '../orchestrator/engine/tester.js';
import { info } from './runs.js';

/** What one request asked for: a ref (and which series, with the titles of the patches applied) or a packaged version. */
export interface Call {
  ref?: string;
  version?: string;
  series?: string;
  patches?: string[];
  tests: string[];
}

/** What the script says happened: a stage failure, a boot crash, or a verdict per test (PASS by default). */
export interface Scripted {
  stage?: FailedBuild['kind'];
  bootCrash?: string;
  /** Verdicts of the tests asked for; a warning title makes a FAIL carry that kernel report. */
  cases?: Record<string, Verdict | { verdict: Verdict; warning?: string; reason?: string }>;
}

/** CALL and how many times the same ref (and series prefix) was asked for before. */
export type Script = (call: Call, attempt: number) => Scripted;

function runInfo(call: Call, crash?: string): RunInfo {
  return {
    ...info(`run-${call.ref ?? call.version}`, '6.1.0-fake', '6.1.0', 'build'),
    durations: { boot: 2, tests: 3 },
    ...(crash ? { bootFailure: { reason: `kernel crashed: ${crash}`, crash } } : {}),
  };
}

function caseOf(name: string, said: NonNullable<Scripted['cases']>[string] | undefined): TestResult {
  const s = typeof said === 'object' ? said : { verdict: said ?? 'PASS' };
  const warnings: WarningRef[] = s.warning ? [{ title: s.warning, kind: 'WARNING', source: 'dmesg' }] : [];
  return {
    name,
    verdict: s.verdict,
    reason: s.reason ?? `scripted ${s.verdict}`,
    expected: null,
    observed: null,
    warnings,
    evidence: [],
    seconds: 1,
  };
}

export function resultOf(call: Call, s: Scripted): RunResult {
  if (s.bootCrash) {
    const failure = { reason: `kernel crashed: ${s.bootCrash}`, crash: s.bootCrash };
    return finishRun(runInfo(call, s.bootCrash), bootFailedResults(call.tests, failure), []);
  }
  return finishRun(
    runInfo(call),
    call.tests.map((t) => caseOf(t, s.cases?.[t])),
    [],
  );
}

const SECONDS = { build: 10, boot: 2, test: 3 };

export class ScriptedTester implements KernelTester {
  readonly calls: Call[] = [];

  constructor(
    private readonly script: Script,
    public key = 'verdicts-1',
  ) {}

  private attempt(call: Call): number {
    const same = (c: Call) =>
      c.ref === call.ref &&
      c.version === call.version &&
      c.series === call.series &&
      String(c.patches) === String(call.patches);
    return this.calls.filter(same).length;
  }

  /** What the script says of CALL; kept in `calls` even when the script throws (a tester that broke). */
  private record(call: Call): Scripted {
    const attempt = this.attempt(call);
    this.calls.push(call);
    return this.script(call, attempt);
  }

  async built(build: Omit<BuildRequest, 'log'>, run: TestRun): Promise<BuiltAndTested> {
    const call = {
      ref: build.ref,
      series: build.series?.id,
      patches: build.series?.patches.map((p) => p.title),
      tests: run.tests,
    };
    const said = this.record(call);
    const id = `built-${build.ref}-${call.series ?? 'base'}`;
    if (said.stage) {
      const built = {
        id,
        kind: said.stage,
        reason: `scripted ${said.stage}`,
        details: [],
        at: '',
        seconds: 10,
        cached: false,
      };
      return { built, seconds: { ...SECONDS, boot: 0, test: 0 } };
    }
    const kernel = { id, source: 'build' as const, release: '6.1.0-fake', version: '6.1.0', boot: '/nonexistent' };
    return { built: { kind: 'built', id, kernel, seconds: 10 }, result: resultOf(call, said), seconds: SECONDS };
  }

  async packaged(version: string, run: TestRun): Promise<PackagedAndTested> {
    const call = { version, tests: run.tests };
    return { result: resultOf(call, this.record(call)), seconds: SECONDS };
  }

  async verdictKey(): Promise<string> {
    return this.key;
  }
}
