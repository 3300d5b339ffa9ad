import t from 'tap';
import { checkExpectations, expectationFor, mismatches } from '../../orchestrator/core/expectations.js';
import { judge, tally } from '../../orchestrator/core/verdict.js';
import { loadExpectations } from '../../orchestrator/adapters/config.js';
import { ibRegRefusal } from '../../orchestrator/suites/ib-reg-refusal.js';

const file = loadExpectations(ibRegRefusal);

t.test('expectations are data keyed by kernel version', async (t) => {
  t.same(expectationFor(file, 'fsdax-ext4', '6.1.192')?.expect, { registered: false, errno: 95 });
  t.same(expectationFor(file, 'fsdax-ext4', '4.15.18')?.expect, { registered: true, errno: null });
  t.same(expectationFor(file, 'devdax', '6.12.107')?.expect, { registered: true, errno: null });
  t.equal(expectationFor(file, 'no-such-case', '6.1'), undefined);
  t.same(checkExpectations(file, ibRegRefusal.cases.map((c) => c.name)), []);
  t.same(checkExpectations({ test: 'x', cases: { a: [{ kernels: '~1', expect: {} }], b: [] } }, ['b']),
    ['x/b: no expectation', 'x/a: expectation for an unknown case', 'x/a: bad kernels range "~1"']);
});

t.test('mismatches name the field', async (t) => {
  t.same(mismatches({ registered: false, errno: 95 }, { registered: true, errno: null, dax: true }),
    ['registered: expected false, observed true', 'errno: expected 95, observed null']);
  t.same(mismatches({ errno: null }, {}), [], 'absent counts as null');
});

t.test('verdict rules', async (t) => {
  const rule = expectationFor(file, 'fsdax-ext4', '6.1.192')!;
  const refused = { observed: { registered: false, errno: 95, dax: true } };
  t.equal(judge(rule, refused, []).verdict, 'PASS');
  t.same(judge(rule, { observed: { registered: true, errno: null, dax: true } }, []),
    { verdict: 'FAIL', reason: 'registered: expected false, observed true; errno: expected 95, observed null' });
  t.same(judge(rule, refused, ['WARNING in dax_disassociate_entry']),
    { verdict: 'FAIL', reason: 'warning: WARNING in dax_disassociate_entry' });
  t.equal(judge(rule, { ...refused, crash: 'Kernel panic - not syncing: x' }, []).verdict, 'CRASH');
  t.equal(judge(rule, { error: 'precondition: not DAX' }, []).verdict, 'ERROR');
  t.equal(judge(rule, { skip: 'no ODP' }, []).verdict, 'SKIP');
  t.equal(judge(rule, { skip: 'no ODP', error: 'precondition: not DAX' }, []).verdict, 'ERROR', 'a broken precondition is not hidden by a skip');
  t.equal(judge(undefined, refused, []).verdict, 'ERROR');
  t.equal(judge(rule, {}, []).verdict, 'ERROR');
  t.same(tally(['PASS', 'PASS', 'FAIL', 'KNOWN']), { PASS: 2, FAIL: 1, KNOWN: 1, SKIP: 0, ERROR: 0, CRASH: 0 });
});
