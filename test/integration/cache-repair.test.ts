// Cached artifacts prove themselves: a guest image, initramfs, workload or stored kernel that is
// truncated or has a byte flipped is found out (by stat, then hash) and made again, and the run
// passes; one whose stamp was forged to match is found out when the boot or a workload fails.
import t, { type Test } from 'tap';
import {
  cpSync,
  closeSync,
  existsSync,
  openSync,
  readSync,
  readdirSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ensureImage } from '../../orchestrator/adapters/rootfs.js';
import { readStamp } from '../../orchestrator/adapters/stamp.js';
import { writeJson } from '../../orchestrator/adapters/store.js';
import { Phases, prepare } from '../../orchestrator/engine/pipeline.js';
import { fetchDebianKernel } from '../../orchestrator/engine/kernels.js';
import { cacheDir, kernelStoreDir } from '../../orchestrator/paths.js';
import { runCli } from '../cli.js';
import { tempDir } from '../temp.js';

const realImage = await ensureImage();
const realKernel = await fetchDebianKernel();
const realCache = cacheDir();
const realStore = kernelStoreDir();

const base = tempDir('orchestrate-repair-');
process.env.ORCHESTRATE_CACHE = join(base, 'cache');
process.env.ORCHESTRATE_KERNELS = join(base, 'kernels');
// Copies: new inodes and ctimes, so the first look at each goes to its hash and renews its stamp.
cpSync(dirname(realImage.path), join(cacheDir(), 'images', realImage.hash), {
  recursive: true,
  preserveTimestamps: true,
});
cpSync(join(realStore, realKernel.id), join(kernelStoreDir(), realKernel.id), {
  recursive: true,
  preserveTimestamps: true,
});
for (const f of ['accel-probe.json', 'apt-kernels.json']) {
  if (existsSync(join(realCache, f))) cpSync(join(realCache, f), join(cacheDir(), f));
}

const prepared = () => prepare({ accel: 'auto', install: false, log: () => {} }, new Phases());
const results = join(base, 'results');
// Cold boots: an artifact is proven when a boot uses it, and a restored guest uses none of them.
const run = () => runCli(['run', '--test', 'ib-reg-refusal/anon', '--results', results, '--no-snapshot']);

function truncateHalf(path: string): void {
  truncateSync(path, Math.floor(statSync(path).size / 2));
}

/** Flips every bit of the byte in the middle of PATH. */
function flipMiddle(path: string): void {
  const at = Math.floor(statSync(path).size / 2);
  const fd = openSync(path, 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, at);
  byte[0] ^= 0xff;
  writeSync(fd, byte, 0, 1, at);
  closeSync(fd);
}

/** A stamp that agrees with the file's stat again: only its hash can tell now. */
function forgeStamp(stampFile: string, root: string): void {
  const stamp = readStamp(stampFile)!;
  writeJson(stampFile, {
    ...stamp,
    files: stamp.files.map((f) => {
      const s = statSync(join(root, f.path));
      return { ...f, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
    }),
  });
}

function passes(t: Test, r: Awaited<ReturnType<typeof run>>): void {
  t.equal(r.code, 0, r.stdout + r.stderr.slice(-2000));
  t.match(r.stdout, /^ib-reg-refusal\/anon\s+PASS/m);
  t.notMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

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

t.test('flipped image and initramfs, a truncated workload: each made again, the run passes', async (t) => {
  const p = await prepared();
  flipMiddle(p.image.path);
  flipMiddle(p.initramfs.path);
  truncateHalf(join(p.workloads.dir, 'ib-reg'));
  const r = await run();
  passes(t, r);
  t.match(r.stderr, /guest image \w+: rootfs.ext4 does not hash as it did when made; building it again/);
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

t.test('a flipped stored kernel is fetched again; a workload that will not exec is checked and rebuilt', async (t) => {
  const p = await prepared();
  flipMiddle(p.kernel.boot);
  const binary = join(p.workloads.dir, 'ib-reg');
  truncateSync(binary, 64);
  forgeStamp(`${p.workloads.dir}.stamp.json`, p.workloads.dir);
  const r = await run();
  passes(t, r);
  t.match(
    r.stderr,
    new RegExp(`kernel ${p.kernel.id} in the store: vmlinux does not hash as it did when made; removed it`),
  );
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

t.test(
  'a stored kernel bad under a matching stamp, asked for by its store id: the failed boot sends it to its hash, it is fetched again',
  async (t) => {
    const p = await prepared();
    truncateHalf(p.kernel.boot);
    const dir = join(kernelStoreDir(), p.kernel.id);
    forgeStamp(join(dir, 'stamp.json'), dir);
    const r = await runCli([
      ...['run', '--kernel', p.kernel.id, '--test', 'ib-reg-refusal/anon'],
      ...['--results', results, '--no-snapshot'],
    ]);
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
