import { UsageError } from '../errors.js';
import { parseKernelSpec } from '../core/kernel-spec.js';
import { fetchDebianKernel } from '../engine/kernels.js';
import { command, log } from './common.js';

export const kernelCommand = command({
  command: 'kernel fetch <spec>',
  describe: 'download a Debian kernel package into the kernel store: debian[:VERSION] (6.1.192, 6.1.0-56, 6.12)',
  builder: (y) => y.positional('spec', { type: 'string', demandOption: true }),
  handler: async (args) => {
    const spec = parseKernelSpec(args.spec);
    if (spec.kind !== 'debian') throw new UsageError(`kernel fetch ${args.spec}: want debian or debian:VERSION`);
    const kernel = await fetchDebianKernel(spec.version, log);
    process.stdout.write(`${kernel.id}\t${kernel.release}\t${kernel.version}\n`);
  },
});
