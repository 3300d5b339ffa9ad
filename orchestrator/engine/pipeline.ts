// The whole pipeline: host tools → kernel → image → workloads → initramfs → accel → boot →
// tests → results. Each phase is timed; nothing outlives the run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { asWriteError, UsageError } from '../errors.js';
import type { ArtifactKind } from '../core/stamp.js';
import type { KernelSpec } from '../core/kernel-spec.js';
import type { Shard } from '../core/shard.js';
import { GateError, isGuestNeed, unmetConfig, unmetInGuest, type Gate } from '../core/needs.js';
import { readRecord, verifyKernel } from '../adapters/kernel-store.js';
import { parseConsole } from '../core/console.js';
import {
  bootFailedResults,
  finishRun,
  unrunResults,
  type RunInfo,
  type RunResult,
  type TestResult,
  type WarningRef,
  withRetry,
} from '../core/results.js';
import { chooseAccel, type AccelRequest } from '../adapters/accel.js';
import { KNOWN_DIR, loadExpectations, loadKnown, loadProfile } from '../adapters/config.js';
import type { KnownRecord } from '../core/known.js';
import { ensureHost, REPRO_NEEDS, requireHost } from '../adapters/host.js';
import { ensureInitramfs, verifyInitramfs } from '../adapters/initramfs.js';
import { fingerprint, listTree } from '../adapters/fingerprint.js';
import { qemuVersion } from '../adapters/qemu.js';
import { guestDir } from '../paths.js';
import { ensureImage, verifyImage } from '../adapters/rootfs.js';
import { unpackInto, writeAtomic, writeJson } from '../adapters/store.js';
import { ensureWorkloads, verifyWorkloads } from '../adapters/workloads.js';
import { caseNames, retryTests, selectTests, type Selection } from '../suites/index.js';
import { isExternal, peerSetupOf, setupScript, type SuiteMachine } from '../suites/suite.js';
import { bringSuites, type Brought } from './bring.js';
import { resolveKernel } from './kernels.js';
import { lostResults, runSuites, toRef, type SuiteRun, type SuitesOutcome } from './runner.js';
import { GuestLost, type Guest } from './guest.js';
import { Lab } from './lab.js';
import { BootError } from './session.js';

export interface RunOptions {
  kernel?: KernelSpec;
  modules?: string;
  tests: string[];
  accel: AccelRequest;
  resultsDir: string;
  /** Install missing host packages with apt (when root). */
  install: boolean;
  append?: string[];
  bootTimeout?: number;
  stallTimeout?: number;
  /** Known-bug records beyond configs/known (a nightly plan's). */
  planKnown?: KnownRecord[];
  /** Raw verdicts: no known-bug records at all. */
  noKnown?: boolean;
  /** Modules to load besides the profile's late ones (9p for a shared directory). */
  extraModules?: string[];
  /** Modules put in the guest unloaded, for a suite's own modprobe. */
  shipModules?: string[];
  /** A suite's own NVDIMMs, memory and kernel arguments, over the profile's. */
  machine?: SuiteMachine;
  /** The tests as asked, when `tests` is a shard of them: results.json says so. */
  asked?: { selection: string[]; shard: Shard };
  /**
   * Restore a saved guest instead of booting when there is one (one guest only); saved on the second
   * cold boot of the same guest; true: on the first; false: never restore nor save.
   */
  snapshot?: boolean;
  /** Told once another run can restore this run's guest, or boot beside it: saved, restored, or not to be saved. */
  snapshotSettled?: () => void;
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
/** Makes what every guest shares (the image, the workloads) once, before several runs start. */
export async function prepareShared(log: (line: string) => void): Promise<void> {
  await ensureImage({ log });
  await ensureWorkloads(log);
}

export async function prepare(opts: Omit<RunOptions, 'tests' | 'resultsDir'>, phases: Phases) {
  const profile = loadProfile();
  profile.modules.late.push(...(opts.extraModules ?? []));
  profile.modules.ship = [...(profile.modules.ship ?? []), ...(opts.shipModules ?? [])];
  const { cmdline, ...machine } = opts.machine ?? {};
  Object.assign(profile, machine);
  profile.cmdline.push(...(cmdline ?? []));
  if (opts.bootTimeout) profile.timeouts.bootSeconds = opts.bootTimeout;
  if (opts.stallTimeout) profile.timeouts.stallSeconds = opts.stallTimeout;
  await phases.time('host', async () => {
    if (opts.install) await ensureHost(REPRO_NEEDS, opts.log);
    else await requireHost(REPRO_NEEDS);
  });
  const kernel = await phases.time('kernel', () =>
    resolveKernel({ kernel: opts.kernel, modules: opts.modules, log: opts.log }),
  );
  const image = await phases.time('image', () => ensureImage({ log: opts.log }));
  const workloads = await phases.time('workloads', () => ensureWorkloads(opts.log));
  const initramfs = await phases.time('initramfs', () => ensureInitramfs(kernel, profile, opts.log));
  const accel = await phases.time('accel', () => chooseAccel(opts.accel, kernel.boot));
  return { profile, kernel, image, workloads, initramfs, accel };
}

type Prepared = Awaited<ReturnType<typeof prepare>> & { brought?: Brought };

/** What a Lab boots of a prepared run: its kernel, machine, image and initramfs, with extra kernel arguments. */
export function bootOptions(p: Awaited<ReturnType<typeof prepare>>, append?: string[]) {
  return {
    kernel: p.kernel,
    profile: p.profile,
    accel: p.accel,
    rootImage: p.image.path,
    initramfs: p.initramfs,
    extraCmdline: append,
  };
}

/**
 * What decides a saved guest's state: the command line it boots with (kernel, initramfs, image,
 * machine, accelerator, kernel arguments), what readying uploads and waits for, a lone suite's setup
 * steps, our guest side and QEMU's version (its migration format). A change in any is a cold boot.
 */
async function snapshotOf(p: Prepared, append?: string[], suite?: Selection['suite']) {
  // One suite: saved after its setup too (its steps in the key); else once the guest is ready.
  const parts = {
    format: 2,
    setup: suite ? { suite: suite.name, steps: suite.setup } : null,
    argv: Lab.plan(bootOptions(p, append)),
    binaries: p.workloads.binaries,
    brought: p.brought?.files ?? {},
    modulesSeconds: p.profile.timeouts.modulesSeconds,
    guest: fingerprint(guestDir, listTree(guestDir)),
    qemu: await qemuVersion(),
  };
  const key = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
  return { key, afterSetup: !!suite };
}

/**
 * The snapshot a run boots with: none with --no-snapshot, or when COLD says why this run cannot be
 * saved (said when --snapshot asked for one); eager (save on a first boot) with --snapshot.
 */
export async function snapshotFor(
  p: Prepared,
  o: { snapshot?: boolean; append?: string[]; log: (line: string) => void },
  suite?: Selection['suite'],
  cold?: string,
) {
  if (o.snapshot === false) return undefined;
  if (cold) {
    if (o.snapshot) o.log(`snapshot: ${cold}`);
    return undefined;
  }
  return { ...(await snapshotOf(p, o.append, suite)), eager: o.snapshot };
}

/** Needs checked against the kernel's config first, then (devices, packages) in the guest. */
function gateFor(p: Prepared, session: Guest): Gate {
  const config = p.kernel.config && existsSync(p.kernel.config) ? readFileSync(p.kernel.config, 'utf8') : undefined;
  return async (needs) => {
    const unmet = unmetConfig(needs, config);
    const guest = needs.filter(isGuestNeed);
    if (unmet || !guest.length) return unmet;
    const r = await session.exec([setupScript('needs.sh'), ...guest], 30);
    if (r.code !== 0)
      throw new GateError(
        `checking ${guest.join(', ')} in the guest: needs.sh exited ${r.code}: ${(r.stderr || r.stdout).trim()}`,
      );
    return unmetInGuest(r.stdout);
  };
}

/** Readies the guests, runs the suites; a lost guest still yields results. */
async function testGuests(
  lab: Lab,
  p: Prepared,
  runs: SuiteRun[],
  names: string[],
  phases: Phases,
  dir: string,
  log: (line: string) => void,
): Promise<SuitesOutcome> {
  const guests = lab.guests;
  try {
    const why = await phases.time('modules', () =>
      lab.ready({
        binaries: p.workloads.binaries,
        brought: p.brought?.files,
        modulesSeconds: p.profile.timeouts.modulesSeconds,
        log,
      }),
    );
    if (why) return { results: unrunResults(names, 'ERROR', why), outside: [], suspects: ['kernel', 'initramfs'] };
    const save = (file: string, text: string) => writeAtomic(join(dir, file), text);
    const keep = (name: string, tgz: Buffer) => unpackInto(join(dir, name), tgz);
    return await phases.time('tests', () =>
      runSuites(guests, runs, p.kernel.version, {
        gate: gateFor(p, guests.session),
        save,
        keep,
        snapshot: lab.setupSnapshot(log),
      }),
    );
  } catch (err) {
    if (!(err instanceof GuestLost)) throw err;
    return { ...lostResults(guests.session, names, err), outside: [] };
  }
}

/** Why the results directory cannot take this run's files; checked before anything boots. */
export function checkWritable(dir: string): void {
  const probe = join(dir, `.orchestrate-probe-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, Buffer.alloc(64 * 1024));
  } catch (err) {
    throw asWriteError(err, dir, 'the results');
  } finally {
    rmSync(probe, { force: true });
  }
}

/**
 * A run; its unjudged cases once more on a fresh guest when the guest was lost with no kernel
 * report; or once more when its failure points at a cached artifact that proves to be bad.
 */
export async function runTests(opts: RunOptions): Promise<RunOutput> {
  checkWritable(resolve(opts.resultsDir));
  const first = await runOnce(opts);
  if (first.lost) return retryLost(opts, first.output, first.lost);
  if (!first.suspects.length) return first.output;
  const repair = repairArtifacts(first.prepared, first.suspects);
  for (const line of repair.lines) opts.log(repair.again ? `${line}; making it again and running once more` : line);
  if (!repair.again) return first.output;
  return (await runOnce({ ...opts, kernel: repair.kernel ?? opts.kernel })).output;
}

/** The second attempt runs in retry/ of the first's directory; results.json there says what was retried. */
async function retryLost(opts: RunOptions, first: RunOutput, lost: NonNullable<Attempt['lost']>): Promise<RunOutput> {
  const tests = retryTests(opts.tests, lost.cases);
  opts.log(`${lost.reason}: no kernel report, so running ${tests.length} unjudged test(s) again on a fresh guest`);
  const second = await runOnce({ ...opts, tests, resultsDir: join(first.dir, 'retry') });
  const result = withRetry(first.result, second.output.result, {
    cases: lost.cases,
    reason: lost.reason,
    run: second.output.result.run.id,
  });
  writeJson(join(first.dir, 'results.json'), result);
  return { result, dir: first.dir };
}

interface Repair {
  lines: string[];
  /** Run once more: every bad artifact can be made again by the next prepare. */
  again: boolean;
  /** The kernel to run again with, when the bad one was a Debian kernel (fetched again). */
  kernel?: KernelSpec;
}

/** Each suspect checked by hash; the bad ones are removed (the next prepare makes them again). */
function repairArtifacts(p: Prepared, suspects: ArtifactKind[]): Repair {
  const record = p.kernel.source === 'path' ? undefined : readRecord(p.kernel.id);
  const verify: Record<ArtifactKind, () => string | undefined> = {
    image: () => verifyImage(p.image),
    initramfs: () => verifyInitramfs(p.initramfs),
    workloads: () => verifyWorkloads(p.workloads),
    kernel: () => verifyKernel(p.kernel),
  };
  const names: Record<ArtifactKind, string> = {
    image: `guest image ${p.image.hash}`,
    initramfs: `initramfs of ${p.kernel.release}`,
    workloads: `workloads ${basename(p.workloads.dir)}`,
    kernel: `kernel ${p.kernel.id}`,
  };
  const bad = [...new Set(suspects)].flatMap((kind) => {
    const why = verify[kind]();
    return why ? [{ kind, line: `${names[kind]}: ${why}` }] : [];
  });
  const kernelBad = bad.some((b) => b.kind === 'kernel');
  // A built kernel is made again by the next build of its inputs, not by a run.
  if (kernelBad && !record?.debian) {
    return {
      lines: bad.map((b) =>
        b.kind === 'kernel' ? `${b.line}; removed it: the next build of its inputs makes it again` : b.line,
      ),
      again: false,
    };
  }
  return {
    lines: bad.map((b) => b.line),
    again: bad.length > 0,
    kernel: kernelBad ? { kind: 'debian', version: record!.debian!.debVersion } : undefined,
  };
}

interface Attempt {
  output: RunOutput;
  prepared: Prepared;
  lost?: SuitesOutcome['lost'];
  /** Cached artifacts the run's failures point at. */
  suspects: ArtifactKind[];
}

/** What a boot and its tests gave: the cases, reports outside them, and both consoles' text. */
interface Tested {
  tests: TestResult[];
  outside: WarningRef[];
  suspects: ArtifactKind[];
  /** The crash the guest was lost to. */
  lostTo?: string;
  /** Lost with no kernel report: the cases it did not judge. */
  lost?: SuitesOutcome['lost'];
  console: string;
  peerConsole: string;
}

async function bootAndTest(
  p: Prepared,
  runs: SuiteRun[],
  names: string[],
  info: RunInfo,
  phases: Phases,
  dir: string,
  opts: RunOptions,
): Promise<Tested> {
  const out: Tested = {
    tests: unrunResults(names, 'ERROR', 'not run'),
    outside: [],
    suspects: [],
    console: '',
    peerConsole: '',
  };
  const peerConsole = runs.some((r) => peerSetupOf(r.selection.suite)) ? join(dir, 'peer-console.log') : undefined;
  let lab: Lab | undefined;
  try {
    const lone = runs.length === 1 ? runs[0].selection.suite : undefined;
    const snapshot = await snapshotFor(p, opts, lone, peerConsole && 'two-guest suites boot cold');
    if (!snapshot) opts.snapshotSettled?.();
    opts.log(`booting ${p.kernel.release} (${p.accel.accel})${peerConsole ? ' on two guests' : ''}`);
    lab = await phases.time('boot', () =>
      Lab.open({
        ...bootOptions(p, opts.append),
        consolePath: join(dir, 'console.log'),
        peerConsolePath: peerConsole,
        snapshot: snapshot && { ...snapshot, settled: opts.snapshotSettled },
        log: opts.log,
      }),
    );
    info.snapshot = lab.snapshot;
    info.qemu.argv = lab.argv.main;
    if (lab.argv.peer) info.qemu.peerArgv = lab.argv.peer;
    const tested = await testGuests(lab, p, runs, names, phases, dir, opts.log);
    Object.assign(out, {
      tests: tested.results,
      outside: tested.outside,
      lostTo: tested.crash,
      lost: tested.lost,
      suspects: tested.suspects ?? [],
    });
    await lab.keepKernelLogs(dir);
    info.boot = lab.milestones();
  } catch (err) {
    if (!(err instanceof BootError)) throw err;
    info.bootFailure = { reason: err.message, crash: err.crash, suspects: err.suspects };
    Object.assign(out, {
      console: err.consoleText,
      suspects: err.suspects,
      tests: bootFailedResults(names, info.bootFailure),
    });
    opts.log(`boot failed: ${err.message}\n  ${err.consoleTail.join('\n  ')}`);
  } finally {
    out.console ||= lab?.consoleText() ?? '';
    out.peerConsole = lab?.peerConsoleText() ?? '';
    await lab?.close();
  }
  return out;
}

/** Reports on either console that no case window, outside report or crash already holds. */
function consoleOnly(t: Tested, bootCrash?: string): WarningRef[] {
  const crashes = [bootCrash, t.lostTo].filter((c): c is string => !!c);
  const seen = new Set([
    ...t.tests.flatMap((c) => c.warnings.map((w) => w.title)),
    ...t.outside.map((w) => w.title),
    ...crashes,
  ]);
  return [
    ...parseConsole(t.console)
      .filter((w) => !seen.has(w.title))
      .map((w) => toRef(w, 'console')),
    ...parseConsole(t.peerConsole)
      .filter((w) => !seen.has(w.title))
      .map((w) => toRef(w, 'peer-console')),
  ];
}

async function runInfo(p: Prepared, phases: Phases, opts: RunOptions): Promise<RunInfo> {
  return {
    id: newRunId(),
    started: new Date().toISOString(),
    kernel: { id: p.kernel.id, release: p.kernel.release, version: p.kernel.version, source: p.kernel.source },
    accel: p.accel.accel,
    accelReason: p.accel.reason,
    qemu: { version: await qemuVersion(), argv: [] },
    image: p.image.hash,
    selection: opts.asked?.selection ?? opts.tests,
    ...(opts.asked ? { shard: opts.asked.shard } : {}),
    ...(Object.keys(p.brought?.sources ?? {}).length ? { sources: p.brought?.sources } : {}),
    durations: phases.durations,
    boot: {},
  };
}

/** The one machine the selected suites ask for; two suites that want different ones cannot share a guest. */
function suiteMachine(selection: Selection[]): SuiteMachine | undefined {
  const asked = selection.flatMap((s) => (isExternal(s.suite) && s.suite.machine ? [s.suite] : []));
  const differ = asked.find((s) => JSON.stringify(s.machine) !== JSON.stringify(asked[0].machine));
  if (differ) throw new UsageError(`${asked[0].name} and ${differ.name} need different guests: test them in two runs`);
  return asked[0]?.machine;
}

async function runOnce(opts: RunOptions): Promise<Attempt> {
  const phases = new Phases();
  const selection = selectTests(opts.tests);
  const known = opts.noKnown ? [] : [...loadKnown(KNOWN_DIR, opts.log), ...(opts.planKnown ?? [])];
  const runs = selection.map((s) => ({ selection: s, expectations: loadExpectations(s.suite), known }));
  const names = caseNames(selection);
  const modules = [...new Set(selection.flatMap((s) => s.suite.modules ?? []))];
  const ship = [...new Set(selection.flatMap((s) => (isExternal(s.suite) ? (s.suite.shipModules ?? []) : [])))];
  const extraModules = [...(opts.extraModules ?? []), ...modules];
  const p: Prepared = await prepare(
    { ...opts, extraModules, shipModules: ship, machine: suiteMachine(selection) },
    phases,
  );
  p.brought = await phases.time('suites', () => bringSuites(selection, p.kernel, p.image.hash, opts.log));
  if (p.accel.accel === 'tcg') opts.log(`accel: ${p.accel.reason}`);
  const info = await runInfo(p, phases, opts);
  const dir = resolve(opts.resultsDir, info.id);
  mkdirSync(dir, { recursive: true });
  const t = await bootAndTest(p, runs, names, info, phases, dir, opts);
  info.durations.total = phases.total();
  const result = finishRun(info, t.tests, [...t.outside, ...consoleOnly(t, info.bootFailure?.crash)]);
  writeJson(join(dir, 'results.json'), result);
  return {
    output: { result, dir },
    prepared: p,
    lost: t.lost,
    suspects: [...t.suspects, ...t.tests.flatMap((c) => c.suspects ?? [])],
  };
}
