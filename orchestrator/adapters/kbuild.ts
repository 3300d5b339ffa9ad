// Kbuild: tinyconfig + fragments + olddefconfig in a reused out-of-tree build directory, then
// `make vmlinux bzImage` (and modules) through ccache, with progress read off make's quiet lines.
import { appendFileSync, createWriteStream, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  checkConfig,
  dependsInKconfig,
  parseConfig,
  renderRequest,
  unexcused,
  type Dropped,
  type Requested,
} from '../core/kconfig.js';
import { countsAsObject } from '../core/build.js';
import { cacheDir } from '../paths.js';
import { exec } from './exec.js';
import { filesMatching } from './git.js';
import { writeAtomic } from './store.js';

const ARCH = 'x86_64';

export interface BuildDirs {
  src: string;
  out: string;
  /** Base of both: ccache rewrites absolute paths under it, so worktrees share cache entries. */
  base: string;
}

function makeEnv(dirs: BuildDirs): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Kbuild unexports LC_ALL, so LANG must say it too: ASCII quotes in gcc's messages.
    LC_ALL: 'C',
    LANG: 'C',
    CCACHE_DIR: process.env.CCACHE_DIR ?? join(cacheDir(), 'ccache'),
    CCACHE_BASEDIR: dirs.base,
    CCACHE_NOHASHDIR: '1',
    KBUILD_BUILD_USER: 'orchestrate',
    KBUILD_BUILD_HOST: 'orchestrate',
    KBUILD_BUILD_TIMESTAMP: 'orchestrate build',
  };
}

function makeArgs(dirs: BuildDirs, ccache: boolean): string[] {
  const cc = ccache ? ['CC=ccache gcc', 'HOSTCC=ccache gcc'] : [];
  return ['make', '-C', dirs.src, `O=${dirs.out}`, `ARCH=${ARCH}`, ...cc];
}

let compiler: Promise<string> | undefined;

/** gcc's version line, asked once per process (every build id and every bisect step wants it). */
export function compilerVersion(): Promise<string> {
  compiler ??= exec(['gcc', '--version']).then((r) => r.stdout.split('\n')[0].trim());
  return compiler;
}

/** The Kconfig files of the tree that define SYMBOL. */
function kconfigFiles(src: string, symbol: string): Promise<string[]> {
  return filesMatching(src, `^\\s*(menu)?config\\s+${symbol}\\s*$`, '*Kconfig*');
}

/**
 * Writes out/.config from tinyconfig and the merged request; returns what Kconfig dropped, but
 * not the OPTIONAL symbols the tree does not define.
 */
export async function configure(
  dirs: BuildDirs,
  merged: Map<string, Requested>,
  ccache: boolean,
  optional: string[] = [],
): Promise<Dropped[]> {
  const env = makeEnv(dirs);
  await exec([...makeArgs(dirs, ccache), '-s', 'tinyconfig'], { env });
  const config = join(dirs.out, '.config');
  writeAtomic(config, `${readFileSync(config, 'utf8')}${renderRequest(merged)}`);
  await exec([...makeArgs(dirs, ccache), '-s', 'olddefconfig'], { env });
  const result = parseConfig(readFileSync(config, 'utf8'));
  const files = new Map<string, string[]>();
  for (const d of checkConfig(merged, result, () => [])) files.set(d.symbol, await kconfigFiles(dirs.src, d.symbol));
  const dependsOf = (symbol: string) =>
    (files.get(symbol) ?? []).flatMap((f) => dependsInKconfig(readFileSync(join(dirs.src, f), 'utf8'), symbol));
  const dropped = checkConfig(merged, result, dependsOf);
  return unexcused(dropped, optional, (s) => !!files.get(s)?.length);
}

export interface MakeResult {
  ok: boolean;
  /** make was killed (Ctrl-C, the OOM killer): not a verdict on the code. */
  signal: NodeJS.Signals | null;
  objects: number;
  seconds: number;
}

export interface MakeOptions {
  /** What to make: vmlinux bzImage, and modules when the config has them. */
  targets: string[];
  /** A directory of the tree to build as external modules (make M=DIR). */
  extmod?: string;
  /** Add to LOG rather than start it (the steps after the first). */
  append?: boolean;
}

/** make TARGETS, the whole output to LOG; onObject is called per compiled object. */
export async function make(
  dirs: BuildDirs,
  log: string,
  ccache: boolean,
  onObject: (count: number) => void,
  opts: MakeOptions = { targets: ['vmlinux', 'bzImage'] },
): Promise<MakeResult> {
  const stream = createWriteStream(log, { flags: opts.append ? 'a' : 'w' });
  let objects = 0;
  let partial = '';
  const jobs = String(cpus().length + 1);
  const extmod = opts.extmod ? [`M=${join(dirs.src, opts.extmod)}`] : [];
  const r = await exec([...makeArgs(dirs, ccache), `-j${jobs}`, ...extmod, ...opts.targets], {
    env: makeEnv(dirs),
    check: false,
    onOutput: (chunk) => {
      stream.write(chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (countsAsObject(line)) onObject(++objects);
    },
  });
  await new Promise((done) => stream.end(done));
  return { ok: r.code === 0, signal: r.signal, objects, seconds: r.seconds };
}

/**
 * modules_install of the tree and then of each external directory (into updates/, which kmod
 * prefers to kernel/ whatever the tree's default for M=), one depmod after all, into STAGING;
 * returns lib/modules/RELEASE there, without the build and source links back into the build.
 */
export async function installModules(
  dirs: BuildDirs,
  ccache: boolean,
  { staging, extmods, log }: { staging: string; extmods: string[]; log: string },
): Promise<string> {
  const env = makeEnv(dirs);
  const release = readFileSync(artifacts(dirs.out).release, 'utf8').trim();
  rmSync(staging, { recursive: true, force: true });
  const install = ['modules_install', `INSTALL_MOD_PATH=${staging}`, 'INSTALL_MOD_STRIP=1', 'DEPMOD=true'];
  const steps = [
    [...makeArgs(dirs, ccache), ...install],
    ...extmods.map((m) => [...makeArgs(dirs, ccache), `M=${join(dirs.src, m)}`, ...install, 'INSTALL_MOD_DIR=updates']),
    ['depmod', '-ae', '-F', artifacts(dirs.out).systemMap, '-b', staging, release],
  ];
  for (const argv of steps) {
    const r = await exec(argv, { env });
    appendFileSync(log, `$ ${argv.join(' ')}\n${r.stdout}${r.stderr}`);
  }
  const modules = join(staging, 'lib', 'modules', release);
  for (const link of ['build', 'source']) rmSync(join(modules, link), { force: true });
  return modules;
}

export function artifacts(out: string) {
  return {
    bzImage: join(out, 'arch', 'x86', 'boot', 'bzImage'),
    vmlinux: join(out, 'vmlinux'),
    config: join(out, '.config'),
    systemMap: join(out, 'System.map'),
    release: join(out, 'include', 'config', 'kernel.release'),
  };
}
