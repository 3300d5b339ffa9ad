import type { CommandModule } from 'yargs';
import { runAndReport, testRunOptions, type TestRunArgs } from './common.js';

interface Args extends TestRunArgs {
  test: string[];
}

export const runCommand: CommandModule<object, Args> = {
  command: 'run',
  describe: 'boot a kernel and run tests (suite or suite/case)',
  builder: (y) =>
    testRunOptions(y).option('test', { type: 'string', array: true, demandOption: true, describe: 'test name, e.g. ib-reg-refusal or ib-reg-refusal/fsdax-ext4' }) as never,
  handler: (args) => runAndReport(args, args.test),
};
