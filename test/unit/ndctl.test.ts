// meson's test runner read as one result per test, on real output: ndctl v81's tests (../shared/
// third_party/ndctl.tar.gz, `meson test -v`, destructive ones included) on Debian 6.1.192 in our
// guest without nfit_test, 2026-12-04 (test/fixtures/external/ndctl-v81-debian-6.1.192.out).
import t from 'tap';
import { openCase, parseMeson, stoppedEarly } from '../../orchestrator/core/external.js';
import { mesonTests } from '../../orchestrator/suites/ndctl.js';
import { fixture } from '../fixtures.js';

const lines = fixture('external', 'ndctl-v81-debian-6.1.192.out').split('\n');
const results = parseMeson(lines);
const byName = new Map(results.map((r) => [r.name, r]));

t.test(
  'every test once, named SUITE/TEST, the failures meson lists again after its summary not counted twice',
  async (t) => {
    t.equal(results.length, 48, "ndctl v81's 48 tests");
    t.equal(byName.size, 48);
    t.equal(byName.get('dax/sub-section.sh')?.result, 'pass');
    t.equal(byName.get('dax/mmap.sh')?.result, 'pass', 'on e820 pmem from memmap=');
    t.equal(stoppedEarly('meson', lines, results.length, 1), undefined);
  },
);

t.test("exit 77 is SKIP with the test's own last words, not its shell trace or its contexts' release", async (t) => {
  const create = byName.get('ndctl/create.sh')!;
  t.equal(create.result, 'skip');
  t.match(create.message, /Module nfit_test not found/);
  t.notMatch(create.message, /^\+/);
  const libndctl = byName.get('ndctl/libndctl')!;
  t.match(libndctl.message, /nfit\.ko: appears to be production version/);
  t.notMatch(libndctl.message, /context \S+ released/);
  t.match(byName.get('cxl/cxl-topology.sh')!.message, /Module cxl_test not found/);
});

t.test('the other results (the JSON a test listed is not its last words), and a runner stopped early', async (t) => {
  const out = parseMeson([
    ' 1/3 ndctl:dax / dm.sh                    RUNNING       ',
    'fail: 42',
    ' 1/3 ndctl:dax / dm.sh                    FAIL             1.63s   exit status 1',
    ' 2/3 ndctl:dax / device-dax               RUNNING       ',
    'namespace2.0: failed dax soft offline',
    '{',
    '  "dev":"namespace2.0",',
    '  "blockdev":"pmem2"',
    "}'",
    ' 2/3 ndctl:dax / device-dax               FAIL             0.92s   (exit status 254 or signal 126 SIGinvalid)',
    ' 2/3 ndctl:ndctl / libndctl               TIMEOUT        600.01s   killed by signal 15 SIGTERM',
    ' 3/3 ndctl:ndctl / monitor.sh             RUNNING       ',
  ]);
  t.same(
    out.map((r) => [r.name, r.result, r.message]),
    [
      ['dax/dm.sh', 'fail', 'fail: 42 | exit status 1'],
      ['dax/device-dax', 'fail', 'namespace2.0: failed dax soft offline | (exit status 254 or signal 126 SIGinvalid)'],
      ['ndctl/libndctl', 'fail', 'killed by signal 15 SIGTERM'],
    ],
  );
  t.equal(openCase('meson', [' 3/3 ndctl:ndctl / monitor.sh             RUNNING       ']), 'ndctl/monitor.sh');
  t.match(stoppedEarly('meson', [' 3/3 ndctl:ndctl / monitor.sh   RUNNING'], 0, 0), /stopped before meson's summary/);
});

t.test('selection: test names for meson, or all of them for a glob or a suite', async (t) => {
  t.same(mesonTests(['dax/dm.sh', 'ndctl/align.sh']), ['dm.sh', 'align.sh']);
  t.same(mesonTests(['dax/*']), []);
  t.same(mesonTests(['cxl']), []);
  t.same(mesonTests(), []);
});
