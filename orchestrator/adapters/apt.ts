// Debian's archive through apt: which kernel packages exist, and downloading one.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isImagePackage, parseAptShow, type DebianKernel } from '../core/debian.js';
import { cacheDir } from '../paths.js';
import { exec } from './exec.js';
import { readJsonOr, writeJson } from './store.js';

const LISTS = '/var/lib/apt/lists';
/** Bumped when what counts as a kernel package changes (2: meta packages are not kernels). */
const FORMAT = 2;

/** The archive's kernels; cached until `apt-get update` touches the package lists. */
export async function availableKernels(): Promise<DebianKernel[]> {
  const stamp = existsSync(LISTS) ? statSync(LISTS).mtimeMs : 0;
  const file = join(cacheDir(), 'apt-kernels.json');
  const cached = readJsonOr<{ format?: number; stamp: number; kernels: DebianKernel[] }>(file);
  if (cached?.format === FORMAT && cached.stamp === stamp && cached.kernels?.length)
    return cached.kernels as DebianKernel[];
  const kernels = await queryKernels();
  writeJson(file, { format: FORMAT, stamp, kernels });
  return kernels;
}

async function queryKernels(): Promise<DebianKernel[]> {
  const search = await exec(['apt-cache', 'search', '--names-only', '^linux-image-[0-9]']);
  const names = search.stdout
    .split('\n')
    .map((line) => line.split(' - ')[0].trim())
    .filter(isImagePackage);
  if (!names.length) return [];
  const show = await exec(['apt-cache', 'show', '--no-all-versions', ...names]);
  return parseAptShow(show.stdout);
}

/** Downloads PKG=VERSION into dir; returns the .deb path. */
export async function download(pkg: string, debVersion: string, dir: string): Promise<string> {
  await exec(['apt-get', 'download', '-q', '-o', 'APT::Sandbox::User=root', `${pkg}=${debVersion}`], { cwd: dir });
  const deb = readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download left no ${pkg} .deb in ${dir}`);
  return join(dir, deb);
}

export async function extractDeb(deb: string, dir: string): Promise<void> {
  await exec(['dpkg-deb', '-x', deb, dir]);
}
