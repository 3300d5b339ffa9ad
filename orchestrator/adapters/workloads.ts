// Guest workloads (guest/workloads/*.c) built on the host, whose Debian 12 userspace is the
// guest's, and cached by a hash of their sources.
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, guestDir } from '../paths.js';
import { exec } from './exec.js';
import { fingerprint, listTree } from './fingerprint.js';
import { releaseDir, trackDir } from './lifecycle.js';

export interface Workloads {
  dir: string;
  binaries: string[];
  built: boolean;
}

const SOURCES = join(guestDir, 'workloads');

export async function ensureWorkloads(): Promise<Workloads> {
  const sources = listTree(SOURCES).filter((f) => !f.includes('/build/'));
  const dir = join(cacheDir(), 'workloads', fingerprint(SOURCES, sources));
  let built = false;
  if (!existsSync(dir)) {
    const tmp = trackDir(`${dir}.${process.pid}.tmp`);
    rmSync(tmp, { recursive: true, force: true });
    await exec(['make', '-s', '-C', SOURCES, `OUT=${tmp}`]);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      if (!existsSync(dir)) throw err;
      rmSync(tmp, { recursive: true, force: true });
    }
    releaseDir(tmp);
    built = true;
  }
  return { dir, binaries: readdirSync(dir).map((f) => join(dir, f)), built };
}
