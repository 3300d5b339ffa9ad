// The linux-source tree the slow tier builds, and fixtures whose base-commit is that tree's
// commit: nothing in the tests depends on which revision of the package is current.
// ORCHESTRATE_TEST_SOURCE pins a revision (e.g. 6.1.190-1); default: the newest 6.1.
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ensureLinuxSource, sourceMarker, type SourceMarker } from '../orchestrator/adapters/linux-source.js';
import { fixturesDir } from '../orchestrator/paths.js';
import { gitIn } from './git-repo.js';
import { tempDir } from './temp.js';

export interface SourceTree {
  dir: string;
  head: string;
  marker: SourceMarker;
}

export async function sourceTree(query = process.env.ORCHESTRATE_TEST_SOURCE): Promise<SourceTree> {
  const dir = await ensureLinuxSource(() => {}, query);
  return { dir, head: gitIn(dir, 'rev-parse', 'HEAD'), marker: sourceMarker(dir)! };
}

const BASE_LINE = /^base-commit: .*$/m;

function rebase(file: string, commit: string): void {
  const text = readFileSync(file, 'utf8');
  if (BASE_LINE.test(text)) writeFileSync(file, text.replace(new RegExp(BASE_LINE, 'gm'), `base-commit: ${commit}`));
}

function rebaseTree(path: string, commit: string): void {
  if (!statSync(path).isDirectory()) return rebase(path, commit);
  for (const name of readdirSync(path)) rebaseTree(join(path, name), commit);
}

/** A copy of test/fixtures/REL (a file or directory) whose base-commit lines name COMMIT. */
export function onBase(rel: string, commit: string): string {
  const copy = join(tempDir('orchestrate-fixture-'), basename(rel));
  cpSync(join(fixturesDir, rel), copy, { recursive: true });
  rebaseTree(copy, commit);
  return copy;
}
