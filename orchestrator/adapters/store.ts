// Writing results: atomically (temp file + rename), so a crash never leaves half a file.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeAtomic(path: string, data: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function writeJson(path: string, value: unknown): void {
  writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** A cache file's JSON, or undefined when it is missing or unreadable (a miss, not an error). */
export function readJsonOr<T = any>(path: string): T | undefined {
  try {
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves a dead holder's lock aside; only one of several waiters can move the same file. */
function takeOver(path: string, deadPid: number): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  // Another waiter may have taken the lock between our read and the rename: give it back.
  if ((Number(readFileSync(aside, 'utf8')) || 0) !== deadPid) renameSync(aside, path);
  else rmSync(aside, { force: true });
}

/** Runs WORK holding PATH as a lock file; a lock left by a dead process is taken over. */
export async function withLock<T>(path: string, work: () => Promise<T>, waiting: (pid: number) => void = () => {}): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  for (let told = false; ;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8')) || 0;
      if (!pidAlive(pid)) takeOver(path, pid);
      else {
        if (!told) waiting(pid);
        told = true;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
  try {
    return await work();
  } finally {
    rmSync(path, { force: true });
  }
}
