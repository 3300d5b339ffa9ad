import type { CommandModule } from 'yargs';
import { errorLine, UsageError } from '../errors.js';
import { gitBisectCode, toRun } from '../core/bisect.js';
import { isBuilt } from '../run/build.js';
import { buildFromArgs, buildOptions, describeOutcome, log, runAndReport, testRunOptions, type BuildArgs, type TestRunArgs } from './common.js';

interface Args extends TestRunArgs, Omit<BuildArgs, 'tree'> {
  test: string[];
  tree?: string;
  exitCode: 'verdict' | 'git-bisect';
}

async function buildAndRun(args: Args): Promise<number> {
  if (!args.tree) {
    if (args.series || args.ref) throw new UsageError('--ref and --series need --tree');
    return gitBisectCode(toRun(await runAndReport(args, args.test), {}));
  }
  if (args.kernel) throw new UsageError('give --kernel or --tree, not both');
  const outcome = await buildFromArgs({ ...args, tree: args.tree });
  if (!isBuilt(outcome)) {
    process.stdout.write(`${describeOutcome(outcome)}\n`);
    process.exitCode = 1;
    return 125;
  }
  log(describeOutcome(outcome));
  return gitBisectCode(toRun(await runAndReport({ ...args, kernel: outcome.id }, args.test), {}));
}

export const runCommand: CommandModule<object, Args> = {
  command: 'run',
  aliases: ['test'],
  describe: 'boot a kernel and run tests (suite or suite/case); with --tree, build it first',
  builder: (y) =>
    buildOptions(testRunOptions(y), false)
      .option('test', { type: 'string', array: true, demandOption: true, describe: 'test name, e.g. ib-reg-refusal or ib-reg-refusal/fsdax-ext4' })
      .option('exit-code', { choices: ['verdict', 'git-bisect'] as const, default: 'verdict' as const, describe: 'git-bisect: 0 pass, 1 fail, 125 untestable, 255 infrastructure error (for git bisect run)' }) as never,
  handler: async (args) => {
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
