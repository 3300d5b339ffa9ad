// orchestrate processes started at once on one empty cache (kernel store, images, workloads,
// initramfs): each artifact is fetched or built by one of them while the others wait for it,
// naming it, and take it; every run passes. Their log lines say who made what.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { qemuGone, runCli, scratch, type CliResult } from '../cli.js';
import { tempDir } from '../temp.js';

const CASE = 'ib-reg-refusal/anon';

/** A fresh shared cache: kernel store and cache directory, both empty. */
function sharedCache(name: string) {
  const root = tempDir(`orchestrate-shared-${name}-`);
  return { root, kernels: join(root, 'kernels'), cache: join(root, 'cache') };
}

/** One orchestrate run on the shared cache, with its own TMPDIR (its QEMUs' marker) and results. */
function start(shared: ReturnType<typeof sharedCache>, name: string, args: string[]) {
  const { dir, env } = scratch(`orchestrate-shared-${name}-`);
  const results = join(shared.root, `results-${name}`);
  const json = join(results, 'run.json');
  const run = runCli([...args, '--test', CASE, '--results', results, '--json', json], {
    ...env,
    ORCHESTRATE_CACHE: shared.cache,
    ORCHESTRATE_KERNELS: shared.kernels,
  });
  return { tmp: dir, json, run };
}

const count = (text: string, re: RegExp) => text.match(new RegExp(re.source, 'gm'))?.length ?? 0;
const ended = (r: CliResult) => `exit ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-3000)}`;
/** What is left beside the entries: no lock, staging or build directory may outlive the runs. */
const leftovers = (dir: string) => readdirSync(dir).filter((f) => /\.lock|\.staging|\.build|\.tmp/.test(f));

t.test('two runs at once on an empty cache: one fetches the kernel, one builds the image, both pass', async (t) => {
  const shared = sharedCache('two-runs');
  const a = start(shared, 'a', ['run', '--kernel', 'debian:6.1']);
  const b = start(shared, 'b', ['run', '--kernel', 'debian:6.1']);
  const [ra, rb] = await Promise.all([a.run, b.run]);
  t.equal(ra.code, 0, ended(ra));
  t.equal(rb.code, 0, ended(rb));
  for (const r of [ra, rb]) t.match(r.stdout, /^1 PASS in \d+\.\d s$/m);
  const logs = `${ra.stderr}\n${rb.stderr}`;
  t.equal(count(logs, /^fetching linux-image-\S+ \S+$/), 1, 'the kernel fetched once');
  t.equal(count(logs, /^building guest image \w+ \(\d+ packages\)$/), 1, 'the image built once');
  t.equal(count(logs, /^building workloads \w+$/), 1, 'the workloads built once');
  t.equal(count(logs, /^waiting for pid \d+ on \S+ fetching kernel debian-6\.1\.\S+ \(since /), 1, 'the other waited');
  t.equal(count(logs, /^waiting for pid \d+ on \S+ building guest image \w+ \(since /), 1);
  t.same(readdirSync(shared.kernels).filter((f) => f.startsWith('debian-')).length, 1, 'one kernel in the store');
  t.same(readdirSync(join(shared.cache, 'images')).length, 1, 'one image');
  for (const dir of [shared.kernels, join(shared.cache, 'images'), join(shared.cache, 'workloads')])
    t.same(leftovers(dir), [], dir);
  const [ja, jb] = [a, b].map((x) => JSON.parse(readFileSync(x.json, 'utf8')) as RunResult);
  t.equal(ja.run.kernel.id, jb.run.kernel.id, 'both booted the same stored kernel');
  t.same(await qemuGone(a.tmp), []);
  t.same(await qemuGone(b.tmp), []);
});

t.test('a matrix with --jobs 2 beside a run of one of its kernels: each kernel fetched once', async (t) => {
  const shared = sharedCache('matrix');
  const matrix = start(shared, 'matrix', ['run', '--kernel', 'debian:6.1', '--kernel', 'debian:6.12', '--jobs', '2']);
  const single = start(shared, 'single', ['run', '--kernel', 'debian:6.12']);
  const [rm, rs] = await Promise.all([matrix.run, single.run]);
  t.equal(rm.code, 0, ended(rm));
  t.equal(rs.code, 0, ended(rs));
  const logs = `${rm.stderr}\n${rs.stderr}`;
  t.equal(count(logs, /^fetching linux-image-6\.1\.\S+ \S+$/), 1, '6.1 fetched once');
  t.equal(count(logs, /^fetching linux-image-6\.12\.\S+ \S+$/), 1, '6.12 fetched once');
  t.equal(count(logs, /^building guest image \w+ \(\d+ packages\)$/), 1, 'the image built once');
  t.equal(readdirSync(shared.kernels).filter((f) => f.startsWith('debian-')).length, 2);
  t.same(leftovers(shared.kernels), []);
  t.same(await qemuGone(matrix.tmp), []);
  t.same(await qemuGone(single.tmp), []);
});
