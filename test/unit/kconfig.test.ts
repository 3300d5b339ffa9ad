import t from 'tap';
import {
  checkConfig,
  dependsInKconfig,
  describeDropped,
  evaluate,
  fragmentErrors,
  mergeFragments,
  parseConfig,
  renderRequest,
  unmetConjuncts,
} from '../../orchestrator/core/kconfig.js';
import { fixture } from '../fixtures.js';

// A real olddefconfig result: tinyconfig + base + dax-rdma + MEMORY_FAILURE=y + LKDTM=y on 6.1.192.
const result = parseConfig(fixture('kconfig', 'tinyconfig-base-dax-rdma.config'));
const mmKconfig = fixture('kconfig', 'mm-Kconfig');

t.test('.config values, "is not set" as n', async (t) => {
  t.equal(result.get('FS_DAX'), 'y');
  t.equal(result.get('X86_MCE'), 'n');
  t.equal(result.get('LKDTM'), undefined);
  t.equal(result.get('NR_CPUS'), '64');
});

t.test('merging: later fragments win, the request renders stably', async (t) => {
  const merged = mergeFragments([
    { name: 'base', text: 'CONFIG_A=y\nCONFIG_B=y\n' },
    { name: 'mine', text: '# CONFIG_B is not set\nCONFIG_C="x"\n' },
  ]);
  t.same(merged.get('B'), { value: 'n', from: 'mine' });
  t.equal(renderRequest(merged), 'CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C="x"\n');
  t.same(fragmentErrors({ name: 'mine', text: '# comment\nCONFIG_A=y\nCONIFG_B=y\n' }), [
    'mine:3: not a config line: CONIFG_B=y',
  ]);
});

t.test('depends on lines from real Kconfig text', async (t) => {
  t.same(dependsInKconfig(mmKconfig, 'MEMORY_FAILURE'), ['MMU', 'ARCH_SUPPORTS_MEMORY_FAILURE']);
  t.same(dependsInKconfig(mmKconfig, 'ZONE_DEVICE'), [
    'MEMORY_HOTPLUG',
    'MEMORY_HOTREMOVE',
    'SPARSEMEM_VMEMMAP',
    'ARCH_HAS_PTE_DEVMAP',
  ]);
  t.same(dependsInKconfig(fixture('kconfig', 'drivers-nvdimm-Kconfig'), 'NVDIMM_PFN'), ['ZONE_DEVICE']);
  t.same(dependsInKconfig(mmKconfig, 'NO_SUCH_SYMBOL'), []);
});

t.test('tristate expressions', async (t) => {
  const c = parseConfig('CONFIG_A=y\nCONFIG_M=m\n# CONFIG_N is not set\nCONFIG_NUM=64\n');
  t.equal(evaluate('A && M', c), 1);
  t.equal(evaluate('A && !N', c), 2);
  t.equal(evaluate('N || (A && M)', c), 1);
  t.equal(evaluate('NUM >= 32 && A=y', c), 2);
  t.equal(evaluate('UNKNOWN', c), 0);
  t.same(unmetConjuncts('A && (N || UNKNOWN) && !M', c), ['(N || UNKNOWN) (N=n UNKNOWN=n)']);
});

t.test('what olddefconfig dropped, and why', async (t) => {
  const merged = mergeFragments([
    { name: 'dax-rdma', text: 'CONFIG_FS_DAX=y\nCONFIG_ZONE_DEVICE=y\n' },
    { name: 'extra', text: 'CONFIG_MEMORY_FAILURE=y\nCONFIG_LKDTM=y\n# CONFIG_X86_MCE is not set\n' },
  ]);
  const dropped = checkConfig(merged, result, (s) => dependsInKconfig(mmKconfig, s));
  t.same(
    dropped.map((d) => d.symbol),
    ['MEMORY_FAILURE', 'LKDTM'],
  );
  t.same(dropped[0].unmet, ['ARCH_SUPPORTS_MEMORY_FAILURE (ARCH_SUPPORTS_MEMORY_FAILURE=n)']);
  t.equal(
    describeDropped(dropped[0]),
    'CONFIG_MEMORY_FAILURE=y (from extra) ended up unset; unmet: ARCH_SUPPORTS_MEMORY_FAILURE (ARCH_SUPPORTS_MEMORY_FAILURE=n)',
  );
  t.match(describeDropped(dropped[1]), /LKDTM=y \(from extra\) ended up unset; its own dependencies hold/);
});
