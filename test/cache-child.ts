// One orchestrate process of a shared-cache test: waits for GO to exist (so its siblings start
// at once), asks for one cache entry through the real lock code, prints "log: …" lines and one
// "result: JSON" line. Run by test/cache-race.ts; ORCHESTRATE_CACHE names the shared cache.
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeOnce, withLock } from '../orchestrator/adapters/lock.js';
import { writeAtomic } from '../orchestrator/adapters/store.js';
import { loadProfile } from '../orchestrator/adapters/config.js';
import { ensureInitramfs } from '../orchestrator/adapters/initramfs.js';
import { openDb } from '../orchestrator/adapters/db.js';
import {
  finishNight,
  insertResult,
  openNight,
  recordResults,
  type ResultRow,
} from '../orchestrator/adapters/history.js';
import { findSource, builtSuite } from '../orchestrator/adapters/suite-source.js';
import { ensureWorkloads } from '../orchestrator/adapters/workloads.js';
import type { SourceRecipe } from '../orchestrator/suites/suite.js';

const [mode, go, ...args] = process.argv.slice(2);
const log = (line: string) => process.stdout.write(`log: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Short timings, so a stale or slow holder shows within a test's patience. */
const quick = { staleMs: Number(process.env.LOCK_STALE_MS ?? 600_000), heartbeatMs: 200, pollMs: 50, log };

/** A test-only entry: a file whose making takes a while and is counted in MARKER (UNLOCKED: no lock, the control). */
async function entry(dir: string, marker: string, unlocked?: string) {
  const path = join(dir, 'entry.txt');
  const ready = () => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
  const make = async () => {
    appendFileSync(marker, `${process.pid}\n`);
    await sleep(500);
    writeAtomic(path, `made by ${process.pid}\n`);
    return readFileSync(path, 'utf8');
  };
  if (unlocked) return ready() ?? (await make());
  return makeOnce(path, ready, make, { ...quick, what: 'making the test entry' });
}

/** A toy suite as the field keeps one (a git checkout), whose build counts itself in MARKER. */
async function suite(repo: string, marker: string) {
  const recipe: SourceRecipe = {
    name: 'toysuite',
    env: 'TOY_SUITE',
    upstream: 'https://example.invalid/toysuite.git',
    build: [['sh', '-c', `echo $$ >> ${marker} && sleep 0.5 && make -s`]],
    hostNeeds: [{ probe: 'make', pkg: 'make' }],
  };
  return builtSuite(recipe, await findSource(recipe, { TOY_SUITE: repo }), 'image1', log);
}

/** The initramfs of a module-less kernel at BOOT (any file): its path and inode as this process got it. */
async function initramfs(boot: string) {
  if (!existsSync(boot)) writeFileSync(boot, 'not a kernel, and need not be one for its initramfs');
  const kernel = { id: 'test-initramfs', source: 'path' as const, release: '6.1.0-test', version: '6.1.0', boot };
  const { path } = await ensureInitramfs(kernel, loadProfile(), log);
  return { path, ino: statSync(path).ino };
}

/** A night of our own in the history database at PATH, with a few results. */
function night(path: string) {
  const db = openDb(path);
  const id = openNight(db, 'shared', `night-${process.pid}`);
  const row = (test: string): ResultRow => ({
    night_id: id,
    series_id: null,
    inputs: `in-${process.pid}`,
    test,
    verdict: 'PASS',
    class: 'PASS',
    detail: '',
    known: null,
    kernel: null,
    build_seconds: 0,
    boot_seconds: 0,
    test_seconds: 0,
    reused: 0,
    run_dir: null,
  });
  for (let i = 0; i < 20; i++) insertResult(db, row(`single/${i}`));
  recordResults(db, id, null, [{ row: row('batch/1'), warnings: [] }]);
  finishNight(db, id);
  db.close();
  return id;
}

/** Holds LOCK until killed; says so once it does. */
async function hold(lock: string) {
  await withLock(
    lock,
    async () => {
      process.stdout.write('held\n');
      await new Promise(() => {});
    },
    { ...quick, what: 'holding the lock for a test' },
  );
}

/** Takes LOCK in turn with its siblings, writing "in PID" and "out PID" to MARKER around a short stay. */
async function turn(lock: string, marker: string) {
  return withLock(
    lock,
    async () => {
      appendFileSync(marker, `in ${process.pid}\n`);
      await sleep(200);
      appendFileSync(marker, `out ${process.pid}\n`);
      return process.pid;
    },
    { ...quick, what: 'taking a turn' },
  );
}

const modes: Record<string, () => Promise<unknown>> = {
  entry: () => entry(args[0], args[1], args[2]),
  workloads: () => ensureWorkloads(log),
  initramfs: () => initramfs(args[0]),
  suite: () => suite(args[0], args[1]),
  night: async () => night(args[0]),
  hold: () => hold(args[0]),
  turn: () => turn(args[0], args[1]),
};

process.stdout.write('ready\n');
while (!existsSync(go)) await sleep(5);
try {
  process.stdout.write(`result: ${JSON.stringify(await modes[mode]())}\n`);
} catch (err) {
  process.stdout.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
