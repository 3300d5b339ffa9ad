// Stamps of cached artifacts: which stat changes prove a change, and what a stopped boot points at.
import t from 'tap';
import { bootSuspects, hashChange, statChange, type FileStamp } from '../../orchestrator/core/stamp.js';

const made: FileStamp = {
  path: 'rootfs.ext4',
  size: 616562688,
  mtimeMs: 1000,
  ctimeMs: 1000,
  ino: 42,
  sha256: 'ab'.repeat(32),
};

t.test('a stat as made is no change; size and absence prove one; other stats need the hash', async (t) => {
  t.equal(statChange(made, { size: made.size, mtimeMs: 1000, ctimeMs: 1000, ino: 42 }), undefined);
  t.same(statChange(made, undefined), { why: 'rootfs.ext4 is missing', sure: true });
  t.same(statChange(made, { size: 10, mtimeMs: 1000, ctimeMs: 1000, ino: 42 }), {
    why: 'rootfs.ext4 is 10 bytes, 616562688 when made',
    sure: true,
  });
  for (const changed of [{ ctimeMs: 2000 }, { mtimeMs: 2000 }, { ino: 43 }]) {
    t.same(
      statChange(made, { size: made.size, mtimeMs: 1000, ctimeMs: 1000, ino: 42, ...changed }),
      { why: 'rootfs.ext4 was written or replaced since it was made', sure: false },
      JSON.stringify(changed),
    );
  }
});

t.test('the hash decides', async (t) => {
  t.equal(hashChange(made, made.sha256), undefined);
  t.equal(hashChange(made, 'cd'.repeat(32)), 'rootfs.ext4 does not hash as it did when made');
  t.equal(hashChange(made, undefined), 'rootfs.ext4 is missing');
});

t.test('how far a boot got names the artifacts to check', async (t) => {
  const at = (banner: boolean, init: boolean, switchRoot: boolean, sshd: boolean) =>
    bootSuspects({ banner, init, switchRoot, sshd });
  t.same(at(false, false, false, false), ['kernel']);
  t.same(at(true, false, false, false), ['kernel', 'initramfs']);
  t.same(at(true, true, false, false), ['initramfs', 'image']);
  t.same(at(true, true, true, false), ['image', 'initramfs']);
  t.same(at(true, true, true, true), [], 'a boot that reached sshd points at no artifact');
});
