// Boot once, restore many: a guest is saved on its second cold boot (with --snapshot on its first),
// later runs restore it and judge exactly as a cold boot does; --no-snapshot boots cold; a damaged
// snapshot is removed and the run boots cold, saying so; Ctrl-C in the middle of a restore leaves
// nothing behind and the snapshot whole; QEMU killed in the middle of a save leaves no snapshot, and
// the run still ends right.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { BOOT_CONSOLE, type RunResult } from '../../orchestrator/core/results.js';
import { snapshotsDir } from '../../orchestrator/adapters/snapshot-store.js';
import { forgetSnapshot } from '../snapshots.js';
import { finished, qemuGone, qemuPids, scratch, sleep, startCli, waitForOutput } from '../cli.js';
import { tempDir } from '../temp.js';

const TEST = 'ib-reg-refusal';
const FLAGS = { cold: ['--no-snapshot'], auto: [], eager: ['--snapshot'] };

async function run(mode: keyof typeof FLAGS, during?: (dir: string) => Promise<void>) {
  const { dir, env } = scratch('orchestrate-snap-');
  const json = join(dir, 'r.json');
  const child = startCli(
    ['run', '--test', TEST, '--results', join(dir, 'results'), '--json', json, ...FLAGS[mode]],
    env,
  );
  const done = finished(child);
  await during?.(dir);
  const r = await done;
  const result = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as RunResult) : undefined;
  const boot = result && join(dir, 'results', result.run.id, BOOT_CONSOLE);
  const bootConsole = boot && existsSync(boot) ? readFileSync(boot, 'utf8') : undefined;
  const leftovers = await qemuGone(dir);
  rmSync(dir, { recursive: true, force: true });
  return { ...r, result, bootConsole, leftovers };
}

/** What a verdict rests on: each case's name, verdict, reason and observation. */
const judged = (r: RunResult | undefined) =>
  r?.tests.map((c) => ({ name: c.name, verdict: c.verdict, reason: c.reason, observed: c.observed }));

/** A first boot of the key the runs of TEST use (an earlier run's snapshot and marker forgotten). */
async function firstBoot() {
  const first = await run('auto');
  const key = first.result?.run.snapshot?.key;
  if (!key || (first.result?.run.snapshot?.saved === false && !first.result.run.snapshot.restored)) return first;
  forgetSnapshot(key);
  return run('auto');
}

/** The key the runs of TEST save under, once the first test has seen it. */
let key = '';

t.test('a guest is saved on its second boot, restored after and judged as a cold boot; --no-snapshot', async (t) => {
  const cold = await run('cold');
  t.equal(cold.code, 0, cold.stderr.slice(-2000));
  t.equal(cold.result?.run.snapshot, undefined, '--no-snapshot: nothing saved or restored');
  t.equal(cold.bootConsole, undefined, 'a cold boot has its boot in console.log');
  const first = await firstBoot();
  t.equal(first.code, 0, first.stderr.slice(-2000));
  t.match(first.result?.run.snapshot, { restored: false, saved: false, why: /first boot of this guest/ });
  key = first.result!.run.snapshot!.key;
  t.notOk(existsSync(join(snapshotsDir(), key)), 'a first boot saves nothing');
  const saved = await run('auto');
  t.equal(saved.code, 0, saved.stderr.slice(-2000));
  t.match(saved.result?.run.snapshot, { key, restored: false, saved: true });
  t.ok(existsSync(join(snapshotsDir(), key, 'state')), 'the second boot saved: the state is in the cache');
  for (const i of [1, 2]) {
    const restored = await run('auto');
    t.equal(restored.code, 0, restored.stderr.slice(-2000));
    t.match(restored.stderr, new RegExp(`restoring snapshot ${key}`));
    t.match(restored.result?.run.snapshot, { key, restored: true });
    t.same(judged(restored.result), judged(cold.result), `restored run ${i}: the cold run's verdicts and observations`);
    t.match(restored.bootConsole, /Linux version [\s\S]*sshd/, 'the boot it was saved from, beside its console');
    t.same(restored.leftovers, []);
  }
  t.same(judged(first.result), judged(cold.result), 'so did the first boot');
  t.same(judged(saved.result), judged(cold.result), 'and the run that saved');
});

t.test('a damaged snapshot is removed, and the run boots cold, says so and saves anew', async (t) => {
  const state = join(snapshotsDir(), key, 'state');
  truncateSync(state, 4096);
  const r = await run('auto');
  t.equal(r.code, 0, r.stderr.slice(-2000));
  t.match(r.stderr, new RegExp(`snapshot ${key}: .*removed it, booting cold`));
  t.match(r.result?.run.snapshot, { key, restored: false, saved: true });
  t.equal(r.result?.summary.PASS, 5);
});

t.test('Ctrl-C while a guest is restored: QEMU stopped, temp files removed, the snapshot whole', async (t) => {
  const { dir, env } = scratch('orchestrate-snap-int-');
  const results = tempDir('orchestrate-snap-int-results-');
  const child = startCli(['run', '--test', TEST, '--results', results], env);
  const done = finished(child);
  await waitForOutput(child, new RegExp(`restoring snapshot ${key}`), 120_000);
  for (let n = 0; n < 400 && !qemuPids(dir).length; n++) await sleep(25);
  t.ok(qemuPids(dir).length > 0, 'the restoring QEMU was running');
  child.kill('SIGINT');
  const r = await done;
  t.equal(r.code, 130, r.stderr.slice(-1500));
  t.match(r.stderr, /error: interrupted by SIGINT; QEMU stopped, temp files removed/);
  t.same(await qemuGone(dir), [], 'QEMU killed');
  t.same(readdirSync(dir), [], 'temp files removed');
  const next = await run('auto');
  t.match(next.result?.run.snapshot, { key, restored: true }, 'the snapshot it was restoring is whole');
  t.equal(next.result?.summary.PASS, 5);
});

t.test('QEMU killed while --snapshot saves a first boot: nothing half made is left, the run ends right', async (t) => {
  forgetSnapshot(key);
  const r = await run('eager', async (dir) => {
    for (let n = 0; n < 3000; n++, await sleep(50)) {
      const drafts = existsSync(snapshotsDir())
        ? readdirSync(snapshotsDir()).filter((f) => f.startsWith('.save-'))
        : [];
      if (!drafts.length) continue;
      for (const pid of qemuPids(dir)) process.kill(pid, 'SIGKILL');
      return;
    }
    throw new Error('no save began (--snapshot saves a first boot)');
  });
  t.equal(r.code, 0, r.stderr.slice(-2000));
  t.match(r.stderr, /guest lost: .*no kernel report, so running 5 unjudged test\(s\) again on a fresh guest/);
  t.equal(r.result?.summary.PASS, 5, 'every case judged, on the fresh guest');
  t.ok(r.result?.run.retry, 'the retry is recorded');
  const drafts = readdirSync(snapshotsDir()).filter((f) => f.startsWith('.save-'));
  t.same(drafts, [], 'the half-made draft is gone');
  const next = await run('eager');
  t.equal(next.code, 0, next.stderr.slice(-2000));
  t.equal(next.result?.summary.PASS, 5);
  t.same(next.leftovers, []);
});

t.test(
  'run -- CMD on restored guests: nothing written reaches the next, each its own RNG, the clock set',
  async (t) => {
    const cmd = [
      'sh',
      '-c',
      'test ! -e /root/leak && touch /root/leak && sync && cat /proc/sys/kernel/random/uuid && date +%s',
    ];
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const { dir, env } = scratch('orchestrate-snap-cmd-');
      const child = startCli(['run', '--snapshot', '--results', join(dir, 'results'), '--', ...cmd], env);
      const r = await finished(child);
      t.equal(r.code, 0, `run ${i}: /root/leak was not there: ${r.stderr.slice(-1500)}`);
      const [uuid, seconds] = r.stdout.trim().split('\n');
      runs.push({ uuid, seconds: Number(seconds), stderr: r.stderr, leftovers: await qemuGone(dir) });
      rmSync(dir, { recursive: true, force: true });
    }
    t.match(runs[1].stderr, /restoring snapshot /);
    t.match(runs[2].stderr, /restoring snapshot /);
    t.not(runs[1].uuid, runs[2].uuid, 'two restores of one guest draw different random numbers (vmgenid)');
    for (const r of runs) t.ok(Math.abs(r.seconds - Date.now() / 1000) < 120, `guest clock ${r.seconds} is now`);
    t.same(
      runs.flatMap((r) => r.leftovers),
      [],
    );
  },
);
