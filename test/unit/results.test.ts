import t from 'tap';
import {
  finishRun,
  onlyUntested,
  unrunResults,
  withRetry,
  type RunInfo,
  type TestResult,
} from '../../orchestrator/core/results.js';
import { describe, renderTap, renderText, summaryLine } from '../../orchestrator/core/render.js';
import { shellJoin, shellQuote } from '../../orchestrator/core/shell.js';
import { retryTests } from '../../orchestrator/suites/index.js';

const info: RunInfo = {
  id: 'r1',
  started: '2026-11-25T00:00:00Z',
  kernel: { id: 'debian-6.1.192-2', release: '6.1.0-56-amd64', version: '6.1.192', source: 'debian' },
  accel: 'tcg',
  accelReason: 'probe',
  qemu: { version: '7.2.19', argv: [] },
  image: 'abc',
  durations: { total: 12.5 },
  boot: {},
};
const pass: TestResult = {
  name: 'ib-reg-refusal/fsdax-ext4',
  verdict: 'PASS',
  reason: 'refused',
  expected: { registered: false, errno: 95 },
  observed: { device: 'rxe0', kind: 'file', dax: true, registered: false, errno: 95 },
  warnings: [],
  evidence: ['rdma_rxe: rxe_mr_init_user: Unable to pin memory region err = -95'],
  seconds: 1.2,
};

t.test('a run passes only when every verdict is PASS or SKIP and no warning is unexpected', async (t) => {
  t.equal(finishRun(info, [pass], []).passed, true);
  t.equal(finishRun(info, [pass, { ...pass, verdict: 'SKIP' }], []).passed, true);
  t.equal(finishRun(info, [pass, { ...pass, verdict: 'ERROR' }], []).passed, false);
  t.equal(finishRun(info, [pass], [{ title: 'WARNING in x', kind: 'warning', source: 'console' }]).passed, false);
  t.equal(finishRun(info, [], []).passed, false, 'no tests is not a pass');
  t.same(unrunResults(['a/b'], 'ERROR', 'boot: no SSH')[0].verdict, 'ERROR');
});

t.test('a run in which every case SKIPped tested nothing: it does not pass', async (t) => {
  const skip: TestResult = { ...pass, verdict: 'SKIP', reason: 'rxe0 reports no ODP support' };
  const r = finishRun(info, [skip, { ...skip, name: 'odp-fsdax/fsdax-xfs' }], []);
  t.equal(r.passed, false);
  t.equal(onlyUntested(r), true, 'what --allow-nothing-tested accepts');
  t.match(summaryLine(r), /^2 SKIP in 12\.5 s: nothing was tested$/);
  t.match(renderTap(r), /\n# nothing was tested: every case SKIPped$/);
  t.equal(
    onlyUntested(finishRun(info, [skip], [{ title: 'WARNING in x', kind: 'warning', source: 'console' }])),
    false,
    'not a warning',
  );
  t.equal(onlyUntested(finishRun(info, [skip, { ...pass, verdict: 'ERROR' }], [])), false, 'not an error');
  t.equal(onlyUntested(finishRun(info, [], [])), false, 'not a run with no case');
});

t.test('text and TAP rendering', async (t) => {
  const r = finishRun(
    info,
    [pass, { ...pass, name: 'ib-reg-refusal/anon', verdict: 'FAIL', reason: 'errno: expected null, observed 12' }],
    [],
  );
  const text = renderText(r);
  t.match(text, /kernel 6\.1\.0-56-amd64 \(6\.1\.192, debian\) under TCG/);
  t.match(text, /expected: registered=false errno=95 \(EOPNOTSUPP\)/);
  t.match(text, /evidence: rdma_rxe: rxe_mr_init_user: Unable to pin memory region err = -95/);
  t.match(text, /reason: {3}errno: expected null, observed 12/);
  t.match(text.split('\n').pop(), /^1 PASS, 1 FAIL in 12\.5 s$/);
  t.equal(
    renderTap(r).split('\n').slice(0, 4).join('\n'),
    'TAP version 14\n1..2\nok 1 - ib-reg-refusal/fsdax-ext4\nnot ok 2 - ib-reg-refusal/anon',
  );
  t.equal(describe(null), '-');
});

t.test('shell quoting for the SSH exec request', async (t) => {
  t.equal(shellQuote('/dev/pmem0'), '/dev/pmem0');
  t.equal(shellQuote("it's; rm -rf /"), `'it'\\''s; rm -rf /'`);
  t.equal(shellQuote(''), "''");
  t.equal(shellJoin(['a b', '$(x)']), `'a b' '$(x)'`);
});

t.test("a retry replaces only the lost guest's unjudged cases, and the run says so", async (t) => {
  const at = (name: string, verdict: TestResult['verdict']) => ({ ...pass, name, verdict, reason: verdict });
  const first = finishRun(
    info,
    [
      at('ib-reg-refusal/fsdax-ext4', 'PASS'),
      ...unrunResults(['ib-reg-refusal/devdax'], 'ERROR', 'guest lost: QEMU exited'),
      ...unrunResults(['ib-reg-refusal/anon'], 'ERROR', 'not run: the guest was lost during ib-reg-refusal/devdax'),
      ...unrunResults(['fstests/*'], 'ERROR', 'not run'),
    ],
    [],
  );
  const second = finishRun(
    { ...info, id: 'r2' },
    [at('ib-reg-refusal/devdax', 'PASS'), at('ib-reg-refusal/anon', 'FAIL'), at('fstests/ext4/generic/437', 'PASS')],
    [],
  );
  const retry = {
    cases: ['ib-reg-refusal/devdax', 'ib-reg-refusal/anon', 'fstests/*'],
    reason: 'guest lost: QEMU exited',
    run: 'r2',
  };
  const merged = withRetry(first, second, retry);
  t.same(
    merged.tests.map((c) => `${c.name} ${c.verdict}`),
    [
      'ib-reg-refusal/fsdax-ext4 PASS',
      'ib-reg-refusal/devdax PASS',
      'ib-reg-refusal/anon FAIL',
      'fstests/ext4/generic/437 PASS',
    ],
    "judged cases kept, the retried ones the second attempt's, a suite's placeholder replaced by its cases",
  );
  t.equal(merged.passed, false, 'a FAIL on the fresh guest fails the run');
  t.same(merged.run.retry, retry);
  t.equal(merged.run.id, 'r1');
  t.match(renderText(merged), /retried on a fresh guest \(guest lost: QEMU exited\): ib-reg-refusal\/devdax, /);
  const clean = withRetry(
    first,
    finishRun(
      info,
      second.tests.map((c) => ({ ...c, verdict: 'PASS' })),
      [],
    ),
    retry,
  );
  t.equal(clean.passed, true, 'and passes when every retried case passes');
});

t.test('a retry selects our unjudged cases by name and an external suite by its patterns as asked', async (t) => {
  t.same(retryTests(['ib-reg-refusal'], ['ib-reg-refusal/devdax', 'ib-reg-refusal/anon']), [
    'ib-reg-refusal/devdax',
    'ib-reg-refusal/anon',
  ]);
  t.same(retryTests(['ib-reg-refusal/anon', 'fstests/xfs/*'], ['fstests/xfs-check']), ['fstests/xfs/*']);
});
