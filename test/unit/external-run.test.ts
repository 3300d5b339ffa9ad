// An external suite's run on a scripted guest (test/fake-guest.ts): how its reported cases are
// judged, and what a kernel log that cannot be read does to them.
import t from 'tap';
import { fakeRun, ok, type Exec, type Rule } from '../fake-guest.js';

const EPERM = 'dmesg: read kernel buffer failed: Operation not permitted';
const DENIED: Exec = { code: 1, timedOut: false, stdout: '', stderr: `${EPERM}\n` };

const UNITTEST = [
  'test_create_ah (tests.test_addr.AHTest.test_create_ah) ... ok',
  'test_destroy_ah (tests.test_addr.AHTest.test_destroy_ah) ... ok',
  '',
  'Ran 2 tests in 0.100s',
  '',
  'OK',
  '',
];
/** The kernel log of a run that printed LINES, each marked (EXTRA[i] before line i's mark: while it ran). */
const marks = (lines: string[], extra: Record<number, string> = {}) =>
  ok(
    lines
      .slice(0, -1)
      .map((l, i) => `${extra[i] ? `${extra[i]}\n` : ''}[ ${i + 1}.0] orchestrate-mark: ${i + 1} ${l}`)
      .join('\n') + '\n',
  );
const marked = marks(UNITTEST);
const rdmaCore = (output: string[]): Rule[] => [
  [/rdma-core-tests\.sh/, { stdout: 'tests=/usr/share/doc/rdma-core/tests\ngid=0\n' }],
  [/marks/, { stdout: output.join('\n') }],
];
const rdmaCoreRun = (reads: Exec[], output = UNITTEST, version?: string) =>
  fakeRun('rdma-core', rdmaCore(output), reads, version);

t.test('an external run: the control passes both cases when every dmesg reads', async (t) => {
  const results = await rdmaCoreRun([ok(), ok(), ok(), marked]);
  t.same(
    results.map((r) => `${r.name} ${r.verdict}`),
    ['rdma-core/test_addr.AHTest.test_create_ah PASS', 'rdma-core/test_addr.AHTest.test_destroy_ah PASS'],
  );
});

t.test(
  "an external run's kernel log unread: its cases ERROR saying what the suite said; judged cases kept",
  async (t) => {
    const results = await rdmaCoreRun([ok(), ok(), ok(), DENIED]);
    t.same(
      results.map((r) => `${r.name} ${r.verdict} ${r.reason}`),
      [
        `rdma-core/test_addr.AHTest.test_create_ah ERROR the kernel log could not be read after the run (dmesg exited 1: ${EPERM}); the suite said pass`,
        `rdma-core/test_addr.AHTest.test_destroy_ah ERROR the kernel log could not be read after the run (dmesg exited 1: ${EPERM}); the suite said pass`,
      ],
    );
    const before = await rdmaCoreRun([ok(), ok(), DENIED]);
    t.same(
      before.map((r) => `${r.name} ${r.verdict} ${r.reason}`),
      [`rdma-core/run_tests ERROR the kernel log before the run: dmesg exited 1: ${EPERM}`],
    );
    const after = await rdmaCoreRun([ok(), ok(), ok(), marked, DENIED]);
    t.same(
      after.map((r) => `${r.name} ${r.verdict}`),
      [
        'rdma-core/test_addr.AHTest.test_create_ah PASS',
        'rdma-core/test_addr.AHTest.test_destroy_ah PASS',
        'rdma-core/run_tests:cleanup ERROR',
      ],
      'the judged cases are kept',
    );
  },
);

const RESIZE = 'test_resize_cq (tests.test_cq.CQTest.test_resize_cq)';
const WARNING = [
  '[    5.5] ------------[ cut here ]------------',
  '[    5.5] WARNING: CPU: 1 PID: 91 at drivers/infiniband/sw/rxe/rxe_cq.c:40 rxe_cq_chk_attr+0x1/0x2 [rdma_rxe]',
  '[    5.5] ---[ end trace 0000000000000000 ]---',
].join('\n');

t.test("a test our override covers that passes: judged by the suite's own rule, with no override note", async (t) => {
  const output = [`${RESIZE} ... ok`, '', 'Ran 1 test in 0.1s', '', 'OK', ''];
  const [r] = await rdmaCoreRun([ok(), ok(), ok(), marks(output)], output, '6.12.118');
  t.same([r.verdict, r.note], ['PASS', undefined]);
  const failed = [
    `${RESIZE} ... FAIL`,
    '',
    '='.repeat(70),
    `FAIL: ${RESIZE}`,
    '-'.repeat(70),
    'Traceback (most recent call last):',
    'AssertionError: PyverbsRDMAError not raised',
    '',
    '-'.repeat(70),
    'Ran 1 test in 0.1s',
    '',
    'FAILED (failures=1)',
    '',
  ];
  const [s] = await rdmaCoreRun([ok(), ok(), ok(), marks(failed)], failed, '6.12.118');
  t.match(
    s,
    { verdict: 'SKIP', reason: /^our expectation: the test shrinks the CQ/ },
    'the control: the override applies',
  );
});

t.test("a skipped test with a kernel warning: FAIL naming the warning and the suite's words once", async (t) => {
  const output = [
    "test_xrc_atomic_cmp_and_swap (tests.test_atomic.AtomicTest.test_xrc_atomic_cmp_and_swap) ... skipped 'Create XRCD is not supported'",
    '',
    'Ran 1 test in 0.1s',
    '',
    'OK (skipped=1)',
    '',
  ];
  const [r] = await rdmaCoreRun([ok(), ok(), ok(), marks(output, { 0: WARNING })], output);
  t.equal(r.verdict, 'FAIL');
  t.equal(r.reason.split('Create XRCD is not supported').length, 2, r.reason);
});
