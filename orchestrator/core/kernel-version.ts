// Kernel versions: where to read them (bzImage header, "Linux version" banner) and how to compare.

export interface KernelIdentity {
  /** `uname -r`, e.g. "6.1.0-56-amd64". */
  release: string;
  /** Upstream version the expectations are keyed by, e.g. "6.1.192". */
  version: string;
}

const RELEASE = /Linux version (\d+\.\d+\S*)/;
/** Debian's upstream version follows the build number: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2". */
const DEBIAN_VERSION = /#\d+.*\bDebian (\d+\.\d+(?:\.\d+)?)/;

/** From a banner such as "6.1.0-56-amd64 (...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)". */
export function identityFromBanner(banner: string): KernelIdentity | undefined {
  const text = banner.startsWith('Linux version ') ? banner : `Linux version ${banner}`;
  const release = RELEASE.exec(text)?.[1];
  if (!release) return undefined;
  return { release, version: DEBIAN_VERSION.exec(text)?.[1] ?? upstreamOf(release) };
}

function upstreamOf(release: string): string {
  return /^\d+\.\d+(\.\d+)?/.exec(release)?.[0] ?? release;
}

/** The version string a bzImage carries (boot protocol: kernel_version at 0x20e, "HdrS" at 0x202). */
export function bzImageBanner(image: Buffer): string | undefined {
  if (image.length < 0x210 || image.toString('ascii', 0x202, 0x206) !== 'HdrS') return undefined;
  const offset = image.readUInt16LE(0x20e) + 0x200;
  const end = image.indexOf(0, offset);
  if (offset >= image.length || end < 0) return undefined;
  return image.toString('latin1', offset, end);
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return Math.sign(d);
  }
  return 0;
}

const COMPARATOR = /^(>=|<=|>|<|=)?(\d+(?:\.\d+){0,2})$/;

/** A range is space-separated comparators, all of which must hold: ">=4.16 <6.15", or "*". */
export function inRange(version: string, range: string): boolean {
  return range
    .trim()
    .split(/\s+/)
    .every((term) => {
      if (term === '*') return true;
      const m = COMPARATOR.exec(term);
      if (!m) throw new Error(`bad version range term "${term}" in "${range}"`);
      const c = compareVersions(version, m[2]);
      switch (m[1] ?? '=') {
        case '>=':
          return c >= 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        case '<':
          return c < 0;
        default:
          return c === 0;
      }
    });
}

export function validRange(range: string): boolean {
  try {
    inRange('0', range);
    return true;
  } catch {
    return false;
  }
}
