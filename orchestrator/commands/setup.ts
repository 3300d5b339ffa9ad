import type { CommandModule } from 'yargs';
import { ensureHost, KBUILD_NEEDS, REPRO_NEEDS, TEST_NEEDS } from '../adapters/host.js';
import { ensureImage } from '../adapters/rootfs.js';
import { ensureWorkloads } from '../adapters/workloads.js';
import { resolveKernel } from '../engine/kernels.js';
import { SOURCE_RECIPES } from '../suites/index.js';
import { log } from './common.js';

export const setupCommand: CommandModule = {
  command: 'setup',
  describe:
    'install host packages (apt, as root) for tests, kernel builds, the suites we build (fstests) and our own ' +
    'test suite, fetch the default kernel, build the guest image and workloads',
  handler: async () => {
    const suites = SOURCE_RECIPES.flatMap((r) => r.hostNeeds);
    const installed = await ensureHost([...REPRO_NEEDS, ...KBUILD_NEEDS, ...TEST_NEEDS, ...suites], log);
    const kernel = await resolveKernel({ log });
    const image = await ensureImage({ log });
    const workloads = await ensureWorkloads();
    process.stdout.write(
      [
        `host packages: ${installed.length ? `installed ${installed.join(' ')}` : 'all present'}`,
        `kernel: ${kernel.id} (${kernel.release})`,
        `image: ${image.path}`,
        `workloads: ${workloads.dir}`,
      ].join('\n') + '\n',
    );
  },
};
