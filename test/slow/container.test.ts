// The container image, run as users and schedulers run it: `orchestrate image --container`, then
// `repro` in it on an empty volume (5 PASS), then the Job `nightly --emit k8s --shards 2` prints,
// each completion index started with podman from the Job's own image, command, environment and
// mounts, both at once on one cache volume; the two job databases merged give the night, case for
// case, that one container running the whole plan gives.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { openDb } from '../../orchestrator/adapters/db.js';
import { nightsOf, resultsOfNight } from '../../orchestrator/adapters/history.js';
import { runCli } from '../cli.js';
import { onBase, sourceTree } from '../source-tree.js';
import { tempDir } from '../temp.js';

const TAG = 'localhost/orchestrate:slow-test';
const id = `orchestrate-slow-${process.pid}`;
/** This sandbox's podman: runc (crun cannot run here) and limits within its hard limits (README). */
const PODMAN = ['--runtime', 'runc'];
const LIMITS = ['--ulimit', 'nofile=1024:20000', '--ulimit', 'nproc=1024:1024'];
const dir = tempDir('orchestrate-container-');
const names: string[] = [];

function podman(args: string[]) {
  return spawnSync('podman', [...PODMAN, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Runs a container to its end; its name is removed at teardown, should the test end first. */
function container(name: string, args: string[]): Promise<{ code: number | null; out: string }> {
  names.push(name);
  return new Promise((resolve) => {
    const child = spawn('podman', [...PODMAN, 'run', '--rm', '--name', name, ...LIMITS, ...args]);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (out += b));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** As the README runs the image: privileged, the test's cache volume at /cache, and MOUNTS. */
const privileged = (mounts: string[]) => [
  '--privileged',
  ...[`${id}-cache:/cache`, ...mounts].flatMap((m) => ['--volume', m]),
];

t.teardown(() => {
  for (const name of names) podman(['rm', '--force', '--ignore', name]);
  podman(['volume', 'rm', '--force', `${id}-cache`]);
});

t.test('one command builds the image; repro in it on an empty volume gives 5 PASS', async (t) => {
  const started = Date.now();
  const build = await runCli(['image', '--container', '--tag', TAG]);
  t.equal(build.code, 0, build.stderr.slice(-2000));
  t.comment(`image: ${build.stderr.trim().split('\n').at(-1)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  const work = join(dir, 'work');
  mkdirSync(work);
  const first = Date.now();
  const r = await container(`${id}-repro`, [...privileged([`${work}:/work`]), TAG, 'repro']);
  t.equal(r.code, 0, r.out.slice(-3000));
  t.match(r.out, /^5 PASS in /m);
  t.equal(readdirSync(join(work, 'results')).length, 1, "the run's results in the mounted working directory");
  t.comment(`first verdicts in the container: ${((Date.now() - first) / 1000).toFixed(0)} s (empty volume)`);
});

/** The Job's container as podman arguments for completion index I: its own image, command, env and mounts. */
function podArgs(job: any, index: number, sources: Record<string, string>): string[] {
  const c = job.spec.template.spec.containers[0];
  return [
    ...(c.securityContext?.privileged ? ['--privileged'] : []),
    '--workdir',
    c.workingDir,
    ...c.env.flatMap((e: { name: string; value: string }) => ['--env', `${e.name}=${e.value}`]),
    '--env',
    `JOB_COMPLETION_INDEX=${index}`,
    ...c.volumeMounts.flatMap((m: { name: string; mountPath: string }) => [
      '--volume',
      `${sources[m.name]}:${m.mountPath}`,
    ]),
    '--entrypoint',
    c.command[0],
    c.image,
    ...c.command.slice(1),
  ];
}

/**
 * (base or series, kernel built, test, verdict, class) of every case of the DB's one night, sorted.
 * Not the inputs hash: a shard's rows are keyed by the tests it ran (what reusing them needs).
 */
function night(db: string): string[] {
  const d = openDb(db);
  try {
    const nights = nightsOf(d);
    return nights
      .flatMap((n) => resultsOfNight(d, n.id))
      .map((r) => `${r.series_id ?? 'base'} ${r.kernel} ${r.test} ${r.verdict} ${r.class}`)
      .sort();
  } finally {
    d.close();
  }
}

t.test('two shards from the emitted Job on one cache volume merge into the one-machine night', async (t) => {
  const source = await sourceTree();
  const mbox = onBase('nightly/series/dax-comment.mbox', source.head);
  const planDir = dirname(mbox);
  const plan = join(planDir, 'plan.yaml');
  writeFileSync(
    plan,
    [
      'name: container-fixture',
      `base: { tree: linux-source, ref: HEAD, source: "${source.marker.revision}" }`,
      'series: { mbox: [dax-comment.mbox] }',
      'tests: [ib-reg-refusal]',
      'runs: 1',
      'patchcheck: false',
      '',
    ].join('\n'),
  );
  const emit = await runCli(['nightly', '--plan', plan, '--emit', 'k8s', '--shards', '2', '--image', TAG]);
  t.equal(emit.code, 0, emit.stderr);
  const job = parseAllDocuments(emit.stdout)
    .map((d) => d.toJS())
    .find((d) => d?.kind === 'Job');
  t.equal(job.spec.completions, 2, 'one series, two shards');
  const results = join(dir, 'results');
  mkdirSync(join(results, 'db'), { recursive: true });
  const sources = { cache: `${id}-cache`, results, plan: planDir };
  const shards = await Promise.all([0, 1].map((i) => container(`${id}-pod-${i}`, podArgs(job, i, sources))));
  for (const [i, s] of shards.entries()) t.equal(s.code, 0, `pod ${i}: ${s.out.slice(-3000)}`);
  const built = shards.map((s) => (s.out.match(/building [0-9a-f]{12}/g) ?? []).length);
  t.ok(built.reduce((a, b) => a + b, 0) <= 2, `each kernel built once between the two pods (${built})`);
  const merged = join(dir, 'merged.db');
  const dbs = readdirSync(join(results, 'db'))
    .filter((f) => f.endsWith('.db'))
    .map((f) => join(results, 'db', f));
  t.equal(dbs.length, 2, 'a database per pod');
  const merge = await runCli(['report', '--db', merged, '--merge', ...dbs, '--out', join(dir, 'reports')]);
  t.equal(merge.code, 0, merge.stderr);
  const whole = await container(`${id}-whole`, [
    ...privileged([`${results}:/results`, `${planDir}:${planDir}`]),
    TAG,
    'nightly',
    '--plan',
    plan,
    '--db',
    '/results/whole.db',
    '--results',
    '/results/whole-runs',
  ]);
  t.equal(whole.code, 0, whole.out.slice(-3000));
  const one = night(join(results, 'whole.db'));
  t.equal(one.length, 10, 'five cases on the base and five on the series');
  t.same(night(merged), one, 'the merged night is the one-machine night, case for case');
});
