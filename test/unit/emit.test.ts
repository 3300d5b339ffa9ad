// What `nightly --emit` prints, checked by the platforms' own parsers (GitHub's workflow parser, the
// Kubernetes OpenAPI schemas), each shown able to fail; and the pod's script run with sh, every
// completion index to one series and shard.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_IMAGE,
  IMAGE_PROJECT_DIR,
  githubActions,
  guestFit,
  jobList,
  kubernetes,
  podResources,
  type Emit,
} from '../../orchestrator/core/emit.js';
import { parseSize } from '../../orchestrator/core/machine.js';
import type { Plan } from '../../orchestrator/core/nightly.js';
import { loadProfile, yamlText } from '../../orchestrator/adapters/config.js';
import { repoRoot } from '../../orchestrator/paths.js';
import { k8sErrors, workflowErrors, yamlDocs } from '../platforms.js';
import { tempDir } from '../temp.js';

const PLAN: Plan = {
  name: 'dax-rdma',
  base: { tree: 'linux-source', ref: 'HEAD' },
  series: { dir: 's' },
  tests: ['ib-reg-refusal', 'dio-vs-truncate'],
  config: [],
  runs: 1,
  patchcheck: true,
};

const PROFILE = loadProfile();

function emitted(over: Partial<Emit> = {}): Emit {
  return {
    plan: PLAN,
    planPath: 'configs/nightly/dax-rdma.yaml',
    jobs: [
      { series: '6a623ed75c114e57', title: 'fs/dax: say why: break-layouts "waits"' },
      { series: '917294f1e896b34f', title: 'yes' },
    ],
    shards: 3,
    guest: guestFit([PROFILE], 1),
    argv: 'orchestrate nightly --plan configs/nightly/dax-rdma.yaml --emit k8s --shards 3',
    ...over,
  };
}

const k8sText = (e: Emit) => yamlText(kubernetes(e).comments, kubernetes(e).docs);
const workflowText = (e: Emit) => yamlText(githubActions(e).comments, githubActions(e).docs);
const jobOf = (docs: any[]) => docs.find((d) => d.kind === 'Job');

t.test('the k8s documents pass the Kubernetes schemas: claims for the cache and results, an Indexed Job', async (t) => {
  const docs = yamlDocs(k8sText(emitted()));
  t.same(
    docs.map((d) => [d.kind, k8sErrors(d)]),
    [
      ['PersistentVolumeClaim', []],
      ['PersistentVolumeClaim', []],
      ['Job', []],
    ],
  );
  const job = jobOf(docs);
  t.match(job.spec, { completionMode: 'Indexed', completions: 6, parallelism: 6 }, 'two series × three shards');
  const pod = job.spec.template.spec;
  const c = pod.containers[0];
  t.equal(c.image, DEFAULT_IMAGE, 'the image the image command tags');
  t.same(c.securityContext, { privileged: true });
  t.same(c.command.slice(0, 3), ['/usr/bin/tini', '--', '/bin/sh'], 'tini reaps what QEMU and make leave behind');
  t.ok(existsSync(join(repoRoot, 'container', 'entrypoint.sh')), "the script runs the project's entrypoint");
  t.notOk(
    JSON.stringify(pod.volumes).includes('hostPath'),
    '/dev/kvm comes with privileged, never a required hostPath',
  );
  const claims = docs.filter((d) => d.kind === 'PersistentVolumeClaim').map((d) => d.metadata.name);
  t.same(
    pod.volumes.map((v: any) => v.persistentVolumeClaim.claimName),
    claims,
    'every volume is a claim the same text makes',
  );
  t.same(
    c.volumeMounts.map((m: any) => m.mountPath),
    ['/cache', '/results'],
  );
  t.match(c.env, [
    { name: 'PLAN', value: 'configs/nightly/dax-rdma.yaml' },
    { name: 'SHARDS', value: '3' },
  ]);
  t.match(
    c.env.map((e: any) => e.value),
    ['configs/nightly/dax-rdma.yaml', '3', /^\/cache\//, /^\/cache\//],
    'the cache and the kernel store on the cache claim',
  );
  t.equal(
    jobOf(yamlDocs(k8sText(emitted({ image: 'registry.example/o:1' })))).spec.template.spec.containers[0].image,
    'registry.example/o:1',
  );
});

t.test('a plan outside the project comes from a third claim, mounted where its relative paths hold', async (t) => {
  const docs = yamlDocs(k8sText(emitted({ planPath: '/srv/plans/dax.yaml', planDir: '/srv/plans' })));
  t.same(
    docs.map((d) => k8sErrors(d)),
    [[], [], [], []],
  );
  const c = jobOf(docs).spec.template.spec.containers[0];
  t.match(c.volumeMounts, [{}, {}, { name: 'plan', mountPath: '/srv/plans' }]);
  t.match(c.env, [{ name: 'PLAN', value: '/srv/plans/dax.yaml' }]);
  t.equal(docs[2].metadata.name, 'orchestrate-plan');
});

t.test("the pod's resources fit its guests: the profile's RAM and more, two CPUs, no CPU limit", async (t) => {
  const ram = parseSize(PROFILE.memory.size);
  const r = podResources(guestFit([PROFILE], 1));
  const mi = (q: string) => Number(q.replace(/Mi$/, '')) * 1024 * 1024;
  t.ok(
    mi(r.requests.memory) >= ram + 512 * 1024 * 1024,
    `${r.requests.memory} holds the ${PROFILE.memory.size} guest and QEMU`,
  );
  t.ok(mi(r.limits.memory) > mi(r.requests.memory), 'the limit adds the NVDIMMs');
  t.equal(r.requests.cpu, '2');
  t.notOk('cpu' in r.limits);
  const two = podResources(guestFit([PROFILE, { ...PROFILE, memory: { ...PROFILE.memory, size: '7G' } }], 2));
  t.ok(mi(two.requests.memory) >= 2 * 7 * 1024 ** 3, 'two guests of the largest machine a suite asks for');
});

t.test('broken documents are rejected by the same schemas', async (t) => {
  const job = jobOf(yamlDocs(k8sText(emitted())));
  const broken = (edit: (j: any) => void) => {
    const copy = structuredClone(job);
    edit(copy);
    return k8sErrors(copy);
  };
  t.match(
    broken((j) => (j.spec.completionMode = 'Indexd')),
    [/completionMode/],
    'an unknown completion mode',
  );
  t.match(
    broken((j) => (j.spec.completions = 'six')),
    [/completions must be integer/],
  );
  t.match(
    broken((j) => delete j.spec.template.spec.containers[0].name),
    [/containers\/0 must have required property name/],
  );
  const claim = yamlDocs(k8sText(emitted()))[0];
  claim.spec.resources.requests.storage = 'lots';
  t.match(k8sErrors(claim), [/storage must match format "quantity"/], 'a claim of no size');
  t.match(k8sErrors({ apiVersion: 'batch/v2', kind: 'Job' }), [/no schema/]);
  t.throws(() => yamlDocs('kind: Job\n  spec: [\n'), 'text that is no YAML');
});

/** Runs the pod's script with sh for each completion index, the image's entrypoint a fake that prints its arguments. */
function podRuns(e: Emit) {
  const bin = tempDir('orchestrate-pod-');
  writeFileSync(join(bin, 'entrypoint'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
  chmodSync(join(bin, 'entrypoint'), 0o755);
  const job = jobOf(yamlDocs(k8sText(e)));
  const c = job.spec.template.spec.containers[0];
  const env = Object.fromEntries(c.env.map((x: any) => [x.name, x.value]));
  const sh = c.command.indexOf('/bin/sh');
  const fake = (arg: string) => arg.replaceAll(`${IMAGE_PROJECT_DIR}/container/entrypoint.sh`, join(bin, 'entrypoint'));
  return Array.from({ length: job.spec.completions }, (_, i) => {
    const r = spawnSync('/bin/sh', c.command.slice(sh + 1).map(fake), {
      cwd: bin,
      env: { ...env, PATH: `${bin}:/usr/bin:/bin`, JOB_COMPLETION_INDEX: String(i) },
      encoding: 'utf8',
    });
    const argv = r.stdout.trim().split('\n');
    const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
    return { code: r.status, series: flag('--only-series'), shard: flag('--shard'), db: flag('--db'), argv };
  });
}

t.test('each completion index runs one series and one shard: every pair once, each its own database', async (t) => {
  const runs = podRuns(emitted());
  t.ok(runs.every((r) => r.code === 0));
  const pairs = runs.map((r) => `${r.series} ${r.shard}`);
  const want = jobList(emitted()).map((j) => `${j.job.series} ${j.shard}/3`);
  t.same(pairs, want, 'index I: series I / 3, shard I % 3 + 1');
  t.equal(new Set(runs.map((r) => r.db)).size, runs.length);
  t.match(runs[0].argv, ['nightly', '--plan', 'configs/nightly/dax-rdma.yaml'], 'the entrypoint runs orchestrate');
  const one = podRuns(emitted({ shards: 1 }));
  t.same(
    one.map((r) => [r.series, r.shard]),
    [
      ['6a623ed75c114e57', undefined],
      ['917294f1e896b34f', undefined],
    ],
    'one shard: no --shard',
  );
  const hostile = '$(touch pwned)';
  const odd = podRuns(emitted({ shards: 1, jobs: [{ series: hostile, title: 'x' }], planPath: "my plans/it's.yaml" }));
  t.same([odd[0].series, odd[0].argv[2]], [hostile, "my plans/it's.yaml"], 'ids and paths reach argv verbatim');
  t.notOk(existsSync(join(process.cwd(), 'pwned')), 'and are never run by the shell');
});

t.test(
  "the GitHub workflow passes GitHub's own parser: Node 20 from setup-node, ids through the environment",
  async (t) => {
    for (const e of [emitted(), emitted({ shards: 1 }), emitted({ image: 'ghcr.io/example/orchestrate:1' })])
      t.same(await workflowErrors(workflowText(e)), [], `${e.shards} shard(s), ${e.image ?? 'debian:bookworm'}`);
    const [w] = yamlDocs(workflowText(emitted()));
    const series = w.jobs.series;
    t.match(series.container, { image: 'debian:bookworm', options: '--privileged' });
    t.match(series.steps, [
      { run: /apt-get install/ },
      { uses: 'actions/checkout@v4' },
      { uses: 'actions/setup-node@v4', with: { 'node-version': '20' } },
    ]);
    t.notMatch(series.steps[0].run, /\b(nodejs|npm)\b/, "not Debian's nodejs");
    t.same(
      series.strategy.matrix.include.map((m: any) => `${m.series} ${m.shard}`),
      jobList(emitted()).map((j) => `${j.job.series} ${j.shard}/3`),
    );
    t.equal(series.strategy.matrix.include[3].title, 'yes', 'a title YAML 1.1 would read as true stays a string');
    for (const s of [...series.steps, ...w.jobs.report.steps])
      t.notMatch(s.run ?? '', /\$\{\{/, `no expression in a shell script: ${s.run ?? s.uses}`);
    t.match(series.env, { SERIES: '${{ matrix.series }}', SHARD: '${{ matrix.shard }}', DB: '${{ matrix.job }}.db' });
    t.match(w.jobs.report, { needs: 'series', if: 'always()' });
  },
);

t.test("broken workflows are rejected by GitHub's parser", async (t) => {
  const text = workflowText(emitted());
  const broken = async (from: string, to: string) => {
    t.ok(text.includes(from), `the workflow has ${from}`);
    return workflowErrors(text.replace(from, to));
  };
  t.match(await broken('- uses: actions/setup-node@v4', '- usse: actions/setup-node@v4'), [/usse/]);
  t.match(await broken('needs: series', 'needs: seriez'), [/seriez/]);
  t.match(await broken('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest'), [/runs_on|runs-on/]);
  t.match(await broken('if: always()', 'if: ${{ nope( }}'), [/Unexpected end of expression/]);
});
