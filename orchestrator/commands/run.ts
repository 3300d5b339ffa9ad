import type { CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { buildFromArgs, buildOptions, describeOutcome, log, runAndReport, testRunOptions, type BuildArgs, type TestRunArgs } from './common.js';
import { isBuilt } from '../run/build.js';

interface Args extends TestRunArgs, Omit<BuildArgs, 'tree'> {
  test: string[];
  tree?: string;
}

export const runCommand: CommandModule<object, Args> = {
  command: 'run',
  describe: 'boot a kernel and run tests (suite or suite/case); with --tree, build it first',
  builder: (y) =>
    buildOptions(testRunOptions(y), false)
      .option('test', { type: 'string', array: true, demandOption: true, describe: 'test name, e.g. ib-reg-refusal or ib-reg-refusal/fsdax-ext4' }) as never,
  handler: async (args) => {
    if (!args.tree) {
      if (args.series || args.ref) throw new UsageError('--ref and --series need --tree');
      return runAndReport(args, args.test);
    }
    if (args.kernel) throw new UsageError('give --kernel or --tree, not both');
    const outcome = await buildFromArgs({ ...args, tree: args.tree });
    if (!isBuilt(outcome)) {
      process.stdout.write(`${describeOutcome(outcome)}\n`);
      process.exitCode = 1;
      return;
    }
    log(describeOutcome(outcome));
    return runAndReport({ ...args, kernel: outcome.id }, args.test);
  },
};
