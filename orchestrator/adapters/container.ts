// The OCI image of orchestrate, built with Debian's tools: mmdebstrap of the packages with the
// project and this Node laid over it (sync-in), imported by podman with the image's configuration.
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerPackages, importChanges, IMAGE_PROJECT_DIR, PROJECT_FILES } from '../core/container.js';
import { MissingToolError, UsageError } from '../errors.js';
import { repoRoot } from '../paths.js';
import { exec } from './exec.js';
import { isRoot, KBUILD_NEEDS, NEEDS, REPRO_NEEDS } from './host.js';
import { releaseDir, removeTree, trackDir } from './lifecycle.js';
import { SUITE } from './rootfs.js';
import { needSpace } from './store.js';

export interface ContainerImage {
  tag: string;
  id: string;
  bytes: number;
  packages: number;
  seconds: number;
}

const DOCS = ['/usr/share/man/*', '/usr/share/doc/*', '/usr/share/locale/*', '/usr/share/info/*'];

/** The project as the image holds it, with only the npm packages it runs with (no dev dependencies). */
async function stageProject(dir: string): Promise<void> {
  for (const file of PROJECT_FILES) cpSync(join(repoRoot, file), join(dir, file), { recursive: true });
  cpSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  await exec(['npm', 'prune', '--omit=dev', '--offline', '--no-audit', '--no-fund'], { cwd: dir });
}

/**
 * Node is this one (it runs orchestrate, and built the native addon the project's node_modules
 * holds, so the ABI matches and nothing is downloaded); `orchestrate` on the PATH.
 */
function stageNode(stage: string): void {
  const bin = join(stage, 'usr', 'local', 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(process.execPath, join(bin, 'node'));
  chmodSync(join(bin, 'node'), 0o755);
  symlinkSync(`${IMAGE_PROJECT_DIR}/bin/orchestrate.js`, join(bin, 'orchestrate'));
}

export async function buildContainerImage(o: { tag: string; log: (line: string) => void }): Promise<ContainerImage> {
  if (!isRoot()) throw new MissingToolError('building the container image needs root (mmdebstrap, podman import)');
  const started = Date.now();
  const base = tmpdir();
  if (/\s/.test(base)) throw new UsageError(`mmdebstrap's sync-in cannot take a path with spaces: TMPDIR=${base}`);
  needSpace(base, 2 * 2 ** 30, 'the container image');
  const work = trackDir(mkdtempSync(join(base, 'orchestrate-container-')));
  try {
    const stage = join(work, 'stage');
    o.log(`staging the project and Node ${process.version}`);
    await stageProject(join(stage, IMAGE_PROJECT_DIR));
    stageNode(stage);
    const hostPackages = [...REPRO_NEEDS, ...KBUILD_NEEDS, NEEDS.zstd].map((n) => n.pkg);
    const packages = containerPackages(hostPackages);
    o.log(`mmdebstrap ${SUITE} with ${packages.length} packages`);
    const tar = join(work, 'rootfs.tar');
    await exec([
      'mmdebstrap',
      '--variant=minbase',
      '--quiet',
      `--include=${packages.join(',')}`,
      ...DOCS.map((p) => `--dpkgopt=path-exclude=${p}`),
      // The entrypoint refreshes them when a day old; kept, a container's first run needs no update.
      '--skip=cleanup/apt/lists',
      `--customize-hook=sync-in ${stage} /`,
      SUITE,
      tar,
    ]);
    o.log(`podman import as ${o.tag}`);
    const changes = importChanges().flatMap((c) => ['--change', c]);
    const id = (await exec(['podman', 'import', '--quiet', ...changes, tar, o.tag])).stdout.trim();
    const size = await exec(['podman', 'image', 'inspect', '--format', '{{.Size}}', o.tag]);
    return {
      tag: o.tag,
      id,
      bytes: Number(size.stdout.trim()),
      packages: packages.length,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    removeTree(work);
    releaseDir(work);
  }
}
