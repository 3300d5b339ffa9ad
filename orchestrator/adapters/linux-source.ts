// A git tree from Debian's linux-source-6.1 or -6.12 package: the kernel the slow tier and the
// benchmark build, and a tree to try `orchestrate build` on. One commit with fixed dates per
// package revision, so its hash, and every store id built from it, is the same on every machine
// that imports the same revision; the revision is in the tree's name, its tag and a marker file.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import {
  dropDebianIgnore,
  lineOf,
  parseMadison,
  pickSourceRevision,
  SOURCE_LINES,
  type SourceRevision,
} from '../core/debian.js';
import { cacheDir } from '../paths.js';
import { download, extractDeb } from './apt.js';
import { exec } from './exec.js';
import { importTree } from './git.js';
import { ensureHost, isRoot, NEEDS } from './host.js';
import { releaseDir, removeTree, trackDir } from './lifecycle.js';
import { makeOnce } from './lock.js';
import { needSpace, readJsonOr } from './store.js';

/** Nothing of the machine's git config (signing, hooks, object format) may change the commit. */
/** What a tree made by ensureLinuxSource came from: .git/orchestrate-source.json. */
export interface SourceMarker {
  pkg: string;
  revision: string;
  version: string;
}

const MARKER = 'orchestrate-source.json';

/** The package revision a tree was imported from, when orchestrate made it. */
export function sourceMarker(tree: string): SourceMarker | undefined {
  return readJsonOr<SourceMarker>(join(tree, '.git', MARKER));
}

/** Every linux-source revision the archive offers, newest first (apt-get update once if it knows none). */
export async function sourceRevisions(): Promise<SourceRevision[]> {
  const query = async () =>
    parseMadison(
      (await exec(['apt-cache', 'madison', ...SOURCE_LINES.map((l) => `linux-source-${l}`)], { check: false })).stdout,
    );
  let found = await query();
  if (!found.length && isRoot()) {
    await exec(['apt-get', 'update', '-q']);
    found = await query();
  }
  return found;
}

async function pick(query: string | undefined): Promise<SourceRevision> {
  const available = await sourceRevisions();
  const picked = pickSourceRevision(available, query);
  if (picked) return picked;
  const line = lineOf(query);
  const same = available.filter((r) => r.line === line).map((r) => r.revision);
  const has = same.length ? same.join(', ') : 'none (run apt-get update)';
  throw new UsageError(
    `linux-source ${query ?? line}: the archive has no such revision; linux-source-${line} revisions: ${has}`,
  );
}

function treePath(r: SourceRevision): string {
  return join(cacheDir(), 'trees', `${r.pkg}-${r.revision}`);
}

/** The tarball of that revision: the installed package's when it is the same, else downloaded. */
async function tarball(r: SourceRevision, work: string): Promise<string> {
  const installed = `/usr/src/${r.pkg}.tar.xz`;
  const have = await exec(['dpkg-query', '-W', '-f=${Version}', r.pkg], { check: false });
  if (have.code === 0 && have.stdout.trim() === r.revision && existsSync(installed)) return installed;
  const deb = await download(r.pkg, r.revision, work);
  await extractDeb(deb, join(work, 'deb'));
  return join(work, 'deb', 'usr', 'src', `${r.pkg}.tar.xz`);
}

/**
 * The tree of QUERY (default: the newest linux-source-6.1; "6.12", "6.1.190", "6.1.192-2"): made
 * once per revision (about a minute), then reused.
 */
export async function ensureLinuxSource(log: (line: string) => void = () => {}, query?: string): Promise<string> {
  await ensureHost([NEEDS.xz, NEEDS.git, NEEDS.dpkgDeb], log);
  // A pinned revision imported before is used as it is, even when the archive has moved on.
  const pinned = query?.includes('-') ? join(cacheDir(), 'trees', `linux-source-${lineOf(query)}-${query}`) : undefined;
  if (pinned && existsSync(join(pinned, '.git', MARKER))) return pinned;
  const r = await pick(query);
  const tree = treePath(r);
  const ready = () => (existsSync(join(tree, '.git', MARKER)) ? tree : undefined);
  const what = `making a git tree of ${r.pkg} ${r.revision}`;
  return makeOnce(tree, ready, () => importSource(r, tree, log), { what, log });
}

/** Debian's tarball of R as a git tree at TREE, made aside and renamed into place. */
async function importSource(r: SourceRevision, tree: string, log: (line: string) => void): Promise<string> {
  needSpace(join(cacheDir(), 'trees'), 3 * 2 ** 30, `the git tree of ${r.pkg} ${r.revision}`);
  log(`making a git tree of ${r.pkg} ${r.revision}`);
  const staging = trackDir(`${tree}.staging-${process.pid}`);
  removeTree(staging);
  mkdirSync(join(staging, 'src'), { recursive: true });
  try {
    await exec(['tar', '-xJf', await tarball(r, staging), '-C', join(staging, 'src')]);
    const [top] = readdirSync(join(staging, 'src'));
    const src = join(staging, 'src', top);
    const ignore = join(src, '.gitignore');
    writeFileSync(ignore, dropDebianIgnore(readFileSync(ignore, 'utf8')));
    await importTree(
      src,
      `Linux ${r.version} (Debian ${r.pkg} ${r.revision})`,
      `debian-${r.revision.replace(/~/g, '_')}`,
    );
    const marker: SourceMarker = { pkg: r.pkg, revision: r.revision, version: r.version };
    writeFileSync(join(src, '.git', MARKER), `${JSON.stringify(marker)}\n`);
    removeTree(tree);
    renameSync(src, tree);
  } finally {
    removeTree(staging);
    releaseDir(staging);
  }
  return tree;
}

/** Revisions per line, with the ones already imported marked. */
export async function describeRevisions(): Promise<string[]> {
  const available = await sourceRevisions();
  return SOURCE_LINES.map((line) => {
    const revs = available.filter((r) => r.line === line);
    const shown = revs.map(
      (r, i) =>
        `${r.revision}${i === 0 ? ' (newest)' : ''}${existsSync(join(treePath(r), '.git', MARKER)) ? ' [imported]' : ''}`,
    );
    return `linux-source-${line}: ${shown.join(', ') || 'none in the archive'}`;
  });
}
