// The engine's one place for a guest's life: a scratch directory, the boot (one guest, or two
// wired by a link), readying, the kernel logs kept, and the close that leaves nothing behind.
// Workflows get Guests from a Lab and never touch QEMU.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RETRIED } from '../core/boot-failure.js';
import { onInterrupt, releaseDir, trackDir } from '../adapters/lifecycle.js';
import { peerLinks } from '../adapters/qemu.js';
import { writeAtomic } from '../adapters/store.js';
import { extDir } from '../suites/suite.js';
import type { Guest, Guests } from './guest.js';
import { BootError, planBoot, plannedFiles, Session, type BootOptions } from './session.js';

/** The SSH port a planned command line shows in place of the one picked at boot. */
const PLANNED_SSH_PORT = 10022;

export interface LabOptions extends Omit<BootOptions, 'workDir' | 'consolePath' | 'link' | 'label'> {
  /** Where the console is logged; the scratch directory's console.log when absent. */
  consolePath?: string;
  /** A second guest wired to the first by a loopback-only link, its console logged here. */
  peerConsolePath?: string;
}

/** What a guest needs before a test runs on it. */
export interface Readying {
  binaries: string[];
  /** Suite files brought from the host, by suite (uploaded to the first guest only). */
  brought?: Record<string, string[]>;
  modulesSeconds: number;
  log: (line: string) => void;
}

export class Lab {
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
      if (!o.peerConsolePath) return new Lab(await Session.boot(opts), undefined, workDir);
      const [main, peer] = await bootPair(opts, o.peerConsolePath);
      return new Lab(main, peer, workDir);
    } catch (err) {
      removeScratch(workDir);
      throw err;
    }
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

  /** Uploads and late modules on each guest; why one is not ready (named), or undefined. */
  async ready(r: Readying): Promise<string | undefined> {
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
