// A booted guest reachable over SSH: QEMU with the machine profile, the run's keys baked into
// the initramfs, the guest files uploaded, the late modules loaded.
import { copyFileSync, readFileSync, statSync, writeFileSync, truncateSync, closeSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { qemuArgs, parseSize, type MachineProfile, type PeerLink, type SnapshotSpec } from '../core/machine.js';
import { parseConsole, fatal } from '../core/console.js';
import { bootSuspects, type ArtifactKind } from '../core/stamp.js';
import { shellJoin, shellQuote } from '../core/shell.js';
import type { AccelChoice } from '../adapters/accel.js';
import { runArchive, type Initramfs } from '../adapters/initramfs.js';
import type { Kernel } from '../adapters/kernel-store.js';
import { QEMU, QemuProcess, freePort } from '../adapters/qemu.js';
import { connect, generateRunKeys, type Connection, type ExecResult, type RunKeys } from '../adapters/ssh.js';
import { listTree } from '../adapters/fingerprint.js';
import { Qmp } from '../adapters/qmp.js';
import {
  commitSnapshot,
  copySparse,
  makeOverlay,
  snapshotDraft,
  SNAPSHOT_FILES,
  nvdimmFile,
  type SavedGuest,
} from '../adapters/snapshot-store.js';
import { BOOT_CONSOLE } from '../core/results.js';
import { guestDir } from '../paths.js';
import { delay, releaseDir, removeTree, throwIfInterrupted } from '../adapters/lifecycle.js';
import { GUEST_ROOT } from '../suites/suite.js';
import { bootFailure, type BootCause } from '../core/boot-failure.js';
import { dmesgLines, GuestLost, type Guest, type Stream } from './guest.js';

export class BootError extends Error {
  constructor(
    message: string,
    readonly kind: BootCause,
    readonly consoleText: string,
    readonly crash?: string,
    /** The cached artifacts the boot points at, from how far it got. */
    readonly suspects: ArtifactKind[] = [],
  ) {
    super(message);
  }

  /** The same failure, said of the guest LABEL names ("second guest"). */
  of(label: string): BootError {
    return new BootError(`${label}: ${this.message}`, this.kind, this.consoleText, this.crash, this.suspects);
  }

  /** The last console lines worth reading: terminal escapes and blank lines dropped. */
  get consoleTail(): string[] {
    return this.consoleText.split('\n').map(printable).filter(Boolean).slice(-15);
  }
}

/** 128 + the signal's number ("SEGV" → 139), as a shell reports a command a signal killed. */
function signalCode(name: string): number | undefined {
  const n = (osConstants.signals as Record<string, number>)[`SIG${name.replace(/^SIG/, '')}`];
  return n === undefined ? undefined : 128 + n;
}

/** A console line fit for a one-line message: no terminal escapes or control characters. */
function printable(line: string): string {
  return line
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/[\x00-\x1f\x7f]/g, '')
    .trim();
}

export interface BootOptions {
  kernel: Kernel;
  profile: MachineProfile;
  accel: AccelChoice;
  rootImage: string;
  initramfs: Initramfs;
  /** Scratch directory for this boot (NVDIMM backing files, initrd); removed by the caller. */
  workDir: string;
  consolePath: string;
  extraCmdline?: string[];
  /** A second NIC wired to another guest (rdma-two-guests). */
  link?: PeerLink;
  /** A host directory shared over virtio-9p (orchestrate run --share). */
  share?: string;
  /** How messages name this guest when it is not the only one ("second guest"). */
  label?: string;
  /** Boot so that the guest can be saved (Session.save): the root on a qcow2 overlay, QMP, vmgenid. */
  snapshottable?: boolean;
  log?: (line: string) => void;
}

/** A snapshot could not be saved or restored; the run goes on (saving) or boots cold (restoring). */
export class SnapshotError extends Error {}

/** This guest can never be saved as its key stands (its disks are written before the save). */
export class NotSaveable extends SnapshotError {}

/** Console milestones, as regexes, for boot timings. */
const MILESTONES = {
  banner: /Linux version /,
  init: /Run \/init as init process/,
  switchRoot: /orchestrate-init: switching root/,
  sshd: /orchestrate-init: sshd started/,
  modulesReady: /orchestrate-init: modules ready/,
} as const;

function suspectsOf(qemu: QemuProcess): ArtifactKind[] {
  const seen = (re: RegExp) => qemu.firstAt(re) !== undefined;
  return bootSuspects({
    banner: seen(MILESTONES.banner),
    init: seen(MILESTONES.init),
    switchRoot: seen(MILESTONES.switchRoot),
    sshd: seen(MILESTONES.sshd),
  });
}

function crashTitle(consoleText: string): string | undefined {
  return parseConsole(consoleText).find(fatal)?.title;
}

function makeInitrd(opts: BootOptions, keys: RunKeys): string {
  const path = join(opts.workDir, 'initrd.cpio');
  const run = runArchive({
    authorizedKey: keys.client.public,
    hostKey: keys.host.private,
    hostKeyPub: keys.host.public,
  });
  writeFileSync(path, Buffer.concat([readFileSync(opts.initramfs.path), run]));
  return path;
}

/** Where a snapshottable boot keeps its root overlay and QMP socket. */
function snapshotSpec(opts: BootOptions): SnapshotSpec {
  return { rootOverlay: join(opts.workDir, 'root.qcow2'), qmp: join(opts.workDir, 'qmp.sock') };
}

/** Sparse files of the given sizes in the boot's scratch directory. */
function makeFiles(workDir: string, specs: { id: string; size: string }[]): string[] {
  return specs.map((spec) => {
    const path = join(workDir, `${spec.id}.img`);
    closeSync(openSync(path, 'w'));
    truncateSync(path, parseSize(spec.size));
    return path;
  });
}

/** The host-side files of one boot, made in its scratch directory. */
interface BootFiles {
  initrd: string;
  nvdimmFiles: string[];
  diskFiles: string[];
}

/** QEMU's whole command line for a boot: what runs, and what `boot --dry-run` prints. */
export function planBoot(
  opts: Omit<BootOptions, 'workDir' | 'consolePath'>,
  files: BootFiles,
  sshPort: number,
  snapshot?: SnapshotSpec,
): string[] {
  return [
    QEMU,
    ...qemuArgs({
      profile: opts.profile,
      accel: opts.accel.accel,
      kernel: opts.kernel.boot,
      rootImage: opts.rootImage,
      ...files,
      sshPort,
      extraCmdline: opts.extraCmdline,
      link: opts.link,
      share: opts.share,
      snapshot,
    }),
  ];
}

/** The file names a dry run shows in place of the per-run ones. */
export function plannedFiles(opts: Pick<BootOptions, 'profile' | 'initramfs'>): BootFiles {
  return {
    initrd: opts.initramfs.path,
    nvdimmFiles: opts.profile.nvdimms.map((nv) => `${nv.id}.img`),
    diskFiles: (opts.profile.disks ?? []).map((d) => `${d.id}.img`),
  };
}

/** The guest's own tmpfs directory, made by stage one (sshd's host key is there). */
const RUN_DIR = '/run/orchestrate';

const initLines = (qemu: QemuProcess) =>
  qemu.lines.map((l) => /orchestrate-init: (.*)$/.exec(l.text)?.[1]).filter((l): l is string => !!l);

export class Session implements Guest {
  /** Commands run so far: each writes its pid to a file of its own. */
  private commands = 0;

  private constructor(
    readonly qemu: QemuProcess,
    private current: Connection,
    readonly port: number,
    readonly keys: RunKeys,
    readonly label?: string,
    /** Set when the guest can be saved, or was restored. */
    readonly snapshot?: SnapshotSpec & { initrd: string; disks: string[]; nvdimms: string[]; kernel: string },
  ) {}

  /** The SSH connection (a new one after a save). */
  get conn(): Connection {
    return this.current;
  }

  static async boot(opts: BootOptions): Promise<Session> {
    const keys = generateRunKeys();
    const files = {
      initrd: makeInitrd(opts, keys),
      nvdimmFiles: makeFiles(opts.workDir, opts.profile.nvdimms),
      diskFiles: makeFiles(opts.workDir, opts.profile.disks ?? []),
    };
    const snapshot = opts.snapshottable ? snapshotSpec(opts) : undefined;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      if (snapshot) await makeOverlay(opts.rootImage, snapshot.rootOverlay);
      const qemu = new QemuProcess(planBoot(opts, files, port, snapshot), opts.consolePath);
      try {
        const extra = snapshot && {
          ...snapshot,
          initrd: files.initrd,
          disks: files.diskFiles,
          nvdimms: files.nvdimmFiles,
          kernel: opts.kernel.id,
        };
        return await Session.reach(qemu, port, keys, opts, extra);
      } catch (err) {
        const failure = err instanceof BootError ? err : await Session.failure(qemu, opts, (err as Error).message);
        if (failure.kind === 'ssh-port-taken' && attempt < 3) continue;
        if (failure.kind !== 'stalled') throw failure;
        if (attempt >= 2)
          throw new BootError(
            failure.message.replace('boot stalled', 'boot stalled twice'),
            'stalled',
            failure.consoleText,
            undefined,
            failure.suspects,
          );
        opts.log?.(`${failure.message}; booting again`);
      }
    }
  }

  /** Waits for sshd on the console, then SSH; a stall is a BootError('stalled'). */
  private static async reach(
    qemu: QemuProcess,
    port: number,
    keys: RunKeys,
    opts: BootOptions,
    snapshot?: Session['snapshot'],
  ): Promise<Session> {
    const stallSeconds = opts.profile.timeouts.stallSeconds ?? 30;
    const deadline = Date.now() + opts.profile.timeouts.bootSeconds * 1000;
    // Before sshd listens, slirp holds a forwarded connection open until it times out.
    const first = await Promise.race([
      qemu.waitFor(MILESTONES.sshd).then(() => 'ready'),
      qemu.silence(stallSeconds).then(() => 'stalled'),
      delay(deadline - Date.now()).then(() => 'timeout'),
    ]);
    if (first === 'stalled' && qemu.running) {
      await qemu.kill();
      const last = printable(
        qemu.lines
          .map((l) => l.text)
          .filter((l) => l.trim())
          .pop() ?? '(nothing)',
      );
      const message = `boot stalled: no console output for ${stallSeconds} s after "${last}"`;
      throw new BootError(message, 'stalled', qemu.consoleText(), undefined, suspectsOf(qemu));
    }
    if (first === 'timeout' && qemu.running) throw await Session.failure(qemu, opts, 'sshd never started');
    const conn = await connect({ host: '127.0.0.1', port, keys }, deadline, () => qemu.running);
    return new Session(qemu, conn, port, keys, opts.label, snapshot);
  }

  /**
   * A fresh QEMU given SAVED's state: its own copies of the root overlay and the NVDIMM files, fresh
   * disk files, then SSH with the keys the saved guest trusts, and the clock set.
   */
  static async restore(opts: BootOptions, saved: SavedGuest): Promise<Session> {
    const spec = { ...snapshotSpec(opts), restoring: true };
    const nvdimmFiles = opts.profile.nvdimms.map((nv) => join(opts.workDir, `${nv.id}.img`));
    try {
      // Another process may remove the snapshot meanwhile (gc, or it found it damaged): a cold boot then.
      await copySparse(saved.root, spec.rootOverlay);
      for (const [i, file] of nvdimmFiles.entries()) await copySparse(saved.nvdimms[i], file);
      // The run's console starts at the restore; the boot it was saved from goes beside it.
      if (opts.consolePath) copyFileSync(saved.bootConsole, join(dirname(opts.consolePath), BOOT_CONSOLE));
    } catch (err) {
      throwIfInterrupted();
      throw new SnapshotError(`copying ${saved.dir}: ${(err as Error).message}`);
    }
    const files = { initrd: saved.initrd, nvdimmFiles, diskFiles: makeFiles(opts.workDir, opts.profile.disks ?? []) };
    const port = await freePort();
    const qemu = new QemuProcess(planBoot(opts, files, port, spec), opts.consolePath);
    try {
      const qmp = await Qmp.open(spec.qmp);
      try {
        await qmp.ignoreShared();
        await qmp.command('migrate-incoming', { uri: `exec:${shellJoin(['cat', saved.state])}` });
        await qmp.migrated(120_000);
        await qmp.command('cont');
      } finally {
        qmp.close();
      }
      const deadline = Date.now() + opts.profile.timeouts.bootSeconds * 1000;
      const conn = await connect({ host: '127.0.0.1', port, keys: saved.keys }, deadline, () => qemu.running);
      const extra = {
        ...spec,
        initrd: saved.initrd,
        disks: files.diskFiles,
        nvdimms: nvdimmFiles,
        kernel: opts.kernel.id,
      };
      const session = new Session(qemu, conn, port, saved.keys, opts.label, extra);
      // The guest's clock resumes where it was saved.
      await session.exec(['date', '-u', '-s', `@${Math.floor(Date.now() / 1000)}`], 10);
      return session;
    } catch (err) {
      await qemu.kill();
      throwIfInterrupted();
      const exit = await qemu.exited;
      const why = exit.stderr.trim().split('\n').pop() || (err as Error).message;
      throw new SnapshotError(`restoring ${saved.dir}: ${why}`);
    }
  }

  /**
   * Saves this guest under KEY (no SSH session open: they would be dead after a restore), then
   * lets it run on and reconnects. Only a guest whose disks it never wrote can be saved: a restored
   * run gets fresh empty disks.
   */
  async save(key: string, facts?: Record<string, string>): Promise<{ dir?: string; seconds: number }> {
    const snap = this.snapshot;
    if (!snap) throw new SnapshotError('this guest was not booted to be saved');
    const written = snap.disks.filter((d) => statSync(d).blocks > 0);
    if (written.length)
      throw new NotSaveable(`its disks were written before the save (${written.map((d) => basename(d)).join(', ')})`);
    const started = performance.now();
    this.conn.close();
    let saved: { dir?: string } | SnapshotError;
    try {
      saved = { dir: await this.saveTo(key, snap, facts) };
    } catch (err) {
      saved = new SnapshotError(`saving: ${(err as Error).message}`);
    }
    try {
      const target = { host: '127.0.0.1', port: this.port, keys: this.keys };
      this.current = await connect(target, Date.now() + 60_000, () => this.qemu.running);
    } catch (err) {
      await this.lost(`after the save: ${(err as Error).message}`);
    }
    if (saved instanceof SnapshotError) throw saved;
    return { dir: saved.dir, seconds: (performance.now() - started) / 1000 };
  }

  /** Stops the guest, writes its state and overlay into a draft, commits it; the guest runs on. */
  private async saveTo(
    key: string,
    snap: NonNullable<Session['snapshot']>,
    facts?: Record<string, string>,
  ): Promise<string | undefined> {
    const draft = snapshotDraft(key);
    const qmp = await Qmp.open(snap.qmp);
    try {
      await qmp.command('stop');
      await qmp.ignoreShared();
      await qmp.command('migrate', { uri: `exec:cat > ${shellQuote(`${draft}/${SNAPSHOT_FILES.state}`)}` });
      await qmp.migrated(300_000);
      // The migration flushed and let go of the overlay: its copy is whole. The NVDIMM files are
      // as the stopped guest left them.
      await copySparse(snap.rootOverlay, `${draft}/${SNAPSHOT_FILES.root}`);
      for (const [i, file] of snap.nvdimms.entries()) await copySparse(file, join(draft, nvdimmFile(i)));
      copyFileSync(snap.initrd, `${draft}/${SNAPSHOT_FILES.initrd}`);
      writeFileSync(`${draft}/${SNAPSHOT_FILES.bootConsole}`, this.qemu.consoleText());
      const meta = { kernel: snap.kernel, nvdimms: snap.nvdimms.length, ...(facts ? { facts } : {}) };
      return commitSnapshot(draft, key, this.keys, meta);
    } catch (err) {
      removeTree(draft);
      releaseDir(draft);
      throw err;
    } finally {
      await qmp.command('cont').catch(() => undefined);
      qmp.close();
    }
  }

  /** Why a boot that did not reach SSH failed, with QEMU stopped. */
  private static async failure(qemu: QemuProcess, opts: BootOptions, waitError: string): Promise<BootError> {
    const exit = await (qemu.running ? qemu.kill() : qemu.exited);
    throwIfInterrupted();
    if (qemu.logError) throw qemu.logError;
    const crash = crashTitle(qemu.consoleText());
    const { cause, message } = bootFailure({
      crash,
      initLines: initLines(qemu),
      exit,
      bootSeconds: opts.profile.timeouts.bootSeconds,
      waitError,
    });
    return new BootError(message, cause, qemu.consoleText(), crash, suspectsOf(qemu));
  }

  get argv(): string[] {
    return this.qemu.argv;
  }

  /** Seconds from QEMU start to each console milestone (null when not seen). */
  milestones(): Record<string, number | null> {
    return Object.fromEntries(Object.entries(MILESTONES).map(([name, re]) => [name, this.qemu.firstAt(re) ?? null]));
  }

  /**
   * Runs argv; past its time its process group gets TERM, then KILL 2 s later (timedOut), as
   * timeout(1) would do without its exec, ~30 ms of guest CPU a command under TCG. A command killed
   * by a signal exits 128 + its number, as a shell would say.
   */
  async exec(argv: string[], timeoutSeconds = 60, stream: Stream = {}): Promise<ExecResult> {
    const pidFile = `${RUN_DIR}/exec-${++this.commands}.pid`;
    const deadline = this.deadline(pidFile, timeoutSeconds);
    try {
      const r = await this.whileAlive(() =>
        this.conn.exec(argv, { pidFile, timeoutMs: (timeoutSeconds + 5) * 1000, ...stream }),
      );
      const bySignal = r.code === null && r.signal ? signalCode(r.signal) : undefined;
      if (r.code === null && bySignal === undefined && !r.timedOut)
        await this.lost(`${argv[0]}: the SSH channel closed without an exit status`);
      return { ...r, code: r.code ?? bySignal ?? null, timedOut: r.timedOut || deadline.fired() };
    } finally {
      deadline.clear();
    }
  }

  /**
   * TERM to the process group in PIDFILE after SECONDS, KILL 2 s later, by a command of their own:
   * sshd refuses a channel's signal request after a root login (no privilege separation then).
   */
  private deadline(pidFile: string, seconds: number) {
    let fired = false;
    const kill = (signal: string) =>
      this.conn.exec(['sh', '-c', `read -r p <"$1" && kill -${signal} "-$p"`, 'sh', pidFile]).catch(() => {});
    const timers = [
      setTimeout(() => {
        fired = true;
        void kill('TERM');
      }, seconds * 1000),
      setTimeout(() => void kill('KILL'), seconds * 1000 + 2000),
    ];
    return { fired: () => fired, clear: () => timers.forEach(clearTimeout) };
  }

  /** An SSH failure after boot means the guest is gone (or going): wait briefly for QEMU to exit. */
  private async whileAlive<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throwIfInterrupted();
      return this.lost((err as Error).message);
    }
  }

  private async lost(why: string): Promise<never> {
    await Promise.race([this.qemu.exited, delay(3000)]);
    throw new GuestLost(this.qemu.running ? why : `QEMU exited (${why})`, this);
  }

  /** guest/setup/*.sh and the built workloads, into GUEST_ROOT/{setup,bin}. */
  async uploadGuestFiles(binaries: string[]): Promise<void> {
    await this.exec(['mkdir', '-p', `${GUEST_ROOT}/setup`, `${GUEST_ROOT}/bin`]);
    const scripts = listTree(join(guestDir, 'setup'));
    await this.whileAlive(() =>
      Promise.all([
        ...scripts.map((f) => this.conn.upload(f, `${GUEST_ROOT}/setup/${f.split('/').pop()}`)),
        ...binaries.map((f) => this.conn.upload(f, `${GUEST_ROOT}/bin/${f.split('/').pop()}`)),
      ]),
    );
  }

  /** FILES (host paths) into the guest directory DIR. */
  async uploadTo(dir: string, files: string[]): Promise<void> {
    if (!files.length) return;
    await this.exec(['mkdir', '-p', dir]);
    await this.whileAlive(() => Promise.all(files.map((f) => this.conn.upload(f, `${dir}/${f.split('/').pop()}`))));
  }

  /** Waits for stage two's background module loading; the modules that failed, or why it timed out. */
  async waitForModules(seconds: number): Promise<{ ready: boolean; detail: string }> {
    const r = await this.exec([`${GUEST_ROOT}/setup/wait-modules.sh`, String(seconds)], seconds + 5);
    return { ready: r.code === 0, detail: (r.code === 0 ? r.stdout : r.stderr).trim() };
  }

  /**
   * Kernel log lines since the last call (read and cleared, so a wrapped ring buffer loses nothing);
   * a DmesgError when dmesg failed.
   */
  async dmesgDelta(): Promise<string> {
    const r = await this.exec(['dmesg', '--read-clear'], 30);
    this.kernelLog += r.stdout;
    return dmesgLines(r);
  }

  /** Everything dmesgDelta has read so far. */
  kernelLog = '';

  /** The ssh command a person can paste to reach this guest (keys written to dir). */
  sshCommand(dir: string): string {
    const key = join(dir, 'id_ed25519');
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(key, this.keys.client.private, { mode: 0o600 });
    writeFileSync(knownHosts, `[127.0.0.1]:${this.port} ${this.keys.host.public}\n`);
    return shellJoin([
      'ssh',
      '-i',
      key,
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-p',
      String(this.port),
      'root@127.0.0.1',
    ]);
  }

  consoleText(): string {
    return this.qemu.consoleText();
  }

  async close(): Promise<void> {
    this.conn.close();
    await this.qemu.kill();
  }
}
