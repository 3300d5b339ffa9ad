import type { CommandModule } from 'yargs';
import { runAndReport, testRunOptions, type TestRunArgs } from './common.js';

interface Args extends TestRunArgs {
  case: string;
}

export const reproCommand: CommandModule<object, Args> = {
  command: 'repro [case]',
  describe: "reproduce a case from the seed series (default: IB/core's refusal to register fs-DAX memory)",
  builder: (y) => testRunOptions(y).positional('case', { type: 'string', default: 'ib-reg-refusal' }) as never,
  handler: async (args) => {
    process.exitCode = (await runAndReport(args, [args.case])).code;
  },
};
