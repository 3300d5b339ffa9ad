// What of the host must never reach a bug report (its paths, user name, host name, keys), and
// taking it out of text that goes into one. The report's own text is written without host facts;
// this also covers what it copies (console, dmesg, the kernel's config).

export interface HostFacts {
  /** Absolute directories of the host: home, the repository, caches, the kernel store, tmp. */
  paths: string[];
  /** Names that identify the host or its user (root and one-letter names are too common to mean anything). */
  words: string[];
}

const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;
const PUBLIC_KEY = /\b(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+) AAAA[0-9A-Za-z+/=]+/g;
const COMMON_WORDS = new Set(['root', 'localhost', 'guest', 'debian', 'linux', 'orchestrate', 'tmp']);

/** The facts worth looking for: paths without trailing slashes, longest first; distinctive words only. */
export function normalise(facts: HostFacts): HostFacts {
  const paths = [...new Set(facts.paths.map((p) => p.replace(/\/+$/, '')).filter((p) => p.length > 1))];
  const words = [...new Set(facts.words.filter((w) => w.length > 1 && !COMMON_WORDS.has(w.toLowerCase())))];
  return { paths: paths.sort((a, b) => b.length - a.length), words };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const wordRe = (w: string) => new RegExp(`(?<![\\w.-])${escape(w)}(?![\\w-])`, 'g');
const pathRe = (p: string) => new RegExp(`${escape(p)}(?=/|\\b|$)`, 'g');

/** TEXT with the host's paths, names and any key material replaced by placeholders. */
export function scrub(text: string, host: HostFacts): string {
  const h = normalise(host);
  let out = text.replace(PRIVATE_KEY, '[private key removed]').replace(PUBLIC_KEY, '[public key removed]');
  for (const p of h.paths) out = out.replace(pathRe(p), '<host>');
  for (const w of h.words) out = out.replace(wordRe(w), '<host>');
  return out;
}

/** What of the host TEXT still holds, as "kind: what" lines; empty when nothing. */
export function leaks(text: string, host: HostFacts): string[] {
  const h = normalise(host);
  const found: string[] = [];
  if (text.match(PRIVATE_KEY)) found.push('private key');
  for (const key of text.match(PUBLIC_KEY) ?? []) found.push(`public key: ${key.slice(0, 24)}…`);
  for (const p of h.paths) if (pathRe(p).test(text)) found.push(`path: ${p}`);
  for (const w of h.words) if (wordRe(w).test(text)) found.push(`name: ${w}`);
  return found;
}
