// Debian's packaged kernels: package names, versions and which one a `debian[:QUERY]` spec means.

export interface DebianKernel {
  pkg: string;
  /** `uname -r` of the kernel the package installs. */
  release: string;
  /** Package version, e.g. "6.1.192-2". */
  debVersion: string;
  /** Upstream version, e.g. "6.1.192". */
  version: string;
}

/** A kernel's own package: a patch level (6.12.117+deb12) or an ABI number (6.1.0-57). Meta
 *  packages (linux-image-6.12-amd64) hold no kernel, only a dependency on one, and are not kernels. */
const IMAGE_PKG = /^linux-image-((\d+\.\d+)(?:\.\d+(?:\+deb\d+)?(?:-\d+)?|-\d+)-amd64)(-unsigned)?$/;

/** Parses `apt-cache show` stanzas of linux-image packages (others are ignored). */
export function parseAptShow(text: string): DebianKernel[] {
  const kernels = new Map<string, DebianKernel>();
  for (const stanza of text.split(/\n\s*\n/)) {
    const pkg = /^Package: (\S+)$/m.exec(stanza)?.[1];
    const debVersion = /^Version: (\S+)$/m.exec(stanza)?.[1];
    const m = pkg ? IMAGE_PKG.exec(pkg) : null;
    if (!pkg || !debVersion || !m) continue;
    const version = /^\d+\.\d+(\.\d+)?/.exec(debVersion)![0];
    const kernel = { pkg, release: m[1], debVersion, version };
    const seen = kernels.get(m[1]);
    if (!seen || (seen.pkg.endsWith('-unsigned') && !pkg.endsWith('-unsigned'))) kernels.set(m[1], kernel);
  }
  return [...kernels.values()];
}

export function isImagePackage(name: string): boolean {
  return IMAGE_PKG.test(name);
}

function newer(a: DebianKernel, b: DebianKernel): number {
  return compareVersions(b.debVersion, a.debVersion);
}

const DEFAULT_SERIES: SourceLine = '6.1';

/**
 * Which kernel a query names: none → the newest 6.1; "6.1.192" → that upstream version;
 * "6.1.0-56" or "6.1.0-56-amd64" → that release; "6.12" → the newest of that series.
 */
export function pickDebianKernel(available: DebianKernel[], query?: string): DebianKernel | undefined {
  const sorted = [...available].sort(newer);
  const q = query ?? DEFAULT_SERIES;
  return (
    sorted.find((k) => k.release === q || k.release === `${q}-amd64`) ??
    sorted.find((k) => k.version === q || k.debVersion === q) ??
    sorted.find((k) => k.version.startsWith(`${q}.`))
  );
}

/** Every packaged kernel from FROM to TO (queries as above), oldest first; undefined if an end is unknown. */
export function debianRange(available: DebianKernel[], from: string, to: string): DebianKernel[] | undefined {
  const [a, b] = [pickDebianKernel(available, from), pickDebianKernel(available, to)];
  if (!a || !b) return undefined;
  const [lo, hi] = newer(a, b) >= 0 ? [a, b] : [b, a];
  return [...available]
    .sort(newer)
    .reverse()
    .filter((k) => newer(lo, k) >= 0 && newer(k, hi) >= 0);
}

export function storeIdOf(kernel: DebianKernel): string {
  return `debian-${kernel.debVersion}`;
}

/**
 * linux-source's top-level .gitignore ends with Debian's packaging block ("/*", "!/debian/"),
 * which would make `git add` track nothing: drop that block, keep the kernel's own rules.
 */
export function dropDebianIgnore(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => /^#\s*Debian packaging/.test(l));
  if (at < 0)
    return text
      .split('\n')
      .filter((l) => l.trim() !== '/*')
      .join('\n');
  const start = at > 0 && lines[at - 1].trim() === '#' ? at - 1 : at;
  return `${lines.slice(0, start).join('\n').trimEnd()}\n`;
}

/** The kernel lines whose source Debian packages as linux-source-LINE. */
export const SOURCE_LINES = ['6.1', '6.12'] as const;
export type SourceLine = (typeof SOURCE_LINES)[number];

export interface SourceRevision {
  pkg: string;
  line: SourceLine;
  /** Package version, e.g. "6.1.192-3" or "6.12.117-1~deb12u1". */
  revision: string;
  /** Upstream version, e.g. "6.1.192". */
  version: string;
}

/** `apt-cache madison linux-source-LINE…` lines: "pkg | version | archive", deduplicated. */
export function parseMadison(text: string): SourceRevision[] {
  const seen = new Map<string, SourceRevision>();
  for (const line of text.split('\n')) {
    const [pkg, revision] = line.split('|').map((f) => f.trim());
    const m = /^linux-source-(\d+\.\d+)$/.exec(pkg ?? '');
    const lineName = SOURCE_LINES.find((l) => l === m?.[1]);
    if (!lineName || !revision) continue;
    const version = /^\d+\.\d+(\.\d+)?/.exec(revision)?.[0] ?? revision;
    seen.set(`${pkg}=${revision}`, { pkg, line: lineName, revision, version });
  }
  return [...seen.values()].sort((a, b) => compareVersions(b.revision, a.revision));
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** dpkg's order of a character outside digits: '~' before the end, the end before letters, letters before the rest. */
function charOrder(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === '~') return -1;
  return /[A-Za-z]/.test(c) ? c.charCodeAt(0) : c.charCodeAt(0) + 256;
}

/** One part (upstream or revision) as dpkg compares it: runs of non-digits, then numbers. */
function compareFragment(a: string, b: string): number {
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const d = charOrder(a[i]) - charOrder(b[j]);
      if (d) return d;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let first = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      first ||= a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (first) return first;
  }
  return 0;
}

function splitVersion(v: string): [number, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? [epoch, rest, ''] : [epoch, rest.slice(0, dash), rest.slice(dash + 1)];
}

/** Debian versions as dpkg --compare-versions orders them (6.12.117-1~deb12u1 < 6.12.117-1). */
export function compareVersions(a: string, b: string): number {
  const [[ea, ua, ra], [eb, ub, rb]] = [splitVersion(a), splitVersion(b)];
  return ea - eb || compareFragment(ua, ub) || compareFragment(ra, rb);
}

/**
 * Which source revision a query names: none → the newest 6.1; a line ("6.12") → its newest; an
 * upstream version ("6.1.190") → its newest revision; a package version ("6.1.192-2") → that one.
 */
export function pickSourceRevision(available: SourceRevision[], query?: string): SourceRevision | undefined {
  const q = query ?? DEFAULT_SERIES;
  return (
    available.find((r) => r.line === q) ??
    available.find((r) => r.revision === q) ??
    available.find((r) => r.version === q)
  );
}

/** The line a query is about ("6.12.117-1~deb12u1" → 6.12), for naming what the archive has. */
export function lineOf(query: string | undefined): SourceLine {
  return (
    [...SOURCE_LINES].sort((a, b) => b.length - a.length).find((l) => query === l || query?.startsWith(`${l}.`)) ??
    DEFAULT_SERIES
  );
}
