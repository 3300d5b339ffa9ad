// Turning a --kernel spec into a bootable kernel: the store, Debian's packages, or a path.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { pickDebianKernel, storeIdOf, type DebianKernel } from '../core/debian.js';
import type { KernelSpec } from '../core/kernel-spec.js';
import { availableKernels, download, extractDeb } from '../adapters/apt.js';
import { exec } from '../adapters/exec.js';
import { ensureHost, isRoot, NEEDS } from '../adapters/host.js';
import {
  entryDir,
  extractPvhVmlinux,
  kernelFromPath,
  removedLine,
  stage,
  storeDir,
  takeKernel,
  useKernel,
  type Kernel,
} from '../adapters/kernel-store.js';
import { makeOnce } from '../adapters/lock.js';
import { needSpace } from '../adapters/store.js';

export interface KernelOptions {
  /** The newest packaged 6.1 when absent. */
  kernel?: KernelSpec;
  modules?: string;
  log?: (line: string) => void;
}

export async function resolveKernel(opts: KernelOptions): Promise<Kernel> {
  const wanted = opts.kernel ?? { kind: 'debian' };
  if (wanted.kind === 'debian') return fetchDebianKernel(wanted.version, opts.log);
  if (wanted.kind === 'path') return kernelFromPath(wanted.path, opts.modules);
  const spec = wanted.id;
  const taken = takeKernel(spec, opts.log);
  if (taken && 'kernel' in taken) return taken.kernel;
  if (taken) {
    opts.log?.(removedLine(taken.removed, taken.why));
    const { debian, build } = taken.removed;
    if (debian) return fetchDebianKernel(debian.debVersion, opts.log);
    throw new UsageError(
      `kernel ${spec} was not as built (${taken.why}) and is removed from the store: build it again${build ? ` (orchestrate build --tree ${build.tree} --ref ${build.commit.slice(0, 12)}${build.series ? ' --series …' : ''})` : ''}`,
    );
  }
  if (existsSync(spec)) return kernelFromPath(spec, opts.modules);
  throw new UsageError(
    `unknown kernel "${spec}": want debian[:VERSION], a kernel id (orchestrate kernels list) or a path`,
  );
}

async function findDebianKernel(query?: string): Promise<DebianKernel> {
  let available = await availableKernels();
  if (!available.length && isRoot()) {
    await exec(['apt-get', 'update', '-q']);
    available = await availableKernels();
  }
  if (!available.length) throw new UsageError('apt knows no linux-image packages: run apt-get update');
  const picked = pickDebianKernel(available, query);
  if (!picked) {
    const versions = [...new Set(available.map((k) => k.version))].sort().join(', ');
    throw new UsageError(`no Debian kernel matches "${query}" (available: ${versions})`);
  }
  return picked;
}

export async function fetchDebianKernel(query?: string, log: (line: string) => void = () => {}): Promise<Kernel> {
  const cached = query ? useKernel(`debian-${query}`, log) : undefined;
  if (cached) return cached;
  const deb = await findDebianKernel(query);
  const id = storeIdOf(deb);
  const fetch = async () => {
    await ensureHost([NEEDS.dpkgDeb, NEEDS.depmod, NEEDS.xz, NEEDS.zstd], log);
    log(`fetching ${deb.pkg} ${deb.debVersion}`);
    return storeDebianKernel(deb, id);
  };
  return makeOnce(entryDir(id), () => useKernel(id, log), fetch, { what: `fetching kernel ${id}`, log });
}

async function storeDebianKernel(deb: DebianKernel, id: string): Promise<Kernel> {
  needSpace(storeDir(), 2 ** 30, `the kernel ${deb.pkg} ${deb.debVersion}`);
  const { dir, commit } = stage(id);
  const unpacked = join(dir, 'unpacked');
  const debFile = await download(deb.pkg, deb.debVersion, dir);
  await extractDeb(debFile, unpacked);
  rmSync(debFile);
  const r = deb.release;
  if (existsSync(join(unpacked, 'usr', 'lib', 'modules'))) {
    renameSync(join(unpacked, 'usr', 'lib'), join(unpacked, 'lib'));
  }
  renameSync(join(unpacked, 'boot', `vmlinuz-${r}`), join(dir, 'bzImage'));
  renameSync(join(unpacked, 'boot', `config-${r}`), join(dir, 'config'));
  renameSync(join(unpacked, 'boot', `System.map-${r}`), join(dir, 'System.map'));
  await exec(['depmod', '-b', unpacked, r]);
  renameSync(join(unpacked, 'lib', 'modules', r), join(dir, 'modules'));
  rmSync(unpacked, { recursive: true, force: true });
  const vmlinux = await extractPvhVmlinux(dir, 'bzImage', readFileSync(join(dir, 'config'), 'utf8'));
  return commit({
    id,
    source: 'debian',
    release: r,
    version: deb.version,
    files: { bzImage: 'bzImage', vmlinux, config: 'config', systemMap: 'System.map', modules: 'modules' },
    debian: { pkg: deb.pkg, debVersion: deb.debVersion },
    added: new Date().toISOString(),
  });
}
