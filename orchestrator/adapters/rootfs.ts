// The guest image: mmdebstrap from Debian's packages + guest/rootfs/, as an ext4 image that
// QEMU opens with snapshot=on. Cached outside the git tree by a hash of its recipe.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { MissingToolError } from '../errors.js';
import { cacheDir, guestDir } from '../paths.js';
import { exec } from './exec.js';
import { fingerprint, listTree } from './fingerprint.js';
import { isRoot } from './host.js';
import { releaseDir, removeTree, trackDir } from './lifecycle.js';
import { checkArtifact, deepCheck, writeStamp } from './stamp.js';
import { makeOnce } from './lock.js';
import { needSpace } from './store.js';

export const SUITE = 'bookworm';
const EXCLUDES = ['/usr/share/man/*', '/usr/share/doc/*', '/usr/share/locale/*', '/usr/share/info/*'];
/** Kept although under an excluded path: rdma-core's test suite lives in its doc directory. */
const INCLUDES = ['/usr/share/doc/rdma-core', '/usr/share/doc/rdma-core/tests', '/usr/share/doc/rdma-core/tests/*'];

export interface Image {
  hash: string;
  path: string;
  built: boolean;
  seconds: number;
}

function packagesOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

function recipe() {
  const packagesFile = join(guestDir, 'image', 'packages');
  const customize = join(guestDir, 'image', 'customize');
  const overlay = join(guestDir, 'rootfs');
  const packages = packagesOf(readFileSync(packagesFile, 'utf8'));
  const files = listTree(overlay);
  const hash = fingerprint(guestDir, [packagesFile, customize, ...files], [SUITE, EXCLUDES, INCLUDES, 'ext4-v1']);
  return { packages, customize, overlay, files, hash };
}

function imageDir(hash: string): string {
  return join(cacheDir(), 'images', hash);
}

function copyOverlay(overlay: string, files: string[], root: string): void {
  for (const file of files) {
    const target = join(root, relative(overlay, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    chmodSync(target, statSync(file).mode & 0o7777);
  }
}

async function sizeMiB(dir: string): Promise<number> {
  const du = await exec(['du', '-s', '--block-size=1M', dir]);
  return Number.parseInt(du.stdout, 10);
}

const IMAGE_FILE = 'rootfs.ext4';
const STAMP = 'stamp.json';

/** Why the cached image cannot be used (by hash); a bad one is removed, to be built again. */
export function verifyImage(image: Image): string | undefined {
  const dir = dirname(image.path);
  const bad = deepCheck(join(dir, STAMP), dir);
  if (bad) removeTree(dir);
  return bad;
}

/** The cached image of HASH when it is there and as made; LOG hears why not when it is there. */
function cached(hash: string, log?: (line: string) => void): Image | undefined {
  const dir = imageDir(hash);
  if (!existsSync(dir)) return undefined;
  const bad = checkArtifact(join(dir, STAMP), dir);
  if (!bad) return { hash, path: join(dir, IMAGE_FILE), built: false, seconds: 0 };
  log?.(`guest image ${hash}: ${bad}; building it again`);
  return undefined;
}

export async function ensureImage(opts: { rebuild?: boolean; log?: (line: string) => void } = {}): Promise<Image> {
  const started = performance.now();
  const r = recipe();
  const ready = (locked: boolean) => (opts.rebuild ? undefined : cached(r.hash, locked ? opts.log : undefined));
  const build = async (): Promise<Image> => {
    const path = await buildImage(r, opts.log);
    return { hash: r.hash, path, built: true, seconds: (performance.now() - started) / 1000 };
  };
  return makeOnce(imageDir(r.hash), ready, build, { what: `building guest image ${r.hash}`, log: opts.log });
}

/** mmdebstrap of the recipe's packages into ROOT, with our files laid over it and no host keys. */
async function bootstrap(r: ReturnType<typeof recipe>, root: string): Promise<void> {
  await exec([
    'mmdebstrap',
    '--variant=minbase',
    '--quiet',
    `--include=${r.packages.join(',')}`,
    ...EXCLUDES.map((p) => `--dpkgopt=path-exclude=${p}`),
    ...INCLUDES.map((p) => `--dpkgopt=path-include=${p}`),
    `--customize-hook=${r.customize}`,
    SUITE,
    root,
  ]);
  copyOverlay(r.overlay, r.files, root);
  for (const key of readdirSync(join(root, 'etc', 'ssh')).filter((f) => f.startsWith('ssh_host_'))) {
    rmSync(join(root, 'etc', 'ssh', key));
  }
}

async function buildImage(r: ReturnType<typeof recipe>, log?: (line: string) => void): Promise<string> {
  if (!isRoot())
    throw new MissingToolError('building the guest image needs root (mmdebstrap, mke2fs -d with root-owned files)');
  log?.(`building guest image ${r.hash} (${r.packages.length} packages)`);
  needSpace(join(cacheDir(), 'images'), 2 ** 30, 'the guest image');
  const work = trackDir(join(cacheDir(), 'images', `.build-${r.hash}-${process.pid}`));
  removeTree(work);
  mkdirSync(work, { recursive: true });
  const root = join(work, 'root');
  await bootstrap(r, root);
  const size = Math.ceil((await sizeMiB(root)) * 1.3) + 256;
  const image = join(work, IMAGE_FILE);
  await exec(['mke2fs', '-q', '-t', 'ext4', '-L', 'orchestrate', '-d', root, image, `${size}M`]);
  const installed = await exec([
    'dpkg-query',
    `--admindir=${join(root, 'var', 'lib', 'dpkg')}`,
    '-W',
    '-f=${Package}=${Version}\\n',
  ]);
  const recipeJson = { suite: SUITE, packages: r.packages, installed: installed.stdout.trim().split('\n').sort() };
  writeFileSync(join(work, 'recipe.json'), `${JSON.stringify(recipeJson, null, 2)}\n`);
  removeTree(root);
  writeStamp(join(work, STAMP), work, [IMAGE_FILE]);
  const dir = imageDir(r.hash);
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  releaseDir(work);
  return join(dir, IMAGE_FILE);
}
