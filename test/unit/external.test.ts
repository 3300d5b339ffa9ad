// External suites' output formats, on real output: rdma-core 44's run_tests.py -v on rxe0
// (test/fixtures/external/rdma-core-44-rxe-debian-6.1.192.out: Debian 6.1.192 in our guest,
// 2026-12-01, as `marks` saved it), and KTAP as kselftest.h prints it (gup_longterm-6.12.117-fsdax-ext4.out:
// 6.12.117's gup_longterm on fs-DAX ext4, self-built tree with the selftests fragment, 2026-12-02).
import t from 'tap';
import {
  caseSlug,
  caseWindows,
  openCase,
  parseKtap,
  parseUnittest,
  statusResult,
  stoppedEarly,
} from '../../orchestrator/core/external.js';
import { fixture } from '../fixtures.js';

const rdmaCore = fixture('external', 'rdma-core-44-rxe-debian-6.1.192.out').split('\n');

t.test(
  "unittest -v: every test, its status on the same line, after a docstring or after a child's output",
  async (t) => {
    const results = parseUnittest(rdmaCore);
    t.equal(results.length, 273);
    const count = (kind: string) => results.filter((r) => r.result === kind).length;
    t.same([count('pass'), count('skip'), count('error'), count('fail')], [86, 186, 1, 0]);
    t.same(
      results[0],
      { name: 'tests.test_addr.AHTest.test_create_ah', result: 'pass', message: '', line: 1 },
      'a docstring moves the status to the next line',
    );
    const error = results.find((r) => r.result === 'error')!;
    t.equal(error.name, 'tests.test_qpex.QpExTestCase.test_qp_ex_rc_atomic_write');
    t.equal(
      error.message,
      'pyverbs.pyverbs_error.PyverbsRDMAError: Completion status is local QP operation error',
      "the traceback's last line",
    );
    t.equal(
      results.filter((r) => r.message === "Device rxe0 doesn't have net interface").length,
      11,
      'a reason in double quotes',
    );
    t.equal(results.filter((r) => r.message === 'ODP is not supported - No ODP caps').length, 14);
  },
);

t.test('KTAP: results, directives, and cases named by their [RUN] line', async (t) => {
  const out = [
    'TAP version 13',
    '1..4',
    '# [RUN] R/W longterm GUP pin in MAP_SHARED file mapping ... with memfd',
    'ok 1 Should have worked',
    '# [RUN] R/W longterm GUP pin in MAP_SHARED file mapping ... with tmpfile',
    '# PIN_LONGTERM_TEST_START failed',
    'not ok 2 Should have worked',
    'ok 3 # SKIP need more than 1 hugepage',
    'ok 4 io_uring # XFAIL not yet',
    '# Totals: pass:1 fail:1 xfail:1 xpass:0 skip:1 error:0',
  ];
  t.same(
    parseKtap(out, true).map((r) => [r.name, r.result, r.message, r.line]),
    [
      ['r-w-longterm-gup-pin-in-map_shared-file-mapping-with-memfd', 'pass', '', 3],
      [
        'r-w-longterm-gup-pin-in-map_shared-file-mapping-with-tmpfile',
        'fail',
        'Should have worked; PIN_LONGTERM_TEST_START failed',
        6,
      ],
      ['r-w-longterm-gup-pin-in-map_shared-file-mapping-with-tmpfile', 'skip', 'need more than 1 hugepage', 7],
      [
        'r-w-longterm-gup-pin-in-map_shared-file-mapping-with-tmpfile',
        'pass',
        'not yet; expected failure: io_uring',
        8,
      ],
    ],
  );
  t.same(
    parseKtap(out).map((r) => r.name),
    ['should-have-worked', 'should-have-worked', 'test-3', 'io_uring'],
  );
  t.equal(caseSlug('  Mixed CASE: a/b  '), 'mixed-case-a-b');
});

t.test('exit status alone: 0 pass, 4 and 77 skip, else fail with the last lines', async (t) => {
  t.same(statusResult('x', 0, ['done']), { name: 'x', result: 'pass', message: '', line: 0 });
  t.equal(statusResult('x', 4, []).result, 'skip');
  t.equal(statusResult('x', 77, []).result, 'skip');
  t.same(statusResult('x', 1, ['a', 'oops', '']), {
    name: 'x',
    result: 'fail',
    message: 'exit status 1: a | oops',
    line: 2,
  });
});

t.test('the kernel log cut at the marks: each case its own lines, and its time', async (t) => {
  const dmesg = [
    '[    1.000000] orchestrate-mark: 1 TAP version 13',
    '[    1.100000] WARNING: CPU: 0 PID: 1 at mm/gup.c:10 f+0x1/0x2',
    '[    1.200000] orchestrate-mark: 2 ok 1 first',
    '[    1.300000] orchestrate-mark: 3 # [RUN] second',
    '[    1.400000] pmem0: detected capacity change',
    '[    1.700000] orchestrate-mark: 4 ok 2 second',
    '[    1.800000] after the last case',
  ].join('\n');
  const w = caseWindows(dmesg, [1, 3]);
  t.same(w.windows, [
    '[    1.100000] WARNING: CPU: 0 PID: 1 at mm/gup.c:10 f+0x1/0x2',
    '[    1.400000] pmem0: detected capacity change',
  ]);
  t.same(w.seconds, [0.2, 0.5]);
  t.equal(w.after, '[    1.800000] after the last case');
});

t.test('a run that stopped early is said, with the case it was in', async (t) => {
  const ktap = ['TAP version 13', '1..3', '# [RUN] first', 'ok 1 Should have worked', '# [RUN] second'];
  t.equal(stoppedEarly('ktap', ktap, 1, 0), 'reported 1 of the 3 cases it planned (exit 0)');
  t.equal(stoppedEarly('ktap', ktap, 1, 139), 'killed by signal 11 after 1 results');
  t.equal(stoppedEarly('ktap', ['1..2', 'ok 1 a', 'Bail out! no memory'], 1, 1), 'Bail out! no memory after 1 results');
  t.equal(stoppedEarly('ktap', ['1..1', 'ok 1 a'], 1, 0), undefined);
  const longterm = fixture('external', 'gup_longterm-6.12.117-fsdax-ext4.out').split('\n');
  t.equal(parseKtap(longterm).length, 30);
  t.equal(stoppedEarly('ktap', longterm, 30, 1), undefined, 'a bail-out after the last planned result stops nothing');
  t.equal(
    stoppedEarly('ktap', longterm.slice(0, 10).concat('Bail out! 1 out of 30 tests failed'), 3, 1),
    'Bail out! 1 out of 30 tests failed after 3 results',
  );
  t.equal(openCase('ktap', ktap), 'second');
  t.equal(stoppedEarly('unittest', rdmaCore, 273, 0), undefined, 'rdma-core ran to its end');
  t.equal(
    stoppedEarly('unittest', rdmaCore.slice(0, 20), 9, null),
    "stopped before unittest's summary (exit null), after 9 results",
  );
  t.equal(
    openCase('unittest', ['test_a (tests.m.C.test_a) ... ok', 'test_b (tests.m.C.test_b)', 'Doc line']),
    'tests.m.C.test_b',
  );
  t.same(
    parseUnittest(['setUpClass (tests.test_x.XTest) ... ERROR']).map((r) => [r.name, r.result]),
    [['tests.test_x.XTest.setUpClass', 'error']],
  );
});
