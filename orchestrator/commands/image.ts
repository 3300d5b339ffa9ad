import { ensureHost, NEEDS } from '../adapters/host.js';
import { ensureImage } from '../adapters/rootfs.js';
import { command, log } from './common.js';

export const imageCommand = command({
  command: 'image',
  describe: 'build (or find cached) the guest image and print its path',
  builder: (y) => y.option('rebuild', { type: 'boolean', default: false, describe: 'build even when cached' }),
  handler: async (args) => {
    await ensureHost([NEEDS.mmdebstrap, NEEDS.mke2fs], log);
    const image = await ensureImage({ rebuild: args.rebuild, log });
    process.stdout.write(`${image.path}\n`);
    log(image.built ? `built in ${image.seconds.toFixed(1)} s` : 'cached');
  },
});
