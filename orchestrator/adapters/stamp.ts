// Stamps of cached artifacts on disk: made last, when the artifact is complete; checked by stat
// before every use, by hash when the stat disagrees or a failure points at the artifact.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import {
  ZERO_BLOCK,
  hashChange,
  isStamp,
  statChange,
  type Change,
  type FileStat,
  type FileStamp,
  type Stamp,
} from '../core/stamp.js';
import { dataRegions } from './holes.js';
import { readJsonOr, writeJson } from './store.js';

const fileStat = (s: Stats): FileStat => ({ size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino });

function statOf(path: string): FileStat | undefined {
  try {
    return fileStat(statSync(path));
  } catch {
    return undefined;
  }
}

const ZEROS = Buffer.alloc(ZERO_BLOCK);
const [DATA, ZERO] = [Buffer.from([1]), Buffer.from([0])];

/**
 * The file's sha256; with zeroBlocks, of its size and then its blocks, each all-zero one as a mark,
 * so a sparse file of gigabytes (a snapshot's NVDIMM) hashes in the time its data takes: blocks in
 * holes are not read (reading a hole fills the page cache with zeros, ~0.5 GB/s here).
 */
export function sha256File(path: string, zeroBlocks = false): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  const hash = createHash('sha256');
  try {
    if (zeroBlocks) hashBlocks(fd, hash, dataRegions(path));
    else for (const block of blocks(fd)) hash.update(block);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function hashBlocks(fd: number, hash: Hash, data: [number, number][] | undefined): void {
  const size = fstatSync(fd).size;
  hash.update(`${size}\n`);
  const holds = (at: number) => !data || data.some(([from, to]) => from < at + ZERO_BLOCK && to > at);
  const buf = Buffer.allocUnsafe(ZERO_BLOCK);
  for (let at = 0; at < size; at += ZERO_BLOCK) {
    const block = holds(at) ? readBlock(fd, buf, at) : undefined;
    if (!block || block.equals(ZEROS.subarray(0, block.length))) hash.update(ZERO);
    else hash.update(DATA).update(block);
  }
}

/** The file's blocks of ZERO_BLOCK bytes, the last maybe shorter; one buffer, reused. */
function* blocks(fd: number): Generator<Buffer> {
  const buf = Buffer.allocUnsafe(ZERO_BLOCK);
  for (let at = 0, block; (block = readBlock(fd, buf, at)).length; at += block.length) yield block;
}

/** The block at AT, as much of it as the file has: the same bytes however the reads split. */
function readBlock(fd: number, buf: Buffer, at: number): Buffer {
  let got = 0;
  for (let n; got < buf.length && (n = readSync(fd, buf, got, buf.length - got, at + got)) > 0;) got += n;
  return buf.subarray(0, got);
}

function fileStamp(root: string, rel: string): FileStamp {
  const path = join(root, rel);
  const s = statSync(path);
  const sparse = s.blocks * 512 < s.size;
  return { path: rel, ...fileStat(s), sha256: sha256File(path, sparse)!, ...(sparse ? { zeroBlocks: true } : {}) };
}

/** Hashes FILES (relative to ROOT) and writes the stamp to STAMPFILE, atomically. */
export function writeStamp(stampFile: string, root: string, files: string[]): Stamp {
  const stamp: Stamp = { format: 'orchestrate-stamp/1', files: files.map((f) => fileStamp(root, f)) };
  writeJson(stampFile, stamp);
  return stamp;
}

export function readStamp(stampFile: string): Stamp | undefined {
  const stamp = readJsonOr(stampFile);
  return isStamp(stamp) ? stamp : undefined;
}

/** The cheap check, before every use: undefined when every file's stat is as recorded. */
function quickCheck(stampFile: string, root: string): Change | undefined {
  const stamp = readStamp(stampFile);
  if (!stamp) return { why: 'it has no stamp (made by an older orchestrate, or never finished)', sure: true };
  const changes = stamp.files.map((f) => statChange(f, statOf(join(root, f.path)))).filter((c): c is Change => !!c);
  return changes.find((c) => c.sure) ?? changes[0];
}

/**
 * The hash check: undefined when the content is as made. The stamp's stats are then renewed, but
 * only when the file did not change while it was being hashed.
 */
export function deepCheck(stampFile: string, root: string): string | undefined {
  const stamp = readStamp(stampFile);
  if (!stamp) return 'it has no stamp';
  const before = stamp.files.map((f) => statOf(join(root, f.path)));
  for (const f of stamp.files) {
    const why = hashChange(f, sha256File(join(root, f.path), f.zeroBlocks));
    if (why) return why;
  }
  const after = stamp.files.map((f) => statOf(join(root, f.path)));
  if (JSON.stringify(before) === JSON.stringify(after)) {
    writeJson(stampFile, { ...stamp, files: stamp.files.map((f, i) => ({ ...f, ...after[i]! })) });
  }
  return undefined;
}

/** Quick, then deep when the stat disagrees but cannot prove it: undefined when the artifact can be used. */
export function checkArtifact(stampFile: string, root: string): string | undefined {
  const change = quickCheck(stampFile, root);
  if (!change) return undefined;
  return change.sure ? change.why : deepCheck(stampFile, root);
}
