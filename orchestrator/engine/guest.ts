// The guest as the runner, the external-suite runner and `run -- CMD` see it: commands, uploads,
// the kernel log and the console. A QEMU-backed Session is one; test/fake-guest.ts is another.
import type { ArtifactKind } from '../core/stamp.js';
import type { ExecOptions, ExecResult } from '../adapters/ssh.js';
import { DmesgError } from '../errors.js';
import { GUEST_ROOT } from '../suites/suite.js';

export type Stream = Pick<ExecOptions, 'onStdout' | 'onStderr' | 'collect'>;

export interface Guest {
  /** How messages name it when it is not the only one ("second guest"). */
  readonly label?: string;
  /**
   * ARGV, its process group sent TERM then KILL past TIMEOUTSECONDS (timedOut); a signal's death
   * is 128 + its number. A guest that stops answering throws GuestLost.
   */
  exec(argv: string[], timeoutSeconds?: number, stream?: Stream): Promise<ExecResult>;
  /** guest/setup/*.sh and the built workloads, into GUEST_ROOT/{setup,bin}. */
  uploadGuestFiles(binaries: string[]): Promise<void>;
  /** FILES (host paths) into the guest directory DIR. */
  uploadTo(dir: string, files: string[]): Promise<void>;
  /** Waits for stage two's module loading; the modules that failed, or why it timed out. */
  waitForModules(seconds: number): Promise<{ ready: boolean; detail: string }>;
  /** Kernel log lines since the last call (read and cleared); a DmesgError when dmesg failed. */
  dmesgDelta(): Promise<string>;
  /** Everything dmesgDelta has read so far. */
  readonly kernelLog: string;
  /** What the guest's console printed so far. */
  consoleText(): string;
  close(): Promise<void>;
}

/** The guest the tests run on, and the second guest of two-guest suites. */
export interface Guests {
  session: Guest;
  peer?: Guest;
}

/** The guest stopped answering after boot; the caller turns it into CRASH or ERROR from its console. */
export class GuestLost extends Error {
  constructor(
    message: string,
    readonly guest?: Guest,
  ) {
    super(message);
  }
}

/** What dmesg printed, when it succeeded: a failed one read nothing we can trust, not an empty log. */
export function dmesgLines(r: Pick<ExecResult, 'code' | 'timedOut' | 'stdout' | 'stderr'>): string {
  if (r.code !== 0 || r.timedOut) throw new DmesgError(r.code, r.timedOut, r.stderr);
  return r.stdout;
}

/**
 * What a failed guest command points at. Our workloads report their own failures as JSON, so one
 * that fails without it points at its binary; 126/127 (not executable, not found, a library
 * missing) or death by a signal point at the image's programs as well.
 */
export function execSuspects(program: string, code: number | null): ArtifactKind[] {
  const couldNotRun = code === 126 || code === 127 || (code !== null && code > 128);
  if (isWorkload(program)) return couldNotRun ? ['workloads', 'image'] : ['workloads'];
  return couldNotRun ? ['image'] : [];
}

export const isWorkload = (program: string) => program.startsWith(`${GUEST_ROOT}/bin/`);

export interface KernelLines {
  log: string;
  error?: string;
  suspects?: ArtifactKind[];
}

/** A guest's kernel lines since the last read; a failed dmesg is said (prefixed with WHERE), not read as none. */
export async function kernelLines(guest: Guest, where = ''): Promise<KernelLines> {
  try {
    return { log: await guest.dmesgDelta() };
  } catch (err) {
    if (!(err instanceof DmesgError)) throw err;
    return { log: '', error: `${where}${err.message}`, suspects: execSuspects('dmesg', err.status) };
  }
}
