// What the selected external suites bring, made on the host before the guest boots: the kernel's
// selftests, built from the source of the kernel under test; a suite's own source (fstests), built
// once per source and guest image.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { withLock } from '../adapters/lock.js';
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

/** Our worktree of a build's tree: one per tree, moved between commits (under its lock). */
function worktreeOf(tree: string): string {
  const name = `${basename(tree)}-${createHash('sha256').update(tree).digest('hex').slice(0, 8)}`;
  return join(cacheDir(), 'selftests-src', name);
}

/** PROGRAMS of the mm selftests of KERNEL's source, built on the host. */
async function mmSelftestsOf(kernel: Kernel, programs: string[], log: (line: string) => void): Promise<string[]> {
  const build = readRecord(kernel.id)?.build;
  if (!build) return buildMmSelftests(await debianSource(kernel, log), programs, log);
  const dir = worktreeOf(build.tree);
  const commit = build.head ?? build.commit;
  const what = `building the selftests of ${build.tree} at ${commit.slice(0, 12)}`;
  // Held until the selftests are built: another run may move the worktree to its own commit next.
  return withLock(
    `${dir}.lock`,
    async () => {
      if (!existsSync(dir)) needSpace(dirname(dir), 2 * 2 ** 30, `a worktree of ${build.tree} for its selftests`);
      await checkoutWorktree(build.tree, dir, commit);
      return buildMmSelftests(dir, programs, log);
    },
    { what, log },
  );
}

/** Debian's linux-source of KERNEL's version (or line), for a kernel not built here. */
async function debianSource(kernel: Kernel, log: (line: string) => void): Promise<string> {
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
  for (const { suite } of selections) {
    if (!isExternal(suite) || !suite.bring) continue;
    const { mmSelftests, source } = suite.bring;
    const files = (brought.files[suite.name] = [] as string[]);
    if (mmSelftests) files.push(...(await mmSelftestsOf(kernel, mmSelftests, log)));
    if (source) {
      const found = (brought.sources[suite.name] = await findSource(source));
      files.push(await builtSuite(source, found, image, log));
    }
  }
  return brought;
}
