// A self-built 6.1 with loadable modules and nfit_test (--config nfit-test): the store holds
// its modules with the test builds in updates/; a guest on it loads nfit_test next to QEMU's own
// NVDIMMs, whose /dev/pmem0 the test builds of libnvdimm and nfit still give.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecord, storeDir } from '../../orchestrator/adapters/kernel-store.js';
import { cacheDir } from '../../orchestrator/paths.js';
import { runCli } from '../cli.js';
import { sourceTree } from '../source-tree.js';
import { tempDir } from '../temp.js';

const results = join(cacheDir(), 'slow-results');

t.test('linux-source-6.1 --config nfit-test: modules in the store, nfit_test in a guest', async (t) => {
  const { dir: tree } = await sourceTree();
  const built = await runCli(['build', '--tree', tree, '--config', 'nfit-test']);
  t.equal(built.code, 0, built.stderr.slice(-2000));
  const id = built.stdout.trim();
  const record = readRecord(id);
  t.equal(record?.files.modules, 'modules', 'stored with its modules, as a Debian kernel is');
  const modules = join(storeDir(), id, 'modules');
  for (const ko of ['updates/test/nfit_test.ko', 'updates/test/nfit_test_iomap.ko', 'updates/nfit.ko'])
    t.ok(existsSync(join(modules, ko)), ko);
  t.match(
    readFileSync(join(modules, 'modules.dep'), 'utf8'),
    /^updates\/nd_pmem\.ko: .*updates\/test\/nfit_test_iomap\.ko/m,
    'depmod ran after the test builds were installed: nd_pmem is theirs',
  );

  const script = ['set -e', 'ls /dev/pmem0', 'modinfo -F filename nfit', 'modprobe nfit_test', 'ndctl list -B'].join(
    '; ',
  );
  const r = await runCli(['run', '--kernel', id, '--setup', 'fsdax', '--results', results, '--', 'sh', '-c', script]);
  t.equal(r.code, 0, r.stdout + r.stderr.slice(-2000));
  t.match(r.stdout, /^\/dev\/pmem0$/m, "QEMU's NVDIMM still a pmem device");
  t.match(r.stdout, /\/updates\/nfit\.ko$/m, 'the test build of nfit is the one modprobe finds');
  for (const bus of ['ACPI.NFIT', 'nfit_test.0', 'nfit_test.1'])
    t.match(r.stdout, new RegExp(`"provider":\\s*"${bus.replace('.', '\\.')}"`), `bus ${bus}`);
});

t.test('a modules directory the tree lacks is CONFIG-FAIL, with one reason', async (t) => {
  const { dir: tree } = await sourceTree();
  const fragment = join(tempDir('orchestrate-fragment-'), 'nope.config');
  writeFileSync(fragment, '# orchestrate: modules tools/testing/nope\nCONFIG_MODULES=y\n');
  const r = await runCli(['build', '--tree', tree, '--config', fragment, '--force']);
  t.equal(r.code, 1, r.stderr.slice(-1000));
  t.match(
    r.stdout,
    /^CONFIG-FAIL: the fragments ask for modules in tools\/testing\/nope, which the tree does not have$/m,
  );
});
