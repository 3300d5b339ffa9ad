// The field's suites as their users keep them (fstests: a git checkout, or a `git archive` of
// one), named by an environment variable, built on the host once per source and guest image, and
// packed into one tar for the guest. The user's tree is never written: we build in a copy.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { OrchestrateError, UsageError } from '../errors.js';
import { cacheDir } from '../paths.js';
import { sharedWork } from '../core/shared-work.js';
import type { SourceRecipe } from '../suites/suite.js';
import { exec } from './exec.js';
import { fingerprint, listTree } from './fingerprint.js';
import { tarCommit, trackedFiles, trackedUnchanged, tryResolveRev } from './git.js';
import { ensureHost } from './host.js';
import { releaseDir, removeTree, trackDir } from './lifecycle.js';
import { checkArtifact, writeStamp } from './stamp.js';
import { makeOnce } from './lock.js';
import { needSpace } from './store.js';

export interface SuiteSource {
  path: string;
  /** A hash of what is built: the archive's bytes, or the checkout's tracked files as they are. */
  key: string;
  /** The commit it came from, when git says (a checkout's HEAD, an archive's header); "+changes" when edited. */
  commit?: string;
}

/** The source the environment names; one clear error when it names none. */
export async function findSource(recipe: SourceRecipe, env = process.env): Promise<SuiteSource> {
  const given = env[recipe.env];
  if (!given)
    throw new UsageError(
      `${recipe.name}: set ${recipe.env} to a checkout of it (git clone ${recipe.upstream}) or a source archive of one`,
    );
  const path = resolve(given);
  if (!existsSync(path)) throw new UsageError(`${recipe.env}=${given}: no such file or directory`);
  return statSync(path).isDirectory() ? checkout(path, recipe) : archive(path);
}

async function checkout(path: string, recipe: SourceRecipe): Promise<SuiteSource> {
  const files = await trackedFiles(path);
  if (!files) throw new UsageError(`${recipe.env}=${path}: not a git checkout (or give a source archive)`);
  const key = fingerprint(
    path,
    files.filter((f) => existsSync(f)),
  );
  const head = await tryResolveRev(path, 'HEAD');
  return { path, key, commit: head && `${head}${(await trackedUnchanged(path)) ? '' : '+changes'}` };
}

/** The archive at PATH as an uncompressed tar (RAW: its bytes, when already read). */
function tarBytes(path: string, raw = readFileSync(path)): Buffer {
  try {
    return /\.(tgz|gz)$/.test(path) ? gunzipSync(raw) : raw;
  } catch (err) {
    throw new UsageError(`${path}: not a gzip archive (${(err as Error).message})`);
  }
}

async function archive(path: string): Promise<SuiteSource> {
  const raw = readFileSync(path);
  const key = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return { path, key, commit: await tarCommit(tarBytes(path, raw)) };
}

/** The suite's build failed: its command and the end of what it printed. */
export class SuiteBuildError extends OrchestrateError {
  constructor(suite: string, argv: string[], tail: string) {
    super(`building ${suite} (${argv.join(' ')}) failed: ${tail}`, 1);
  }
}

const PACKED = 'tree.tar';
const STAMP = 'stamp.json';
const building = new Map<string, Promise<string>>();

/** The built tree, packed (top directory: the suite's name), for SOURCE and the guest image IMAGE. */
export async function builtSuite(
  recipe: SourceRecipe,
  source: SuiteSource,
  image: string,
  log: (line: string) => void,
): Promise<string> {
  const key = createHash('sha256')
    .update(
      JSON.stringify([source.key, image, recipe.build, ...(recipe.buildAt ? [recipe.buildAt] : []), 'suite-build-v1']),
    )
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheDir(), 'suites', `${recipe.name}-${key}`);
  const ready = (locked: boolean) => {
    if (!existsSync(dir)) return undefined;
    const bad = checkArtifact(join(dir, STAMP), dir);
    if (!bad) return join(dir, PACKED);
    if (!locked) return undefined;
    log(`${recipe.name} build ${key}: ${bad}; building it again`);
    removeTree(dir);
    return undefined;
  };
  const what = `building ${recipe.name} ${key}`;
  return sharedWork(building, dir, () => makeOnce(dir, ready, () => build(recipe, source, dir, log), { what, log }));
}

async function build(recipe: SourceRecipe, source: SuiteSource, dir: string, log: (line: string) => void) {
  await ensureHost(recipe.hostNeeds, log);
  needSpace(dirname(dir), 512 * 2 ** 20, `a build of ${recipe.name}`);
  const work = trackDir(`${dir}.${process.pid}.tmp`);
  removeTree(work);
  try {
    await buildIn(work, recipe, source, log);
    renameSync(work, dir);
  } finally {
    removeTree(work);
    releaseDir(work);
  }
  return join(dir, PACKED);
}

/** Copies the source into WORK/NAME, builds it there and packs it as WORK/tree.tar, stamped. */
async function buildIn(work: string, recipe: SourceRecipe, source: SuiteSource, log: (line: string) => void) {
  const tree = join(work, recipe.name);
  mkdirSync(tree, { recursive: true });
  log(`building ${recipe.name} from ${source.path}${source.commit ? ` (${source.commit.slice(0, 12)})` : ''}`);
  await copySource(source.path, tree);
  for (const argv of recipe.build) {
    const r = await exec(recipe.buildAt ? boundAt(recipe.buildAt, tree, argv) : argv, { cwd: tree, check: false });
    if (r.code !== 0) throw new SuiteBuildError(recipe.name, argv, lastLines(`${r.stdout}\n${r.stderr}`));
  }
  await exec(['tar', '-C', work, '--exclude=.git', '-cf', join(work, PACKED), recipe.name]);
  removeTree(tree);
  writeStamp(join(work, STAMP), work, [PACKED]);
}

/** ARGV run in a private mount namespace where TREE is also at AT, from AT. */
function boundAt(at: string, tree: string, argv: string[]): string[] {
  const script = 'mkdir -p "$1" && mount --bind "$2" "$1" && cd "$1" && shift 2 && exec "$@"';
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', at, tree, ...argv];
}

const lastLines = (text: string) => text.trim().split('\n').slice(-3).join(' | ');

/** The archive unpacked (its one top directory's content) or the checkout's tracked files, into TREE. */
async function copySource(path: string, tree: string): Promise<void> {
  if (!statSync(path).isDirectory()) {
    const unpacked = `${tree}.src`;
    mkdirSync(unpacked);
    await exec(['tar', '-C', unpacked, '-xf', '-'], { input: tarBytes(path) });
    const top = readdirSync(unpacked);
    const root = top.length === 1 && statSync(join(unpacked, top[0])).isDirectory() ? join(unpacked, top[0]) : unpacked;
    renameSync(root, `${tree}.root`);
    removeTree(tree);
    renameSync(`${tree}.root`, tree);
    removeTree(unpacked);
    return;
  }
  for (const file of (await trackedFiles(path)) ?? listTree(path)) {
    if (!existsSync(file)) continue;
    const target = join(tree, relative(path, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    chmodSync(target, statSync(file).mode & 0o7777);
  }
}
