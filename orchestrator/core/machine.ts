// The machine profile (configs/machines/*.yaml) and the QEMU command line built from it.
import { NVDIMM, optionValue, SHARE, type NvdimmSpec } from './devices.js';

export { optionValue, type NvdimmSpec };

export interface DiskSpec {
  id: string;
  size: string;
}

export interface MachineProfile {
  machine: string;
  cpu: string;
  smp: number;
  memory: { size: string; slots: number; maxmem: string };
  nvdimms: NvdimmSpec[];
  /** Plain virtio disks after the root (/dev/vdb, …), empty and sparse for each run. */
  disks?: DiskSpec[];
  cmdline: string[];
  /** ship: in the guest for a suite's own modprobe (blktests loads and unloads its modules), never loaded by us. */
  modules: { early: string[]; late: string[]; ship?: string[] };
  /** stallSeconds: console silence before the sshd marker that counts as a hung boot (booted again once). */
  timeouts: { bootSeconds: number; modulesSeconds: number; stallSeconds?: number };
}

export type Accel = 'kvm' | 'tcg';

/** MAC addresses of the guest-to-guest NICs: the first guest's, then its peer's. */
export const PEER_MACS = ['52:54:00:77:00:01', '52:54:00:77:00:02'] as const;

/** A second NIC wired to another guest's: UDP datagrams between two loopback ports, nothing else. */
export interface PeerLink {
  mac: string;
  localPort: number;
  remotePort: number;
}

export interface BootSpec {
  profile: MachineProfile;
  accel: Accel;
  kernel: string;
  initrd: string;
  rootImage: string;
  /** One backing file per profile NVDIMM, in order. */
  nvdimmFiles: string[];
  /** One file per profile disk, in order. */
  diskFiles?: string[];
  sshPort: number;
  extraCmdline?: string[];
  link?: PeerLink;
  /** A host directory (absolute) the guest mounts over virtio-9p (devices SHARE). */
  share?: string;
  /** A guest that can be saved and restored (engine/snapshot). */
  snapshot?: SnapshotSpec;
}

/**
 * The root as a qcow2 overlay file (saved with the state: snapshot=on's vanishes with QEMU), a QMP
 * socket, vmgenid (a restored kernel reseeds its RNG); restoring, QEMU waits for its state
 * (`-incoming defer`: the capabilities are set over QMP first).
 */
export interface SnapshotSpec {
  rootOverlay: string;
  qmp: string;
  restoring?: boolean;
}

const SIZE = /^(\d+)([KMG])$/;
const UNIT = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as const;

export function parseSize(size: string): number {
  const m = SIZE.exec(size);
  if (!m) throw new Error(`bad size "${size}" (want e.g. 512M)`);
  return Number(m[1]) * UNIT[m[2] as keyof typeof UNIT];
}

function machineArgs({ profile, accel }: BootSpec): string[] {
  const { size, slots, maxmem } = profile.memory;
  const tcg = accel === 'tcg' ? ['-accel', 'tcg,thread=multi'] : ['-accel', 'kvm'];
  return [
    '-machine',
    profile.machine,
    ...tcg,
    '-cpu',
    accel === 'kvm' ? 'host' : profile.cpu,
    '-smp',
    String(profile.smp),
    '-m',
    `${size},slots=${slots},maxmem=${maxmem}`,
  ];
}

function bootArgs(spec: BootSpec): string[] {
  const append = [...spec.profile.cmdline, ...(spec.extraCmdline ?? [])].join(' ');
  return ['-kernel', spec.kernel, '-initrd', spec.initrd, '-append', append];
}

function consoleArgs(): string[] {
  return ['-chardev', 'stdio,id=console,signal=off', '-serial', 'chardev:console'];
}

function diskArgs(spec: BootSpec): string[] {
  const scratch = (spec.diskFiles ?? []).flatMap((f) => [
    '-drive',
    `file=${optionValue(f)},if=virtio,format=raw,cache=unsafe`,
  ]);
  const overlay = spec.snapshot?.rootOverlay;
  const root = overlay
    ? `file=${optionValue(overlay)},if=virtio,format=qcow2,cache=unsafe`
    : `file=${optionValue(spec.rootImage)},if=virtio,format=raw,snapshot=on,cache=unsafe`;
  return ['-drive', root, ...scratch];
}

function snapshotArgs(s: SnapshotSpec | undefined): string[] {
  if (!s) return [];
  const incoming = s.restoring ? ['-incoming', 'defer'] : [];
  return ['-qmp', `unix:${optionValue(s.qmp)},server=on,wait=off`, '-device', 'vmgenid,guid=auto', ...incoming];
}

function netArgs(spec: BootSpec): string[] {
  const user = [
    '-netdev',
    `user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${spec.sshPort}-:22`,
    '-device',
    'virtio-net-pci,netdev=net0',
  ];
  const { link } = spec;
  if (!link) return user;
  return [
    ...user,
    '-netdev',
    `socket,id=net1,udp=127.0.0.1:${link.remotePort},localaddr=127.0.0.1:${link.localPort}`,
    '-device',
    `virtio-net-pci,netdev=net1,mac=${link.mac}`,
  ];
}

/** The whole command line after the binary; every boot can be replayed from it. */
export function qemuArgs(spec: BootSpec): string[] {
  if (spec.nvdimmFiles.length !== spec.profile.nvdimms.length) {
    throw new Error(`${spec.profile.nvdimms.length} NVDIMMs in the profile, ${spec.nvdimmFiles.length} backing files`);
  }
  if ((spec.diskFiles ?? []).length !== (spec.profile.disks ?? []).length) {
    throw new Error(
      `${(spec.profile.disks ?? []).length} disks in the profile, ${(spec.diskFiles ?? []).length} files`,
    );
  }
  return [
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    ...machineArgs(spec),
    ...bootArgs(spec),
    ...consoleArgs(),
    ...diskArgs(spec),
    ...netArgs(spec),
    ...NVDIMM.qemuArgs(spec.profile.nvdimms, spec.nvdimmFiles),
    ...(spec.share ? SHARE.qemuArgs(spec.share) : []),
    ...snapshotArgs(spec.snapshot),
  ];
}

/** Problems with a profile, as lines; empty when it is usable. */
export function checkProfile(p: MachineProfile): string[] {
  const problems: string[] = [];
  for (const nv of p.nvdimms ?? []) {
    try {
      const region = parseSize(nv.size) - parseSize(nv.labelSize);
      if (region % (16 * UNIT.M)) problems.push(`${nv.id}: size - labelSize must be a multiple of 16M`);
    } catch (e) {
      problems.push(`${nv.id}: ${(e as Error).message}`);
    }
  }
  if (!p.machine?.includes('nvdimm=on') && p.nvdimms?.length) problems.push('machine needs nvdimm=on');
  for (const disk of p.disks ?? []) {
    try {
      parseSize(disk.size);
    } catch (e) {
      problems.push(`${disk.id}: ${(e as Error).message}`);
    }
  }
  if (!Array.isArray(p.cmdline)) problems.push('cmdline must be a list');
  if (!p.modules?.early || !p.modules?.late) problems.push('modules needs early and late lists');
  return problems;
}
