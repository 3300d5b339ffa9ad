// The whole pipeline: host tools → kernel → image → workloads → initramfs → accel → boot →
// tests → results. Each phase is timed; nothing outlives the run.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConsole } from '../core/console.js';
import { finishRun, unrunResults, type RunInfo, type RunResult, type WarningRef } from '../core/results.js';
import { chooseAccel, type AccelRequest } from '../adapters/accel.js';
import { loadExpectations, loadProfile } from '../adapters/config.js';
import { ensureHost, REPRO_NEEDS, requireHost } from '../adapters/host.js';
import { ensureInitramfs } from '../adapters/initramfs.js';
import { releaseDir, trackDir } from '../adapters/lifecycle.js';
import { qemuVersion } from '../adapters/qemu.js';
import { ensureImage } from '../adapters/rootfs.js';
import { writeAtomic, writeJson } from '../adapters/store.js';
import { ensureWorkloads } from '../adapters/workloads.js';
import { caseNames, selectTests } from '../tests/index.js';
import { resolveKernel } from './kernels.js';
import { lostResults, runSuites, toRef, type SuiteRun, type SuitesOutcome } from './runner.js';
import { BootError, GuestLost, Session } from './session.js';

export interface RunOptions {
  kernel?: string;
  modules?: string;
  tests: string[];
  accel: AccelRequest;
  resultsDir: string;
  /** Install missing host packages with apt (when root). */
  install: boolean;
  append?: string[];
  bootTimeout?: number;
  stallTimeout?: number;
  log: (line: string) => void;
}

export interface RunOutput {
  result: RunResult;
  dir: string;
}

export class Phases {
  readonly durations: Record<string, number> = {};
  private readonly started = performance.now();

  async time<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    const t = performance.now();
    try {
      return await work();
    } finally {
      this.durations[name] = round((performance.now() - t) / 1000);
    }
  }

  total(): number {
    return round((performance.now() - this.started) / 1000);
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Everything a run needs before QEMU starts; usage errors surface here, before anything slow. */
export async function prepare(opts: Omit<RunOptions, 'tests' | 'resultsDir'>, phases: Phases) {
  const profile = loadProfile();
  if (opts.bootTimeout) profile.timeouts.bootSeconds = opts.bootTimeout;
  if (opts.stallTimeout) profile.timeouts.stallSeconds = opts.stallTimeout;
  await phases.time('host', async () => {
    if (opts.install) await ensureHost(REPRO_NEEDS, opts.log);
    else await requireHost(REPRO_NEEDS);
  });
  const kernel = await phases.time('kernel', () => resolveKernel({ kernel: opts.kernel, modules: opts.modules, log: opts.log }));
  const image = await phases.time('image', () => ensureImage({ log: opts.log }));
  const workloads = await phases.time('workloads', () => ensureWorkloads());
  const initramfs = await phases.time('initramfs', () => ensureInitramfs(kernel, profile, opts.log));
  const accel = await phases.time('accel', () => chooseAccel(opts.accel, kernel.boot));
  return { profile, kernel, image, workloads, initramfs, accel };
}

type Prepared = Awaited<ReturnType<typeof prepare>>;

/** Uploads, waits for the late modules, runs the suites; a lost guest still yields results. */
async function testGuest(s: Session, p: Prepared, runs: SuiteRun[], names: string[], phases: Phases, log: (line: string) => void): Promise<SuitesOutcome> {
  try {
    const modules = await phases.time('modules', async () => {
      await s.uploadGuestFiles(p.workloads.binaries);
      return s.waitForModules(p.profile.timeouts.modulesSeconds);
    });
    if (!modules.ready) return { results: unrunResults(names, 'ERROR', `modules: ${modules.detail}`), outside: [] };
    if (modules.detail) log(`modules that failed to load: ${modules.detail.replace(/\n/g, '; ')}`);
    return await phases.time('tests', () => runSuites(s, runs, p.kernel.version));
  } catch (err) {
    if (!(err instanceof GuestLost)) throw err;
    return { results: lostResults(s, names, err), outside: [] };
  }
}

export async function runTests(opts: RunOptions): Promise<RunOutput> {
  const phases = new Phases();
  const selection = selectTests(opts.tests);
  const runs = selection.map((s) => ({ selection: s, expectations: loadExpectations(s.suite) }));
  const names = caseNames(selection);
  const p = await prepare(opts, phases);
  if (p.accel.accel === 'tcg') opts.log(`accel: ${p.accel.reason}`);
  const id = newRunId();
  const dir = resolve(opts.resultsDir, id);
  mkdirSync(dir, { recursive: true });
  const workDir = trackDir(mkdtempSync(join(tmpdir(), 'orchestrate-run-')));
  const consolePath = join(dir, 'console.log');
  const info: RunInfo = {
    id, started: new Date().toISOString(),
    kernel: { id: p.kernel.id, release: p.kernel.release, version: p.kernel.version, source: p.kernel.source },
    accel: p.accel.accel, accelReason: p.accel.reason,
    qemu: { version: await qemuVersion(), argv: [] }, image: p.image.hash,
    durations: phases.durations, boot: {},
  };
  let tests = unrunResults(names, 'ERROR', 'not run');
  let outside: WarningRef[] = [];
  let session: Session | undefined;
  let consoleText = '';
  try {
    opts.log(`booting ${p.kernel.release} (${p.accel.accel})`);
    session = await phases.time('boot', () => Session.boot({
      kernel: p.kernel, profile: p.profile, accel: p.accel, rootImage: p.image.path,
      initramfs: p.initramfs, workDir, consolePath, extraCmdline: opts.append, log: opts.log,
    }));
    info.qemu.argv = session.argv;
    const s = session;
    ({ results: tests, outside } = await testGuest(s, p, runs, names, phases, opts.log));
    await s.dmesgDelta().catch(() => '');
    writeAtomic(join(dir, 'dmesg.txt'), s.kernelLog);
    info.boot = s.milestones();
  } catch (err) {
    if (!(err instanceof BootError)) throw err;
    consoleText = err.consoleText;
    tests = unrunResults(names, err.crash ? 'CRASH' : 'ERROR', `boot: ${err.message}`);
    opts.log(`boot failed: ${err.message}\n  ${err.consoleTail.join('\n  ')}`);
  } finally {
    consoleText ||= session?.qemu.consoleText() ?? '';
    await session?.close();
    rmSync(workDir, { recursive: true, force: true });
    releaseDir(workDir);
  }
  const consoleWarnings = parseConsole(consoleText);
  const crashes = tests.filter((t) => t.verdict === 'CRASH').map((t) => t.reason.replace(/^boot: guest crashed: /, ''));
  const seen = new Set([...tests.flatMap((t) => t.warnings.map((w) => w.title)), ...outside.map((w) => w.title), ...crashes]);
  const bootWarnings = consoleWarnings.filter((w) => !seen.has(w.title)).map((w) => toRef(w, 'console'));
  info.durations.total = phases.total();
  const result = finishRun(info, tests, [...outside, ...bootWarnings]);
  writeJson(join(dir, 'results.json'), result);
  return { result, dir };
}
