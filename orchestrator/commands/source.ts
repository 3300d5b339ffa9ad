import type { CommandModule } from 'yargs';
import { ensureLinuxSource, SOURCE_PACKAGE } from '../adapters/linux-source.js';
import { log } from './common.js';

export const sourceCommand: CommandModule = {
  command: 'source',
  describe: `make a git tree of Debian's ${SOURCE_PACKAGE} (cached) and print its path: a tree to build`,
  handler: async () => {
    process.stdout.write(`${await ensureLinuxSource(log)}\n`);
  },
};
