import { command, runAndReport, testRunOptions } from './common.js';

export const reproCommand = command({
  command: 'repro [case]',
  describe: "reproduce a case from the seed series (default: IB/core's refusal to register fs-DAX memory)",
  builder: (y) => testRunOptions(y).positional('case', { type: 'string', default: 'ib-reg-refusal' }),
  handler: async (args) => {
    process.exitCode = (await runAndReport(args, [args.case])).code;
  },
});
