// What the host needs, which Debian package brings it, and installing what is missing.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MissingToolError } from '../errors.js';
import { exec } from './exec.js';

export interface HostNeed {
  /** An executable on PATH, or an absolute path to a file. */
  probe: string;
  pkg: string;
}

export const NEEDS = {
  qemu: { probe: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  /** qemu-img: a snapshottable guest's root overlay. */
  qemuImg: { probe: 'qemu-img', pkg: 'qemu-utils' },
  mmdebstrap: { probe: 'mmdebstrap', pkg: 'mmdebstrap' },
  mke2fs: { probe: 'mke2fs', pkg: 'e2fsprogs' },
  depmod: { probe: 'depmod', pkg: 'kmod' },
  busybox: { probe: '/bin/busybox', pkg: 'busybox-static' },
  setpriv: { probe: 'setpriv', pkg: 'util-linux' },
  dpkgDeb: { probe: 'dpkg-deb', pkg: 'dpkg' },
  xz: { probe: 'xz', pkg: 'xz-utils' },
  zstd: { probe: 'zstd', pkg: 'zstd' },
  gcc: { probe: 'gcc', pkg: 'gcc' },
  libcHeaders: { probe: '/usr/include/stdio.h', pkg: 'libc6-dev' },
  make: { probe: 'make', pkg: 'make' },
  verbsHeader: { probe: '/usr/include/infiniband/verbs.h', pkg: 'libibverbs-dev' },
  git: { probe: 'git', pkg: 'git' },
  flex: { probe: 'flex', pkg: 'flex' },
  bison: { probe: 'bison', pkg: 'bison' },
  bc: { probe: 'bc', pkg: 'bc' },
  libelf: { probe: '/usr/include/gelf.h', pkg: 'libelf-dev' },
  libssl: { probe: '/usr/include/openssl/opensslv.h', pkg: 'libssl-dev' },
  ccache: { probe: 'ccache', pkg: 'ccache' },
  liburing: { probe: '/usr/include/liburing.h', pkg: 'liburing-dev' },
  xmllint: { probe: 'xmllint', pkg: 'libxml2-utils' },
  chromium: { probe: '/usr/bin/chromium', pkg: 'chromium' },
  podman: { probe: 'podman', pkg: 'podman' },
  /** Debian's podman 4.3 runs containers with runc where crun cannot (cgroups in hybrid mode). */
  runc: { probe: 'runc', pkg: 'runc' },
} satisfies Record<string, HostNeed>;

/** Everything `orchestrate repro` needs on a Debian host. */
export const REPRO_NEEDS: HostNeed[] = [
  NEEDS.qemu,
  NEEDS.mmdebstrap,
  NEEDS.mke2fs,
  NEEDS.depmod,
  NEEDS.busybox,
  NEEDS.setpriv,
  NEEDS.dpkgDeb,
  NEEDS.xz,
  NEEDS.gcc,
  NEEDS.libcHeaders,
  NEEDS.make,
  NEEDS.verbsHeader,
  NEEDS.qemuImg,
];

/** What `orchestrate build` needs besides gcc and make. */
export const KBUILD_NEEDS: HostNeed[] = [
  NEEDS.gcc,
  NEEDS.make,
  NEEDS.git,
  NEEDS.flex,
  NEEDS.bison,
  NEEDS.bc,
  NEEDS.libelf,
  NEEDS.libssl,
  NEEDS.ccache,
];

/** What orchestrate's own tests need besides: the JUnit schema check, the HTML pages in a real browser, Debian 6.12's zstd kernel, liburing for the selftests. */
export const TEST_NEEDS: HostNeed[] = [NEEDS.xmllint, NEEDS.chromium, NEEDS.zstd, NEEDS.liburing];

function onPath(name: string, env = process.env): boolean {
  const dirs = (env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function present(need: HostNeed): boolean {
  if (!need.probe.startsWith('/')) return onPath(need.probe);
  try {
    accessSync(need.probe, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function missingPackages(needs: HostNeed[]): string[] {
  return [...new Set(needs.filter((n) => !present(n)).map((n) => n.pkg))];
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Installs missing packages with apt when root; otherwise one line naming them. */
export async function ensureHost(needs: HostNeed[], log: (line: string) => void = () => {}): Promise<string[]> {
  const missing = missingPackages(needs);
  if (!missing.length) return [];
  if (!isRoot()) {
    throw new MissingToolError(
      `missing host packages: ${missing.join(' ')} (run as root, or: sudo apt-get install ${missing.join(' ')})`,
    );
  }
  log(`installing host packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await exec(['apt-get', 'update', '-q'], { env });
  await exec(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  const still = missingPackages(needs);
  if (still.length) throw new MissingToolError(`still missing after apt-get install: ${still.join(' ')}`);
  return missing;
}

/** Fails with one line when a tool is missing, without installing (commands that only read). */
export async function requireHost(needs: HostNeed[]): Promise<void> {
  const missing = missingPackages(needs);
  if (missing.length)
    throw new MissingToolError(`missing host packages: ${missing.join(' ')} (orchestrate setup installs them)`);
}
