// Writing results: atomically (temp file + rename), so a crash never leaves half a file.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { asWriteError, WriteError } from '../errors.js';
import { exec } from './exec.js';
import { listTree } from './fingerprint.js';

/** Writes PATH whole or not at all; a full or read-only disk is a WriteError naming it. */
export function writeAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing was written where nothing can be removed.
    }
    throw asWriteError(err, path, basename(path));
  }
}

/** A .tar.gz unpacked into DIR (made anew, whole or not at all); its files, relative to DIR's parent. */
export async function unpackInto(dir: string, tgz: Buffer): Promise<string[]> {
  const tmp = `${dir}.${process.pid}.tmp`;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await exec(['tar', '-C', tmp, '--no-same-owner', '-xzf', '-'], { input: tgz });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw asWriteError(err, dir, basename(dir));
  }
  return listTree(dir).map((f) => relative(dirname(dir), f));
}

const MiB = 2 ** 20;

/** Fails with one line before a big write (an image, a kernel, a tree) that DIR has no room for. */
export function needSpace(dir: string, bytes: number, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw asWriteError(err, dir, what);
  }
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  if (free < bytes) {
    throw new WriteError(
      dir,
      what,
      'ENOSPC',
      ` (${Math.floor(free / MiB)} MiB free, about ${Math.ceil(bytes / MiB)} MiB needed)`,
    );
  }
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
