// One cache, several orchestrate processes at once (real node processes, real files, real make):
// each entry is made by one of them, the others wait for it and take it.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../orchestrator/adapters/db.js';
import { nightsOf, resultsOfNight } from '../../orchestrator/adapters/history.js';
import { exec } from '../../orchestrator/adapters/exec.js';
import { race, type ChildRun } from '../cache-race.js';
import { tempDir } from '../temp.js';

t.setTimeout(180_000);
const work = tempDir('orchestrate-shared-cache-');
process.env.ORCHESTRATE_CACHE = join(work, 'cache');
const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const failures = (runs: ChildRun[]) => runs.filter((r) => r.code !== 0).map((r) => `${r.error} ${r.stderr}`);

/** The runs that waited, and whom they named: the one that made it. */
function waited(runs: ChildRun[], maker: number, what: string): number {
  const line = new RegExp(`^waiting for pid ${maker} on ${hostname()} ${what} \\(since \\d{4}-\\d\\d-\\d\\dT`);
  return runs.filter((r) => r.logs.some((l) => line.test(l))).length;
}

t.test('a test-only entry asked for by three processes at once: made once, the same for all', async (t) => {
  const marker = join(work, 'entry-makes');
  const runs = await race('entry', 3, [join(work, 'entry'), marker]);
  t.same(failures(runs), []);
  const makers = lines(marker).map(Number);
  t.equal(makers.length, 1, 'made once');
  t.same(new Set(runs.map((r) => r.result)), new Set([`made by ${makers[0]}\n`]), 'every process got that one');
  t.equal(waited(runs, makers[0], 'making the test entry'), 2, 'the two others waited, naming it');
});

t.test('the control: the same start without the lock makes it more than once', async (t) => {
  const marker = join(work, 'unlocked-makes');
  const runs = await race('entry', 3, [join(work, 'unlocked'), marker, 'unlocked']);
  t.same(failures(runs), []);
  t.ok(lines(marker).length >= 2, `made ${lines(marker).length} times: the processes really ask at once`);
});

t.test("the guest's workloads (make, gcc): built by one process, reused by the other", async (t) => {
  const runs = await race('workloads', 2, []);
  t.same(failures(runs), []);
  const [maker, other] = runs[0].result.built ? runs : [runs[1], runs[0]];
  t.same(runs.map((r) => r.result.built).sort(), [false, true]);
  t.equal(other.result.dir, maker.result.dir);
  t.same(other.result.binaries, maker.result.binaries);
  t.equal(maker.logs.filter((l) => l.startsWith('building workloads ')).length, 1);
  t.same(
    other.logs.filter((l) => l.startsWith('building')),
    [],
    'the other built nothing',
  );
  t.equal(waited([other], maker.pid, 'building the workloads \\w+'), 1);
});

t.test('the initramfs (busybox, our init): written by one process, the very file the other gets', async (t) => {
  const boot = join(work, 'bzImage');
  const runs = await race('initramfs', 3, [boot]);
  t.same(failures(runs), []);
  t.equal(new Set(runs.map((r) => r.result.path)).size, 1);
  t.equal(new Set(runs.map((r) => r.result.ino)).size, 1, 'one inode: nobody replaced it after another got it');
});

t.test("a suite's own source (git, tar, make): built once for three processes", async (t) => {
  const repo = join(work, 'toysuite');
  const git = (...args: string[]) => exec(['git', '-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
  await exec(['git', 'init', '-q', repo]);
  writeFileSync(join(repo, 'Makefile'), 'built:\n\techo built > built\n');
  await git('add', '.');
  await git('commit', '-q', '-m', 'toy');
  const marker = join(work, 'suite-builds');
  const runs = await race('suite', 3, [repo, marker]);
  t.same(failures(runs), []);
  t.equal(lines(marker).length, 1, 'its build ran once');
  t.equal(new Set(runs.map((r) => r.result)).size, 1, 'one packed tree for all');
  t.ok(existsSync(runs[0].result));
});

t.test('the history database: four processes open a new one at once and each writes its night', async (t) => {
  const path = join(work, 'nightly.db');
  const runs = await race('night', 4, [path]);
  t.same(failures(runs), [], 'no "database is locked"');
  const db = openDb(path);
  const nights = nightsOf(db);
  t.equal(nights.length, 4);
  t.same(
    nights.map((n) => resultsOfNight(db, n.id).length),
    [21, 21, 21, 21],
  );
  db.close();
});
