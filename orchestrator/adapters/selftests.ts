// The kernel's own selftests, built on the host from the kernel's source tree (statically: the
// guest needs no libraries for them) and cached by what they were built from.
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { cacheDir } from '../paths.js';
import { sharedWork } from '../core/shared-work.js';
import { makeOnce } from './lock.js';
import { exec } from './exec.js';
import { ensureHost, NEEDS } from './host.js';
import { tryResolveRev } from './git.js';
import { releaseDir, removeTree, trackDir } from './lifecycle.js';

/** tools/testing/selftests/mm (6.3+) or vm (before): where a tree keeps its mm selftests. */
function mmSelftests(tree: string): string | undefined {
  return ['mm', 'vm']
    .map((d) => join(tree, 'tools', 'testing', 'selftests', d))
    .find((d) => existsSync(join(d, 'gup_test.c')));
}

async function treeKey(tree: string): Promise<string> {
  return (await tryResolveRev(tree, 'HEAD')) ?? readFileSync(join(tree, 'Makefile'), 'utf8');
}

/** Builds in flight in this process, by output directory. */
const building = new Map<string, Promise<string[]>>();

/**
 * Builds PROGRAMS (gup_test, gup_longterm, …) of the tree's mm selftests that it has; returns the
 * built paths. The uapi headers come from the tree itself (`make headers`: vm_util.c wants newer
 * ones than the host's), liburing from liburing-dev when the tree's check_config.sh finds it.
 */
export async function buildMmSelftests(
  tree: string,
  programs: string[],
  log: (line: string) => void,
): Promise<string[]> {
  const dir = mmSelftests(tree);
  if (!dir) return [];
  const have = programs.filter((p) => existsSync(join(dir, `${p}.c`)));
  await ensureHost([NEEDS.gcc, NEEDS.make, NEEDS.liburing, NEEDS.flex, NEEDS.bison, NEEDS.bc], log);
  const key = createHash('sha256')
    .update(JSON.stringify([await treeKey(tree), have, 'static-v1']))
    .digest('hex')
    .slice(0, 16);
  const out = join(cacheDir(), 'selftests', key);
  const built = have.map((p) => join(out, p));
  const ready = () => (existsSync(out) ? built : undefined);
  const make = async () => {
    await build(tree, dir, have, out, log);
    return built;
  };
  return sharedWork(building, out, () => makeOnce(out, ready, make, { what: `building mm selftests ${key}`, log }));
}

async function build(
  tree: string,
  dir: string,
  have: string[],
  out: string,
  log: (line: string) => void,
): Promise<void> {
  log(`building ${have.join(', ')} from ${tree}`);
  const tmp = trackDir(`${out}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  removeTree(tmp);
  mkdirSync(tmp, { recursive: true });
  // `make headers` leaves them in O/usr/include (headers_install would also want rsync).
  await exec(['make', '-s', '-C', tree, `O=${join(tmp, 'o')}`, 'headers']);
  const headers = join(tmp, 'o', 'usr', 'include');
  const helpers = ['vm_util.c', 'thp_settings.c'].filter((f) => existsSync(join(dir, f)));
  const uring =
    existsSync(join(dir, 'check_config.sh')) &&
    (await exec(['sh', './check_config.sh', 'gcc'], { cwd: dir, check: false })).code === 0 &&
    readFileSync(join(dir, 'local_config.h'), 'utf8').includes('LOCAL_CONFIG_HAVE_LIBURING');
  for (const p of have) {
    await exec(
      [
        'gcc',
        '-static',
        '-Wall',
        '-O2',
        '-I',
        '../../../..',
        '-isystem',
        headers,
        `${p}.c`,
        ...helpers,
        '-lrt',
        '-lpthread',
        '-lm',
        ...(uring ? ['-luring'] : []),
        '-o',
        join(tmp, p),
      ],
      { cwd: dir },
    );
  }
  removeTree(join(tmp, 'o'));
  renameSync(tmp, out);
  releaseDir(tmp);
}
