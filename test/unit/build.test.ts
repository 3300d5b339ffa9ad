import t from 'tap';
import { buildId, countsAsObject, firstErrors, formatProgress, progress } from '../../orchestrator/core/build.js';
import { fixture } from '../fixtures.js';

const inputs = {
  commit: 'c2fa53280e04e4bb994651f9302d5340f8cfeb01',
  seriesId: 'abc',
  config: 'CONFIG_A=y\n',
  compiler: 'gcc (Debian 12.2.0-14+deb12u1) 12.2.0',
};

t.test('store ids: same inputs, same id; any input changes it', async (t) => {
  t.equal(buildId(inputs), buildId({ ...inputs }));
  t.match(buildId(inputs), /^build-c2fa53280e04-[0-9a-f]{12}$/);
  for (const change of [
    { commit: `${'d'.repeat(40)}` },
    { seriesId: 'abd' },
    { seriesId: undefined },
    { config: 'CONFIG_A=n\n' },
    { compiler: 'gcc 13' },
  ]) {
    t.not(buildId({ ...inputs, ...change }), buildId(inputs), JSON.stringify(change));
  }
});

t.test('directives change the id only when a fragment has them', async (t) => {
  t.equal(buildId({ ...inputs, directives: '' }), buildId(inputs), 'no directives: the ids of stored kernels hold');
  t.equal(buildId(inputs), 'build-c2fa53280e04-8134c88e6339', 'the id function itself is unchanged');
  const nvdimm = buildId({ ...inputs, directives: '# orchestrate: modules tools/testing/nvdimm' });
  t.not(nvdimm, buildId(inputs));
  t.not(nvdimm, buildId({ ...inputs, directives: '# orchestrate: modules samples/kobject' }));
});

t.test('objects counted off kbuild quiet lines', async (t) => {
  t.ok(countsAsObject('  CC      fs/dax.o'));
  t.ok(countsAsObject('  LD      vmlinux.o'));
  t.ok(countsAsObject('  HOSTCC  scripts/basic/fixdep'));
  t.notOk(countsAsObject('  GEN     Makefile'));
  t.notOk(countsAsObject('fs/dax.c:750:16: error: too many arguments'));
});

t.test('progress and ETA', async (t) => {
  t.same(progress(0, 1800, 3), { objects: 0, expected: 1800, fraction: 0, eta: undefined });
  t.equal(progress(5, 1800, 3).eta, undefined, 'no ETA from the first few objects');
  t.same(progress(900, 1800, 300), { objects: 900, expected: 1800, fraction: 0.5, eta: 300 });
  t.equal(progress(2000, 1800, 10).fraction, 1);
  t.equal(formatProgress(progress(900, 1800, 300), 'make'), 'make  50% (900/~1800 objects, ETA 5m00s)');
});

t.test('the first errors of a real failed build (gcc 12, O= build, UTF-8 quotes)', async (t) => {
  const log = fixture('kbuild', 'build-break-incremental.log');
  const e = firstErrors(log, ['/root/.cache/orchestrate/kbuild/linux-source-6.1.192-2-f10faea9/src/', '../src/']);
  t.equal(e.first, 'fs/dax.c:749:16: error: too many arguments to function ‘dax_layout_busy_page_range’');
  t.same(e.lines, [
    'fs/dax.c: In function ‘dax_layout_busy_page’:',
    'fs/dax.c:749:16: error: too many arguments to function ‘dax_layout_busy_page_range’',
    '  749 |         return dax_layout_busy_page_range(mapping, 0, LLONG_MAX, NULL);',
  ]);
  const noCompilerError = log
    .split('\n')
    .filter((l) => !/error:/.test(l))
    .join('\n');
  t.match(firstErrors(noCompilerError).first, /^make\[3\]: \*\*\* .*fs\/dax\.o\] Error 1$/, "else make's own error");
});

t.test("modpost's undefined symbols head a BUILD-FAIL of external modules", async (t) => {
  // make M=tools/testing/nvdimm on 6.1.192 with nfit-test but no GENERIC_ALLOCATOR (no X86_MCE).
  const log = fixture('kbuild', 'modpost-nfit-test-6.1.192-no-gen-pool.log');
  const e = firstErrors(log, ['/root/.cache/orchestrate/kbuild/linux-source-6.1-6.1.192-3-7b4ddbe3/src/']);
  t.equal(e.first, 'ERROR: modpost: "gen_pool_create" [tools/testing/nvdimm/test/nfit_test.ko] undefined!');
  t.equal(e.lines.length, 3);
});
