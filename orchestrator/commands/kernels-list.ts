import type { CommandModule } from 'yargs';
import { listRecords, storeDir } from '../adapters/kernel-store.js';

export const kernelsCommand: CommandModule = {
  command: 'kernels <action>',
  describe: 'list the kernel store',
  builder: (y) => y.positional('action', { choices: ['list'] as const }),
  handler: () => {
    const records = listRecords();
    if (!records.length) process.stderr.write(`no kernels in ${storeDir()}\n`);
    for (const r of records) process.stdout.write(`${r.id}\t${r.release}\t${r.version}\t${r.source}\t${r.added}\n`);
  },
};
