// blktests' check output read as one result per test and condition, on real output: nvme/ of
// blktests 613b8377e4d3 (../shared/third_party/blktests.tar.gz) on Debian 6.1.192 in our guest,
// 2026-12-04, NVMET_TRTYPES="rdma loop" over rxe (test/fixtures/external/blktests-613b8377-nvme-
// debian-6.1.192.out, check's stdout; its "column: command not found" lines are from before the
// guest image had bsdextrautils). The failure forms (check's _call_test, lines 400-433 at that
// commit) are written out by hand below.
import t from 'tap';
import { blktestsCase, openCase, parseBlktests, stoppedEarly } from '../../orchestrator/core/external.js';
import { blktestsFiles, blktestsMatch, checkTests } from '../../orchestrator/suites/blktests.js';
import { fixture } from '../fixtures.js';

const nvme = fixture('external', 'blktests-613b8377-nvme-debian-6.1.192.out').split('\n');
const byName = new Map(parseBlktests(nvme).map((r) => [r.name, r]));

t.test(
  'nvme over rdma and loop on 6.1: a result per test and condition, named as blktests names its results',
  async (t) => {
    t.same(byName.get('nvme/006/tr_rdma_bd_device')?.result, 'pass');
    t.same(byName.get('nvme/006/tr_rdma_bd_file')?.result, 'pass');
    t.same(
      { ...byName.get('nvme/006/tr_loop_bd_device'), line: 0 },
      { name: 'nvme/006/tr_loop_bd_device', result: 'skip', message: 'driver nvme_loop is not available', line: 0 },
      "Debian's 6.1 has no NVME_TARGET_LOOP: blktests' own reason",
    );
    t.same(
      [byName.get('nvme/002/tr_rdma')?.result, byName.get('nvme/002/tr_rdma')?.message],
      ['skip', 'nvme_trtype=rdma is not supported in this test'],
      'a loop-only test over rdma',
    );
    t.match(byName.get('nvme/048/tr_rdma'), { result: 'fail', message: '+expected queue count 2 not set | +FAIL' });
    t.equal(
      parseBlktests(nvme).length,
      111,
      'nvme/002-063 over rdma and loop, once per condition: as many as check ended',
    );
    t.notOk(
      [...byName.keys()].some((n) => n.includes(' ') || n.includes('(')),
      'names fit --test',
    );
  },
);

t.test("a result's line is its test's last detail line: its dmesg window covers its cleanup", async (t) => {
  const r = byName.get('nvme/003/tr_loop')!;
  t.match(nvme[r.line], /driver nvme_loop is not available/);
});

t.test('failures: the exit status, the diff, the dmesg lines; runtime lines are not words', async (t) => {
  const out = parseBlktests([
    'nvme/010 (tr=rdma bd=device) (run data verification fio job)',
    'nvme/010 (tr=rdma bd=device) (run data verification fio job) [failed]',
    '    runtime    ...  21.234s',
    '    exited with status 1',
    'srp/001 (Create and remove LUNs)                            ',
    'srp/001 (Create and remove LUNs)                             [failed]',
    '    runtime    ...  3.1s',
    '    --- tests/srp/001.out\t2025-05-15',
    '    +++ /var/tmp/blktests-out/results-srp/nodev/srp/001.out.bad',
    '    @@ -1,2 +1,2 @@',
    '    -Passed',
    '    +Failed',
    'nvme/***                                                     [not run]',
    '    not running as root',
  ]);
  t.same(
    out.map((r) => [r.name, r.result]),
    [
      ['nvme/010/tr_rdma_bd_device', 'fail'],
      ['srp/001', 'fail'],
      ['nvme/all', 'skip'],
    ],
  );
  t.equal(out[0].message, 'exited with status 1');
  t.match(out[1].message, /-Passed \| \+Failed/);
  t.equal(out[2].message, 'not running as root');
});

t.test('a check killed in a test: the open test named, the run stopped early', async (t) => {
  const lines = [
    'nvme/003 (tr=rdma) (keep-alives)     [passed]',
    'nvme/004 (tr=rdma) (test nvme and nvmet UUID NS descriptors)',
  ];
  t.equal(parseBlktests(lines).length, 1, 'the unfinished test has no result');
  t.equal(openCase('blktests', lines), 'nvme/004/tr_rdma');
  t.match(stoppedEarly('blktests', lines, 1, 137), /killed by signal 9/);
  t.match(stoppedEarly('blktests', lines, 1, 0), /stopped in nvme\/004\/tr_rdma/);
  t.equal(stoppedEarly('blktests', lines.slice(0, 1), 1, 0), undefined);
});

t.test('selection: a test takes all its conditions; check gets tests or the group', async (t) => {
  t.ok(blktestsMatch('nvme/006/tr_rdma_bd_file', 'nvme/006'));
  t.ok(blktestsMatch('nvme/006/tr_rdma_bd_file', 'nvme/006/tr_rdma*'));
  t.notOk(blktestsMatch('nvme/006/tr_loop_bd_file', 'nvme/006/tr_rdma*'));
  t.ok(blktestsMatch('srp/001', 'srp'));
  t.notOk(blktestsMatch('srp/001', 'nvme'));
  t.same(checkTests('nvme', ['nvme/006/tr_rdma*', 'nvme/003']), ['nvme/006', 'nvme/003']);
  t.same(checkTests('nvme', ['nvme/0*']), ['nvme']);
  t.same(checkTests('srp', ['nvme/006']), undefined);
  t.same(checkTests('srp'), ['srp']);
});

t.test('a glob on the test names the tests of the tree it matches, not the whole group', async (t) => {
  const known = ['nvme/002', 'nvme/003', 'nvme/047', 'nvme/048', 'nvme/052', 'srp/001', 'srp/002'];
  t.same(checkTests('nvme', ['nvme/047*'], known), ['nvme/047']);
  t.same(checkTests('nvme', ['nvme/04*', 'nvme/003'], known), ['nvme/047', 'nvme/048', 'nvme/003']);
  t.same(checkTests('nvme', ['*/00*'], known), ['nvme/002', 'nvme/003']);
  t.same(checkTests('srp', ['*/00*'], known), ['srp/001', 'srp/002']);
  t.same(checkTests('nvme', ['nvme/*'], known), ['nvme'], 'every test: the group');
  t.same(checkTests('nvme', ['nvme/9*'], known), undefined, 'a glob that matches nothing runs nothing');
  t.same(checkTests('nvme', ['nvme/0*']), ['nvme'], 'the tree unknown: the group');
});

t.test("a case's files: its status file and .full, .out.bad, .dmesg beside it in its results directory", async (t) => {
  const files = [
    'blktests-nvme/nodev_tr_rdma_bd_file/nvme/006',
    'blktests-nvme/nodev_tr_rdma_bd_file/nvme/006.full',
    'blktests-nvme/nodev_tr_rdma_bd_file/nvme/0061',
    'blktests-nvme/nodev_tr_loop_bd_file/nvme/006',
    'blktests-srp/nodev/srp/001.out.bad',
  ];
  t.same(blktestsFiles('nvme/006/tr_rdma_bd_file', files), files.slice(0, 2));
  t.same(blktestsFiles('srp/001', files), ['blktests-srp/nodev/srp/001.out.bad']);
  t.equal(blktestsCase('nvme/033', 'nvme0n1', 'tr=loop'), 'nvme/033/nvme0n1_tr_loop');
});

// nvme/ on Debian 6.12.118 (test/fixtures/external/blktests-613b8377-nvme-debian-6.12.118.out, check's
// stdout in npm run test:slow, 2026-12-04): between nvme/045 and nvme/048 check printed only bash's
// error from _have_kver (common/rc) reading "6.12.118+deb12-amd64", and never named nvme/047.
t.test("an error of blktests' own scripts is a result of its own, not silence", async (t) => {
  const out = parseBlktests(fixture('external', 'blktests-613b8377-nvme-debian-6.12.118.out').split('\n'));
  const harness = out.filter((r) => r.name.startsWith('harness/'));
  t.same(
    harness.map(({ name, result, message }) => ({ name, result, message })),
    [
      {
        name: 'harness/common-rc-235',
        result: 'error',
        message: 'common/rc: line 235: read: 118deb12: value too great for base (error token is "118deb12")',
      },
    ],
  );
  t.notOk(
    out.some((r) => r.name.startsWith('nvme/047')),
    'the test it swallowed is not there to say so',
  );
  t.ok(
    out.some((r) => r.name === 'nvme/048/tr_rdma' && r.result === 'pass'),
    'the tests after it are read as before',
  );
});
