// A git tree from Debian's linux-source package: the kernel the slow tier and the benchmark
// build, and a tree to try `orchestrate build` on. One commit with fixed dates, so its hash,
// and so every store id built from it, is the same on every machine.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropDebianIgnore } from '../core/debian.js';
import { cacheDir } from '../paths.js';
import { exec } from './exec.js';
import { ensureHost, NEEDS } from './host.js';
import { releaseDir, removeTree, trackDir } from './lifecycle.js';

export const SOURCE_PACKAGE = 'linux-source-6.1';

const FIXED = {
  GIT_AUTHOR_NAME: 'orchestrate', GIT_AUTHOR_EMAIL: 'orchestrate@localhost', GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'orchestrate', GIT_COMMITTER_EMAIL: 'orchestrate@localhost', GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
};

async function packageVersion(): Promise<string> {
  return (await exec(['dpkg-query', '-W', '-f=${Version}', SOURCE_PACKAGE])).stdout.trim();
}

/** The tree's path; made once per package version (about 40 s), then reused. */
export async function ensureLinuxSource(log: (line: string) => void = () => {}): Promise<string> {
  await ensureHost([{ probe: `/usr/src/${SOURCE_PACKAGE}.tar.xz`, pkg: SOURCE_PACKAGE }, NEEDS.xz, NEEDS.git], log);
  const version = await packageVersion();
  const tree = join(cacheDir(), 'trees', `linux-source-${version}`);
  if (existsSync(join(tree, '.git'))) return tree;
  log(`making a git tree of ${SOURCE_PACKAGE} ${version}`);
  const staging = trackDir(`${tree}.staging-${process.pid}`);
  removeTree(staging);
  mkdirSync(staging, { recursive: true });
  try {
    await exec(['tar', '-xJf', `/usr/src/${SOURCE_PACKAGE}.tar.xz`, '-C', staging]);
    const [top] = readdirSync(staging);
    const src = join(staging, top);
    const ignore = join(src, '.gitignore');
    writeFileSync(ignore, dropDebianIgnore(readFileSync(ignore, 'utf8')));
    const env = { ...process.env, ...FIXED };
    const git = (args: string[]) => exec(['git', '-C', src, ...args], { env });
    await git(['init', '-q', '-b', 'master']);
    await git(['add', '-A']);
    await git(['commit', '-q', '-m', `Linux ${version.replace(/-\d+$/, '')} (Debian ${SOURCE_PACKAGE} ${version})`]);
    await git(['tag', `debian-${version}`]);
    renameSync(src, tree);
  } finally {
    removeTree(staging);
    releaseDir(staging);
  }
  return tree;
}
