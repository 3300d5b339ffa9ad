import { retest } from '../workflows/retest.js';
import { command, log, machineOptions } from './common.js';

export const retestCommand = command({
  command: 'retest <report>',
  describe:
    "build a bug report's kernel with a proposed fix and run its reproducer; print a reply saying whether the bug is gone",
  builder: (y) =>
    machineOptions(y)
      .positional('report', {
        type: 'string',
        demandOption: true,
        describe: 'the report directory (orchestrate report --bug)',
      })
      .option('series', {
        type: 'string',
        demandOption: true,
        describe: 'the fix: an mbox, a directory of .patch files, or A..B',
      })
      .option('tree', {
        type: 'string',
        describe: "the kernel's tree (default: Debian's linux-source of the report's version)",
      })
      .option('ref', { type: 'string', describe: "the commit to build on (default: the report kernel's)" })
      .option('control', {
        type: 'boolean',
        default: true,
        describe: 'also run the reproducer on the same build without the fix (--no-control: skip)',
      })
      .option('tested-by', { type: 'string', describe: '"Name <address>" for a Tested-by: line when the bug is gone' })
      .option('out', { type: 'string', describe: 'also write the reply here' })
      .option('results', { type: 'string', default: 'results', describe: "the reproducer runs' directories go here" }),
  handler: async (args) => {
    const r = await retest({ ...args, report: args.report!, resultsDir: args.results, log });
    process.stdout.write(r.reply);
    process.exitCode = r.gone ? 0 : 1;
  },
});
