// Where things live: the repository (guest/, configs/), the caches and the kernel store.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'orchestrate') return dir;
    if (dirname(dir) === dir) throw new Error(`no orchestrate package.json above ${start}`);
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const guestDir = join(repoRoot, 'guest');
export const configsDir = join(repoRoot, 'configs');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');

/** Image, initramfs and workload caches: $ORCHESTRATE_CACHE, else the XDG cache dir. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ORCHESTRATE_CACHE) return resolve(env.ORCHESTRATE_CACHE);
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'orchestrate');
}

/** The kernel store: $ORCHESTRATE_KERNELS, else kernels/ in the repository. */
export function kernelStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ORCHESTRATE_KERNELS ? resolve(env.ORCHESTRATE_KERNELS) : join(repoRoot, 'kernels');
}
