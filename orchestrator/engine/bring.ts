// What the selected external suites bring, made on the host before the guest boots: the kernel's
// selftests, built from the source of the kernel under test; a suite's own source (fstests), built
// once per source and guest image.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { needSpace } from '../adapters/store.js';
import { lineOf } from '../core/debian.js';
import { checkoutWorktree } from '../adapters/git.js';
import { readRecord, type Kernel } from '../adapters/kernel-store.js';
import { ensureLinuxSource, sourceRevisions } from '../adapters/linux-source.js';
import { buildMmSelftests } from '../adapters/selftests.js';
import { builtSuite, findSource, type SuiteSource } from '../adapters/suite-source.js';
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

export interface Brought {
  /** Suite name → host files to upload to its extDir. */
  files: Record<string, string[]>;
  /** Suite name → the source its own tree was built from. */
  sources: Record<string, SuiteSource>;
}

/** What the selected suites bring for KERNEL, with the guest image IMAGE: built (or found cached) on the host. */
export async function bringSuites(
  selections: Selection[],
  kernel: Kernel,
  image: string,
  log: (line: string) => void,
): Promise<Brought> {
  const brought: Brought = { files: {}, sources: {} };
  let tree: Promise<string> | undefined;
  for (const { suite } of selections) {
    if (!isExternal(suite) || !suite.bring) continue;
    const { mmSelftests, source } = suite.bring;
    const files = (brought.files[suite.name] = [] as string[]);
    if (mmSelftests) {
      tree ??= sourceTreeOf(kernel, log);
      files.push(...(await buildMmSelftests(await tree, mmSelftests, log)));
    }
    if (source) {
      const found = (brought.sources[suite.name] = await findSource(source));
      files.push(await builtSuite(source, found, image, log));
    }
  }
  return brought;
}
