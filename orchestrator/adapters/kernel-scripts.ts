// The kernel tree's own scripts a bug report uses: get_maintainer.pl and decode_stacktrace.sh,
// run from the tree with argument arrays (never a shell string), and git grep for definitions.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { definitionPattern } from '../core/maintainers.js';
import { exec } from './exec.js';
import { filesMatching } from './git.js';

/** get_maintainer.pl's answer for FILES (paths in TREE), with roles; undefined when the tree has no such script. */
export async function getMaintainers(tree: string, files: string[]): Promise<string | undefined> {
  const script = join(tree, 'scripts', 'get_maintainer.pl');
  const present = files.filter((f) => existsSync(join(tree, f)));
  if (!existsSync(script) || !present.length) return undefined;
  const r = await exec(['perl', script, '--no-git', '--no-git-fallback', '--rolestats', '-f', ...present], {
    cwd: tree,
    check: false,
  });
  return r.code === 0 ? r.stdout : undefined;
}

/** The files of TREE that define each function (at most MAX per function: more means the name is too common). */
export async function definingFiles(tree: string, functions: string[], max = 3): Promise<string[]> {
  const found: string[] = [];
  for (const name of functions) {
    const files = await filesMatching(tree, definitionPattern(name), '*.[ch]');
    if (files.length && files.length <= max) found.push(...files);
  }
  return [...new Set(found)];
}

/** decode_stacktrace.sh over TEXT with VMLINUX (file:line per frame needs its debug info). */
export async function decodeStacktrace(tree: string, vmlinux: string, text: string): Promise<string | undefined> {
  const script = join(tree, 'scripts', 'decode_stacktrace.sh');
  if (!existsSync(script)) return undefined;
  const r = await exec(['bash', script, vmlinux, tree], { input: text, cwd: tree, check: false });
  return r.code === 0 && r.stdout.trim() ? r.stdout : undefined;
}
