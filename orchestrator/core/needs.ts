// What a suite, case or run needs, as checked gates: kernel config options (read from the kernel's
// own config before anything boots), and devices, files or guest packages (checked in the guest).
// An unmet need makes what needs it SKIP, naming it; needs no gate knows (rdma:odp, which the
// workload asks the device about) are taken as met.

/** Our suites' shorthand needs, as the config options they stand for. */
const CONFIG_OF: Record<string, string[]> = {
  'nvdimm:fsdax': ['ACPI_NFIT', 'BLK_DEV_PMEM', 'FS_DAX'],
  'nvdimm:devdax': ['ACPI_NFIT', 'DEV_DAX_PMEM'],
  'fs:ext4': ['EXT4_FS'],
  'fs:xfs': ['XFS_FS'],
  'disk:dm-delay': ['BLK_DEV_DM', 'DM_DELAY'],
  'rdma:rxe': ['RDMA_RXE', 'INFINIBAND_USER_ACCESS'],
  io_uring: ['IO_URING'],
};

export function configOptionsOf(need: string): string[] {
  return need.startsWith('config:') ? [need.slice('config:'.length)] : CONFIG_OF[need] ?? [];
}

/** Needs only the guest can answer: device:PATH, file:PATH, package:NAME, tool:NAME. */
export function isGuestNeed(need: string): boolean {
  return /^(device|file|package|tool):./.test(need);
}

/** The first config option the needs want that CONFIG leaves unset; undefined when all are set (or no config). */
export function unmetConfig(needs: string[], config: string | undefined): string | undefined {
  if (config === undefined) return undefined;
  for (const option of needs.flatMap(configOptionsOf)) {
    if (!new RegExp(`^CONFIG_${option}=[ym]$`, 'm').test(config)) return `kernel lacks CONFIG_${option}`;
  }
  return undefined;
}

/** needs.sh's lines: "unmet: WHAT" for each need the guest does not meet. */
export function unmetInGuest(stdout: string): string | undefined {
  const unmet = stdout.split('\n').filter((l) => l.startsWith('unmet: ')).map((l) => l.slice('unmet: '.length));
  return unmet.length ? unmet.join('; ') : undefined;
}

/** Answers whether needs are met: undefined, or why not; throws GateError when it cannot tell. */
export type Gate = (needs: string[]) => Promise<string | undefined>;

/** The needs could not be checked (the guest's check itself failed): an ERROR, not a SKIP. */
export class GateError extends Error {}

/** Needs no gate checks but something else does: the second guest, the device's ODP caps (the workload). */
const CHECKED_ELSEWHERE = ['guests:2', 'rdma:odp'];

/** A need some gate knows how to check: anything else is a typo in a suite. */
export function knownNeed(need: string): boolean {
  return /^(config|device|file|package|tool):./.test(need) || need in CONFIG_OF || CHECKED_ELSEWHERE.includes(need);
}
