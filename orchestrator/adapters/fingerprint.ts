// Content hashes of recipes (file trees, lists, settings) that name cache entries.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(root);
  return out;
}

/** Hash of paths (relative to base), modes and contents, plus any extra strings. */
export function fingerprint(base: string, files: string[], extra: unknown[] = []): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${relative(base, file)}\0${statSync(file).mode & 0o777}\0`);
    hash.update(readFileSync(file));
  }
  hash.update(JSON.stringify(extra));
  return hash.digest('hex').slice(0, 16);
}
