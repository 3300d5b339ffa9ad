// Damaged caches for the repair tests: a private cache and kernel store holding copies of the real
// image and kernel, and the ways a file can go bad (cut short, a byte flipped, a stamp forged).
import type { Test } from 'tap';
import { closeSync, cpSync, existsSync, openSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureImage } from '../orchestrator/adapters/rootfs.js';
import { readStamp } from '../orchestrator/adapters/stamp.js';
import { writeJson } from '../orchestrator/adapters/store.js';
import { Phases, prepare } from '../orchestrator/engine/pipeline.js';
import { fetchDebianKernel } from '../orchestrator/engine/kernels.js';
import { cacheDir, kernelStoreDir } from '../orchestrator/paths.js';
import { runCli } from './cli.js';
import { tempDir } from './temp.js';

/**
 * Points this process at a new cache and kernel store holding copies of the real image and kernel:
 * new inodes and ctimes, so the first look at each goes to its hash and renews its stamp. Returns
 * the results directory and the one cold run the tests make (an artifact is proven when a boot
 * uses it, and a restored guest uses none of them).
 */
export async function damageableCache() {
  const realImage = await ensureImage();
  const realKernel = await fetchDebianKernel();
  const [realCache, realStore] = [cacheDir(), kernelStoreDir()];
  const base = tempDir('orchestrate-repair-');
  process.env.ORCHESTRATE_CACHE = join(base, 'cache');
  process.env.ORCHESTRATE_KERNELS = join(base, 'kernels');
  const copy = (from: string, to: string) => cpSync(from, to, { recursive: true, preserveTimestamps: true });
  copy(dirname(realImage.path), join(cacheDir(), 'images', realImage.hash));
  copy(join(realStore, realKernel.id), join(kernelStoreDir(), realKernel.id));
  for (const f of ['accel-probe.json', 'apt-kernels.json'])
    if (existsSync(join(realCache, f))) cpSync(join(realCache, f), join(cacheDir(), f));
  const results = join(base, 'results');
  const run = (extra: string[] = []) =>
    runCli(['run', '--test', 'ib-reg-refusal/anon', ...extra, '--results', results, '--no-snapshot']);
  const prepared = () => prepare({ accel: 'auto', install: false, log: () => {} }, new Phases());
  return { results, run, prepared };
}

export function truncateHalf(path: string): void {
  truncateSync(path, Math.floor(statSync(path).size / 2));
}

/** Flips every bit of the byte in the middle of PATH. */
export function flipMiddle(path: string): void {
  const at = Math.floor(statSync(path).size / 2);
  const fd = openSync(path, 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, at);
  byte[0] ^= 0xff;
  writeSync(fd, byte, 0, 1, at);
  closeSync(fd);
}

/** A stamp that agrees with the file's stat again: only its hash can tell now. */
export function forgeStamp(stampFile: string, root: string): void {
  const stamp = readStamp(stampFile)!;
  writeJson(stampFile, {
    ...stamp,
    files: stamp.files.map((f) => {
      const s = statSync(join(root, f.path));
      return { ...f, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
    }),
  });
}

export function passes(t: Test, r: Awaited<ReturnType<typeof runCli>>): void {
  t.equal(r.code, 0, r.stdout + r.stderr.slice(-2000));
  t.match(r.stdout, /^ib-reg-refusal\/anon\s+PASS/m);
  t.notMatch(r.stderr, /^\s+at /m, 'no stack trace');
}
