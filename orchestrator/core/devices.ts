// Each device a guest gets besides its disk and NIC, in one place: the QEMU arguments that make it,
// the kernel options and modules it needs, and the guest script that sets it up. Our config
// fragments and the machine profile are checked against these (test/unit/devices.test).

/** QEMU splits option values at commas; a literal comma is written twice. */
export function optionValue(value: string): string {
  return value.replace(/,/g, ',,');
}

/** One NVDIMM of the machine profile. */
export interface NvdimmSpec {
  id: string;
  size: string;
  labelSize: string;
}

export interface Device {
  /** Kernel config options it needs (without CONFIG_). */
  config: readonly string[];
  /** Modules a modular kernel (Debian's) loads for it. */
  modules: readonly string[];
  /** Its guest script, under guest/setup/. */
  setup: string;
}

/** A host directory over virtio-9p (QEMU 7.2 and both kernel lines have it; virtiofs would need virtiofsd and all of RAM shared). */
export const SHARE = {
  config: ['NET_9P', 'NET_9P_VIRTIO', '9P_FS'],
  modules: ['9p', '9pnet_virtio'],
  setup: 'share-mount.sh',
  tag: 'share0',
  qemuArgs(path: string): string[] {
    return [
      '-fsdev',
      `local,id=${SHARE.tag},path=${optionValue(path)},security_model=passthrough,multidevs=remap`,
      '-device',
      `virtio-9p-pci,fsdev=${SHARE.tag},mount_tag=${SHARE.tag}`,
    ];
  },
} as const satisfies Device & Record<string, unknown>;

/** Soft-RoCE over the guest's NIC, with user verbs; rdma_cm's user side for the tools that connect through it. */
export const RXE = {
  config: ['RDMA_RXE', 'INFINIBAND_USER_ACCESS', 'INFINIBAND'],
  modules: ['rdma_rxe', 'ib_uverbs'],
  userCm: 'rdma_ucm',
  setup: 'rxe.sh',
} as const satisfies Device & Record<string, unknown>;

/** An ACPI NFIT NVDIMM per profile entry, backed by a host file; its namespaces made fsdax or devdax. */
export const NVDIMM = {
  config: ['ACPI_NFIT', 'LIBNVDIMM', 'BLK_DEV_PMEM', 'DAX', 'DEV_DAX', 'DEV_DAX_PMEM', 'FS_DAX'],
  fsdax: ['ACPI_NFIT', 'BLK_DEV_PMEM', 'FS_DAX'],
  devdax: ['ACPI_NFIT', 'DEV_DAX_PMEM'],
  modules: ['nfit', 'nd_pmem', 'dax_pmem', 'device_dax'],
  setup: 'namespace.sh',
  qemuArgs(nvdimms: NvdimmSpec[], files: string[]): string[] {
    return nvdimms.flatMap((nv, i) => [
      '-object',
      `memory-backend-file,id=${nv.id}-mem,share=on,mem-path=${optionValue(files[i])},size=${nv.size}`,
      '-device',
      `nvdimm,id=${nv.id},memdev=${nv.id}-mem,label-size=${nv.labelSize}`,
    ]);
  },
} as const satisfies Device & Record<string, unknown>;

export const DEVICES = { share: SHARE, rxe: RXE, nvdimm: NVDIMM } as const;
