// --series: an mbox file, a directory of .patch/.mbox/.eml files, or a git range in the tree.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { parseSeries, splitMbox, type Series } from '../core/series.js';
import { formatPatch } from '../adapters/git.js';

const PATCH_FILE = /\.(patch|mbox|eml|diff)$/;

async function messagesOf(spec: string, tree: string) {
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    const files = readdirSync(spec).filter((f) => PATCH_FILE.test(f)).sort();
    if (!files.length) throw new UsageError(`--series ${spec}: no .patch, .mbox or .eml files in it`);
    return files.flatMap((f) => splitMbox(readFileSync(join(spec, f), 'utf8')));
  }
  if (existsSync(spec)) return splitMbox(readFileSync(spec, 'utf8'));
  if (spec.includes('..')) return splitMbox(await formatPatch(tree, spec));
  throw new UsageError(`--series ${spec}: no such file or directory, and not a git range (A..B)`);
}

/** The series, or one error line when it cannot be applied as a whole. */
export async function loadSeries(spec: string, tree: string, log: (line: string) => void): Promise<Series> {
  const series = parseSeries(await messagesOf(spec, tree));
  const fatal = series.problems.filter((p) => !p.startsWith('ignored'));
  if (fatal.length) throw new UsageError(`--series ${spec}: ${fatal.join('; ')}`);
  for (const p of series.problems) log(`series: ${p}`);
  return series;
}
