// What the selected external suites bring for the kernel under test (the kernel's selftests,
// built from its source), made on the host before the guest boots.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { needSpace } from '../adapters/store.js';
import { lineOf } from '../core/debian.js';
import { checkoutWorktree } from '../adapters/git.js';
import { readRecord, type Kernel } from '../adapters/kernel-store.js';
import { ensureLinuxSource, sourceRevisions } from '../adapters/linux-source.js';
import { buildMmSelftests } from '../adapters/selftests.js';
import { cacheDir } from '../paths.js';
import { isExternal } from '../suites/suite.js';
import type { Selection } from '../suites/index.js';

/** Worktrees being checked out in this process, by directory: concurrent runs share one. */
const checkouts = new Map<string, Promise<string>>();

/** Our worktree of a build's tree (one per tree, moved between commits) at the source it built. */
function builtSource(tree: string, commit: string): Promise<string> {
  const dir = join(
    cacheDir(),
    'selftests-src',
    `${basename(tree)}-${createHash('sha256').update(tree).digest('hex').slice(0, 8)}`,
  );
  const previous = checkouts.get(dir) ?? Promise.resolve('');
  const next = previous
    .catch(() => '')
    .then(async () => {
      if (!existsSync(dir))
        needSpace(join(cacheDir(), 'selftests-src'), 2 * 2 ** 30, `a worktree of ${tree} for its selftests`);
      await checkoutWorktree(tree, dir, commit);
      return dir;
    });
  checkouts.set(dir, next);
  return next;
}

/** The source of KERNEL: what a build was made from (its series applied), else Debian's linux-source of its version (or line). */
async function sourceTreeOf(kernel: Kernel, log: (line: string) => void): Promise<string> {
  const build = readRecord(kernel.id)?.build;
  if (build) return builtSource(build.tree, build.head ?? build.commit);
  const exact = (await sourceRevisions()).some((r) => r.version === kernel.version);
  if (!exact)
    log(
      `no linux-source of ${kernel.version} in the archive: the selftests come from the newest ${lineOf(kernel.version)}`,
    );
  return ensureLinuxSource(log, exact ? kernel.version : lineOf(kernel.version));
}

/** Suite name → host files to upload to its extDir. */
export async function bringSuites(
  selections: Selection[],
  kernel: Kernel,
  log: (line: string) => void,
): Promise<Record<string, string[]>> {
  const brought: Record<string, string[]> = {};
  let tree: Promise<string> | undefined;
  for (const { suite } of selections) {
    if (!isExternal(suite) || !suite.bring) continue;
    tree ??= sourceTreeOf(kernel, log);
    brought[suite.name] = await buildMmSelftests(await tree, suite.bring.mmSelftests, log);
  }
  return brought;
}
