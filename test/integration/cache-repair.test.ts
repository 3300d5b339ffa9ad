// Cached artifacts prove themselves: a guest image, initramfs, workload or stored kernel that is
// truncated or has a byte flipped is found out (by stat, then hash) and made again, and the run
// passes; one whose stamp was forged to match is found out when the boot or a workload fails.
// The variants that rebuild the image or fetch the kernel once more are in test/slow/cache-repair.
import t from 'tap';
import { readdirSync, truncateSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { damageableCache, flipMiddle, forgeStamp, passes, truncateHalf } from '../cache-damage.js';

const { results, run, prepared } = await damageableCache();

t.test('truncated image and initramfs, a flipped workload: each made again, the run passes', async (t) => {
  const p = await prepared();
  truncateHalf(p.image.path);
  truncateHalf(p.initramfs.path);
  flipMiddle(join(p.workloads.dir, 'ib-reg'));
  const r = await run();
  passes(t, r);
  t.match(
    r.stderr,
    new RegExp(`guest image ${p.image.hash}: rootfs.ext4 is \\d+ bytes, \\d+ when made; building it again`),
  );
  t.match(
    r.stderr,
    new RegExp(
      `initramfs of ${p.kernel.release}: ${basename(p.initramfs.path)} is \\d+ bytes, \\d+ when made; making it again`,
    ),
  );
  t.match(r.stderr, /workloads \w+: ib-reg does not hash as it did when made; building them again/);
});

t.test('a flipped initramfs, a truncated workload: each made again, the run passes', async (t) => {
  const p = await prepared();
  flipMiddle(p.initramfs.path);
  truncateHalf(join(p.workloads.dir, 'ib-reg'));
  const r = await run();
  passes(t, r);
  t.match(
    r.stderr,
    new RegExp(
      `initramfs of ${p.kernel.release}: ${basename(p.initramfs.path)} does not hash as it did when made; making it again`,
    ),
  );
  t.match(r.stderr, /workloads \w+: ib-reg is \d+ bytes, \d+ when made; building them again/);
});

t.test('a truncated stored kernel is removed and fetched again', async (t) => {
  const p = await prepared();
  truncateHalf(p.kernel.boot);
  const r = await run();
  passes(t, r);
  t.match(
    r.stderr,
    new RegExp(`kernel ${p.kernel.id} in the store: vmlinux is \\d+ bytes, \\d+ when made; removed it`),
  );
  t.match(r.stderr, /fetching linux-image-/);
});

t.test('a workload that will not exec under a matching stamp is checked and rebuilt', async (t) => {
  const p = await prepared();
  const binary = join(p.workloads.dir, 'ib-reg');
  truncateSync(binary, 64);
  forgeStamp(`${p.workloads.dir}.stamp.json`, p.workloads.dir);
  const r = await run();
  passes(t, r);
  t.match(r.stderr, /workloads \w+: ib-reg does not hash as it did when made; making it again and running once more/);
});

t.test('an initramfs bad under a matching stamp: the failed boot sends it to its hash', async (t) => {
  const p = await prepared();
  truncateHalf(p.initramfs.path);
  forgeStamp(`${p.initramfs.path}.stamp.json`, dirname(p.initramfs.path));
  const before = readdirSync(results).length;
  const r = await run();
  passes(t, r);
  t.match(
    r.stderr,
    new RegExp(
      `initramfs of ${p.kernel.release}: ${basename(p.initramfs.path)} does not hash as it did when made; making it again and running once more`,
    ),
  );
  t.equal(readdirSync(results).length, before + 2, 'the failed first run kept its results too');
});
