// Building a kernel from a tree, a revision, a series and fragments into the store. The id is
// known before anything is built, so identical inputs are a cache hit; failures are kept too.
import { copyFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { ToolError, UsageError } from '../errors.js';
import { throwIfInterrupted } from '../adapters/lifecycle.js';
import { buildId, firstErrors, formatProgress, progress } from '../core/build.js';
import { elfBanner } from '../core/vmlinux.js';
import { identityFromBanner } from '../core/kernel-version.js';
import {
  describeDropped,
  fragmentDirectives,
  fragmentErrors,
  mergeFragments,
  renderDirectives,
  renderRequest,
  type Directives,
  type Fragment,
} from '../core/kconfig.js';
import { configEnabled } from '../core/vmlinux.js';
import { seriesTitle, type Series } from '../core/series.js';
import {
  applyPatch,
  checkoutWorktree,
  commitInfo,
  describe,
  repoTop,
  resolveRev,
  tryResolveRev,
} from '../adapters/git.js';
import { sourceMarker } from '../adapters/linux-source.js';
import {
  artifacts,
  compilerVersion,
  configure,
  installModules,
  make,
  type BuildDirs,
  type MakeResult,
} from '../adapters/kbuild.js';
import { ensureHost, KBUILD_NEEDS, NEEDS } from '../adapters/host.js';
import {
  entryDir,
  failureDir,
  readFailure,
  recordFailure,
  stage,
  useKernel,
  type BuildMetadata,
  type FailedBuild,
  type Kernel,
} from '../adapters/kernel-store.js';
import { withLock } from '../adapters/lock.js';
import { needSpace, readJsonOr, writeJson } from '../adapters/store.js';
import { cacheDir, configsDir } from '../paths.js';
import { Phases } from './pipeline.js';

/** Ours, merged first; --config fragments come after and win. */
const DEFAULT_FRAGMENTS = ['base', 'dax-rdma'];
/** Objects in a full build of tinyconfig + our fragments (6.1), until this tree has a count of its own. */
const DEFAULT_OBJECTS = 1800;

export interface BuildRequest {
  tree: string;
  ref?: string;
  series?: Series;
  /** Fragment names (configs/kernel/NAME.config) or paths, after the defaults. */
  configs?: string[];
  ccache?: boolean;
  /** Build again even when the store has these inputs (a benchmark's cold build). */
  force?: boolean;
  log: (line: string) => void;
}

export interface Built {
  kind: 'built' | 'cached';
  id: string;
  kernel: Kernel;
  seconds: number;
}

export interface NotBuilt extends FailedBuild {
  /** For APPLY-FAIL: the 1-based position of the patch that did not apply. */
  patch?: number;
  seconds: number;
  /** Known from an earlier attempt with the same inputs. */
  cached: boolean;
}

export type BuildOutcome = Built | NotBuilt;

export function isBuilt(o: BuildOutcome): o is Built {
  return o.kind === 'built' || o.kind === 'cached';
}

function fragmentPath(spec: string): string {
  const ours = join(configsDir, 'kernel', `${spec}.config`);
  if (!spec.includes('/') && existsSync(ours)) return ours;
  if (existsSync(spec)) return resolve(spec);
  throw new UsageError(`--config ${spec}: no such fragment (ours are in configs/kernel/) or file`);
}

export function loadFragments(configs: string[] = []): Fragment[] {
  const fragments = [...DEFAULT_FRAGMENTS, ...configs].map((spec) => {
    const path = fragmentPath(spec);
    return { name: spec.includes('/') ? basename(path) : spec, text: readFileSync(path, 'utf8') };
  });
  const errors = fragments.flatMap(fragmentErrors);
  if (errors.length) throw new UsageError(`${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`);
  return fragments;
}

export function buildDirs(repo: string): BuildDirs {
  const key = createHash('sha256').update(repo).digest('hex').slice(0, 8);
  const base = join(cacheDir(), 'kbuild', `${basename(repo)}-${key}`);
  return { base, src: join(base, 'src'), out: join(base, 'out') };
}

/** The commit a build starts from: --ref, else the series' base-commit, else the tree's HEAD. */
async function baseCommit(tree: string, ref: string | undefined, series?: Series): Promise<string> {
  if (ref) return resolveRev(tree, ref);
  if (series?.baseCommit) {
    const found = await tryResolveRev(tree, series.baseCommit);
    if (!found) throw new UsageError(`the series' base-commit ${series.baseCommit} is not in ${tree}: give --ref`);
    return found;
  }
  return resolveRev(tree, 'HEAD');
}

export async function buildKernel(req: BuildRequest): Promise<BuildOutcome> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  await ensureHost([NEEDS.git], req.log);
  const repo = await repoTop(req.tree);
  const commit = await baseCommit(repo, req.ref, req.series);
  const fragments = loadFragments(req.configs);
  const merged = mergeFragments(fragments);
  const directives = fragmentDirectives(fragments);
  const compiler = await compilerVersion();
  const config = renderRequest(merged);
  const id = buildId({ commit, seriesId: req.series?.id, config, compiler, directives: renderDirectives(directives) });
  // Known outcomes first: again after the lock, since its holder may have just built (or failed) this.
  const known = (): BuildOutcome | undefined => {
    if (req.force) return undefined;
    const stored = useKernel(id, req.log);
    if (stored) return { kind: 'cached', id, kernel: stored, seconds: seconds() };
    const failed = readFailure(id);
    return failed && { ...failed, seconds: seconds(), cached: true };
  };
  const before = known();
  if (before) return before;
  const dirs = buildDirs(repo);
  // The tree's lock keeps its worktree to one build; the entry's, one build of this id, whatever the tree.
  const lock = { what: `building kernel ${id} in ${repo}`, log: req.log };
  const locked = async () => {
    const meanwhile = known();
    if (meanwhile) return meanwhile;
    await ensureHost(KBUILD_NEEDS, req.log);
    const result = await buildLocked({ ...req, repo, commit, id, dirs, merged, directives, fragments, compiler });
    return { ...result, seconds: seconds() } as BuildOutcome;
  };
  return withLock(join(dirs.base, 'lock'), () => withLock(`${entryDir(id)}.lock`, locked, lock), lock);
}

interface Locked extends BuildRequest {
  repo: string;
  commit: string;
  id: string;
  dirs: BuildDirs;
  merged: ReturnType<typeof mergeFragments>;
  directives: Directives;
  fragments: Fragment[];
  compiler: string;
}

/** Records a failure of the code; an interrupted run is not one, so it is never recorded. */
function fail(
  id: string,
  kind: FailedBuild['kind'],
  reason: string,
  details: string[],
  extra: { patch?: number; log?: string } = {},
) {
  throwIfInterrupted();
  const failure: FailedBuild = { id, kind, reason, details, log: extra.log, at: new Date().toISOString() };
  recordFailure(failure);
  return { ...failure, patch: extra.patch, cached: false };
}

async function buildLocked(b: Locked) {
  const phases = new Phases();
  const ccache = b.ccache ?? true;
  const cold = !existsSync(join(b.dirs.out, 'vmlinux')) || !existsSync(b.dirs.src);
  needSpace(b.dirs.base, (cold ? 3 : 0.5) * 2 ** 30, `the kernel build of ${b.commit.slice(0, 12)}`);
  await phases.time('worktree', () => checkoutWorktree(b.repo, b.dirs.src, b.commit));
  const patches = b.series?.patches ?? [];
  for (const [i, patch] of patches.entries()) {
    const failed = await phases.time('apply', () => applyPatch(b.dirs.src, patch.raw, b.dirs.base));
    if (failed) {
      b.log(`APPLY-FAIL: patch ${patch.index}/${b.series?.total} "${patch.title}": ${failed.reason}`);
      return fail(
        b.id,
        'APPLY-FAIL',
        `patch ${patch.index}/${b.series?.total} "${patch.title}" does not apply: ${failed.reason}`,
        [failed.reason],
        { patch: i + 1 },
      );
    }
  }
  if (patches.length) b.log(`applied ${patches.length} patches on ${b.commit.slice(0, 12)}`);
  const missing = b.directives.modules.filter((m) => !existsSync(join(b.dirs.src, m)));
  if (missing.length) {
    const reason = `the fragments ask for modules in ${missing.join(', ')}, which the tree does not have`;
    return fail(b.id, 'CONFIG-FAIL', reason, [reason]);
  }
  const dropped = await phases.time('configure', () => configure(b.dirs, b.merged, ccache, b.directives.optional));
  if (dropped.length) {
    const lines = dropped.map(describeDropped);
    return fail(
      b.id,
      'CONFIG-FAIL',
      `olddefconfig dropped ${lines[0]}${dropped.length > 1 ? ` (and ${dropped.length - 1} more)` : ''}`,
      lines,
    );
  }
  const modules = configEnabled(readFileSync(artifacts(b.dirs.out).config, 'utf8'), 'MODULES');
  if (b.directives.modules.length && !modules) {
    const reason = `the fragments ask for modules in ${b.directives.modules.join(', ')} but CONFIG_MODULES is not set`;
    return fail(b.id, 'CONFIG-FAIL', reason, [reason]);
  }
  const log = join(b.dirs.base, 'build.log');
  const counts = join(b.dirs.base, 'objects.json');
  // A build with modules compiles more objects: counted apart.
  const countKey = modules ? 'withModules' : 'full';
  const expected = readJsonOr<Record<string, number>>(counts)?.[countKey] ?? DEFAULT_OBJECTS;
  const fresh = !existsSync(join(b.dirs.out, 'vmlinux'));
  b.log(
    `building ${b.commit.slice(0, 12)}${patches.length ? ` + ${patches.length} patches` : ''} (${fresh ? 'full' : 'incremental'} build${modules ? ' with modules' : ''}, ${ccache ? 'ccache' : 'no ccache'})`,
  );
  const reporter = progressReporter(fresh ? expected : 0, b.log);
  const made = await phases.time('make', () => makeAll(b, log, modules, reporter));
  if (!made.ok && made.signal)
    throw new ToolError(['make'], made.signal, 'make was killed; nothing recorded, the next build starts over');
  if (!made.ok) {
    const errors = firstErrors(readFileSync(log, 'utf8'), [`${b.dirs.src}/`, '../src/']);
    const keep = join(failureDir(b.id), 'build.log');
    const out = fail(b.id, 'BUILD-FAIL', errors.first ?? 'make failed', errors.lines, { log: keep });
    copyFileSync(log, keep);
    return out;
  }
  if (fresh) writeJson(counts, { ...readJsonOr<Record<string, number>>(counts), [countKey]: made.objects });
  const kernel = await phases.time('store', () => storeBuild(b, log, made.objects, modules, phases));
  return { kind: 'built' as const, id: b.id, kernel };
}

/** The kernel, its modules when the config has them, then each external directory's, as one result. */
async function makeAll(b: Locked, log: string, modules: boolean, onObject: (n: number) => void): Promise<MakeResult> {
  const ccache = b.ccache ?? true;
  const targets = ['vmlinux', 'bzImage', ...(modules ? ['modules'] : [])];
  let made = await make(b.dirs, log, ccache, onObject, { targets });
  for (const extmod of b.directives.modules) {
    if (!made.ok) break;
    const base = made.objects;
    const next = await make(b.dirs, log, ccache, (n) => onObject(base + n), {
      targets: ['modules'],
      extmod,
      append: true,
    });
    made = { ...next, objects: base + next.objects, seconds: made.seconds + next.seconds };
  }
  return made;
}

function progressReporter(expected: number, log: (line: string) => void) {
  const started = performance.now();
  let lastShown = 0;
  let lastPercent = -1;
  return (objects: number) => {
    const elapsed = (performance.now() - started) / 1000;
    const p = progress(objects, expected && Math.max(expected, objects + 1), elapsed);
    const percent = Math.floor(p.fraction * 10);
    if (percent === lastPercent && elapsed - lastShown < 30) return;
    [lastShown, lastPercent] = [elapsed, percent];
    log(formatProgress(p, 'make'));
  };
}

async function storeBuild(b: Locked, log: string, objects: number, modules: boolean, phases: Phases): Promise<Kernel> {
  const a = artifacts(b.dirs.out);
  const { dir, commit } = stage(b.id);
  if (modules) await phases.time('modules', () => stageModules(b, log, join(dir, 'modules')));
  copyFileSync(a.bzImage, join(dir, 'bzImage'));
  copyFileSync(a.vmlinux, join(dir, 'vmlinux'));
  copyFileSync(a.config, join(dir, 'config'));
  copyFileSync(a.systemMap, join(dir, 'System.map'));
  copyFileSync(log, join(dir, 'build.log'));
  const banner = elfBanner(readFileSync(a.vmlinux));
  const identity = banner ? identityFromBanner(banner) : undefined;
  if (!identity) throw new Error(`no Linux version banner in ${a.vmlinux}`);
  const s = b.series;
  if (s?.cover) writeFileSync(join(dir, 'cover.txt'), `Subject: ${s.cover.subject}\n\n${s.cover.body}`);
  const info = await commitInfo(b.repo, b.commit);
  const build: BuildMetadata = {
    tree: b.repo,
    source: sourceOf(b.repo),
    commit: b.commit,
    head: await resolveRev(b.dirs.src, 'HEAD'),
    describe: await describe(b.repo, b.commit),
    subject: info.subject,
    series: s && {
      id: s.id,
      version: s.version,
      title: seriesTitle(s),
      messageId: s.cover?.messageId,
      baseCommit: s.baseCommit,
      subjects: s.patches.map((p) => p.title),
    },
    fragments: b.fragments.map((f) => f.name),
    compiler: b.compiler,
    ccache: b.ccache ?? true,
    objects,
    durations: phases.durations,
  };
  return commit({
    id: b.id,
    source: 'build',
    ...identity,
    files: {
      bzImage: 'bzImage',
      vmlinux: 'vmlinux',
      config: 'config',
      systemMap: 'System.map',
      modules: modules ? 'modules' : undefined,
      buildLog: 'build.log',
      cover: s?.cover ? 'cover.txt' : undefined,
    },
    build,
    added: new Date().toISOString(),
  });
}

/** modules_install (the tree's, then the external directories') into the staged kernel's DEST. */
async function stageModules(b: Locked, log: string, dest: string): Promise<void> {
  await ensureHost([NEEDS.depmod], b.log);
  const staging = join(b.dirs.base, 'modules-install');
  const installed = await installModules(b.dirs, b.ccache ?? true, { staging, extmods: b.directives.modules, log });
  cpSync(installed, dest, { recursive: true });
  rmSync(staging, { recursive: true, force: true });
}

function sourceOf(repo: string): BuildMetadata['source'] {
  const marker = sourceMarker(repo);
  return marker && { pkg: marker.pkg, revision: marker.revision };
}
