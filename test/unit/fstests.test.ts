// fstests' check output read as one result per test, on real output: the dax group of fstests
// 63a29724a85f (../shared/third_party/fstests.tar.gz) on Debian 6.1.192 in our guest, 2026-12-04,
// ext4 -o dax and xfs -o dax=always (test/fixtures/external/fstests-63a29724-*-dax-debian-6.1.192.out,
// check's stdout from the FSTYP line to its summary). The failure forms check prints besides
// (check, lines 975-1065 at that commit) are written out by hand below.
import t from 'tap';
import { openCase, parseFstests, stoppedEarly } from '../../orchestrator/core/external.js';
import { checkArgs, fstestsMatch } from '../../orchestrator/suites/fstests.js';
import { fixture } from '../fixtures.js';

const xfs = fixture('external', 'fstests-63a29724-xfs-dax-debian-6.1.192.out').split('\n');
const ext4 = fixture('external', 'fstests-63a29724-ext4-dax-debian-6.1.192.out').split('\n');

const byName = (lines: string[]) => new Map(parseFstests(lines).map((r) => [r.name, r]));

t.test('xfs on 6.1: every test of the group, its verdict from its own line and the diff after it', async (t) => {
  const results = byName(xfs);
  t.same(
    [...results.keys()],
    [
      'generic/413',
      'generic/428',
      'generic/437',
      'generic/452',
      'generic/462',
      'generic/470',
      'generic/503',
      'generic/605',
      'generic/606',
      'generic/607',
      'generic/608',
      'xfs/550',
      'xfs/551',
      'xfs/552',
    ],
  );
  t.equal(results.get('generic/413')?.result, 'pass');
  t.same(results.get('generic/470'), {
    name: 'generic/470',
    result: 'skip',
    message: 'This test requires a valid $LOGWRITES_DEV',
    line: xfs.findIndex((l) => l.startsWith('generic/470')),
  });
  const failed = results.get('xfs/551')!;
  t.equal(failed.result, 'fail');
  t.match(failed.message, /^- output mismatch \(see \/tmp\/results\/xfs\/551\.out\.bad\)/);
  t.match(failed.message, /-Process is killed by signal: 7/, 'the diff says what deviates');
  t.match(xfs[failed.line], /to see the entire diff/, "the test's window ends after its last line, not its first");
  t.equal(results.get('xfs/552')?.result, 'fail');
  t.equal([...results.values()].filter((r) => r.result === 'pass').length, 11);
  t.equal(stoppedEarly('fstests', xfs, results.size, 1), undefined, 'check ran to its summary');
});

t.test('ext4 on 6.1: passes and two not-run tests, with fstests’ reasons', async (t) => {
  const results = [...byName(ext4).values()];
  t.equal(results.length, 14);
  t.same(
    results.filter((r) => r.result === 'skip').map((r) => [r.name, r.message]),
    [
      ['ext4/047', "Kernel doesn't support the ext4 feature(s): inline_data"],
      ['generic/470', 'This test requires a valid $LOGWRITES_DEV'],
    ],
  );
  t.equal(results.filter((r) => r.result === 'pass').length, 12);
});

t.test('a check killed inside a test: the finished ones are results, the open one is named', async (t) => {
  const cut = [
    ...ext4.slice(
      0,
      ext4.findIndex((l) => l.startsWith('generic/605')),
    ),
    'generic/605        ',
  ];
  const results = parseFstests(cut);
  t.equal(results.at(-1)?.name, 'generic/503');
  t.equal(openCase('fstests', cut), 'generic/605');
  t.match(stoppedEarly('fstests', cut, results.length, 124), /stopped before check's summary/);
  t.equal(openCase('fstests', ext4), undefined);
});

t.test("check's other failure forms fail the test and say what check said", async (t) => {
  const lines = [
    'generic/001 3s ...  [failed, exit status 1]- output mismatch (see /r/generic/001.out.bad)',
    '    --- tests/generic/001.out',
    '    +++ /r/generic/001.out.bad',
    'generic/002 5s ... _check_dmesg: something found (see /r/generic/002.dmesg)',
    '',
    'generic/003       _check_generic_filesystem: filesystem on /dev/pmem1 is inconsistent',
    '(see /r/generic/003.full for details)',
    'generic/004       [expunged]',
    'generic/005 4s ...  4s',
    'Ran: generic/001 generic/002 generic/003 generic/005',
    'Failures: generic/001 generic/002 generic/003',
    'Failed 3 of 4 tests',
  ];
  const r = byName(lines);
  t.same(
    [...r.values()].map((x) => [x.name, x.result]),
    [
      ['generic/001', 'fail'],
      ['generic/002', 'fail'],
      ['generic/003', 'fail'],
      ['generic/004', 'skip'],
      ['generic/005', 'pass'],
    ],
  );
  t.match(r.get('generic/001')?.message, /^\[failed, exit status 1\]- output mismatch/);
  t.match(r.get('generic/002')?.message, /^_check_dmesg: something found/);
  t.match(r.get('generic/003')?.message, /inconsistent \| \(see \/r\/generic\/003\.full/);
  t.equal(r.get('generic/003')?.line, 6, 'its window takes the line after');
});

t.test("check's arguments per file system: the dax group by default, tests, globs and groups", async (t) => {
  t.same(checkArgs('ext4'), ['-g', 'dax']);
  t.same(checkArgs('xfs'), ['-g', 'dax']);
  t.same(checkArgs('ext4', ['ext4/generic/413']), ['generic/413']);
  t.equal(checkArgs('xfs', ['ext4/generic/413']), undefined, 'a pattern about ext4 runs nothing on xfs');
  t.same(checkArgs('xfs', ['*/generic/413', 'xfs/xfs/550']), ['generic/413', 'xfs/550']);
  t.same(checkArgs('xfs', ['xfs/generic/*']), ['-g', 'dax'], 'a glob picks among the dax group');
  t.same(checkArgs('ext4', ['*/@quick']), ['-g', 'quick']);
  t.same(checkArgs('ext4', ['ext4']), ['-g', 'dax'], 'a file system alone: its dax group');
});

t.test('which cases a pattern takes', async (t) => {
  t.ok(fstestsMatch('xfs/generic/413', 'xfs/generic/*'));
  t.notOk(fstestsMatch('ext4/generic/413', 'xfs/generic/*'));
  t.ok(fstestsMatch('ext4/generic/001', '*/@quick'), 'a group takes whatever check ran for it');
  t.notOk(fstestsMatch('xfs/generic/001', 'ext4/@quick'));
  t.ok(fstestsMatch('ext4/ext4/030', 'ext4'));
});
