// Nothing outlives us: child processes are killed and temp dirs removed on exit, error,
// SIGINT and SIGTERM. QEMU also runs under `setpriv --pdeathsig KILL`, so even a SIGKILL
// of this process takes the guest down with it.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { InterruptedError, signalExitCode } from '../errors.js';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let interrupted: NodeJS.Signals | undefined;
const interruptListeners = new Set<(signal: NodeJS.Signals) => void>();

/** Children must be spawned with `detached: true`: they lead their own process group, which
 *  keeps the terminal's Ctrl-C away from them and lets cleanup kill their descendants too. */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function trackDir(dir: string): string {
  dirs.add(dir);
  return dir;
}

export function releaseDir(dir: string): void {
  dirs.delete(dir);
}

function cleanupNow(): void {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
  children.clear();
  for (const dir of dirs) removeTree(dir);
  dirs.clear();
}

function mountsUnder(dir: string): string[] {
  if (!existsSync('/proc/self/mounts')) return [];
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((target): target is string => !!target && target.startsWith(`${dir}/`));
}

/**
 * rm -rf that never crosses into a mount: an interrupted mmdebstrap can leave /proc, /sys and
 * device bind mounts in its chroot, and deleting through those would hit the host.
 */
export function removeTree(dir: string): void {
  for (const target of mountsUnder(dir).reverse()) spawnSync('umount', ['-l', target]);
  const left = mountsUnder(dir);
  if (left.length) {
    process.stderr.write(`warning: not removing ${dir}: still mounted: ${left.join(' ')}\n`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Called by long waits so an interrupt ends them with InterruptedError. */
export function onInterrupt(listener: (signal: NodeJS.Signals) => void): () => void {
  interruptListeners.add(listener);
  return () => interruptListeners.delete(listener);
}

export function throwIfInterrupted(): void {
  if (interrupted) throw new InterruptedError(interrupted);
}

export function interruptedBy(): NodeJS.Signals | undefined {
  return interrupted;
}

let installed = false;
export function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as NodeJS.Signals[]) {
    process.on(signal, () => {
      if (interrupted) process.exit(signalExitCode(signal));
      interrupted = signal;
      cleanupNow();
      for (const listener of interruptListeners) listener(signal);
      // Pending work unwinds through InterruptedError; this is the backstop if something hangs.
      setTimeout(() => process.exit(signalExitCode(signal)), 2000).unref();
    });
  }
}

/**
 * Sets the exit status from WORK when it settles. Node exits with status 0 when nothing is left to
 * wait on; if WORK has not settled by then (a promise nobody can resolve any more: a bug), that is
 * an error, said once, never a silent success.
 */
export function exitWith(work: Promise<number>): void {
  let settled = false;
  process.once('beforeExit', () => {
    if (settled) return;
    process.stderr.write('error: internal: orchestrate stopped with its work unfinished and nothing left to wait on\n');
    process.exitCode = 1;
  });
  void work.then((code) => {
    settled = true;
    process.exitCode = code;
  });
}

/** Waits ms, keeping the process alive meanwhile: a pause inside work (polling) is work. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Resolves after ms without keeping the process alive for it: only for races against deadlines,
 * where the other side holds the process. Never await it alone: with nothing else pending, Node
 * exits with status 0 in the middle of the work.
 */
export function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => {
    setTimeout(() => resolve(undefined), Math.max(0, ms)).unref();
  });
}
