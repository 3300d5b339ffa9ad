import type { CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { fetchDebianKernel } from '../run/kernels.js';
import { log } from './common.js';

interface Args {
  spec: string;
}

export const kernelCommand: CommandModule<object, Args> = {
  command: 'kernel fetch <spec>',
  describe: 'download a Debian kernel package into the kernel store: debian[:VERSION] (6.1.192, 6.1.0-56, 6.12)',
  builder: (y) => y.positional('spec', { type: 'string', demandOption: true }) as never,
  handler: async (args) => {
    if (args.spec !== 'debian' && !args.spec.startsWith('debian:')) {
      throw new UsageError(`kernel fetch ${args.spec}: want debian or debian:VERSION`);
    }
    const query = args.spec === 'debian' ? undefined : args.spec.slice('debian:'.length);
    const kernel = await fetchDebianKernel(query, log);
    process.stdout.write(`${kernel.id}\t${kernel.release}\t${kernel.version}\n`);
  },
};
