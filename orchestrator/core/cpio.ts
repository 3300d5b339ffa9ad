// newc cpio archives, the format the kernel unpacks as initramfs. Archives may be
// concatenated: the kernel unpacks each in turn, later files overriding earlier ones.

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer | string; mode?: number }
  | { kind: 'symlink'; path: string; target: string };

const TRAILER = 'TRAILER!!!';

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function record(ino: number, name: string, mode: number, data: Buffer): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return Buffer.concat([
    header,
    nameBytes,
    Buffer.alloc(pad4(header.length + nameBytes.length)),
    data,
    Buffer.alloc(pad4(data.length)),
  ]);
}

function modeAndData(entry: CpioEntry): [number, Buffer] {
  switch (entry.kind) {
    case 'dir':
      return [S_IFDIR | (entry.mode ?? 0o755), Buffer.alloc(0)];
    case 'file':
      return [S_IFREG | (entry.mode ?? 0o644), Buffer.from(entry.data)];
    case 'symlink':
      return [S_IFLNK | 0o777, Buffer.from(entry.target)];
  }
}

/** Parent directories come first, as the kernel needs them before their children. */
function withParents(entries: CpioEntry[]): CpioEntry[] {
  const seen = new Set(entries.filter((e) => e.kind === 'dir').map((e) => e.path));
  const out: CpioEntry[] = [];
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!seen.has(dir)) {
        seen.add(dir);
        out.push({ kind: 'dir', path: dir });
      }
    }
    out.push(entry);
  }
  return out;
}

export function cpioArchive(entries: CpioEntry[]): Buffer {
  const records = withParents(entries).map((entry, i) => {
    const [mode, data] = modeAndData(entry);
    return record(i + 1, entry.path.replace(/^\/+/, ''), mode, data);
  });
  return Buffer.concat([...records, record(0, TRAILER, 0, Buffer.alloc(0))]);
}

export interface CpioMember {
  path: string;
  mode: number;
  data: Buffer;
}

/** Reads an archive back, up to its first trailer (for tests and inspection). */
export function readCpio(archive: Buffer): CpioMember[] {
  const members: CpioMember[] = [];
  let at = 0;
  while (at + 110 <= archive.length) {
    if (archive.toString('ascii', at, at + 6) !== '070701') throw new Error(`bad cpio magic at ${at}`);
    const field = (i: number) => parseInt(archive.toString('ascii', at + 6 + i * 8, at + 14 + i * 8), 16);
    const [mode, size, nameSize] = [field(1), field(6), field(11)];
    const path = archive.toString('utf8', at + 110, at + 110 + nameSize - 1);
    const dataAt = at + 110 + nameSize + pad4(110 + nameSize);
    if (path === TRAILER) break;
    members.push({ path, mode, data: archive.subarray(dataAt, dataAt + size) });
    at = dataAt + size + pad4(size);
  }
  return members;
}
