import t from 'tap';
import {
  checkExpectations,
  checkOverrides,
  expectationFor,
  externalRuleFor,
  mismatches,
  SUITES_OWN_RULE,
} from '../../orchestrator/core/expectations.js';
import { judge, tally } from '../../orchestrator/core/verdict.js';
import { loadExpectations } from '../../orchestrator/adapters/config.js';
import { ibRegRefusal } from '../../orchestrator/suites/ib-reg-refusal.js';
import { odpFsdax } from '../../orchestrator/suites/odp-fsdax.js';
import { rdmaCore } from '../../orchestrator/suites/rdma-core.js';
import { kselftestGup } from '../../orchestrator/suites/kselftest-gup.js';
import { legacyRecord, type KnownRecord } from '../../orchestrator/core/known.js';

const file = loadExpectations(ibRegRefusal);

t.test('expectations are data keyed by kernel version', async (t) => {
  t.same(expectationFor(file, 'fsdax-ext4', '6.1.192')?.expect, { registered: false, errno: 95 });
  t.equal(
    expectationFor(file, 'fsdax-ext4', '4.15.18'),
    undefined,
    'before v4.16 fs-DAX registered: the bug, not a rule',
  );
  t.same(expectationFor(file, 'devdax', '6.12.107')?.expect, { registered: true, errno: null });
  t.equal(expectationFor(file, 'no-such-case', '6.1'), undefined);
  t.same(
    checkExpectations(
      file,
      ibRegRefusal.cases.map((c) => c.name),
    ),
    [],
  );
  t.same(checkExpectations({ test: 'x', cases: { a: [{ kernels: '~1', expect: {} }], b: [] } }, ['b']), [
    'x/b: no expectation',
    'x/a: expectation for an unknown case',
    'x/a: bad kernels range "~1"',
    'x/a: an empty expect passes anything; say what is expected',
  ]);
});

t.test('an empty expect is a load error naming the file; a rule that expects nothing never passes', async (t) => {
  t.same(checkExpectations({ test: 'x', cases: { a: [{ kernels: '*', expect: {} }] } }, ['a']), [
    'x/a: an empty expect passes anything; say what is expected',
  ]);
  t.same(checkExpectations({ test: 'x', cases: { a: [{ kernels: '*' }] } }, ['a']), [
    'x/a: rule without expect (or skip)',
  ]);
  t.same(
    checkExpectations({ test: 'x', cases: { a: [{ kernels: '*', skip: 'no ODP on this line' }] } }, ['a']),
    [],
    'a skip rule needs no expect',
  );
  t.equal(judge({ kernels: '*', expect: {} }, { observed: { anything: 1 } }, []).verdict, 'ERROR');
});

t.test('every rule of every suite is read or measured: no rule for kernels nobody looked at', async (t) => {
  const odp = loadExpectations(odpFsdax);
  t.equal(expectationFor(odp, 'fsdax-ext4', '6.15'), undefined, 'rxe with ODP: nobody read what it does on fs-DAX');
  t.match(expectationFor(odp, 'fsdax-ext4', '6.1.192'), { skip: /no on-demand paging on 6\.1/ });
  t.match(expectationFor(odp, 'fsdax-xfs', '6.12.117'), { skip: /no on-demand paging on 6\.12/ });
  t.equal(
    judge(expectationFor(odp, 'fsdax-ext4', '6.15'), { observed: { registered: true, errno: null, dax: true } }, [])
      .verdict,
    'ERROR',
  );
  const noOdp = expectationFor(odp, 'fsdax-ext4', '6.1.192');
  t.same(judge(noOdp, { skip: 'rxe0 reports no ODP support' }, []), {
    verdict: 'SKIP',
    reason: 'rxe0 reports no ODP support',
  });
  t.match(
    judge(noOdp, { observed: { registered: true, errno: null, dax: true } }, []),
    {
      verdict: 'ERROR',
      reason: /^our expectation says the case cannot run on this kernel \(rdma_rxe has no on-demand.*yet it ran$/,
    },
    'a rule that says the case cannot run, meeting a case that ran, is not a SKIP',
  );
});

t.test('mismatches name the field', async (t) => {
  t.same(mismatches({ registered: false, errno: 95 }, { registered: true, errno: null, dax: true }), [
    'registered: expected false, observed true',
    'errno: expected 95, observed null',
  ]);
  t.same(mismatches({ errno: null }, {}), [], 'absent counts as null');
});

t.test('verdict rules', async (t) => {
  const rule = expectationFor(file, 'fsdax-ext4', '6.1.192')!;
  const refused = { observed: { registered: false, errno: 95, dax: true } };
  t.equal(judge(rule, refused, []).verdict, 'PASS');
  t.same(judge(rule, { observed: { registered: true, errno: null, dax: true } }, []), {
    verdict: 'FAIL',
    reason: 'registered: expected false, observed true; errno: expected 95, observed null',
  });
  t.same(judge(rule, refused, ['WARNING in dax_disassociate_entry']), {
    verdict: 'FAIL',
    reason: 'warning: WARNING in dax_disassociate_entry',
  });
  t.equal(judge(rule, { ...refused, crash: 'Kernel panic - not syncing: x' }, []).verdict, 'CRASH');
  t.equal(judge(rule, { error: 'precondition: not DAX' }, []).verdict, 'ERROR');
  t.equal(judge(rule, { skip: 'no ODP' }, []).verdict, 'SKIP');
  t.equal(
    judge(rule, { skip: 'no ODP', error: 'precondition: not DAX' }, []).verdict,
    'ERROR',
    'a broken precondition is not hidden by a skip',
  );
  t.equal(judge(undefined, refused, []).verdict, 'ERROR');
  t.equal(judge(rule, {}, []).verdict, 'ERROR');
  t.same(tally(['PASS', 'PASS', 'FAIL', 'KNOWN']), { PASS: 2, FAIL: 1, KNOWN: 1, SKIP: 0, ERROR: 0, CRASH: 0 });
});

t.test('a kernel report in the case window fails the case whatever it says itself', async (t) => {
  const rule = expectationFor(file, 'fsdax-ext4', '6.1.192')!;
  const W = 'WARNING in dax_disassociate_entry';
  t.same(
    judge(rule, { skip: 'rxe0 reports no ODP support' }, [W]),
    { verdict: 'FAIL', reason: `warning: ${W} (the case: SKIP rxe0 reports no ODP support)` },
    'a SKIPped case',
  );
  t.same(
    judge(
      { kernels: '*', skip: 'the premise does not hold here', when: { result: 'fail' } },
      { observed: { result: 'fail' } },
      [W],
    ),
    { verdict: 'FAIL', reason: `warning: ${W} (the case: SKIP our expectation: the premise does not hold here)` },
    'our expectation: skip',
  );
  t.same(judge(rule, { error: 'precondition: not DAX' }, [W]), {
    verdict: 'FAIL',
    reason: `warning: ${W} (the case: ERROR precondition: not DAX)`,
  });
  t.same(
    judge(rule, { observed: { registered: true, errno: null } }, [W]).reason,
    `registered: expected false, observed true; errno: expected 95, observed null; warning: ${W}`,
  );
  const named: KnownRecord = {
    id: 'w',
    cases: ['x/*'],
    kernels: '*',
    deviates: {},
    warnings: [W],
    cause: 'c',
    reference: 'r',
    source: 'f',
  };
  t.match(
    judge(rule, { skip: 'no ODP' }, [W], [named]),
    { verdict: 'KNOWN', raw: { verdict: 'FAIL' } },
    'unless a record names that title',
  );
  const other: KnownRecord = { ...named, warnings: ['WARNING in something_else'] };
  t.equal(judge(rule, { skip: 'no ODP' }, [W], [other]).verdict, 'FAIL');
});

t.test('a crash is KNOWN only where a record names its title; an old expunge line never covers one', async (t) => {
  const rule = expectationFor(file, 'fsdax-ext4', '6.1.192')!;
  const crash = { crash: 'BUG: kernel NULL pointer dereference in rxe_mr_init_user' };
  const legacy = legacyRecord('ib-reg-refusal/fsdax-ext4', 'flaky here', '>=6.1 <6.2', '6.1.txt');
  t.same(judge(rule, crash, [], [legacy]), { verdict: 'CRASH', reason: crash.crash });
  t.match(
    judge(rule, { observed: { registered: true, errno: null } }, [], [legacy]),
    { verdict: 'KNOWN' },
    'it still covers a FAIL',
  );
  const named: KnownRecord = {
    id: 'oops',
    cases: ['ib-reg-refusal/*'],
    kernels: '*',
    deviates: {},
    warnings: [crash.crash],
    cause: 'c',
    reference: 'r',
    source: 'f',
  };
  t.match(judge(rule, crash, [], [named]), { verdict: 'KNOWN', known: { id: 'oops' }, raw: { verdict: 'CRASH' } });
  t.same(
    judge(rule, crash, ['WARNING in rxe_cq_post'], [named]),
    { verdict: 'CRASH', reason: crash.crash },
    'another warning in the window, not named by the record: still a CRASH',
  );
  const both = { ...named, warnings: [crash.crash, 'WARNING in rxe_cq_post'] };
  t.match(judge(rule, crash, ['WARNING in rxe_cq_post'], [both]), { verdict: 'KNOWN', known: { id: 'oops' } });
});

t.test(
  'a SKIP or ERROR with a warning: only a record naming the warning covers it, and an ERROR stays one',
  async (t) => {
    const rule = expectationFor(file, 'fsdax-ext4', '6.1.192')!;
    const W = 'WARNING in dax_disassociate_entry';
    const legacy = legacyRecord('ib-reg-refusal/fsdax-ext4', 'flaky here', '>=6.1 <6.2', '6.1.txt');
    t.equal(
      judge(rule, { skip: 'no ODP' }, [W], [legacy]).verdict,
      'FAIL',
      'an old expunge line says nothing of a warning',
    );
    t.equal(judge(rule, { error: 'precondition: not DAX' }, [W], [legacy]).verdict, 'FAIL');
    t.match(
      judge(rule, { observed: { registered: true, errno: null } }, [W], [legacy]),
      { verdict: 'KNOWN' },
      'it still covers a case that ran and failed',
    );
    const named: KnownRecord = {
      id: 'w',
      cases: ['x/*'],
      kernels: '*',
      deviates: {},
      warnings: [W],
      cause: 'c',
      reference: 'r',
      source: 'f',
    };
    t.same(
      judge(rule, { error: 'precondition: not DAX' }, [W], [named]),
      {
        verdict: 'ERROR',
        reason: `warning: ${W} (the case: ERROR precondition: not DAX); the warning is known bug w (c)`,
      },
      'the case could not observe what it claims: ERROR, the record named',
    );
  },
);

t.test(
  'an override pins how the test fails, on kernels someone read; anything else is judged by the suite',
  async (t) => {
    const rc = loadExpectations(rdmaCore);
    const rule = externalRuleFor(rc, 'test_cq.CQTest.test_resize_cq', '6.12.118');
    const pinned = { result: 'fail', message: 'AssertionError: PyverbsRDMAError not raised' };
    t.match(judge(rule, { observed: pinned }, []), {
      verdict: 'SKIP',
      reason: /^our expectation: the test shrinks the CQ/,
    });
    t.same(
      judge(rule, { observed: { result: 'fail', message: 'PyverbsRDMAError: Failed to resize CQ. Errno: 22' } }, []),
      { verdict: 'FAIL', reason: 'result: expected "pass", observed "fail"' },
      'another failure is a failure',
    );
    t.equal(judge(rule, { observed: { result: 'pass' } }, []).verdict, 'PASS');
    t.equal(
      externalRuleFor(rc, 'test_cq.CQTest.test_resize_cq', '6.13'),
      SUITES_OWN_RULE,
      'no upper bound: not past what was read',
    );
    const over = (rule: object) => checkOverrides({ test: 's', cases: { c: [rule as never] } });
    t.same(over({ kernels: '>=6.12', skip: 'timing' }), [
      's/c: an override names the kernels it was read or measured on, with an upper bound (not ">=6.12")',
      's/c: an override pins how the test fails (message in when)',
    ]);
    t.same(over({ kernels: '>=6.12 <6.13', expect: { result: 'fail' }, why: 'w' }), [
      's/c: an override pins how the test fails (message in expect)',
    ]);
    t.same(over({ kernels: '=6.12.117', when: {}, skip: 'timing' }), [
      's/c: an empty when; say how the test fails',
      's/c: an override pins how the test fails (message in when)',
    ]);
    t.same(over({ kernels: '>=6.12 <6.13', when: pinned, skip: 'timing' }), []);
    t.same(
      checkOverrides(loadExpectations(kselftestGup)),
      [],
      'the gup_longterm overrides pin their message and range',
    );
  },
);
