// Locks on cache entries that several processes, containers and hosts share on one volume: a lock
// file next to the entry, made with O_EXCL and naming its holder. Not flock: Node has none, and on
// many network file systems it locks for one host only; an O_EXCL create is atomic on local file
// systems and NFSv3+, and a file can say who holds it.
import { mkdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { LockWaitError } from '../errors.js';
import { releaseDir, sleep, throwIfInterrupted, trackDir } from './lifecycle.js';

/** What a lock file holds. */
export interface Holder {
  pid: number;
  host: string;
  /** Where a pid names one process: the boot and the pid namespace (containers share hostnames). */
  space: string;
  /** The process's start in clock ticks after boot: a pid reused since is not the holder. */
  start?: string;
  since: string;
  what: string;
}

export interface LockOptions {
  /** What the holder does, for those who wait: "building guest image 1a2b…". */
  what: string;
  log?: (line: string) => void;
  /** A holder we cannot ask (another host or container) whose lock was not touched for this long is gone. */
  staleMs?: number;
  /** How often a holder touches its lock. */
  heartbeatMs?: number;
  pollMs?: number;
  /** How long to wait for a live holder before giving up. */
  waitMs?: number;
}

type Options = Required<LockOptions>;

const DEFAULTS = { log: () => {}, staleMs: 10 * 60_000, heartbeatMs: 30_000, pollMs: 1000, waitMs: 3 * 3600_000 };

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOr(path: string, read: (p: string) => string): string {
  try {
    return read(path).trim();
  } catch {
    return '';
  }
}

function processStart(pid: number): string | undefined {
  const stat = readOr(`/proc/${pid}/stat`, (p) => readFileSync(p, 'utf8'));
  // Field 22; the command name (field 2) may hold spaces, so count from its closing parenthesis.
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] : undefined;
}

const bootId = readOr('/proc/sys/kernel/random/boot_id', (p) => readFileSync(p, 'utf8'));
const space = `${bootId} ${readOr('/proc/self/ns/pid', readlinkSync)}`;

function ours(what: string): Holder {
  const since = new Date().toISOString();
  return { pid: process.pid, host: hostname(), space, start: processStart(process.pid), since, what };
}

interface Seen {
  text: string;
  mtimeMs: number;
  holder?: Holder;
}

/** The lock as it is now; undefined when there is none. An orchestrate before 2026-12 wrote a bare pid. */
function readLock(path: string): Seen | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
  if (/^\d+$/.test(text.trim())) {
    return { text, mtimeMs, holder: { pid: Number(text), host: hostname(), space, since: '', what: 'building' } };
  }
  try {
    return { text, mtimeMs, holder: JSON.parse(text) as Holder };
  } catch {
    // Being written, or torn: judged by its age alone.
    return { text, mtimeMs };
  }
}

/** Why the lock's holder is gone, or undefined while it may be there. */
function staleWhy(lock: Seen, staleMs: number): string | undefined {
  const h = lock.holder;
  if (h && h.host === hostname() && h.space === space) {
    const gone = !pidAlive(h.pid) || (h.start !== undefined && processStart(h.pid) !== h.start);
    return gone ? 'its process is gone' : undefined;
  }
  const age = Date.now() - lock.mtimeMs;
  return age > staleMs ? `no heartbeat for ${duration(age)}` : undefined;
}

const duration = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

function holderLine(lock: { holder?: Holder }, path: string): string {
  const h = lock.holder;
  if (!h) return `the holder of ${path}`;
  return `pid ${h.pid} on ${h.host} ${h.what}${h.since ? ` (since ${h.since.slice(0, 19)}Z)` : ''}`;
}

function create(path: string, text: string): boolean {
  try {
    writeFileSync(path, text, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Removes the lock seen stale, if it is still that one. Breakers take turns through a second
 * O_EXCL file, so no waiter can remove a lock another has just taken after breaking the old one.
 */
function breakStale(path: string, seen: Seen, o: Options): boolean {
  const turn = `${path}.break`;
  if (!create(turn, `${process.pid}\n`)) {
    const other = readLock(turn);
    if (other && Date.now() - other.mtimeMs > Math.min(o.staleMs, 60_000)) rmSync(turn, { force: true });
    return false;
  }
  try {
    const now = readLock(path);
    if (!now || now.text !== seen.text || now.mtimeMs !== seen.mtimeMs) return false;
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(turn, { force: true });
  }
}

async function acquire(path: string, o: Options): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  const text = `${JSON.stringify(ours(o.what))}\n`;
  const until = Date.now() + o.waitMs;
  let told: string | undefined;
  while (!create(path, text)) {
    const lock = readLock(path);
    if (!lock) continue;
    const why = staleWhy(lock, o.staleMs);
    if (why && breakStale(path, lock, o)) {
      o.log(`broke the lock of ${holderLine(lock, path)}: ${why}`);
      continue;
    }
    if (!why && told !== lock.text) o.log(`waiting for ${holderLine(lock, path)}`);
    told = lock.text;
    if (Date.now() > until) throw new LockWaitError(path, holderLine(lock, path), duration(o.waitMs));
    await sleep(o.pollMs);
    throwIfInterrupted();
  }
  return text;
}

/** Removes our lock; one broken meanwhile and taken by another stays theirs. */
function release(path: string, text: string): void {
  if (readLock(path)?.text === text) rmSync(path, { force: true });
}

/**
 * Runs WORK holding the lock file PATH, touched every heartbeatMs while it runs. A lock whose
 * holder is gone is broken: on this host and pid namespace when its process is; elsewhere when
 * it was not touched for staleMs. A live holder is waited for (said once per holder) up to waitMs.
 */
export async function withLock<T>(path: string, work: () => Promise<T>, opts: LockOptions): Promise<T> {
  const o: Options = { ...DEFAULTS, ...opts };
  const text = await acquire(path, o);
  trackDir(path);
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(path, now, now);
    } catch {
      // Broken by another who took us for gone: release() leaves theirs alone.
    }
  }, o.heartbeatMs).unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    release(path, text);
    releaseDir(path);
  }
}

/**
 * ENTRY as READY finds it, else made by MAKE holding ENTRY.lock, READY asked again first there
 * (LOCKED: it may say why an entry is bad, and remove it): however many processes ask at once,
 * one makes it and the others wait and take it.
 */
export async function makeOnce<T>(
  entry: string,
  ready: (locked: boolean) => T | undefined,
  make: () => Promise<T>,
  opts: LockOptions,
): Promise<T> {
  const hit = ready(false);
  if (hit !== undefined) return hit;
  return withLock(`${entry}.lock`, async () => ready(true) ?? (await make()), opts);
}
