// Guest workloads (guest/workloads/*.c) built on the host, whose Debian 12 userspace is the
// guest's, and cached by a hash of their sources.
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cacheDir, guestDir } from '../paths.js';
import { sharedWork } from '../core/shared-work.js';
import { makeOnce } from './lock.js';
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
  const found = (built: boolean) => ({ dir, binaries: readdirSync(dir).map((f) => join(dir, f)), built });
  const ready = (locked: boolean) => {
    const bad = existsSync(dir) ? checkArtifact(`${dir}.stamp.json`, dir) : 'missing';
    if (!bad) return found(false);
    if (!locked || bad === 'missing') return undefined;
    log(`workloads ${basename(dir)}: ${bad}; building them again`);
    removeTree(dir);
    return undefined;
  };
  const make = async () => {
    log(`building workloads ${basename(dir)}`);
    await build(dir);
    return found(true);
  };
  return sharedWork(building, dir, () =>
    makeOnce(dir, ready, make, { what: `building the workloads ${basename(dir)}`, log }),
  );
}

/** Builds in flight in this process, by directory: concurrent runs share one build. */
const building = new Map<string, Promise<Workloads>>();

/**
 * make into a directory of our own, stamped there (a directory's rename keeps its files' stats),
 * the stamp put in place before the directory: no process ever sees the workloads unstamped.
 */
async function build(dir: string): Promise<void> {
  const tmp = trackDir(`${dir}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await exec(['make', '-s', '-C', SOURCES, `OUT=${tmp}`]);
    writeStamp(`${tmp}.stamp.json`, tmp, readdirSync(tmp));
    renameSync(`${tmp}.stamp.json`, `${dir}.stamp.json`);
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(`${tmp}.stamp.json`, { force: true });
    releaseDir(tmp);
  }
}

/** A copy of a report's repro/ in a directory of ours with its workloads built (make); the caller removes it. */
export async function buildReproducer(repro: string): Promise<string> {
  const dir = trackDir(mkdtempSync(join(tmpdir(), 'orchestrate-retest-')));
  cpSync(repro, dir, { recursive: true });
  rmSync(join(dir, 'work'), { recursive: true, force: true });
  await exec(['make', '-s', '-C', dir]);
  return dir;
}
