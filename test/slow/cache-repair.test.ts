// The cache repairs that cost a rebuild of the guest image or a fetch of the kernel more than
// test/integration/cache-repair does once each: a flipped image, a flipped stored kernel, and a
// stored kernel bad under a forged stamp, asked for by its store id.
import t from 'tap';
import { join } from 'node:path';
import { kernelStoreDir } from '../../orchestrator/paths.js';
import { damageableCache, flipMiddle, forgeStamp, passes, truncateHalf } from '../cache-damage.js';

const { run, prepared } = await damageableCache();

t.test('a flipped image is built again, the run passes', async (t) => {
  const p = await prepared();
  flipMiddle(p.image.path);
  const r = await run();
  passes(t, r);
  t.match(r.stderr, /guest image \w+: rootfs.ext4 does not hash as it did when made; building it again/);
});

t.test('a flipped stored kernel is removed and fetched again', async (t) => {
  const p = await prepared();
  flipMiddle(p.kernel.boot);
  const r = await run();
  passes(t, r);
  t.match(
    r.stderr,
    new RegExp(`kernel ${p.kernel.id} in the store: vmlinux does not hash as it did when made; removed it`),
  );
  t.match(r.stderr, /fetching linux-image-/);
});

t.test(
  'a stored kernel bad under a matching stamp, asked for by its store id: the failed boot sends it to its hash, it is fetched again',
  async (t) => {
    const p = await prepared();
    truncateHalf(p.kernel.boot);
    const dir = join(kernelStoreDir(), p.kernel.id);
    forgeStamp(join(dir, 'stamp.json'), dir);
    const r = await run(['--kernel', p.kernel.id]);
    passes(t, r);
    t.match(
      r.stderr,
      new RegExp(
        `kernel ${p.kernel.id}: vmlinux does not hash as it did when made; making it again and running once more`,
      ),
    );
    t.match(r.stderr, /fetching linux-image-/);
  },
);
