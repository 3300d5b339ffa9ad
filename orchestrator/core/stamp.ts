// What a cached artifact should be, recorded when it is made: per file its size and sha256, and
// the stat that lets a run check it cheaply (any write changes size, mtime or ctime; a copy
// changes the inode). A stat that disagrees sends the artifact to its hash.

/** The cached things a verdict rests on; a failure names the one it points at. */
export type ArtifactKind = 'image' | 'initramfs' | 'workloads' | 'kernel';

export interface FileStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export interface FileStamp extends FileStat {
  /** Relative to the artifact's root. */
  path: string;
  sha256: string;
  /** The sha256 is of the file with each all-zero block (ZERO_BLOCK bytes) as one mark: a sparse file's holes. */
  zeroBlocks?: true;
}

/** The block a sparse file's hash reads and marks as zero when it is. */
export const ZERO_BLOCK = 4 << 20;

export interface Stamp {
  format: 'orchestrate-stamp/1';
  files: FileStamp[];
}

export interface Change {
  why: string;
  /** The stat alone proves the content differs (missing, other size); else only the hash can tell. */
  sure: boolean;
}

/** How a file's stat differs from the stamp's; undefined when it does not. */
export function statChange(want: FileStamp, have: FileStat | undefined): Change | undefined {
  if (!have) return { why: `${want.path} is missing`, sure: true };
  if (have.size !== want.size) return { why: `${want.path} is ${have.size} bytes, ${want.size} when made`, sure: true };
  if (have.mtimeMs !== want.mtimeMs || have.ctimeMs !== want.ctimeMs || have.ino !== want.ino) {
    return { why: `${want.path} was written or replaced since it was made`, sure: false };
  }
  return undefined;
}

/** Why the content is not what was made; undefined when every hash agrees. */
export function hashChange(want: FileStamp, sha256: string | undefined): string | undefined {
  if (sha256 === undefined) return `${want.path} is missing`;
  return sha256 === want.sha256 ? undefined : `${want.path} does not hash as it did when made`;
}

export function isStamp(value: unknown): value is Stamp {
  const s = value as Stamp;
  return !!s && s.format === 'orchestrate-stamp/1' && Array.isArray(s.files);
}

/**
 * Which artifacts a boot that stopped short points at, from the console milestones it reached:
 * no banner, the kernel; a banner but no /init, the kernel or initramfs; /init but no switch to
 * the root, the initramfs or the image; the root but no sshd, the image or the initramfs (the
 * run's keys are appended to it).
 */
export function bootSuspects(reached: {
  banner: boolean;
  init: boolean;
  switchRoot: boolean;
  sshd: boolean;
}): ArtifactKind[] {
  if (!reached.banner) return ['kernel'];
  if (!reached.init) return ['kernel', 'initramfs'];
  if (!reached.switchRoot) return ['initramfs', 'image'];
  if (!reached.sshd) return ['image', 'initramfs'];
  return [];
}
