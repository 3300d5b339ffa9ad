// Scale-out: the night as jobs for an existing scheduler, a Kubernetes Indexed Job or a GitHub
// Actions workflow. Each job tests one series (with shards, one shard of the plan's tests) into its
// own database; `orchestrate report --merge` folds them into one night. Pure: the documents as data,
// with the comments that go above them; the command writes them as YAML.
import { CONTAINER_CACHE, CONTAINER_ENV, DEFAULT_IMAGE, IMAGE_PROJECT_DIR } from './container.js';
import { parseSize } from './machine.js';
import type { Plan } from './nightly.js';

export { DEFAULT_IMAGE, IMAGE_PROJECT_DIR };
const ENTRYPOINT = `${IMAGE_PROJECT_DIR}/container/entrypoint.sh`;

/** GitHub refuses a matrix of more jobs. */
export const GITHUB_MAX_JOBS = 256;

export interface Job {
  series: string;
  title: string;
}

/** What one pod's guests take: each guest's RAM and NVDIMM bytes, and how many boot at once. */
export interface GuestFit {
  ramBytes: number;
  nvdimmBytes: number;
  guests: number;
}

export interface Emit {
  plan: Plan;
  /** The plan as the jobs name it: relative to the project, or absolute. */
  planPath: string;
  /** An absolute plan's directory: a volume is mounted there, so its relative paths hold. */
  planDir?: string;
  jobs: Job[];
  shards: number;
  /** k8s: the pod's image; GitHub: the job container's, instead of debian:bookworm. */
  image?: string;
  guest: GuestFit;
  /** The command line that emitted it, for the header. */
  argv: string;
}

export interface Emitted {
  comments: string[];
  docs: Record<string, unknown>[];
}

/** Each job of the night: a series, and with shards one shard of it (1-based), in index order. */
export function jobList(e: Pick<Emit, 'jobs' | 'shards'>): { job: Job; shard?: number; name: string }[] {
  return e.jobs.flatMap((job) =>
    e.shards > 1
      ? Array.from({ length: e.shards }, (_, i) => ({ job, shard: i + 1, name: `job-${job.series}-${i + 1}` }))
      : [{ job, name: `job-${job.series}` }],
  );
}

/** The largest of the guests the plan's tests boot (the profile's, or a suite's own machine), GUESTS at once. */
export function guestFit(
  machines: { memory: { size: string }; nvdimms: { size: string }[] }[],
  guests: number,
): GuestFit {
  const ramBytes = Math.max(...machines.map((m) => parseSize(m.memory.size)));
  const nvdimmBytes = Math.max(...machines.map((m) => m.nvdimms.reduce((t, n) => t + parseSize(n.size), 0)));
  return { ramBytes, nvdimmBytes, guests };
}

const MIB = 1024 * 1024;
/** QEMU itself, node and ssh beside the guest: a margin, not a measurement. */
const OVERHEAD = 1024 * MIB;

/**
 * Memory requested: the guests' RAM and the overhead; the limit adds the NVDIMMs' backing files,
 * whose page cache the pod is charged for. Two CPUs, the guest's; no CPU limit: a throttled TCG
 * guest misses its boot and test timeouts.
 */
export function podResources(g: GuestFit) {
  const request = g.guests * g.ramBytes + OVERHEAD;
  const limit = request + g.guests * g.nvdimmBytes;
  const mi = (bytes: number) => `${Math.ceil(bytes / MIB)}Mi`;
  return { requests: { cpu: '2', memory: mi(request) }, limits: { memory: mi(limit) } };
}

/**
 * The command each job runs, as sh text: the plan, series, shard and database come from its environment.
 * In the image, its entrypoint (fresh package lists, then orchestrate); a GitHub job runs the checkout's.
 */
function nightlyCommand(shards: number, program: string): string {
  const shard = shards > 1 ? ' --shard "$SHARD"' : '';
  return `${program} nightly --plan "$PLAN" --only-series "$SERIES"${shard} --db "$DB"`;
}

/** A name Kubernetes takes: lower case, digits and '-', at most 63 characters, alphanumeric at both ends. */
export function k8sName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

const CACHE_CLAIM = 'orchestrate-cache';
const RESULTS_CLAIM = 'orchestrate-results';
const PLAN_CLAIM = 'orchestrate-plan';

function claim(name: string, storage: string) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'orchestrate' } },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage } } },
  };
}

/**
 * Pod I picks series I / SHARDS and shard I % SHARDS + 1 from its own argv (the series ids follow
 * the script), so no id is ever part of the shell text.
 */
function podScript(shards: number): string {
  const pick =
    shards > 1
      ? [
          'shift $((i / SHARDS))',
          'SHARD="$((i % SHARDS + 1))/$SHARDS"',
          'DB="/results/db/job-$1-$((i % SHARDS + 1)).db"',
        ]
      : ['shift "$i"', 'DB="/results/db/job-$1.db"'];
  const run = `exec ${nightlyCommand(shards, ENTRYPOINT)} --results /results/runs`;
  return ['set -eu', 'i="$JOB_COMPLETION_INDEX"', ...pick, 'SERIES="$1"', run].join('\n');
}

function container(e: Emit) {
  const mounts = [
    { name: 'cache', mountPath: CONTAINER_CACHE },
    { name: 'results', mountPath: '/results' },
    ...(e.planDir ? [{ name: 'plan', mountPath: e.planDir }] : []),
  ];
  return {
    name: 'orchestrate',
    image: e.image ?? DEFAULT_IMAGE,
    workingDir: IMAGE_PROJECT_DIR,
    command: [
      '/usr/bin/tini',
      '--',
      '/bin/sh',
      '-c',
      podScript(e.shards),
      'orchestrate-job',
      ...e.jobs.map((j) => j.series),
    ],
    env: [
      { name: 'PLAN', value: e.planPath },
      { name: 'SHARDS', value: String(e.shards) },
      ...Object.entries(CONTAINER_ENV).map(([name, value]) => ({ name, value })),
    ],
    securityContext: { privileged: true },
    resources: podResources(e.guest),
    volumeMounts: mounts,
  };
}

function indexedJob(e: Emit) {
  const pods = e.jobs.length * e.shards;
  const volumes = [
    { name: 'cache', persistentVolumeClaim: { claimName: CACHE_CLAIM } },
    { name: 'results', persistentVolumeClaim: { claimName: RESULTS_CLAIM } },
    ...(e.planDir ? [{ name: 'plan', persistentVolumeClaim: { claimName: PLAN_CLAIM } }] : []),
  ];
  const labels = { 'app.kubernetes.io/name': 'orchestrate', 'orchestrate/plan': k8sName(e.plan.name) || 'plan' };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: k8sName(`orchestrate-nightly-${e.plan.name}`), labels },
    spec: {
      completionMode: 'Indexed',
      completions: pods,
      parallelism: pods,
      // A retried pod resumes its shard: the nightly reuses what its database already holds.
      backoffLimit: pods,
      template: { metadata: { labels }, spec: { restartPolicy: 'Never', containers: [container(e)], volumes } },
    },
  };
}

export function kubernetes(e: Emit): Emitted {
  const pick = e.shards > 1 ? `series I / ${e.shards}, shard I % ${e.shards} + 1 of ${e.shards}` : 'series I';
  return {
    comments: [
      `Generated by: ${e.argv}`,
      `Claims for the cache and the results, and an Indexed Job: pod I tests ${pick}`,
      'into /results/db/; when it is done, fold the jobs into one night and its reports:',
      '  orchestrate report --db /results/nightly.db --merge /results/db/job-*.db --out /results/reports',
      'The claims are ReadWriteMany: every pod shares the cache (kernels, guest image, sources) and results',
      '(the durations that balance the shards). The image holds the project in ' + IMAGE_PROJECT_DIR + '.',
      "/dev/kvm: a privileged container sees the node's when it has one, and orchestrate boots with KVM,",
      'else with TCG. No hostPath for it: one of type CharDevice keeps the pod from starting on a node without KVM.',
      ...(e.planDir ? [`The plan lies outside the project: claim ${PLAN_CLAIM} holds ${e.planDir}.`] : []),
    ],
    docs: [
      claim(CACHE_CLAIM, '100Gi'),
      claim(RESULTS_CLAIM, '20Gi'),
      ...(e.planDir ? [claim(PLAN_CLAIM, '20Gi')] : []),
      indexedJob(e),
    ],
  };
}

/** git for the checkout, the packages npm ci needs if better-sqlite3 must be built, Node 20 the platform's way. */
const SETUP_STEPS = [
  { run: 'apt-get update && apt-get install -y --no-install-recommends ca-certificates git python3 make g++' },
  { uses: 'actions/checkout@v4' },
  { uses: 'actions/setup-node@v4', with: { 'node-version': '20' } },
  { run: 'npm ci' },
];

function seriesJob(e: Emit, image: string) {
  const include = jobList(e).map((j) => ({
    series: j.job.series,
    title: j.job.title,
    job: j.name,
    ...(j.shard ? { shard: `${j.shard}/${e.shards}` } : {}),
  }));
  const env = {
    PLAN: e.planPath,
    SERIES: '${{ matrix.series }}',
    DB: '${{ matrix.job }}.db',
    ...(e.shards > 1 ? { SHARD: '${{ matrix.shard }}' } : {}),
  };
  return {
    name: `\${{ matrix.title }}${e.shards > 1 ? ' (${{ matrix.shard }})' : ''}`,
    'runs-on': 'ubuntu-latest',
    container: { image, options: '--privileged' },
    strategy: { 'fail-fast': false, matrix: { include } },
    env,
    steps: [
      ...SETUP_STEPS,
      { run: nightlyCommand(e.shards, 'npx orchestrate') },
      {
        uses: 'actions/upload-artifact@v4',
        if: 'always()',
        // The database and, when the job died, its write-ahead log (SQLite reads both at the merge).
        with: { name: '${{ matrix.job }}', path: '${{ matrix.job }}.db*', 'if-no-files-found': 'ignore' },
      },
    ],
  };
}

function reportJob(image: string) {
  return {
    needs: 'series',
    if: 'always()',
    'runs-on': 'ubuntu-latest',
    container: { image },
    steps: [
      ...SETUP_STEPS,
      { uses: 'actions/download-artifact@v4', with: { path: 'dbs', pattern: 'job-*', 'merge-multiple': true } },
      { run: 'npx orchestrate report --db nightly.db --merge dbs/*.db --out reports' },
      { uses: 'actions/upload-artifact@v4', if: 'always()', with: { name: 'reports', path: 'reports' } },
    ],
  };
}

/**
 * The jobs run in a Debian 12 container as root, the README's platform: orchestrate installs with
 * apt what it lacks, and privileged it sees the runner's /dev/kvm (KVM) when there is one, else
 * uses TCG. Not on ubuntu-latest itself: there it is not root, and its packages are not the ones
 * measured. Node 20 comes from actions/setup-node: Debian's nodejs 18 is too old for yargs 18 and
 * better-sqlite3 12. The series reach the shell through the environment, never the script's text.
 */
export function githubActions(e: Emit): Emitted {
  const image = e.image ?? 'debian:bookworm';
  return {
    comments: [
      `Generated by: ${e.argv}`,
      `Each series${e.shards > 1 ? ` in ${e.shards} shards` : ''} a job in ${image} (privileged: the runner's /dev/kvm`,
      'when it has one, else TCG), Node 20 from actions/setup-node; the report job merges their databases.',
    ],
    docs: [
      {
        name: `orchestrate nightly ${e.plan.name}`,
        on: { schedule: [{ cron: '0 1 * * *' }], workflow_dispatch: {} },
        jobs: { series: seriesJob(e, image), report: reportJob(image) },
      },
    ],
  };
}
