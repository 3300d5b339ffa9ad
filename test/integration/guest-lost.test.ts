// A guest lost with no kernel report (QEMU killed with SIGKILL mid-suite, as an OOM killer or a host
// hiccup would) is infrastructure, not a verdict: the cases it did not judge run once more on a
// fresh guest, results.json says so, and nothing is left running.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { finished, qemuGone, qemuPids, scratch, sleep, startCli } from '../cli.js';
import { tempDir } from '../temp.js';

/** Resolves once a run's console under RESULTS holds TEXT: the suite is past its setup. */
async function consoleSays(results: string, text: string, timeoutMs: number): Promise<void> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(100)) {
    for (const run of existsSync(results) ? readdirSync(results) : []) {
      const console = join(results, run, 'console.log');
      if (existsSync(console) && readFileSync(console, 'utf8').includes(text)) return;
    }
  }
  throw new Error(`no "${text}" on a console under ${results} within ${timeoutMs} ms`);
}

t.test('QEMU killed mid-suite: the unjudged cases run again on a fresh guest and pass', async (t) => {
  const { dir, env } = scratch('orchestrate-lost-');
  const results = tempDir('orchestrate-lost-results-');
  const child = startCli(
    ['run', '--test', 'ib-reg-refusal', '--results', results, '--json', join(results, 'r.json')],
    env,
  );
  const done = finished(child);
  // The first fs-DAX refusal: the suite's cases are running.
  await consoleSays(results, 'Unable to pin memory region', 180_000);
  const pids = qemuPids(dir);
  t.equal(pids.length, 1, 'one guest');
  process.kill(pids[0], 'SIGKILL');
  const r = await done;
  t.equal(r.code, 0, r.stderr.slice(-2000));
  t.match(r.stderr, /guest lost: .*no kernel report, so running [1-5] unjudged test\(s\) again on a fresh guest/);
  const result = JSON.parse(readFileSync(join(results, 'r.json'), 'utf8')) as RunResult;
  t.same(
    result.tests.map((c) => `${c.name} ${c.verdict}`),
    ['fsdax-ext4', 'fsdax-xfs', 'devdax', 'pagecache', 'anon'].map((c) => `ib-reg-refusal/${c} PASS`),
  );
  t.ok(result.run.retry, 'results.json records the retry');
  t.match(result.run.retry!.reason, /^guest lost: /);
  t.ok(result.run.retry!.cases.includes('ib-reg-refusal/anon'), 'the last case was not judged before the kill');
  const [first] = readdirSync(results).filter((f) => f !== 'r.json');
  const again = JSON.parse(readFileSync(join(results, first, 'retry', result.run.retry!.run, 'results.json'), 'utf8'));
  t.same(
    again.tests.map((c: { name: string }) => c.name),
    result.run.retry!.cases,
    "the second attempt ran exactly the unjudged cases, its files in the first's retry/",
  );
  t.same(await qemuGone(dir), [], 'no QEMU left');
  for (const d of [dir, results]) rmSync(d, { recursive: true, force: true });
});
