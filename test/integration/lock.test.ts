// Lock files on a shared cache, with real processes and real files: a holder gone from this host
// is broken at once, one on another host only when its heartbeat stops; one waiter breaks it.
import t from 'tap';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { withLock, type Holder, type LockOptions } from '../../orchestrator/adapters/lock.js';
import { startTogether } from '../cache-race.js';
import { tempDir } from '../temp.js';

t.setTimeout(180_000);
const dir = tempDir('orchestrate-lock-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quick = (log: string[], more: Partial<LockOptions> = {}): LockOptions => ({
  what: 'testing',
  log: (l) => log.push(l),
  staleMs: 600,
  heartbeatMs: 100,
  pollMs: 50,
  ...more,
});

/** A lock as another host's orchestrate writes it, last touched AGEMS ago. */
function otherHost(path: string, ageMs = 0, pid = process.pid): void {
  const holder: Holder = {
    pid,
    host: 'other-host',
    space: 'x pid:[1]',
    since: '2026-12-05T07:00:00.000Z',
    what: 'building kernel build-x',
  };
  writeFileSync(path, JSON.stringify(holder));
  const then = new Date(Date.now() - ageMs);
  utimesSync(path, then, then);
}

t.test('the lock file names its holder while held, and is gone after', async (t) => {
  const lock = join(dir, 'held.lock');
  const held = await withLock(
    lock,
    async () => JSON.parse(readFileSync(lock, 'utf8')),
    quick([], { what: 'building x' }),
  );
  t.match(held, { pid: process.pid, host: hostname(), what: 'building x', since: /^\d{4}-\d\d-\d\dT/ });
  t.match(held.start, /^\d+$/, "the process's start, to tell a reused pid");
  t.notOk(existsSync(lock), 'released');
});

t.test('a lock left by an older orchestrate (a bare pid) whose process is gone is broken', async (t) => {
  const lock = join(dir, 'dead.lock');
  writeFileSync(lock, '999999999');
  const log: string[] = [];
  t.equal(await withLock(lock, async () => 'ran', quick(log)), 'ran');
  t.same(log, [`broke the lock of pid 999999999 on ${hostname()} building: its process is gone`]);
});

t.test('the lock of a process killed on this host is broken at once', async (t) => {
  const lock = join(dir, 'killed.lock');
  const [holder] = await startTogether('hold', 1, [lock]);
  await holder.printed('held');
  process.kill(holder.pid, 'SIGKILL');
  await holder.done;
  const log: string[] = [];
  const started = Date.now();
  t.equal(await withLock(lock, async () => 'ran', quick(log, { staleMs: 60_000 })), 'ran');
  t.ok(Date.now() - started < 5000, 'without waiting for a heartbeat to go stale');
  const holding = `pid ${holder.pid} on ${hostname()} holding the lock for a test`;
  t.match(log, [new RegExp(`^broke the lock of ${holding} \\(since .*\\): its process is gone$`)]);
});

t.test('a live pid that is not the holder (reused since) does not keep the lock', async (t) => {
  const lock = join(dir, 'reused.lock');
  const ours = await withLock(lock, async () => JSON.parse(readFileSync(lock, 'utf8')) as Holder, quick([]));
  writeFileSync(lock, JSON.stringify({ ...ours, start: '1' }));
  const log: string[] = [];
  t.equal(await withLock(lock, async () => 'ran', quick(log, { staleMs: 60_000 })), 'ran');
  t.match(log, [/: its process is gone$/]);
});

t.test('a live holder is waited for and named once; the waiter then runs', async (t) => {
  const lock = join(dir, 'live.lock');
  const order: string[] = [];
  const log: string[] = [];
  const first = withLock(
    lock,
    async () => {
      order.push('first in');
      await sleep(1000);
      order.push('first out');
    },
    quick([], { what: 'building guest image abc' }),
  );
  await sleep(100);
  const second = withLock(lock, async () => order.push('second in'), quick(log));
  await Promise.all([first, second]);
  t.same(order, ['first in', 'first out', 'second in']);
  const since = '\\(since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)';
  t.match(log, [new RegExp(`^waiting for pid ${process.pid} on ${hostname()} building guest image abc ${since}$`)]);
});

t.test('a holder touches its lock while it works (the heartbeat)', async (t) => {
  const lock = join(dir, 'heartbeat.lock');
  const mtimes = await withLock(
    lock,
    async () => {
      const first = statSync(lock).mtimeMs;
      await sleep(500);
      return [first, statSync(lock).mtimeMs];
    },
    quick([]),
  );
  t.ok(mtimes[1] > mtimes[0], `touched: ${mtimes[0]} → ${mtimes[1]}`);
});

t.test("another host's live lock is waited for while its heartbeat goes on, broken when it stops", async (t) => {
  const lock = join(dir, 'other-host.lock');
  otherHost(lock);
  const heartbeat = setInterval(() => utimesSync(lock, new Date(), new Date()), 100);
  const log: string[] = [];
  let took = 0;
  const waiter = withLock(lock, async () => (took = Date.now()), quick(log));
  await sleep(2000);
  t.equal(took, 0, 'not taken during 2 s of heartbeats, over three times the 600 ms stale time');
  t.ok(existsSync(lock) && readFileSync(lock, 'utf8').includes('other-host'), 'and not broken');
  clearInterval(heartbeat);
  const stopped = Date.now();
  await waiter;
  t.ok(took - stopped >= 500, `taken ${took - stopped} ms after the last heartbeat`);
  t.match(log, [
    'waiting for pid ' + process.pid + ' on other-host building kernel build-x (since 2026-12-05T07:00:00Z)',
    /^broke the lock of pid \d+ on other-host building kernel build-x \(since .*\): no heartbeat for \d+ s$/,
  ]);
});

t.test("another host's lock long untouched, or torn, is broken at once", async (t) => {
  const lock = join(dir, 'old.lock');
  otherHost(lock, 3_600_000);
  const log: string[] = [];
  t.equal(await withLock(lock, async () => 'ran', quick(log)), 'ran');
  t.match(log, [/: no heartbeat for 60 min$/]);
  writeFileSync(lock, '{"pid": 12');
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(lock, old, old);
  log.length = 0;
  t.equal(await withLock(lock, async () => 'ran', quick(log)), 'ran');
  t.match(log, [new RegExp(`^broke the lock of the holder of ${lock}: no heartbeat for`)]);
});

t.test('a lock being written (empty, fresh) is waited for, not broken', async (t) => {
  const lock = join(dir, 'fresh-empty.lock');
  writeFileSync(lock, '');
  const log: string[] = [];
  const waiter = withLock(lock, async () => 'ran', quick(log, { staleMs: 60_000, waitMs: 500 }));
  await t.rejects(waiter, { message: `gave up after 1 s waiting for the holder of ${lock} (lock ${lock})` });
  t.same(log, [`waiting for the holder of ${lock}`]);
});

t.test('the wait is bounded: a live holder past waitMs is one clear error naming it', async (t) => {
  const lock = join(dir, 'bounded.lock');
  otherHost(lock);
  const heartbeat = setInterval(() => utimesSync(lock, new Date(), new Date()), 100);
  await t.rejects(
    withLock(lock, async () => 'ran', quick([], { waitMs: 1000 })),
    {
      name: 'LockWaitError',
      message:
        `gave up after 1 s waiting for pid ${process.pid} on other-host building kernel build-x ` +
        `(since 2026-12-05T07:00:00Z) (lock ${lock})`,
    },
  );
  clearInterval(heartbeat);
});

t.test('a lock broken and taken by another while we held it stays theirs', async (t) => {
  const lock = join(dir, 'taken.lock');
  await withLock(lock, async () => otherHost(lock), quick([]));
  t.match(readFileSync(lock, 'utf8'), /other-host/);
});

t.test("breakers take turns: a stale lock is not broken during another breaker's turn", async (t) => {
  const lock = join(dir, 'turn-held.lock');
  otherHost(lock, 3_600_000);
  writeFileSync(`${lock}.break`, '1\n');
  const started = Date.now();
  const log: string[] = [];
  await withLock(lock, async () => {}, quick(log));
  t.ok(Date.now() - started >= 550, `broken after ${Date.now() - started} ms, once the turn (600 ms here) was stale`);
  t.match(log, [/^broke the lock of pid \d+ on other-host/]);
  t.notOk(existsSync(`${lock}.break`), 'the turn is not left behind');
});

t.test('four processes find one stale lock: one breaks it, and they take their turns one at a time', async (t) => {
  const lock = join(dir, 'turns.lock');
  const marker = join(dir, 'turns');
  otherHost(lock, 3_600_000);
  const children = await startTogether('turn', 4, [lock, marker], { ...process.env, LOCK_STALE_MS: '1000' });
  const runs = await Promise.all(children.map((c) => c.done));
  t.same(
    runs.map((r) => r.code),
    [0, 0, 0, 0],
    runs.map((r) => r.stderr).join(''),
  );
  const broke = runs.flatMap((r) => r.logs).filter((l) => l.startsWith('broke the lock of pid'));
  t.equal(broke.length, 1, 'one broke it');
  const turns = readFileSync(marker, 'utf8').trim().split('\n');
  t.equal(turns.length, 8);
  for (let i = 0; i < turns.length; i += 2) {
    t.equal(turns[i + 1], turns[i].replace('in', 'out'), `turn ${i / 2 + 1} ends before the next begins`);
  }
  t.same(new Set(turns.map((l) => l.split(' ')[1])).size, 4, 'each had its turn');
});
