// Kbuild: tinyconfig + fragments + olddefconfig in a reused out-of-tree build directory, then
// `make vmlinux bzImage` through ccache, with progress read off make's quiet lines.
import { createWriteStream, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  checkConfig,
  dependsInKconfig,
  parseConfig,
  renderRequest,
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

/** The `depends on` lines of SYMBOL's Kconfig entries in the tree. */
async function dependsOf(src: string, symbol: string): Promise<string[]> {
  const files = await filesMatching(src, `^\\s*(menu)?config\\s+${symbol}\\s*$`, '*Kconfig*');
  return files.flatMap((f) => dependsInKconfig(readFileSync(join(src, f), 'utf8'), symbol));
}

/** Writes out/.config from tinyconfig and the merged request; returns what Kconfig dropped. */
export async function configure(dirs: BuildDirs, merged: Map<string, Requested>, ccache: boolean): Promise<Dropped[]> {
  const env = makeEnv(dirs);
  await exec([...makeArgs(dirs, ccache), '-s', 'tinyconfig'], { env });
  const config = join(dirs.out, '.config');
  writeAtomic(config, `${readFileSync(config, 'utf8')}${renderRequest(merged)}`);
  await exec([...makeArgs(dirs, ccache), '-s', 'olddefconfig'], { env });
  const result = parseConfig(readFileSync(config, 'utf8'));
  const deps = new Map<string, string[]>();
  for (const d of checkConfig(merged, result, () => [])) deps.set(d.symbol, await dependsOf(dirs.src, d.symbol));
  return checkConfig(merged, result, (s) => deps.get(s) ?? []);
}

export interface MakeResult {
  ok: boolean;
  /** make was killed (Ctrl-C, the OOM killer): not a verdict on the code. */
  signal: NodeJS.Signals | null;
  objects: number;
  seconds: number;
}

/** make vmlinux bzImage, the whole output to LOG; onObject is called per compiled object. */
export async function make(
  dirs: BuildDirs,
  log: string,
  ccache: boolean,
  onObject: (count: number) => void,
): Promise<MakeResult> {
  const stream = createWriteStream(log);
  let objects = 0;
  let partial = '';
  const jobs = String(cpus().length + 1);
  const r = await exec([...makeArgs(dirs, ccache), `-j${jobs}`, 'vmlinux', 'bzImage'], {
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

export function artifacts(out: string) {
  return {
    bzImage: join(out, 'arch', 'x86', 'boot', 'bzImage'),
    vmlinux: join(out, 'vmlinux'),
    config: join(out, '.config'),
    systemMap: join(out, 'System.map'),
    release: join(out, 'include', 'config', 'kernel.release'),
  };
}
