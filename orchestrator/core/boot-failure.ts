// Why a boot failed, as a type: read once from what QEMU and the guest's init said, so callers
// decide on the cause (retry on a taken port, CRASH on a crash) instead of matching text.

export type BootCause =
  /** No console output for the stall limit, twice. */
  | 'stalled'
  /** The kernel panicked or oopsed fatally. */
  | 'crashed'
  /** Stage one could not mount the root disk and powered off. */
  | 'root-not-mounted'
  /** Stage two's sshd did not start and the guest powered off. */
  | 'sshd-failed'
  /** QEMU could not forward the SSH port: someone took it after we picked it. */
  | 'ssh-port-taken'
  /** QEMU could not bind the link between two guests: someone took a UDP port after we picked it. */
  | 'link-port-taken'
  /** QEMU itself exited (a bad option, a missing file). */
  | 'qemu-exited'
  /** The guest ran but SSH never answered in time. */
  | 'no-ssh';

/** Causes worth booting again: the port was free when picked. */
export const RETRIED: BootCause[] = ['ssh-port-taken', 'link-port-taken'];

export interface BootFacts {
  /** The fatal report's title on the console, if any. */
  crash?: string;
  /** The console lines of our init ("orchestrate-init: …"), in order. */
  initLines: string[];
  /** QEMU's exit, when it exited by itself (no signal of ours). */
  exit?: { code: number | null; signal: string | null; stderr: string };
  bootSeconds: number;
  /** Why waiting for SSH ended, when it did. */
  waitError?: string;
}

/** Which port QEMU could not take, from its own error line. */
function portTaken(stderr: string): BootCause | undefined {
  if (/Could not set up host forwarding rule/.test(stderr)) return 'ssh-port-taken';
  if (/can't bind .*Address already in use/.test(stderr)) return 'link-port-taken';
  return undefined;
}

/** The cause and its one-line message. */
export function bootFailure(f: BootFacts): { cause: BootCause; message: string } {
  if (f.crash) return { cause: 'crashed', message: `guest crashed: ${f.crash}` };
  const failed = [...f.initLines].reverse().find((l) => /^(init|sshd) failed/.test(l));
  if (failed)
    return {
      cause: failed.startsWith('init') ? 'root-not-mounted' : 'sshd-failed',
      message: `guest powered off: ${failed}`,
    };
  if (f.exit && !f.exit.signal && f.exit.code !== null) {
    const last = f.exit.stderr.trim().split('\n').pop() ?? '';
    return { cause: portTaken(f.exit.stderr) ?? 'qemu-exited', message: `QEMU exited (${f.exit.code}): ${last}` };
  }
  return { cause: 'no-ssh', message: `no SSH within ${f.bootSeconds} s (${f.waitError ?? 'sshd never started'})` };
}
