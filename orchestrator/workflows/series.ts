// --series: an mbox file, a directory of .patch/.mbox/.eml files, or a git range in the tree.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { blockingProblems, parseSeries, splitMbox, type Message, type Series } from '../core/series.js';
import { formatPatch } from '../adapters/git.js';

const PATCH_FILE = /\.(patch|mbox|eml|diff)$/;

/** The patch files of a directory (.patch, .mbox, .eml, .diff), in name order, as paths. */
export function patchFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => PATCH_FILE.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function messagesOfFiles(paths: string[]): Message[] {
  return paths.flatMap((path) => splitMbox(readFileSync(path, 'utf8')));
}

async function messagesOf(spec: string, tree: string) {
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    const files = patchFiles(spec);
    if (!files.length) throw new UsageError(`--series ${spec}: no .patch, .mbox or .eml files in it`);
    return messagesOfFiles(files);
  }
  if (existsSync(spec)) return splitMbox(readFileSync(spec, 'utf8'));
  if (spec.includes('..')) return splitMbox(await formatPatch(tree, spec));
  throw new UsageError(`--series ${spec}: no such file or directory, and not a git range (A..B)`);
}

/** The series, or one error line when it cannot be applied as a whole. */
export async function loadSeries(spec: string, tree: string, log: (line: string) => void): Promise<Series> {
  const series = parseSeries(await messagesOf(spec, tree));
  const fatal = blockingProblems(series);
  if (fatal.length) throw new UsageError(`--series ${spec}: ${fatal.join('; ')}`);
  for (const p of series.problems) log(`series: ${p}`);
  return series;
}
