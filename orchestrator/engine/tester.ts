// What the workflows (bisect, patchcheck, the nightly) ask of the engine: a kernel had (built from a
// tree, or packaged), booted and tested. QEMU is one tester; unit tests script another.
import { runSeconds, type RunResult } from '../core/results.js';
import { verdictKey, type KeyRun } from '../adapters/verdict-key.js';
import { buildKernel, isBuilt, type BuildOutcome, type BuildRequest } from './build.js';
import { fetchDebianKernel } from './kernels.js';
import { runTests, type RunOptions } from './pipeline.js';

export { isBuilt, loadFragments, type BuildOutcome, type BuildRequest } from './build.js';

/** A run's options without the kernel: the tester picks that. */
export type TestRun = Omit<RunOptions, 'kernel' | 'modules'>;

export interface Seconds {
  build: number;
  boot: number;
  test: number;
}

export interface BuiltAndTested {
  built: BuildOutcome;
  /** Undefined when the kernel could not be built. */
  result?: RunResult;
  dir?: string;
  seconds: Seconds;
}

export interface PackagedAndTested {
  result: RunResult;
  seconds: Seconds;
}

export interface KernelTester {
  /** Build (or find) the kernel of a tree at a ref, maybe with a series; boot it; run the tests. */
  built(build: Omit<BuildRequest, 'log'>, run: TestRun): Promise<BuiltAndTested>;
  /** Fetch a packaged kernel (a Debian version), boot it, run the tests. */
  packaged(version: string, run: TestRun): Promise<PackagedAndTested>;
  /** Everything besides the kernel and the tests that decides this tester's verdicts, as a key. */
  verdictKey(run: KeyRun): Promise<string>;
}

const since = (started: number) => Math.round((performance.now() - started) / 100) / 10;

export const qemuTester: KernelTester = {
  async built(build, run) {
    const started = performance.now();
    const built = await buildKernel({ ...build, log: run.log });
    if (!isBuilt(built)) return { built, seconds: { build: since(started), boot: 0, test: 0 } };
    const seconds = since(started);
    const { result, dir } = await runTests({ ...run, kernel: { kind: 'stored', id: built.id } });
    return { built, result, dir, seconds: { build: seconds, ...runSeconds(result) } };
  },
  async packaged(version, run) {
    const started = performance.now();
    const kernel = await fetchDebianKernel(version, run.log);
    const seconds = since(started);
    const { result } = await runTests({ ...run, kernel: { kind: 'stored', id: kernel.id } });
    return { result, seconds: { build: seconds, ...runSeconds(result) } };
  },
  verdictKey,
};
