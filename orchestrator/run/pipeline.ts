// The whole pipeline: host tools → kernel → image → workloads → initramfs → accel → boot →
// tests → results. Each phase is timed; nothing outlives the run.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { asWriteError } from '../errors.js';
import type { ArtifactKind } from '../core/stamp.js';
import { GateError, isGuestNeed, unmetConfig, unmetInGuest, type Gate } from '../core/needs.js';
import { readRecord, verifyKernel } from '../adapters/kernel-store.js';
import { parseConsole } from '../core/console.js';
import { bootFailedResults, finishRun, unrunResults, type RunInfo, type RunResult, type WarningRef } from '../core/results.js';
import { chooseAccel, type AccelRequest } from '../adapters/accel.js';
import { KNOWN_DIR, loadExpectations, loadKnown, loadProfile } from '../adapters/config.js';
import type { KnownRecord } from '../core/known.js';
import { ensureHost, REPRO_NEEDS, requireHost } from '../adapters/host.js';
import { ensureInitramfs, verifyInitramfs } from '../adapters/initramfs.js';
import { releaseDir, trackDir } from '../adapters/lifecycle.js';
import { peerLinks, qemuVersion } from '../adapters/qemu.js';
import { ensureImage, verifyImage } from '../adapters/rootfs.js';
import { writeAtomic, writeJson } from '../adapters/store.js';
import { ensureWorkloads, verifyWorkloads } from '../adapters/workloads.js';
import { caseNames, selectTests } from '../suites/index.js';
import { extDir, peerSetupOf, setupScript } from '../suites/suite.js';
import { bringSuites } from './bring.js';
import { resolveKernel } from './kernels.js';
import { lostResults, runSuites, toRef, type Guests, type SuiteRun, type SuitesOutcome } from './runner.js';
import { BootError, GuestLost, Session, type BootOptions } from './session.js';

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
  /** Known-bug records beyond configs/known (a nightly plan's). */
  planKnown?: KnownRecord[];
  /** Raw verdicts: no known-bug records at all. */
  noKnown?: boolean;
  /** Modules to load besides the profile's late ones (9p for a shared directory). */
  extraModules?: string[];
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
  profile.modules.late.push(...(opts.extraModules ?? []));
  if (opts.bootTimeout) profile.timeouts.bootSeconds = opts.bootTimeout;
  if (opts.stallTimeout) profile.timeouts.stallSeconds = opts.stallTimeout;
  await phases.time('host', async () => {
    if (opts.install) await ensureHost(REPRO_NEEDS, opts.log);
    else await requireHost(REPRO_NEEDS);
  });
  const kernel = await phases.time('kernel', () => resolveKernel({ kernel: opts.kernel, modules: opts.modules, log: opts.log }));
  const image = await phases.time('image', () => ensureImage({ log: opts.log }));
  const workloads = await phases.time('workloads', () => ensureWorkloads(opts.log));
  const initramfs = await phases.time('initramfs', () => ensureInitramfs(kernel, profile, opts.log));
  const accel = await phases.time('accel', () => chooseAccel(opts.accel, kernel.boot));
  return { profile, kernel, image, workloads, initramfs, accel };
}

type Prepared = Awaited<ReturnType<typeof prepare>> & { brought?: Record<string, string[]> };

/** Uploads, waits for the late modules, on one guest. */
async function readyGuest(s: Session, p: Prepared, log: (line: string) => void, brought: Record<string, string[]> = {}): Promise<string | undefined> {
  await s.uploadGuestFiles(p.workloads.binaries);
  for (const [suite, files] of Object.entries(brought)) await s.uploadTo(extDir(suite), files);
  const modules = await s.waitForModules(p.profile.timeouts.modulesSeconds);
  if (!modules.ready) return `modules: ${modules.detail}`;
  if (modules.detail) log(`modules that failed to load: ${modules.detail.replace(/\n/g, '; ')}`);
  return undefined;
}

/** Needs checked against the kernel's config first, then (devices, packages) in the guest. */
function gateFor(p: Prepared, session: Session): Gate {
  const config = p.kernel.config && existsSync(p.kernel.config) ? readFileSync(p.kernel.config, 'utf8') : undefined;
  return async (needs) => {
    const unmet = unmetConfig(needs, config);
    const guest = needs.filter(isGuestNeed);
    if (unmet || !guest.length) return unmet;
    const r = await session.exec([setupScript('needs.sh'), ...guest], 30);
    if (r.code !== 0) throw new GateError(`checking ${guest.join(', ')} in the guest: needs.sh exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
    return unmetInGuest(r.stdout);
  };
}

/** Readies the guests, runs the suites; a lost guest still yields results. */
async function testGuests(guests: Guests, p: Prepared, runs: SuiteRun[], names: string[], phases: Phases, dir: string, log: (line: string) => void): Promise<SuitesOutcome> {
  try {
    const unready = await phases.time('modules', () => Promise.all([
      readyGuest(guests.session, p, log, p.brought),
      guests.peer && readyGuest(guests.peer, p, (line) => log(`peer: ${line}`)).then((why) => why && `peer ${why}`),
    ]));
    const why = unready.find(Boolean);
    if (why) return { results: unrunResults(names, 'ERROR', why), outside: [], suspects: ['kernel', 'initramfs'] };
    const save = (file: string, text: string) => writeAtomic(join(dir, file), text);
    return await phases.time('tests', () => runSuites(guests, runs, p.kernel.version, { gate: gateFor(p, guests.session), save }));
  } catch (err) {
    if (!(err instanceof GuestLost)) throw err;
    return { ...lostResults(guests.session, names, err), outside: [] };
  }
}

/** The guest, and a second one wired to it when a suite needs it; both or neither. */
export async function bootGuests(opts: BootOptions, peerConsolePath: string | undefined): Promise<Guests> {
  if (!peerConsolePath) return { session: await Session.boot(opts) };
  const peerDir = join(opts.workDir, 'peer');
  mkdirSync(peerDir);
  const log = opts.log && ((line: string) => opts.log!(`peer: ${line}`));
  for (let attempt = 1; ; attempt++) {
    const [link, peerLink] = await peerLinks();
    const [main, peer] = await Promise.allSettled([
      Session.boot({ ...opts, link }),
      Session.boot({ ...opts, link: peerLink, workDir: peerDir, consolePath: peerConsolePath, log, label: 'second guest' }),
    ]);
    if (main.status === 'fulfilled' && peer.status === 'fulfilled') return { session: main.value, peer: peer.value };
    await Promise.all([main, peer].map((r) => r.status === 'fulfilled' && r.value.close()));
    const failed = [main, peer].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    // The link's UDP ports were free when picked; someone may have bound one since.
    if (attempt < 3 && failed.every((e) => e instanceof BootError && /can't bind .*Address already in use/.test(e.message))) continue;
    if (main.status === 'rejected') throw main.reason;
    const err = failed[0];
    if (err instanceof BootError) throw new BootError(`second guest: ${err.message}`, err.consoleText, err.crash, err.suspects);
    throw err;
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

/** A run, and once more when its failure points at a cached artifact that proves to be bad. */
export async function runTests(opts: RunOptions): Promise<RunOutput> {
  checkWritable(resolve(opts.resultsDir));
  const first = await runOnce(opts);
  if (!first.suspects.length) return first.output;
  const repair = repairArtifacts(first.prepared, first.suspects);
  for (const line of repair.lines) opts.log(repair.again ? `${line}; making it again and running once more` : line);
  if (!repair.again) return first.output;
  return (await runOnce({ ...opts, kernel: repair.kernel ?? opts.kernel })).output;
}

interface Repair {
  lines: string[];
  /** Run once more: every bad artifact can be made again by the next prepare. */
  again: boolean;
  /** The kernel to run again with, when the bad one was a Debian kernel (fetched again). */
  kernel?: string;
}

/** Each suspect checked by hash; the bad ones are removed (the next prepare makes them again). */
function repairArtifacts(p: Prepared, suspects: ArtifactKind[]): Repair {
  const record = p.kernel.source === 'path' ? undefined : readRecord(p.kernel.id);
  const verify: Record<ArtifactKind, () => string | undefined> = {
    image: () => verifyImage(p.image), initramfs: () => verifyInitramfs(p.initramfs),
    workloads: () => verifyWorkloads(p.workloads), kernel: () => verifyKernel(p.kernel),
  };
  const names: Record<ArtifactKind, string> = {
    image: `guest image ${p.image.hash}`, initramfs: `initramfs of ${p.kernel.release}`,
    workloads: `workloads ${basename(p.workloads.dir)}`, kernel: `kernel ${p.kernel.id}`,
  };
  const bad = [...new Set(suspects)].flatMap((kind) => {
    const why = verify[kind]();
    return why ? [{ kind, line: `${names[kind]}: ${why}` }] : [];
  });
  const kernelBad = bad.some((b) => b.kind === 'kernel');
  // A built kernel is made again by the next build of its inputs, not by a run.
  if (kernelBad && !record?.debian) {
    return { lines: bad.map((b) => (b.kind === 'kernel' ? `${b.line}; removed it: the next build of its inputs makes it again` : b.line)), again: false };
  }
  return { lines: bad.map((b) => b.line), again: bad.length > 0, kernel: kernelBad ? `debian:${record!.debian!.debVersion}` : undefined };
}

interface Attempt {
  output: RunOutput;
  prepared: Prepared;
  /** Cached artifacts the run's failures point at. */
  suspects: ArtifactKind[];
}

async function runOnce(opts: RunOptions): Promise<Attempt> {
  const phases = new Phases();
  const selection = selectTests(opts.tests);
  const known = opts.noKnown ? [] : [...loadKnown(KNOWN_DIR, opts.log), ...(opts.planKnown ?? [])];
  const runs = selection.map((s) => ({ selection: s, expectations: loadExpectations(s.suite), known }));
  const names = caseNames(selection);
  const modules = [...new Set(selection.flatMap((s) => s.suite.modules ?? []))];
  const p: Prepared = await prepare({ ...opts, extraModules: [...(opts.extraModules ?? []), ...modules] }, phases);
  p.brought = await phases.time('suites', () => bringSuites(selection, p.kernel, opts.log));
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
  let suspects: ArtifactKind[] = [];
  let lostTo: string | undefined;
  let guests: Guests | undefined;
  let consoleText = '';
  const peerConsole = selection.some((s) => peerSetupOf(s.suite)) ? join(dir, 'peer-console.log') : undefined;
  try {
    opts.log(`booting ${p.kernel.release} (${p.accel.accel})${peerConsole ? ' on two guests' : ''}`);
    guests = await phases.time('boot', () => bootGuests({
      kernel: p.kernel, profile: p.profile, accel: p.accel, rootImage: p.image.path,
      initramfs: p.initramfs, workDir, consolePath, extraCmdline: opts.append, log: opts.log,
    }, peerConsole));
    info.qemu.argv = guests.session.argv;
    if (guests.peer) info.qemu.peerArgv = guests.peer.argv;
    ({ results: tests, outside, crash: lostTo, suspects = [] } = await testGuests(guests, p, runs, names, phases, dir, opts.log));
    for (const [s, file] of [[guests.session, 'dmesg.txt'], [guests.peer, 'peer-dmesg.txt']] as const) {
      if (!s) continue;
      await s.dmesgDelta().catch(() => '');
      writeAtomic(join(dir, file), s.kernelLog);
    }
    info.boot = guests.session.milestones();
  } catch (err) {
    if (!(err instanceof BootError)) throw err;
    consoleText = err.consoleText;
    suspects = err.suspects;
    info.bootFailure = { reason: err.message, crash: err.crash, suspects: err.suspects };
    tests = bootFailedResults(names, info.bootFailure);
    opts.log(`boot failed: ${err.message}\n  ${err.consoleTail.join('\n  ')}`);
  } finally {
    consoleText ||= guests?.session.qemu.consoleText() ?? '';
    await Promise.all([guests?.session.close(), guests?.peer?.close()]);
    rmSync(workDir, { recursive: true, force: true });
    releaseDir(workDir);
  }
  const logError = guests?.session.qemu.logError ?? guests?.peer?.qemu.logError;
  if (logError) throw logError;
  const consoleWarnings = parseConsole(consoleText);
  const crashes = [info.bootFailure?.crash, lostTo].filter((c): c is string => !!c);
  const seen = new Set([...tests.flatMap((t) => t.warnings.map((w) => w.title)), ...outside.map((w) => w.title), ...crashes]);
  const bootWarnings = consoleWarnings.filter((w) => !seen.has(w.title)).map((w) => toRef(w, 'console'));
  const peerWarnings = parseConsole(guests?.peer?.qemu.consoleText() ?? '').filter((w) => !seen.has(w.title)).map((w) => toRef(w, 'peer-console'));
  info.durations.total = phases.total();
  const result = finishRun(info, tests, [...outside, ...bootWarnings, ...peerWarnings]);
  writeJson(join(dir, 'results.json'), result);
  return { output: { result, dir }, prepared: p, suspects: [...suspects, ...tests.flatMap((t) => t.suspects ?? [])] };
}
