// Guest workloads (guest/workloads/*.c) built on the host, whose Debian 12 userspace is the
// guest's, and cached by a hash of their sources.
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheDir, guestDir } from '../paths.js';
import { exec } from './exec.js';
import { fingerprint, listTree } from './fingerprint.js';
import { releaseDir, removeTree, trackDir } from './lifecycle.js';
import { checkArtifact, deepCheck, writeStamp } from './stamp.js';

export interface Workloads {
  dir: string;
  binaries: string[];
  built: boolean;
}

const SOURCES = join(guestDir, 'workloads');

/** Why the cached workloads cannot be used (by hash); bad ones are removed, to be built again. */
export function verifyWorkloads(w: Workloads): string | undefined {
  const bad = deepCheck(`${w.dir}.stamp.json`, w.dir);
  if (bad) removeTree(w.dir);
  return bad;
}

export async function ensureWorkloads(log: (line: string) => void = () => {}): Promise<Workloads> {
  const sources = listTree(SOURCES).filter((f) => !f.includes('/build/'));
  const dir = join(cacheDir(), 'workloads', fingerprint(SOURCES, sources));
  let built = false;
  const bad = existsSync(dir) ? checkArtifact(`${dir}.stamp.json`, dir) : 'missing';
  if (bad && bad !== 'missing') {
    log(`workloads ${basename(dir)}: ${bad}; building them again`);
    removeTree(dir);
  }
  if (bad) {
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
    writeStamp(`${dir}.stamp.json`, dir, readdirSync(dir));
    built = true;
  }
  return { dir, binaries: readdirSync(dir).map((f) => join(dir, f)), built };
}
