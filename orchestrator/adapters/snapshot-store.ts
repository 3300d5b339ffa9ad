// Saved guests in the cache: snapshots/<key>/ holds QEMU's migration stream (RAM and devices), the
// NVDIMMs' backing files and the root's qcow2 overlay (holes kept), the initrd it booted with and the
// keys it trusts. Written in a private directory and renamed into place; stamped last; checked before use.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { BOOT_CONSOLE } from '../core/results.js';
import { cacheDir } from '../paths.js';
import { exec } from './exec.js';
import { releaseDir, removeTree, trackDir } from './lifecycle.js';
import { pidAlive } from './lock.js';
import type { RunKeys } from './ssh.js';
import { checkArtifact, writeStamp } from './stamp.js';
import { readJsonOr, writeAtomic } from './store.js';

export const SNAPSHOT_FILES = {
  state: 'state',
  root: 'root.qcow2',
  initrd: 'initrd.cpio',
  keys: 'keys.json',
  /** The saved guest's console from QEMU's start to the save: a restored run's BOOT_CONSOLE. */
  bootConsole: BOOT_CONSOLE,
};
/** The I-th NVDIMM's backing file in a snapshot. */
export const nvdimmFile = (i: number) => `nvdimm${i}.img`;
const STAMP = 'stamp.json';
/** Empty files named by key: a guest booted cold once, saved when it boots again (unless --snapshot). */
const SEEN = '.seen';
/** The kernel it booted (gc removes a snapshot whose kernel left the store) and when it was saved. */
const META = 'meta.json';

export interface SavedGuest {
  dir: string;
  state: string;
  root: string;
  initrd: string;
  bootConsole: string;
  /** The NVDIMMs' backing files, in the profile's order (kept out of the migration stream). */
  nvdimms: string[];
  keys: RunKeys;
  /** Saved after a suite's setup: what the setup said (device names, mount points). */
  facts?: Record<string, string>;
}

interface Meta {
  kernel: string;
  nvdimms: number;
  saved: string;
  facts?: Record<string, string>;
}

export function snapshotsDir(): string {
  return join(cacheDir(), 'snapshots');
}

function saved(dir: string): SavedGuest {
  const f = (name: string) => join(dir, name);
  const keys = JSON.parse(readFileSync(f(SNAPSHOT_FILES.keys), 'utf8')) as RunKeys;
  const meta = readJsonOr<Meta>(f(META));
  const files = {
    state: f(SNAPSHOT_FILES.state),
    root: f(SNAPSHOT_FILES.root),
    initrd: f(SNAPSHOT_FILES.initrd),
    bootConsole: f(SNAPSHOT_FILES.bootConsole),
  };
  const nvdimms = Array.from({ length: meta?.nvdimms ?? 0 }, (_, i) => f(nvdimmFile(i)));
  return { dir, ...files, nvdimms, keys, ...(meta?.facts ? { facts: meta.facts } : {}) };
}

/** The saved guest of KEY when whole; a damaged one is removed (said), and the caller boots cold. */
export function findSnapshot(key: string, log: (line: string) => void): SavedGuest | undefined {
  const dir = join(snapshotsDir(), key);
  if (!existsSync(dir)) return undefined;
  const why = checkArtifact(join(dir, STAMP), dir);
  if (!why) {
    // Last used now: what gc's --older-than reads.
    const now = new Date();
    utimesSync(dir, now, now);
    return saved(dir);
  }
  log(`snapshot ${key}: ${why}; removed it, booting cold`);
  removeTree(dir);
  return undefined;
}

/** The marker of KEY's cold boots. */
export const bootMarker = (key: string) => join(snapshotsDir(), SEEN, key);

/**
 * Whether KEY's guest was booted cold before (its second boot is worth a save: a save costs seconds
 * and the guest's memory on disk, paid back from the first restore); marks it booted now. A marker
 * that cannot be written (a full disk) only means no save.
 */
export function bootedBefore(key: string): boolean {
  const path = bootMarker(key);
  const before = existsSync(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    // Touched, not rewritten: it may hold why the guest cannot be saved (markUnsaveable).
    if (before) utimesSync(path, new Date(), new Date());
    else writeFileSync(path, '');
  } catch {
    return false;
  }
  return before;
}

/** Why KEY's guest cannot be saved (its setup writes its disks), as a refused save found; else undefined. */
export function unsaveable(key: string): string | undefined {
  try {
    return readFileSync(bootMarker(key), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Later boots of KEY do not try to save it (a marker that cannot be written only means they try). */
export function markUnsaveable(key: string, why: string): void {
  try {
    mkdirSync(dirname(bootMarker(key)), { recursive: true });
    writeAtomic(bootMarker(key), `${why}\n`);
  } catch {
    // unwritten, later boots only try again
  }
}

/** A draft (.save-KEY-PID-TIME) whose saving process is gone. */
function deadDraft(name: string): boolean {
  const pid = /^\.save-[0-9a-f]+-(\d+)-/.exec(name)?.[1];
  return !!pid && !pidAlive(Number(pid));
}

/** A private directory to save into; commitSnapshot puts it in place. Drafts of dead processes go first. */
export function snapshotDraft(key: string): string {
  mkdirSync(snapshotsDir(), { recursive: true });
  for (const name of readdirSync(snapshotsDir()).filter(deadDraft)) removeTree(join(snapshotsDir(), name));
  const dir = trackDir(join(snapshotsDir(), `.save-${key}-${process.pid}-${Date.now()}`));
  mkdirSync(dir);
  return dir;
}

/** Copies a qcow2 or sparse file as it is (holes kept), for the draft or for a run. */
export async function copySparse(from: string, to: string): Promise<void> {
  await exec(['cp', '--sparse=always', '--reflink=auto', from, to]);
}

/** The root overlay a snapshottable boot writes to, over the cached image (never written). */
export async function makeOverlay(image: string, overlay: string): Promise<void> {
  await exec(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', image, '-F', 'raw', overlay]);
}

/** Stamps the draft and renames it into place; when another process saved KEY first, theirs stays. */
export function commitSnapshot(
  draft: string,
  key: string,
  keys: RunKeys,
  meta: Omit<Meta, 'saved'>,
): string | undefined {
  writeAtomic(join(draft, META), JSON.stringify({ ...meta, saved: new Date().toISOString() }));
  // The private keys of a guest only a run of ours reaches (127.0.0.1 forwards): readable by us alone.
  writeAtomic(join(draft, SNAPSHOT_FILES.keys), JSON.stringify(keys));
  chmodSync(join(draft, SNAPSHOT_FILES.keys), 0o600);
  const nvdimms = Array.from({ length: meta.nvdimms }, (_, i) => nvdimmFile(i));
  writeStamp(join(draft, STAMP), draft, [...Object.values(SNAPSHOT_FILES), META, ...nvdimms]);
  const dir = join(snapshotsDir(), key);
  try {
    renameSync(draft, dir);
    releaseDir(draft);
    return dir;
  } catch {
    removeTree(draft);
    releaseDir(draft);
    return existsSync(dir) ? dir : undefined;
  }
}

/** Bytes the directory's files take on disk (holes not counted). */
function bytesOf(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).blocks * 512, 0);
}

const unusedFor = (path: string, days: number, now: number) => now - statSync(path).mtimeMs > days * 86_400_000;

/** Cold-boot markers not touched for DAYS. */
function seenGcPlan(days: number, now: number) {
  const dir = join(snapshotsDir(), SEEN);
  return readdirSync(dir)
    .map((key) => join(dir, key))
    .filter((path) => unusedFor(path, days, now))
    .map((path) => ({ path, why: `cold-boot marker unused for ${days} days`, bytes: 0 }));
}

/**
 * What kernels gc removes of the snapshots: those of kernels gone from the store, unused for DAYS,
 * drafts of the dead, cold-boot markers unused for DAYS.
 */
export function snapshotGcPlan(kernels: Set<string>, days: number, now = Date.now()) {
  const root = snapshotsDir();
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    if (name === SEEN) return seenGcPlan(days, now);
    if (name.startsWith('.save-'))
      return deadDraft(name) ? [{ path, why: 'interrupted save', bytes: bytesOf(path) }] : [];
    const kernel = readJsonOr<Partial<Meta>>(join(path, META))?.kernel;
    if (!kernel || !kernels.has(kernel))
      return [{ path, why: `snapshot of ${kernel ?? 'an unknown kernel'}, gone from the store`, bytes: bytesOf(path) }];
    if (unusedFor(path, days, now)) return [{ path, why: `snapshot unused for ${days} days`, bytes: bytesOf(path) }];
    return [];
  });
}
