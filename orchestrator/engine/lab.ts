// The engine's one place for a guest's life: a scratch directory, the boot (one guest, or two
// wired by a link), readying, the kernel logs kept, and the close that leaves nothing behind.
// Workflows get Guests from a Lab and never touch QEMU.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RETRIED } from '../core/boot-failure.js';
import { onInterrupt, releaseDir, removeTree, trackDir } from '../adapters/lifecycle.js';
import { peerLinks } from '../adapters/qemu.js';
import { writeAtomic } from '../adapters/store.js';
import { extDir, type SetupFacts } from '../suites/suite.js';
import type { SetupSnapshot } from './runner.js';
import type { Guest, Guests } from './guest.js';
import { BootError, NotSaveable, planBoot, plannedFiles, Session, SnapshotError, type BootOptions } from './session.js';
import { bootedBefore, findSnapshot, markUnsaveable, unsaveable } from '../adapters/snapshot-store.js';

/** The SSH port a planned command line shows in place of the one picked at boot. */
const PLANNED_SSH_PORT = 10022;

export interface LabOptions extends Omit<BootOptions, 'workDir' | 'consolePath' | 'link' | 'label'> {
  /** Where the console is logged; the scratch directory's console.log when absent. */
  consolePath?: string;
  /** A second guest wired to the first by a loopback-only link, its console logged here. */
  peerConsolePath?: string;
  /**
   * One guest restored from the snapshot of KEY, or booted and saved under KEY once ready (or, with
   * afterSetup, once its one suite is set up: runSuites calls setupSnapshot()'s save). Saved when
   * KEY was booted before, or at once when eager (--snapshot).
   */
  snapshot?: { key: string; afterSetup?: boolean; eager?: boolean; settled?: () => void };
}

/** What results.json says of a snapshot: restored from it, or saved (or why not). */
export interface SnapshotUse {
  key: string;
  restored: boolean;
  /** Seconds: QEMU start to SSH when restored; the save when saved. */
  seconds?: number;
  saved?: boolean;
  why?: string;
}

const FIRST_BOOT = 'first boot of this guest: saved when it boots again (--snapshot: at once)';

/** What a guest needs before a test runs on it. */
export interface Readying {
  binaries: string[];
  /** Suite files brought from the host, by suite (uploaded to the first guest only). */
  brought?: Record<string, string[]>;
  modulesSeconds: number;
  log: (line: string) => void;
}

export class Lab {
  /** Set when the lab restores or saves a snapshot. */
  snapshot?: SnapshotUse;
  /** This boot is to be saved; saving waits for the suite's setup; a restored guest's setup facts. */
  private saving = false;
  private afterSetup = false;
  private restoredFacts?: SetupFacts;
  /** Told once the guest is restored, saved (or not), or booted not to be saved. */
  private settled = () => {};

  private constructor(
    private readonly main: Session,
    private readonly peer: Session | undefined,
    /** Scratch for this boot (NVDIMM backing files, initrd, keys); removed by close. */
    readonly workDir: string,
  ) {}

  /** Boots the guests; a boot that fails leaves no process or directory behind and throws a BootError. */
  static async open(o: LabOptions): Promise<Lab> {
    const workDir = trackDir(mkdtempSync(join(tmpdir(), 'orchestrate-run-')));
    const opts: BootOptions = { ...o, workDir, consolePath: o.consolePath ?? join(workDir, 'console.log') };
    try {
      if (o.snapshot && !o.peerConsolePath) return await Lab.openSnapshot(opts, o.snapshot);
      if (!o.peerConsolePath) return new Lab(await Session.boot(opts), undefined, workDir);
      const [main, peer] = await bootPair(opts, o.peerConsolePath);
      return new Lab(main, peer, workDir);
    } catch (err) {
      removeScratch(workDir);
      throw err;
    }
  }

  /**
   * Restored from KEY's snapshot; else (none, or it would not restore) booted to be saved once ready;
   * a first boot of KEY only marks it booted, unless eager.
   */
  private static async openSnapshot(opts: BootOptions, s: NonNullable<LabOptions['snapshot']>): Promise<Lab> {
    const { key } = s;
    const saved = findSnapshot(key, opts.log ?? (() => {}));
    if (saved) {
      try {
        opts.log?.(`restoring snapshot ${key}`);
        const main = await Session.restore(opts, saved);
        const lab = new Lab(main, undefined, opts.workDir);
        lab.snapshot = { key, restored: true, seconds: round(main.qemu.seconds) };
        lab.afterSetup = !!s.afterSetup;
        lab.restoredFacts = saved.facts;
        s.settled?.();
        return lab;
      } catch (err) {
        if (!(err instanceof SnapshotError)) throw err;
        opts.log?.(`snapshot ${key}: ${err.message}; removed it, booting cold`);
        removeTree(saved.dir);
      }
    } else if (!s.eager) {
      const never = unsaveable(key);
      const why = !bootedBefore(key) ? FIRST_BOOT : never && `cannot be saved: ${never} (--snapshot tries again)`;
      if (why) {
        const lab = new Lab(await Session.boot(opts), undefined, opts.workDir);
        lab.snapshot = { key, restored: false, saved: false, why };
        s.settled?.();
        return lab;
      }
    }
    const lab = new Lab(await Session.boot({ ...opts, snapshottable: true }), undefined, opts.workDir);
    lab.snapshot = { key, restored: false };
    lab.saving = true;
    lab.afterSetup = !!s.afterSetup;
    if (s.settled) lab.settled = s.settled;
    return lab;
  }

  /** QEMU's command line for these options, as the boot would run it, with planned names for per-run files. */
  static plan(o: LabOptions): string[] {
    return planBoot(o, plannedFiles(o), PLANNED_SSH_PORT);
  }

  get guests(): Guests {
    return { session: this.main, peer: this.peer };
  }

  /** QEMU's command lines: the first guest's and the second's. */
  get argv(): { main: string[]; peer?: string[] } {
    return { main: this.main.argv, peer: this.peer?.argv };
  }

  /** Seconds from QEMU start to each console milestone of the first guest. */
  milestones(): Record<string, number | null> {
    return this.main.milestones();
  }

  /**
   * Uploads and late modules on each guest; why one is not ready (named), or undefined. A restored
   * guest was saved ready; a guest booted to be saved is saved now (a failed save only said).
   */
  async ready(r: Readying): Promise<string | undefined> {
    if (this.snapshot?.restored) return undefined;
    const why = await this.readyAll(r);
    if (!why && this.snapshot && this.saving && !this.afterSetup) await this.save(this.snapshot, r.log);
    return why;
  }

  /** For runSuites when the snapshot holds the suite's setup: the facts of a restored one, or its save. */
  setupSnapshot(log: (line: string) => void): SetupSnapshot | undefined {
    const use = this.snapshot;
    if (!use || !this.afterSetup) return undefined;
    if (use.restored) {
      if (!this.restoredFacts) throw new SnapshotError(`snapshot ${use.key} was saved before any setup`);
      return { facts: this.restoredFacts, save: async () => {} };
    }
    return this.saving ? { save: (facts) => this.save(use, log, facts) } : undefined;
  }

  private async save(use: SnapshotUse, log: (line: string) => void, facts?: SetupFacts): Promise<void> {
    try {
      const saved = await this.main.save(use.key, facts);
      Object.assign(use, { saved: !!saved.dir, seconds: round(saved.seconds) });
      log(`snapshot ${use.key} saved in ${saved.seconds.toFixed(1)} s`);
    } catch (err) {
      if (!(err instanceof SnapshotError)) throw err;
      if (err instanceof NotSaveable) markUnsaveable(use.key, err.message);
      Object.assign(use, { saved: false, why: err.message });
      log(`snapshot ${use.key} not saved: ${err.message}`);
    } finally {
      this.settled();
    }
  }

  private async readyAll(r: Readying): Promise<string | undefined> {
    const why = await Promise.all([
      readyGuest(this.main, r.binaries, r.modulesSeconds, r.log, r.brought),
      this.peer &&
        readyGuest(this.peer, r.binaries, r.modulesSeconds, (line) => r.log(`peer: ${line}`)).then(
          (w) => w && `peer ${w}`,
        ),
    ]);
    return why.find(Boolean);
  }

  /** Reads what is left of each guest's kernel log and keeps all of it in DIR (dmesg.txt, peer-dmesg.txt). */
  async keepKernelLogs(dir: string): Promise<void> {
    for (const [s, file] of [
      [this.main, 'dmesg.txt'],
      [this.peer, 'peer-dmesg.txt'],
    ] as const) {
      if (!s) continue;
      await s.dmesgDelta().catch(() => '');
      writeAtomic(join(dir, file), s.kernelLog);
    }
  }

  consoleText(): string {
    return this.main.consoleText();
  }

  peerConsoleText(): string {
    return this.peer?.consoleText() ?? '';
  }

  /** The ssh command a person can paste to reach the first guest (its keys written to the scratch directory). */
  sshCommand(): string {
    return this.main.sshCommand(this.workDir);
  }

  /** Seconds the first guest took to answer SSH. */
  get bootSeconds(): number {
    return this.main.qemu.seconds;
  }

  /** Resolves when the first guest's QEMU exits, or we are asked to stop (SIGINT, SIGTERM). */
  stopped(): Promise<void> {
    return new Promise<void>((resolve) => {
      onInterrupt(() => resolve());
      void this.main.qemu.exited.then(() => resolve());
    });
  }

  /** Stops both guests and removes the scratch directory; a console log that could not be written is thrown. */
  async close(): Promise<void> {
    await Promise.all([this.main.close(), this.peer?.close()]);
    removeScratch(this.workDir);
    const logError = this.main.qemu.logError ?? this.peer?.qemu.logError;
    if (logError) throw logError;
  }
}

function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  releaseDir(dir);
}

async function readyGuest(
  g: Guest,
  binaries: string[],
  seconds: number,
  log: (line: string) => void,
  brought: Record<string, string[]> = {},
): Promise<string | undefined> {
  await g.uploadGuestFiles(binaries);
  for (const [suite, files] of Object.entries(brought)) await g.uploadTo(extDir(suite), files);
  const modules = await g.waitForModules(seconds);
  if (!modules.ready) return `modules: ${modules.detail}`;
  if (modules.detail) log(`modules that failed to load: ${modules.detail.replace(/\n/g, '; ')}`);
  return undefined;
}

/** Two guests wired by a link, booted together; both or neither. */
async function bootPair(opts: BootOptions, peerConsolePath: string): Promise<[Session, Session]> {
  const peerDir = join(opts.workDir, 'peer');
  mkdirSync(peerDir);
  const log = opts.log && ((line: string) => opts.log!(`peer: ${line}`));
  for (let attempt = 1; ; attempt++) {
    const [link, peerLink] = await peerLinks();
    const [main, peer] = await Promise.allSettled([
      Session.boot({ ...opts, link }),
      Session.boot({
        ...opts,
        link: peerLink,
        workDir: peerDir,
        consolePath: peerConsolePath,
        log,
        label: 'second guest',
      }),
    ]);
    if (main.status === 'fulfilled' && peer.status === 'fulfilled') return [main.value, peer.value];
    await Promise.all([main, peer].map((r) => r.status === 'fulfilled' && r.value.close()));
    const failed = [main, peer].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    // The link's UDP ports were free when picked; someone may have bound one since.
    if (attempt < 3 && failed.every((e) => e instanceof BootError && RETRIED.includes(e.kind))) continue;
    if (main.status === 'rejected') throw main.reason;
    const err = failed[0];
    throw err instanceof BootError ? err.of('second guest') : err;
  }
}

const round = (seconds: number) => Math.round(seconds * 100) / 100;
