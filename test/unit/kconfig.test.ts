import t from 'tap';
import {
  checkConfig,
  dependsInKconfig,
  describeDropped,
  evaluate,
  fragmentDirectives,
  fragmentErrors,
  mergeFragments,
  parseConfig,
  renderDirectives,
  renderRequest,
  unexcused,
  unmetConjuncts,
  type Dropped,
} from '../../orchestrator/core/kconfig.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configsDir } from '../../orchestrator/paths.js';
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

t.test('directives: modules and optional symbols, merged across fragments', async (t) => {
  const nfit = { name: 'nfit-test', text: readFileSync(join(configsDir, 'kernel', 'nfit-test.config'), 'utf8') };
  const mine = { name: 'mine', text: '#orchestrate:  modules tools/testing/nvdimm/ samples/kobject\nCONFIG_A=y\n' };
  t.same(fragmentErrors(nfit), [], 'ours parses');
  t.same(fragmentErrors(mine), []);
  t.same(fragmentDirectives([nfit, mine]), {
    modules: ['samples/kobject', 'tools/testing/nvdimm'],
    optional: ['NVDIMM_SECURITY_TEST'],
  });
  t.notOk(mergeFragments([mine]).has('orchestrate'), 'a comment to Kconfig');
  t.equal(renderDirectives(fragmentDirectives([{ name: 'plain', text: 'CONFIG_A=y\n# a comment\n' }])), '');
  t.equal(
    renderDirectives(fragmentDirectives([mine])),
    '# orchestrate: modules samples/kobject\n# orchestrate: modules tools/testing/nvdimm',
  );
});

t.test('a malformed directive is one clear line', async (t) => {
  const errors = (text: string) => fragmentErrors({ name: 'f', text });
  t.same(errors('# orchestrate: modules\n'), [
    'f:1: "modules" wants directories of the tree (tools/testing/nvdimm): # orchestrate: modules',
  ]);
  t.same(errors('CONFIG_A=y\n# orchestrate: modules ../nvdimm\n'), [
    'f:2: "modules" wants directories of the tree (tools/testing/nvdimm), not ../nvdimm: # orchestrate: modules ../nvdimm',
  ]);
  t.match(errors('# orchestrate: modules /abs/dir'), [/not \/abs\/dir/]);
  t.match(errors('# orchestrate: modules tools/./x'), [/not tools\/\.\/x/]);
  t.match(errors('# orchestrate: optional nvdimm_security'), [/"optional" wants Kconfig symbols, not nvdimm_security/]);
  t.match(errors('# orchestrate: module tools/testing/nvdimm'), [
    /^f:1: unknown directive "module" \(want "modules DIR\.\.\." or "optional SYMBOL\.\.\."\)/,
  ]);
  t.same(fragmentDirectives([{ name: 'f', text: '# orchestrate: modules ../x\n' }]).modules, [], 'never used');
});

t.test('an optional symbol the tree does not define is not dropped; one it defines is', async (t) => {
  const dropped = (symbol: string): Dropped => ({ symbol, wanted: 'y', got: 'unset', from: 'f', unmet: [] });
  const all = [dropped('NVDIMM_SECURITY_TEST'), dropped('TYPO')];
  t.same(
    unexcused(all, ['NVDIMM_SECURITY_TEST'], () => false),
    [dropped('TYPO')],
    '6.1: no such symbol',
  );
  t.same(
    unexcused(all, ['NVDIMM_SECURITY_TEST'], () => true),
    all,
    '6.12 has it: its unmet dependencies count',
  );
  t.same(
    unexcused(all, [], () => false),
    all,
    'not optional: a typo still fails',
  );
});
