import t from 'tap';
import {
  carried,
  laneList,
  lanes,
  moduleName,
  parseModulesDep,
  planModules,
  splitPlan,
} from '../../orchestrator/core/modules.js';
import { fixture } from '../fixtures.js';

const deps = parseModulesDep(fixture('modules', 'debian-6.1.0-56-modules.dep'));
const builtin = fixture('modules', 'debian-6.1.0-56-modules.builtin');
const wanted = [
  'virtio_pci',
  'virtio_blk',
  'virtio_net',
  'crc32c_generic',
  'ext4',
  'crc32_generic',
  'nfit',
  'nd_pmem',
  'dax_pmem',
  'device_dax',
  'rdma_rxe',
  'ib_uverbs',
  'xfs',
  'dm_delay',
];

t.test('module names as modprobe spells them', async (t) => {
  t.equal(moduleName('kernel/drivers/md/dm-delay.ko'), 'dm_delay');
  t.equal(moduleName('kernel/fs/xfs/xfs.ko.xz'), 'xfs');
  t.equal(moduleName('dm-delay'), 'dm_delay');
});

t.test('Debian 6.1: every dependency loads before its dependents', async (t) => {
  const plan = planModules(deps, builtin, wanted);
  t.same(plan.missing, []);
  const at = (name: string) => plan.load.findIndex((p) => moduleName(p) === name);
  for (const [dep, user] of [
    ['virtio', 'virtio_pci'],
    ['jbd2', 'ext4'],
    ['ib_core', 'rdma_rxe'],
    ['ib_core', 'ib_uverbs'],
    ['libnvdimm', 'nd_pmem'],
    ['dm_mod', 'dm_delay'],
    ['libcrc32c', 'xfs'],
    ['ip6_udp_tunnel', 'rdma_rxe'],
  ]) {
    t.ok(at(dep) >= 0 && at(dep) < at(user), `${dep} before ${user}`);
  }
  t.equal(new Set(plan.load).size, plan.load.length, 'each module once');
});

t.test('built-in and unknown modules are reported, not loaded', async (t) => {
  const plan = planModules(deps, 'kernel/drivers/char/hw_random/virtio-rng.ko\n', ['virtio_rng', 'no_such_module']);
  t.same(plan.load, []);
  t.same(plan.builtin, ['virtio_rng']);
  t.same(plan.missing, ['no_such_module']);
});

t.test('the early set pulls its dependencies, the rest goes late', async (t) => {
  const plan = planModules(deps, builtin, wanted);
  const [early, late] = splitPlan(deps, plan.load, ['virtio_pci', 'virtio_blk', 'ext4']);
  const names = (list: string[]) => list.map(moduleName);
  t.ok(names(early).includes('jbd2') && names(early).includes('virtio_ring'));
  t.notOk(names(early).includes('rdma_rxe'));
  t.ok(names(late).includes('rdma_rxe') && names(late).includes('xfs'));
  t.equal(early.length + late.length, plan.load.length);
});

t.test('lanes: modules sharing dependencies share a lane', async (t) => {
  const plan = planModules(deps, builtin, wanted);
  const [, late] = splitPlan(deps, plan.load, ['virtio_pci', 'virtio_blk', 'virtio_net', 'crc32c_generic', 'ext4']);
  const lane = lanes(deps, late);
  const of = (name: string) => lane[late.findIndex((p) => moduleName(p) === name)];
  t.equal(of('nd_pmem'), of('nfit'));
  t.equal(of('dax_pmem'), of('libnvdimm'));
  t.equal(of('rdma_rxe'), of('ib_uverbs'), 'both need ib_core');
  t.equal(of('dm_delay'), of('dm_mod'));
  t.not(of('rdma_rxe'), of('nfit'));
  t.not(of('xfs'), of('dm_delay'));
  t.match(laneList(deps, late), /^\d+ kernel\/\S+\.ko\n/);
});

t.test('the external modules a build installed are carried with their dependencies, not loaded', async (t) => {
  const nvdimm = parseModulesDep(
    [
      'kernel/drivers/char/hw_random/virtio-rng.ko:',
      'updates/nfit.ko: updates/libnvdimm.ko updates/test/nfit_test_iomap.ko',
      'updates/libnvdimm.ko: updates/test/nfit_test_iomap.ko',
      'updates/test/nfit_test_iomap.ko:',
      'updates/test/nfit_test.ko: updates/nfit.ko updates/libnvdimm.ko updates/test/nfit_test_iomap.ko kernel/lib/x.ko',
      'kernel/lib/x.ko:',
    ].join('\n'),
  );
  const load = planModules(nvdimm, '', ['nfit']).load;
  t.same(load, ['updates/test/nfit_test_iomap.ko', 'updates/libnvdimm.ko', 'updates/nfit.ko']);
  t.same(carried(nvdimm, load), ['kernel/lib/x.ko', 'updates/test/nfit_test.ko']);
  t.same(carried(deps, []), [], "Debian's kernels have no updates/");
});
