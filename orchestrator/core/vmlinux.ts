// Inside a bzImage: where the compressed vmlinux is and how it is compressed (boot protocol >= 2.08).
// Booting the ELF vmlinux through its PVH entry skips firmware and decompression: ~3 s less under TCG.

export type Compression = 'gzip' | 'xz' | 'zstd' | 'lzma' | 'lz4' | 'lzo' | 'bzip2';

const MAGIC: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lzma', [0x5d, 0x00, 0x00]],
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

export interface Payload {
  compression: Compression;
  offset: number;
  length: number;
}

export function bzImagePayload(image: Buffer): Payload | undefined {
  if (image.length < 0x250 || image.toString('ascii', 0x202, 0x206) !== 'HdrS') return undefined;
  if (image.readUInt16LE(0x206) < 0x208) return undefined;
  const setupSects = image[0x1f1] || 4;
  const offset = (setupSects + 1) * 512 + image.readUInt32LE(0x248);
  const length = image.readUInt32LE(0x24c);
  const found = MAGIC.find(([, bytes]) => bytes.every((b, i) => image[offset + i] === b));
  return found && offset + length <= image.length ? { compression: found[0], offset, length } : undefined;
}

export function isElf(data: Buffer): boolean {
  return data.length > 4 && data.readUInt32BE(0) === 0x7f454c46;
}

/** The "Linux version ..." banner inside an uncompressed vmlinux. */
export function elfBanner(data: Buffer): string | undefined {
  const re = /Linux version \d+\.\d+[^\0\n]*/;
  for (let at = data.indexOf('Linux version '); at >= 0; at = data.indexOf('Linux version ', at + 1)) {
    const m = re.exec(data.toString('latin1', at, at + 512));
    if (m && m.index === 0 && m[0].includes('#')) return m[0];
  }
  return undefined;
}

export function configEnabled(config: string, option: string): boolean {
  return new RegExp(`^CONFIG_${option}=y$`, 'm').test(config);
}
