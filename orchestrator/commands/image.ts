import { buildContainerImage } from '../adapters/container.js';
import { ensureHost, NEEDS } from '../adapters/host.js';
import { ensureImage } from '../adapters/rootfs.js';
import { DEFAULT_IMAGE } from '../core/container.js';
import { command, log } from './common.js';

export const imageCommand = command({
  command: 'image',
  describe: 'build (or find cached) the guest image and print its path; --container: the OCI image of orchestrate',
  builder: (y) =>
    y
      .option('rebuild', { type: 'boolean', default: false, describe: 'build even when cached' })
      .option('container', { type: 'boolean', default: false, describe: 'build the OCI image of orchestrate (podman)' })
      .option('tag', { type: 'string', default: DEFAULT_IMAGE, describe: 'with --container: the tag it gets' }),
  handler: async (args) => {
    if (args.container) {
      await ensureHost([NEEDS.mmdebstrap, NEEDS.podman, NEEDS.runc], log);
      const image = await buildContainerImage({ tag: args.tag, log });
      process.stdout.write(`${image.tag}\n`);
      const mib = (image.bytes / 2 ** 20).toFixed(0);
      log(`built in ${image.seconds.toFixed(1)} s: ${mib} MiB, ${image.packages} Debian packages (${image.id})`);
      return;
    }
    await ensureHost([NEEDS.mmdebstrap, NEEDS.mke2fs], log);
    const image = await ensureImage({ rebuild: args.rebuild, log });
    process.stdout.write(`${image.path}\n`);
    log(image.built ? `built in ${image.seconds.toFixed(1)} s` : 'cached');
  },
});
