// What the selected external suites bring for the kernel under test (the kernel's selftests,
// built from its source), made on the host before the guest boots.
import { join } from 'node:path';
import { lineOf } from '../core/debian.js';
import { checkoutWorktree } from '../adapters/git.js';
import { readRecord, type Kernel } from '../adapters/kernel-store.js';
import { ensureLinuxSource, sourceRevisions } from '../adapters/linux-source.js';
import { cacheDir } from '../paths.js';
import { isExternal } from '../suites/suite.js';
import type { Selection } from '../suites/index.js';

/** The source of KERNEL: the commit a build was made from, else Debian's linux-source of its version (or line). */
async function sourceTreeOf(kernel: Kernel, log: (line: string) => void): Promise<string> {
  const build = readRecord(kernel.id)?.build;
  if (build) {
    const dir = join(cacheDir(), 'selftests-src', build.commit.slice(0, 12));
    await checkoutWorktree(build.tree, dir, build.commit);
    return dir;
  }
  const exact = (await sourceRevisions()).some((r) => r.version === kernel.version);
  if (!exact) log(`no linux-source of ${kernel.version} in the archive: the selftests come from the newest ${lineOf(kernel.version)}`);
  return ensureLinuxSource(log, exact ? kernel.version : lineOf(kernel.version));
}

/** Suite name → host files to upload to its extDir. */
export async function bringSuites(selections: Selection[], kernel: Kernel, log: (line: string) => void): Promise<Record<string, string[]>> {
  const brought: Record<string, string[]> = {};
  let tree: Promise<string> | undefined;
  for (const { suite } of selections) {
    if (!isExternal(suite) || !suite.bring) continue;
    brought[suite.name] = await suite.bring({ version: kernel.version, tree: () => (tree ??= sourceTreeOf(kernel, log)) }, log);
  }
  return brought;
}
