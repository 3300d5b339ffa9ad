// What a suite, case or run needs, as checked gates: kernel config options (read from the kernel's
// own config before anything boots), and devices, files or guest packages (checked in the guest).
// An unmet need makes what needs it SKIP, naming it; needs no gate knows (rdma:odp, which the
// workload asks the device about) are taken as met.
import { NVDIMM, RXE } from './devices.js';

/** Our suites' shorthand needs, as the config options they stand for. */
const CONFIG_OF = {
  'nvdimm:fsdax': NVDIMM.fsdax,
  'nvdimm:devdax': NVDIMM.devdax,
  'fs:ext4': ['EXT4_FS'],
  'fs:xfs': ['XFS_FS'],
  'disk:dm-delay': ['BLK_DEV_DM', 'DM_DELAY'],
  'rdma:rxe': RXE.config,
  io_uring: ['IO_URING'],
} satisfies Record<string, readonly string[]>;

/** A need only the guest can answer. */
export type GuestNeed = `device:${string}` | `file:${string}` | `package:${string}` | `tool:${string}`;

/** Needs no gate checks but something else does: the second guest, the device's ODP caps (the workload). */
const CHECKED_ELSEWHERE = ['guests:2', 'rdma:odp'] as const;

/** What a suite or case can need: a typo is a compile error. */
export type Need = keyof typeof CONFIG_OF | `config:${string}` | GuestNeed | (typeof CHECKED_ELSEWHERE)[number];

function configOptionsOf(need: Need): readonly string[] {
  if (need.startsWith('config:')) return [need.slice('config:'.length)];
  return need in CONFIG_OF ? CONFIG_OF[need as keyof typeof CONFIG_OF] : [];
}

/** Needs only the guest can answer: device:PATH, file:PATH, package:NAME, tool:NAME. */
export function isGuestNeed(need: Need): need is GuestNeed {
  return /^(device|file|package|tool):./.test(need);
}

/** The first config option the needs want that CONFIG leaves unset; undefined when all are set (or no config). */
export function unmetConfig(needs: Need[], config: string | undefined): string | undefined {
  if (config === undefined) return undefined;
  for (const option of needs.flatMap(configOptionsOf)) {
    if (!new RegExp(`^CONFIG_${option}=[ym]$`, 'm').test(config)) return `kernel lacks CONFIG_${option}`;
  }
  return undefined;
}

/** needs.sh's lines: "unmet: WHAT" for each need the guest does not meet. */
export function unmetInGuest(stdout: string): string | undefined {
  const unmet = stdout
    .split('\n')
    .filter((l) => l.startsWith('unmet: '))
    .map((l) => l.slice('unmet: '.length));
  return unmet.length ? unmet.join('; ') : undefined;
}

/** Answers whether needs are met: undefined, or why not; throws GateError when it cannot tell. */
export type Gate = (needs: Need[]) => Promise<string | undefined>;

/** The needs could not be checked (the guest's check itself failed): an ERROR, not a SKIP. */
export class GateError extends Error {}

/** A need some gate knows how to check: anything else is a typo in a suite. */
export function knownNeed(need: string): boolean {
  return (
    /^(config|device|file|package|tool):./.test(need) ||
    need in CONFIG_OF ||
    (CHECKED_ELSEWHERE as readonly string[]).includes(need)
  );
}

/** The modules a modular kernel (Debian's) loads for each shorthand need, in load order. */
const MODULES_OF: Partial<Record<Need, readonly string[]>> = {
  'nvdimm:fsdax': NVDIMM.modules,
  'nvdimm:devdax': NVDIMM.modules,
  'fs:ext4': ['ext4'],
  'fs:xfs': ['xfs'],
  'disk:dm-delay': ['dm_delay'],
  'rdma:rxe': RXE.modules,
};

/** What to modprobe for NEEDS, each once. */
export function modulesFor(needs: Need[]): string[] {
  return [...new Set(needs.flatMap((n) => MODULES_OF[n] ?? []))];
}
