// ndctl's test suite, as the libnvdimm maintainers run it: `meson test` over ndctl's tests, with
// the destructive ones. On a kernel with nfit_test's modules (a build with --config nfit-test) they
// run on its emulated buses; on any kernel the destructive tests run on QEMU's NVDIMMs (bus
// ACPI.NFIT: pmem-ns, dm.sh, sub-section.sh, align.sh, daxctl-devices.sh) and on legacy pmem
// carved from RAM by memmap= (bus e820: dax-ext4.sh, dax-xfs.sh, mmap.sh, device-dax, dax-dev,
// revoke-devmem). The source is the user's (ORCHESTRATE_NDCTL). Cases are ndctl/SUITE/TEST as
// meson names them (ndctl/ndctl/libndctl, ndctl/dax/dax-ext4.sh).
import { matchesAny } from '../core/glob.js';
import { UDEV } from './memory.js';
import { setupScript, unpackTree, type ExternalSuite } from './suite.js';

const NAME = 'ndctl';
/** Where the tree is built and run: meson's build directory holds absolute paths. */
const AT = '/var/tmp/ndctl';

/** meson's test names for the patterns (SUITE/TEST, globs); none: every test. */
export function mesonTests(patterns?: string[]): string[] {
  if (!patterns) return [];
  const tests = patterns.map((p) => p.slice(p.indexOf('/') + 1));
  return tests.some((t) => t.includes('*') || !t) || patterns.some((p) => !p.includes('/')) ? [] : [...new Set(tests)];
}

export const ndctl: ExternalSuite = {
  kind: 'external',
  name: NAME,
  summary: "ndctl's tests (meson test, destructive ones included) on nfit_test's buses, QEMU's NVDIMMs and e820 pmem",
  needs: ['nvdimm:fsdax'],
  // The destructive tests want room in whichever region they find first: dm.sh two 1 GiB namespaces,
  // align.sh 3 GiB in an idle region on a 1 GiB boundary, daxctl-devices.sh a 4 GiB namespace. The
  // e820 tests take legacy pmem carved from RAM by memmap=: device-dax writes twice its alignment
  // (2 GiB at 1 GiB) into an fs-DAX namespace whose 1 GiB-aligned metadata takes 1 GiB, so 4 GiB,
  // 1 GiB-aligned: RAM above 4 GiB (the machine keeps 3 GiB below 4 GiB, which the guest keeps).
  machine: {
    memory: { size: '7G', slots: 4, maxmem: '20G' },
    nvdimms: [
      { id: 'nvdimm0', size: '5122M', labelSize: '2M' },
      { id: 'nvdimm1', size: '5122M', labelSize: '2M' },
    ],
    cmdline: ['memmap=4G!4G'],
  },
  fragments: ['nfit-test'],
  modules: ['nd_e820'],
  shipModules: ['kmem', 'nfit_test', 'cxl_test'],
  // dm.sh's dmsetup waits for udev to make /dev/mapper/NAME, as on the machines the tests were written for.
  setup: [UDEV, { argv: [setupScript('ndctl.sh'), 'labels'], timeoutSeconds: 60 }, unpackTree(NAME, AT)],
  bring: {
    source: {
      name: NAME,
      env: 'ORCHESTRATE_NDCTL',
      upstream: 'https://github.com/pmem/ndctl',
      build: [
        ['meson', 'setup', 'build', '-Dtest=enabled', '-Ddestructive=enabled', '-Ddocs=disabled', '-Dsystemd=disabled'],
        ['meson', 'compile', '-C', 'build'],
      ],
      buildAt: AT,
      hostNeeds: [
        { probe: 'meson', pkg: 'meson' },
        { probe: 'ninja', pkg: 'ninja-build' },
        { probe: 'pkg-config', pkg: 'pkg-config' },
        { probe: 'gcc', pkg: 'gcc' },
        { probe: '/usr/include/libkmod.h', pkg: 'libkmod-dev' },
        { probe: '/usr/include/libudev.h', pkg: 'libudev-dev' },
        { probe: '/usr/include/uuid/uuid.h', pkg: 'uuid-dev' },
        { probe: '/usr/include/json-c/json.h', pkg: 'libjson-c-dev' },
        { probe: '/usr/include/keyutils.h', pkg: 'libkeyutils-dev' },
        { probe: '/usr/include/iniparser/iniparser.h', pkg: 'libiniparser-dev' },
        { probe: '/usr/include/traceevent/event-parse.h', pkg: 'libtraceevent-dev' },
        { probe: '/usr/include/tracefs/tracefs.h', pkg: 'libtracefs-dev' },
      ],
    },
  },
  runs: (_facts, selected) => [
    { name: 'test', command: { argv: [setupScript('ndctl.sh'), 'test', ...mesonTests(selected)] } },
  ],
  matches: (name, pattern) => matchesAny(name, [pattern]) || (!pattern.includes('/') && name.startsWith(`${pattern}/`)),
  format: 'meson',
  // meson's own limit per test is 600 s (test/meson.build); a test silent longer is stuck.
  caseSeconds: 900,
  suiteSeconds: 4 * 3600,
};
