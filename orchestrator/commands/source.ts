import { describeRevisions, ensureLinuxSource } from '../adapters/linux-source.js';
import { command, log } from './common.js';

export const sourceCommand = command({
  command: 'source',
  describe: "make a git tree of Debian's linux-source-6.1 or -6.12 (cached per package revision) and print its path",
  builder: (y) =>
    y
      .option('version', {
        type: 'string',
        describe:
          'a line (6.1, 6.12), an upstream version (6.1.190) or a package revision (6.1.192-2); default: newest 6.1',
      })
      .option('list', {
        type: 'boolean',
        default: false,
        describe: 'list the revisions the archive has, and which are imported',
      }),
  handler: async (args) => {
    if (args.list) {
      process.stdout.write(`${(await describeRevisions()).join('\n')}\n`);
      return;
    }
    process.stdout.write(`${await ensureLinuxSource(log, args.version)}\n`);
  },
});
