import type { CommandModule } from 'yargs';
import { resolve } from 'node:path';
import { errorLine, UsageError } from '../errors.js';
import { gitBisectCode, toRun } from '../core/bisect.js';
import { matrixTap, renderMatrix } from '../core/matrix.js';
import { writeJson } from '../adapters/store.js';
import { isBuilt } from '../run/build.js';
import { runMatrix } from '../run/matrix.js';
import { suiteFragments } from '../suites/index.js';
import { buildFromArgs, buildOptions, describeOutcome, log, runAndReport, testRunOptions, type BuildArgs, type TestRunArgs } from './common.js';

interface Args extends Omit<TestRunArgs, 'kernel'>, Omit<BuildArgs, 'tree'> {
  kernel?: string[];
  test: string[];
  tree?: string;
  jobs: number;
  exitCode: 'verdict' | 'git-bisect';
}

/** The kernels to test: --tree's build first, then each --kernel. Undefined: a build that failed. */
async function kernelsOf(args: Args): Promise<string[] | undefined> {
  const kernels = args.kernel ?? [];
  if (!args.tree) {
    if (args.series || args.ref) throw new UsageError('--ref and --series need --tree');
    return kernels;
  }
  const outcome = await buildFromArgs({ ...args, tree: args.tree, config: [...(args.config ?? []), ...suiteFragments(args.test)] });
  if (!isBuilt(outcome)) {
    process.stdout.write(`${describeOutcome(outcome)}\n`);
    return undefined;
  }
  log(describeOutcome(outcome));
  return [outcome.id, ...kernels];
}

/** Several kernels: one table of cases × kernels; exit 0 only when no cell is unexpected. */
async function matrix(args: Args, kernels: string[]): Promise<number> {
  if (args.exitCode === 'git-bisect') throw new UsageError('--exit-code git-bisect takes one kernel');
  const { matrix: m, dir } = await runMatrix({ ...args, kernels, tests: args.test, resultsDir: args.results, noKnown: !args.known, log });
  if (args.json) writeJson(resolve(args.json), m);
  process.stdout.write(`${args.tap ? matrixTap(m) : renderMatrix(m)}\n`);
  log(`results: ${dir} (matrix.json, matrix.tap, matrix.junit.xml; orchestrate report --matrix ${dir} for HTML)`);
  return m.passed ? 0 : 1;
}

async function buildAndRun(args: Args): Promise<number> {
  const kernels = await kernelsOf(args);
  if (!kernels) {
    process.exitCode = 1;
    return 125;
  }
  if (kernels.length > 1) {
    process.exitCode = await matrix(args, kernels);
    return process.exitCode;
  }
  return gitBisectCode(toRun(await runAndReport({ ...args, kernel: kernels[0] }, args.test), {}));
}

export const runCommand: CommandModule<object, Args> = {
  command: 'run',
  aliases: ['test'],
  describe: 'boot a kernel and run tests (suite or suite/case); with --tree, build it first; several --kernel: a matrix',
  builder: (y) =>
    buildOptions(testRunOptions(y), false)
      .option('kernel', { type: 'string', array: true, describe: 'debian[:VERSION], a kernel id or a bzImage/vmlinux path; give several for a matrix' })
      .option('jobs', { type: 'number', default: 1, describe: 'with several kernels: how many boot at once' })
      .option('test', { type: 'string', array: true, demandOption: true, describe: 'test name, e.g. ib-reg-refusal or ib-reg-refusal/fsdax-ext4' })
      .option('exit-code', { choices: ['verdict', 'git-bisect'] as const, default: 'verdict' as const, describe: 'git-bisect: 0 pass, 1 fail, 125 untestable, 255 infrastructure error (for git bisect run)' }) as never,
  handler: async (args) => {
    if (!Number.isInteger(args.jobs) || args.jobs < 1) throw new UsageError('--jobs must be a positive integer');
    if (args.exitCode === 'verdict') {
      await buildAndRun(args);
      return;
    }
    try {
      process.exitCode = await buildAndRun(args);
    } catch (err) {
      process.stderr.write(`${errorLine(err)}\n`);
      process.exitCode = 255;
    }
  },
};
