import { dirname, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import {
  DEFAULT_IMAGE,
  GITHUB_MAX_JOBS,
  githubActions,
  guestFit,
  jobList,
  kubernetes,
  type Emit,
} from '../core/emit.js';
import { renderSummary } from '../core/nightly-report.js';
import { seriesTitle } from '../core/series.js';
import { shellJoin } from '../core/shell.js';
import { loadProfile, yamlText } from '../adapters/config.js';
import { openDb } from '../adapters/db.js';
import { repoRoot } from '../paths.js';
import { selectTests } from '../suites/index.js';
import { isExternal, peerSetupOf } from '../suites/suite.js';
import { intake } from '../workflows/intake.js';
import { loadPlan, runNight, type LoadedPlan } from '../workflows/nightly.js';
import { qemuTester } from '../engine/tester.js';
import { loadNights, writeReports } from '../workflows/report.js';
import { command, log, machineOptions, shardOption, snapshotOption } from './common.js';

function sinceDate(since?: string): Date | undefined {
  if (!since) return undefined;
  const d = new Date(since);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`--since ${since}: not a date (e.g. 2026-11-24 or 2026-11-24T18:00Z)`);
  return d;
}

/** The plan as the jobs name it: relative to the project (the image's, the checkout's), else absolute on a volume. */
function planPaths(plan: string): Pick<Emit, 'planPath' | 'planDir'> {
  const path = resolve(plan);
  const inside = relative(repoRoot, path);
  if (!inside.startsWith('..') && !inside.startsWith('/')) return { planPath: inside };
  return { planPath: path, planDir: dirname(path) };
}

/** What the plan's guests take: the profile's machine or a suite's own, two guests when a suite has a peer. */
function guestOf(tests: string[]) {
  const profile = loadProfile();
  const selected = selectTests(tests);
  const machines = selected.map((s) => ({ ...profile, ...(isExternal(s.suite) ? s.suite.machine : {}) }));
  return guestFit(machines.length ? machines : [profile], selected.some((s) => peerSetupOf(s.suite)) ? 2 : 1);
}

interface EmitArgs {
  plan: string;
  emit: 'github-actions' | 'k8s';
  shards: number;
  image?: string;
}

function emit(args: EmitArgs, { plan, resolvePath }: LoadedPlan, since?: Date): string {
  if (!Number.isInteger(args.shards) || args.shards < 1) throw new UsageError('--shards must be a positive integer');
  const jobs = intake(plan, resolvePath, since).map((a) => ({ series: a.series.id, title: seriesTitle(a.series) }));
  const paths = planPaths(args.plan);
  const flags = [
    ...(args.shards > 1 ? ['--shards', String(args.shards)] : []),
    ...(args.image ? ['--image', args.image] : []),
  ];
  const argv = shellJoin(['orchestrate', 'nightly', '--plan', paths.planPath, '--emit', args.emit, ...flags]);
  const e: Emit = { plan, ...paths, jobs, shards: args.shards, image: args.image, guest: guestOf(plan.tests), argv };
  if (args.emit === 'github-actions') checkGithub(e, args.plan);
  const out = args.emit === 'k8s' ? kubernetes(e) : githubActions(e);
  return yamlText(out.comments, out.docs);
}

function checkGithub(e: Emit, plan: string): void {
  const n = jobList(e).length;
  if (n > GITHUB_MAX_JOBS)
    throw new UsageError(`${n} jobs: a GitHub matrix takes at most ${GITHUB_MAX_JOBS} (fewer --shards)`);
  if (e.planDir) log(`--plan ${plan} lies outside the project: the workflow's checkout will not have it`);
}

export const nightlyCommand = command({
  command: 'nightly',
  describe: 'test every series that arrived against the base: build, boot, test, classify, report',
  builder: (y) =>
    snapshotOption(machineOptions(y))
      .option('plan', { type: 'string', demandOption: true, describe: 'the plan (configs/nightly/*.yaml)' })
      .option('since', { type: 'string', describe: 'only series whose files changed since this date' })
      .option('night', { type: 'string', describe: "the night's name (default: today, UTC)" })
      .option('db', { type: 'string', default: 'results/nightly.db', describe: 'the SQLite history' })
      .option('reports', {
        type: 'string',
        default: 'reports',
        describe: 'where the HTML, mail, JUnit and KCIDB reports go',
      })
      .option('results', { type: 'string', default: 'results', describe: 'run results go here' })
      .option('only-series', {
        type: 'string',
        describe: 'test only the series with this id (one job of a scaled-out night)',
      })
      .option('shard', {
        type: 'string',
        coerce: shardOption,
        describe:
          "I/N: test only shard I of N of the plan's tests, the base's and each series' (one job of a split night)",
      })
      .option('emit', {
        choices: ['github-actions', 'k8s'] as const,
        describe: 'print the job matrix for a scheduler instead of running',
      })
      .option('shards', {
        type: 'number',
        default: 1,
        describe: "with --emit: each series' tests split across N jobs (each runs --shard I/N)",
      })
      .option('image', {
        type: 'string',
        describe: `with --emit: the jobs' image (k8s: default ${DEFAULT_IMAGE}; GitHub: default debian:bookworm)`,
      }),
  handler: async (args) => {
    const since = sinceDate(args.since);
    const loaded = loadPlan(args.plan);
    if (args.emit) {
      if (args.shard) throw new UsageError('--shard I/N is what one emitted job runs; --emit takes --shards N');
      process.stdout.write(emit({ ...args, emit: args.emit }, loaded, since));
      return;
    }
    if (args.image || args.shards !== 1) throw new UsageError('--image and --shards shape what --emit prints');
    const db = openDb(resolve(args.db));
    try {
      const night = args.night ?? new Date().toISOString().slice(0, 10);
      const summary = await runNight({ ...args, loaded, db, night, since, resultsDir: args.results, log }, qemuTester);
      const nights = loadNights(db, summary.plan.name);
      const written = writeReports(resolve(args.reports), nights);
      const tonight = nights.find((n) => n.night === night);
      if (tonight) process.stdout.write(`${renderSummary(tonight)}\n`);
      log(`reports: ${written[0]} and ${written.length - 1} more`);
    } finally {
      db.close();
    }
  },
});
