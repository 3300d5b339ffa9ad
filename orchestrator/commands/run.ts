import { resolve } from 'node:path';
import { errorLine, UsageError } from '../errors.js';
import { gitBisectCode, toRun } from '../core/bisect.js';
import { parseKernelSpec, type KernelSpec } from '../core/kernel-spec.js';
import { historyCutoff, type Shard } from '../core/shard.js';
import { matrixTap, matrixUntested, renderMatrix } from '../core/matrix.js';
import { writeJson } from '../adapters/store.js';
import { isBuilt } from '../engine/build.js';
import type { RunOptions } from '../engine/pipeline.js';
import { runMatrix } from '../workflows/matrix.js';
import { describeShard, planShard } from '../workflows/shard.js';
import { suiteFragments } from '../suites/index.js';
import { checkSetup, runInGuest, SETUPS } from '../workflows/command.js';
import { existsSync, statSync } from 'node:fs';
import {
  command,
  buildFromArgs,
  optionalBuildOptions,
  describeOutcome,
  log,
  runAndReport,
  shardOption,
  testRunOptions,
  type BuildArgs,
  type TestRunArgs,
} from './common.js';

interface Args extends Omit<TestRunArgs, 'kernel'>, Omit<BuildArgs, 'tree'> {
  kernel?: KernelSpec[];
  test?: string[];
  tree?: string;
  jobs: number;
  exitCode: 'verdict' | 'git-bisect';
  setup: string[];
  share?: string;
  allowWarnings: boolean;
  commandTimeout: number;
  shard?: Shard;
  '--'?: (string | number)[];
}

/** run -- CMD: CMD in a guest set up as asked, its output streamed, its exit status ours. */
async function guestCommand(args: Args, argv: string[]): Promise<number> {
  if (args.test?.length) throw new UsageError('give --test or a command after --, not both');
  if (args.shard) throw new UsageError('--shard splits the cases of --test, not a command after --');
  if ((args.kernel?.length ?? 0) + (args.tree ? 1 : 0) > 1) throw new UsageError('run -- CMD takes one kernel');
  if (args.share && !(existsSync(args.share) && statSync(args.share).isDirectory()))
    throw new UsageError(`--share ${args.share}: no such directory`);
  const setup = checkSetup(args.setup.flatMap((s) => s.split(',')).filter(Boolean));
  const kernels = await kernelsOf(args);
  if (!kernels) return 1;
  const out = await runInGuest({
    ...args,
    kernel: kernels[0],
    argv,
    setup,
    share: args.share,
    allowWarnings: args.allowWarnings,
    timeoutSeconds: args.commandTimeout,
    resultsDir: args.results,
    noKnown: !args.known,
    log,
  });
  for (const title of out.reports) log(`kernel report in the guest: ${title}${args.allowWarnings ? ' (allowed)' : ''}`);
  if (out.dmesgError) log(`the guest's kernel log could not be read after the command: ${out.dmesgError}`);
  log(`results: ${out.dir}`);
  return out.code;
}

/** The kernels to test: --tree's build first, then each --kernel. Undefined: a build that failed. */
async function kernelsOf(args: Args): Promise<KernelSpec[] | undefined> {
  const kernels = args.kernel ?? [];
  if (!args.tree) {
    if (args.series || args.ref) throw new UsageError('--ref and --series need --tree');
    return kernels;
  }
  const outcome = await buildFromArgs({
    ...args,
    tree: args.tree,
    config: [...(args.config ?? []), ...suiteFragments(args.test ?? [])],
  });
  if (!isBuilt(outcome)) {
    process.stdout.write(`${describeOutcome(outcome)}\n`);
    return undefined;
  }
  log(describeOutcome(outcome));
  return [{ kind: 'stored', id: outcome.id }, ...kernels];
}

/** Several kernels: one table of cases × kernels; exit 0 only when no cell is unexpected. */
async function matrix(args: Args, kernels: KernelSpec[], tests: string[], asked?: Asked): Promise<number> {
  if (args.exitCode === 'git-bisect') throw new UsageError('--exit-code git-bisect takes one kernel');
  const { matrix: m, dir } = await runMatrix({
    ...args,
    kernels,
    tests,
    asked,
    resultsDir: args.results,
    noKnown: !args.known,
    log,
  });
  if (args.json) writeJson(resolve(args.json), m);
  process.stdout.write(`${args.tap ? matrixTap(m) : renderMatrix(m)}\n`);
  log(`results: ${dir} (matrix.json, matrix.tap, matrix.junit.xml; orchestrate report --matrix ${dir} for HTML)`);
  return m.passed || (args.allowNothingTested && matrixUntested(m)) ? 0 : 1;
}

/** The exit code by our verdict, and the one `git bisect run` wants. */
interface Codes {
  verdict: number;
  gitBisect: number;
}

const same = (code: number): Codes => ({ verdict: code, gitBisect: code });

type Asked = RunOptions['asked'];

/** --shard: this shard's tests, split by the history under --results as it stood when today (UTC) began. */
function shardOf(args: Args, tests: string[], shard: Shard): { tests: string[]; asked: Asked } {
  const plan = planShard(tests, shard, resolve(args.results), historyCutoff());
  log(describeShard(plan));
  return { tests: plan.tests, asked: { selection: tests, shard } };
}

async function buildAndRun(args: Args): Promise<Codes> {
  const command = (args['--'] ?? []).map(String);
  if (command.length) return same(await guestCommand(args, command));
  if (!args.test?.length)
    throw new UsageError('name a test (--test T) or a command to run in the guest (run -- CMD ARGS…)');
  const part = args.shard && shardOf(args, args.test, args.shard);
  if (part && !part.tests.length) return same(0);
  const tests = part?.tests ?? args.test;
  const kernels = await kernelsOf(args);
  if (!kernels) return { verdict: 1, gitBisect: 125 };
  if (kernels.length > 1) return same(await matrix(args, kernels, tests, part?.asked));
  const { result, code } = await runAndReport({ ...args, kernel: kernels[0] }, tests, part?.asked);
  return { verdict: code, gitBisect: gitBisectCode(toRun(result, {})) };
}

export const runCommand = command({
  command: 'run',
  aliases: ['test'],
  describe:
    'boot a kernel and run tests (suite or suite/case); with --tree, build it first; several --kernel: a matrix',
  builder: (y) =>
    optionalBuildOptions(testRunOptions(y))
      .option('kernel', {
        type: 'string',
        array: true,
        coerce: (specs: string[]) => specs.map(parseKernelSpec),
        describe: 'debian[:VERSION], a kernel id or a bzImage/vmlinux path; give several for a matrix',
      })
      .option('jobs', { type: 'number', default: 1, describe: 'with several kernels: how many boot at once' })
      .option('test', {
        type: 'string',
        array: true,
        describe: 'test name, e.g. ib-reg-refusal or ib-reg-refusal/fsdax-ext4, or a glob: rdma-core/test_qp*',
      })
      .option('setup', {
        type: 'string',
        array: true,
        default: [],
        describe: `with -- CMD: what to set up first, of ${SETUPS.join(', ')} (fsdax2: both NVDIMMs fs-DAX, for fstests' TEST_DEV and SCRATCH_DEV)`,
      })
      .option('share', {
        type: 'string',
        describe: 'with -- CMD: a host directory mounted read-write in the guest at the same path (virtio-9p)',
      })
      .option('allow-warnings', {
        type: 'boolean',
        default: false,
        describe: 'with -- CMD: kernel reports do not fail the run',
      })
      .option('command-timeout', {
        type: 'number',
        default: 3600,
        describe: 'with -- CMD: seconds before CMD is killed',
      })
      .option('shard', {
        type: 'string',
        coerce: shardOption,
        describe: 'I/N: only shard I of N of the selected cases, balanced by the durations of the runs under --results',
      })
      .option('exit-code', {
        choices: ['verdict', 'git-bisect'] as const,
        default: 'verdict' as const,
        describe: 'git-bisect: 0 pass, 1 fail, 125 untestable, 255 infrastructure error (for git bisect run)',
      }),
  handler: async (args) => {
    if (!Number.isInteger(args.jobs) || args.jobs < 1) throw new UsageError('--jobs must be a positive integer');
    if (args.exitCode === 'verdict') {
      process.exitCode = (await buildAndRun(args)).verdict;
      return;
    }
    try {
      process.exitCode = (await buildAndRun(args)).gitBisect;
    } catch (err) {
      process.stderr.write(`${errorLine(err)}\n`);
      process.exitCode = 255;
    }
  },
});
