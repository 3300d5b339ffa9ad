// The kernel store (kernels/ by default): one directory per kernel, kernel.json describing it.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { bzImageBanner, identityFromBanner, type KernelIdentity } from '../core/kernel-version.js';
import { bzImagePayload, configEnabled, elfBanner, isElf } from '../core/vmlinux.js';
import { kernelStoreDir } from '../paths.js';
import { execBuffer } from './exec.js';
import { pidAlive } from './lock.js';
import { readJsonOr, writeJson } from './store.js';
import { trackDir, releaseDir, removeTree } from './lifecycle.js';
import { listTree } from './fingerprint.js';
import { checkArtifact, deepCheck, readStamp, writeStamp } from './stamp.js';

export interface KernelRecord extends KernelIdentity {
  id: string;
  source: 'debian' | 'build' | 'path';
  /** File names inside the kernel's directory. */
  files: {
    bzImage: string;
    vmlinux?: string;
    config?: string;
    systemMap?: string;
    modules?: string;
    buildLog?: string;
    cover?: string;
  };
  debian?: { pkg: string; debVersion: string };
  build?: BuildMetadata;
  added: string;
}

export interface BuildMetadata {
  tree: string;
  /** The Debian package revision the tree was imported from (orchestrate source). */
  source?: { pkg: string; revision: string };
  commit: string;
  /** The commit the worktree stood at after the series was applied (the source built). */
  head?: string;
  describe: string;
  subject: string;
  series?: { id: string; version: number; title?: string; messageId?: string; baseCommit?: string; subjects: string[] };
  /** Fragment names in the order they were merged. */
  fragments: string[];
  compiler: string;
  ccache: boolean;
  objects: number;
  /** Seconds per phase (worktree, apply, configure, make, store). */
  durations: Record<string, number>;
}

/** A build that failed: kept so the same inputs are not built again (bisect relies on it). */
export interface FailedBuild {
  id: string;
  kind: 'APPLY-FAIL' | 'CONFIG-FAIL' | 'BUILD-FAIL';
  reason: string;
  details: string[];
  log?: string;
  at: string;
}

/** A kernel ready to boot: absolute paths. */
export interface Kernel extends KernelIdentity {
  id: string;
  source: KernelRecord['source'];
  /** What QEMU's -kernel gets: the PVH-bootable vmlinux when there is one, else the bzImage. */
  boot: string;
  /** /lib/modules/RELEASE of this kernel, when it has modules. */
  modulesDir?: string;
  config?: string;
}

/** Stamps every file of a stored kernel but its record (kernel.json is written, and read, on its own). */
function stampKernel(dir: string): void {
  const files = listTree(dir).map((f) => relative(dir, f));
  writeStamp(
    join(dir, STAMP),
    dir,
    files.filter((f) => f !== 'kernel.json'),
  );
}

export function storeDir(): string {
  return kernelStoreDir();
}

/** A kernel's directory in the store; ENTRY.lock beside it while it is fetched or built. */
export function entryDir(id: string): string {
  return join(storeDir(), id);
}

function recordPath(id: string): string {
  return join(entryDir(id), 'kernel.json');
}

export function readRecord(id: string): KernelRecord | undefined {
  return readJsonOr<KernelRecord>(recordPath(id));
}

export function listRecords(): KernelRecord[] {
  if (!existsSync(storeDir())) return [];
  return readdirSync(storeDir())
    .filter((name) => !name.startsWith('.'))
    .map(readRecord)
    .filter((r): r is KernelRecord => !!r);
}

function toKernel(record: KernelRecord): Kernel {
  const dir = join(storeDir(), record.id);
  const f = record.files;
  return {
    id: record.id,
    source: record.source,
    release: record.release,
    version: record.version,
    boot: join(dir, f.vmlinux ?? f.bzImage),
    modulesDir: f.modules ? join(dir, f.modules) : undefined,
    config: f.config ? join(dir, f.config) : undefined,
  };
}

function failedPath(id: string): string {
  return join(failureDir(id), 'failure.json');
}

export function readFailure(id: string): FailedBuild | undefined {
  return readJsonOr<FailedBuild>(failedPath(id));
}

export function recordFailure(failure: FailedBuild): void {
  writeJson(failedPath(failure.id), failure);
}

export function failureDir(id: string): string {
  return join(storeDir(), '.failed', id);
}

/** A fresh staging directory inside the store; `commit` renames it into place atomically. */
export function stage(id: string): { dir: string; commit: (record: KernelRecord) => Kernel } {
  mkdirSync(storeDir(), { recursive: true });
  const dir = trackDir(join(storeDir(), `.staging-${id}-${process.pid}`));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  return {
    dir,
    commit(record) {
      writeFileSync(join(dir, 'kernel.json'), `${JSON.stringify(record, null, 2)}\n`);
      stampKernel(dir);
      const final = join(storeDir(), id);
      rmSync(final, { recursive: true, force: true });
      renameSync(dir, final);
      releaseDir(dir);
      return toKernel(record);
    },
  };
}

async function decompress(data: Buffer, compression: string): Promise<Buffer> {
  if (compression === 'gzip') return gunzipSync(data);
  if (compression === 'xz' || compression === 'lzma') return execBuffer(['xz', '-dc', '--single-stream'], data);
  // Debian's 6.12 bzImage (CONFIG_KERNEL_ZSTD): kbuild appends the uncompressed size (4 bytes),
  // which zstd would read as a second, broken frame.
  if (compression === 'zstd') return execBuffer(['zstd', '-dcq'], data.subarray(0, data.length - 4));
  throw new Error(`no decompressor for ${compression}`);
}

/** Writes DIR/vmlinux from DIR/bzImage when the kernel can boot through PVH; returns its name. */
export async function extractPvhVmlinux(dir: string, bzImage: string, config?: string): Promise<string | undefined> {
  if (!config || !configEnabled(config, 'PVH')) return undefined;
  const image = readFileSync(join(dir, bzImage));
  const payload = bzImagePayload(image);
  if (!payload) return undefined;
  const elf = await decompress(image.subarray(payload.offset, payload.offset + payload.length), payload.compression);
  if (!isElf(elf)) return undefined;
  writeFileSync(join(dir, 'vmlinux'), elf);
  return 'vmlinux';
}

/** `--kernel PATH`: a bzImage or a vmlinux ELF, used in place; modules from `--modules DIR`. */
export function kernelFromPath(path: string, modulesDir?: string): Kernel {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`--kernel ${path}: no such file`);
  const data = readFileSync(file);
  const banner = isElf(data) ? elfBanner(data) : bzImageBanner(data);
  const identity = banner ? identityFromBanner(banner) : undefined;
  if (!identity) throw new UsageError(`--kernel ${path}: not a bzImage or vmlinux (no kernel version found)`);
  if (modulesDir && !existsSync(join(modulesDir, 'modules.dep'))) {
    throw new UsageError(`--modules ${modulesDir}: no modules.dep there (run depmod)`);
  }
  return { id: `path:${file}`, source: 'path', ...identity, boot: file, modulesDir: modulesDir && resolve(modulesDir) };
}

const STAMP = 'stamp.json';
/** What a store id looks like: debian-6.1.192-3, build-<commit12>-<hash12>. */
const STORE_ID = /^[\w+~-][\w.+~-]*$/;

export type Taken = { kernel: Kernel } | { removed: KernelRecord; why: string };

/**
 * A stored kernel about to be booted or reused: checked against its stamp (stat, then hash) and
 * marked used now (what `kernels gc --older-than` reads). One that is not as it was stored is
 * removed, so the caller fetches or builds it again.
 */
export function takeKernel(id: string, log: (line: string) => void = () => {}): Taken | undefined {
  // Only a store id names a store entry: never a path that leads out of the store.
  if (!STORE_ID.test(id)) return undefined;
  const record = readRecord(id);
  if (!record) return undefined;
  const dir = join(storeDir(), id);
  if (record.source === 'build' && !readStamp(join(dir, STAMP))) {
    // Built before kernels were stamped: it cannot be made again from the store alone, so it is
    // trusted once and stamped as it is.
    log(`kernel ${id} in the store has no stamp (stored by an older orchestrate): stamping it as it is`);
    stampKernel(dir);
  }
  const why = checkArtifact(join(dir, STAMP), dir);
  if (why) {
    removeTree(dir);
    return { removed: record, why };
  }
  touch(id);
  return { kernel: toKernel(record) };
}

/** takeKernel, saying so when the stored kernel was bad and is gone. */
export function useKernel(id: string, log: (line: string) => void = () => {}): Kernel | undefined {
  const taken = takeKernel(id, log);
  if (taken && 'removed' in taken) log(removedLine(taken.removed, taken.why));
  return taken && 'kernel' in taken ? taken.kernel : undefined;
}

export function removedLine(record: KernelRecord, why: string): string {
  return `kernel ${record.id} in the store: ${why}; removed it`;
}

/** Why a stored kernel cannot be used (by hash); a bad one is removed from the store. */
export function verifyKernel(kernel: Kernel): string | undefined {
  if (kernel.source === 'path') return undefined;
  const dir = join(storeDir(), kernel.id);
  const why = deepCheck(join(dir, STAMP), dir);
  if (why) removeTree(dir);
  return why;
}

function touch(id: string): void {
  const now = new Date();
  try {
    utimesSync(recordPath(id), now, now);
  } catch {
    // A kernel removed under us is found missing at boot.
  }
}

function lastUsed(id: string): Date {
  return statSync(recordPath(id)).mtime;
}

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

export interface GcPlan {
  path: string;
  why: string;
  bytes: number;
}

/** What gc would remove: staging leftovers, failed-build records and kernels unused for DAYS. */
export function gcPlan(days: number, includeDebian: boolean, now = Date.now()): GcPlan[] {
  const store = storeDir();
  if (!existsSync(store)) return [];
  const old = (t: Date) => now - t.getTime() > days * 86_400_000;
  const plan: GcPlan[] = [];
  for (const name of readdirSync(store)) {
    const path = join(store, name);
    const staging = /^\.staging-.*-(\d+)$/.exec(name);
    if (staging && !pidAlive(Number(staging[1]))) plan.push({ path, why: 'interrupted staging', bytes: sizeOf(path) });
  }
  const failed = join(store, '.failed');
  if (existsSync(failed)) {
    for (const id of readdirSync(failed)) {
      const path = join(failed, id);
      if (old(statSync(path).mtime)) plan.push({ path, why: 'failed build record', bytes: sizeOf(path) });
    }
  }
  for (const r of listRecords()) {
    if (r.source === 'debian' && !includeDebian) continue;
    if (old(lastUsed(r.id)))
      plan.push({
        path: join(store, r.id),
        why: `${r.source} kernel unused for ${days} days`,
        bytes: sizeOf(join(store, r.id)),
      });
  }
  return plan;
}
