// Pieces the pinning suites share: preparing NVDIMM namespaces and rxe, and cases that map a
// file on an fs-DAX mount, the device-DAX node, or anonymous memory.
import { setupScript, workload, type GuestCommand, type SetupFacts, type TestCase } from './suite.js';
import { NVDIMM, RXE as RXE_DEVICE } from '../core/devices.js';
import type { Need } from '../core/needs.js';

export const MAP_SIZE = String(2 * 1024 * 1024);

/** systemd-udevd, for suites written for a machine that runs it. */
export const UDEV: GuestCommand = { argv: [setupScript('udev.sh')], timeoutSeconds: 120 };
export const RXE: GuestCommand = { argv: [setupScript(RXE_DEVICE.setup), 'eth0'], timeoutSeconds: 30 };
export const FSDAX_NAMESPACE: GuestCommand = {
  argv: [setupScript(NVDIMM.setup), 'namespace0.0', 'fsdax', 'fsdax'],
  timeoutSeconds: 60,
};
/** The second NVDIMM as fs-DAX too (fstests' SCRATCH_DEV), instead of device DAX. */
export const FSDAX2_NAMESPACE: GuestCommand = {
  argv: [setupScript(NVDIMM.setup), 'namespace1.0', 'fsdax', 'fsdax2'],
  timeoutSeconds: 60,
};
export const DEVDAX_NAMESPACE: GuestCommand = {
  argv: [setupScript(NVDIMM.setup), 'namespace1.0', 'devdax', 'devdax'],
  timeoutSeconds: 60,
};

/**
 * The observation's `dax` must not be `refused`. null (statx cannot tell: kernels before 5.8,
 * anonymous memory) passes: for files the `mount -o dax` check in dax-mount.sh vouches instead.
 */
export function daxNot(refused: boolean, what: string) {
  return (observed: Record<string, unknown>) =>
    observed.dax === refused ? `${what} (dax reported ${JSON.stringify(observed.dax)})` : undefined;
}

/** Mounts a fresh FS with -o dax on the fsdax namespace and runs `program [flags] file MNT/mr SIZE`. */
export function fsdaxCase(
  fs: 'ext4' | 'xfs',
  program: string,
  summary: string,
  flags: string[] = [],
  needs: Need[] = [],
): TestCase {
  const mnt = `/mnt/fsdax-${fs}`;
  return {
    name: `fsdax-${fs}`,
    summary: `${summary} on a MAP_SHARED mapping of a file on ${fs} mounted -o dax`,
    needs: ['nvdimm:fsdax', `fs:${fs}`, ...needs],
    run: (f) => [
      { argv: [setupScript('dax-mount.sh'), fs, f.fsdax, mnt], timeoutSeconds: 60 },
      { argv: [workload(program), ...flags, 'file', `${mnt}/mr`, MAP_SIZE], timeoutSeconds: 60 },
    ],
    cleanup: () => [{ argv: ['umount', mnt], timeoutSeconds: 30 }],
    precondition: daxNot(false, 'the file is not in DAX mode (statx STATX_ATTR_DAX clear)'),
  };
}

export function anonCase(program: string, summary: string, needs: Need[] = [], flags: string[] = []): TestCase {
  return {
    name: 'anon',
    summary: `${summary} on anonymous memory`,
    needs,
    run: () => [{ argv: [workload(program), ...flags, 'anon', MAP_SIZE], timeoutSeconds: 60 }],
  };
}

export function pagecacheCase(program: string, summary: string, needs: Need[] = [], flags: string[] = []): TestCase {
  return {
    name: 'pagecache',
    summary: `${summary} on a MAP_SHARED mapping of a file on the (non-DAX) ext4 root`,
    needs,
    run: () => [
      { argv: [workload(program), ...flags, 'file', `/var/tmp/${program}-pagecache`, MAP_SIZE], timeoutSeconds: 60 },
    ],
    precondition: daxNot(true, 'the page-cache file unexpectedly is DAX'),
  };
}

export function devdaxCase(program: string, summary: string, needs: Need[] = [], flags: string[] = []): TestCase {
  return {
    name: 'devdax',
    summary: `${summary} on a mapping of the device-DAX character device`,
    needs: ['nvdimm:devdax', ...needs],
    run: (f) => [{ argv: [workload(program), ...flags, 'dev', f.devdax, MAP_SIZE], timeoutSeconds: 60 }],
    precondition: daxNot(false, 'the device is not a device-DAX character device'),
  };
}

/**
 * Only blocks the new file got can show what late DMA does to them: every block truncate freed
 * must be the new file's, or a corruption could land where nothing looks.
 */
export function blocksNotReused(observed: Record<string, unknown>): string | undefined {
  const { victim_blocks: victim, blocks_reused: reused } = observed;
  if (typeof victim === 'number' && victim > 0 && reused === victim) return undefined;
  const missing = typeof victim === 'number' && typeof reused === 'number' ? victim - reused : '?';
  return (
    `the new file did not get every block truncate freed: ${missing} of ${victim} not reused ` +
    `(blocks_reused ${reused}); late DMA into those would go unseen`
  );
}

/** Where pagecache-truncate's files live: a non-DAX xfs on the fs-DAX namespace, filled by the workload. */
export const PAGECACHE_MNT = '/mnt/pagecache-xfs';
export const PAGECACHE_NEEDS: Need[] = ['nvdimm:fsdax', 'fs:xfs'];

/**
 * A fresh xfs mounted without DAX (its files use the page cache) that keeps no blocks back (no
 * reflink's per-AG reservations, no reserve pool): filled, only what the truncate frees is free.
 */
export function pagecacheMount(f: SetupFacts): GuestCommand[] {
  return [
    { argv: ['mkfs.xfs', '-q', '-f', '-m', 'reflink=0', f.fsdax], timeoutSeconds: 60 },
    { argv: ['mkdir', '-p', PAGECACHE_MNT], timeoutSeconds: 10 },
    { argv: ['mount', '-t', 'xfs', f.fsdax, PAGECACHE_MNT], timeoutSeconds: 60 },
    { argv: ['xfs_io', '-x', '-c', 'resblks 0', PAGECACHE_MNT], timeoutSeconds: 30 },
  ];
}

export const PAGECACHE_UNMOUNT: GuestCommand = { argv: ['umount', PAGECACHE_MNT], timeoutSeconds: 30 };

/** Not DAX; and once registered, the new file must sit on every block truncate freed, or late writes could miss it. */
export function truncatedPagecache(observed: Record<string, unknown>): string | undefined {
  return (
    daxNot(true, 'the page-cache file unexpectedly is DAX')(observed) ??
    (observed.registered === true ? blocksNotReused(observed) : undefined)
  );
}
