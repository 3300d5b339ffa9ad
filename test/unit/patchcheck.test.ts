import t from 'tap';
import { conclude, renderConclusion, renderSteps, runVerdict, type Step } from '../../orchestrator/core/patchcheck.js';
import {
  bootFailedResults,
  finishRun,
  type BootFailure,
  type RunInfo,
  type TestResult,
} from '../../orchestrator/core/results.js';

const info = { id: 'r' } as RunInfo;
const bootFailed = (failure: BootFailure) =>
  finishRun({ ...info, bootFailure: failure }, bootFailedResults(['a/x'], failure), []);
const pass = (name: string): TestResult => ({
  name,
  verdict: 'PASS',
  reason: 'as expected',
  expected: null,
  observed: null,
  warnings: [],
  evidence: [],
  seconds: 1,
});
const fail = (name: string): TestResult => ({ ...pass(name), verdict: 'FAIL', reason: 'registered: expected refused' });
const skip = (name: string): TestResult => ({ ...pass(name), verdict: 'SKIP', reason: 'rdma_rxe did not load' });
const step = (index: number, verdict: Step['verdict'], failing: string[] = []): Step => ({
  index,
  title: `p${index}`,
  verdict,
  reason: '',
  failing,
  seconds: 1,
});
const cases = (s: Step, ran: string[], skipped: string[] = []): Step => ({ ...s, ran, skipped });

t.test('a run as a step verdict', async (t) => {
  t.same(runVerdict(finishRun(info, [pass('a/x'), pass('a/y')], [])), {
    verdict: 'PASS',
    reason: '',
    failing: [],
    ran: ['a/x', 'a/y'],
    skipped: [],
  });
  t.same(runVerdict(finishRun(info, [pass('a/x'), fail('a/y')], [])), {
    verdict: 'FAIL',
    reason: 'a/y: FAIL registered: expected refused',
    failing: ['a/y'],
    ran: ['a/x', 'a/y'],
    skipped: [],
  });
  t.equal(
    runVerdict(bootFailed({ reason: 'no SSH within 120 s' })).verdict,
    'INFRA',
    'no crash: the host, not the patch',
  );
  t.equal(
    runVerdict(bootFailed({ reason: 'guest crashed: kernel panic', crash: 'kernel panic' })).verdict,
    'BOOT-FAIL',
  );
  t.match(runVerdict(finishRun(info, [pass('a/x'), { ...pass('a/y'), verdict: 'ERROR', reason: 'guest lost' }], [])), {
    verdict: 'INFRA',
    reason: 'a/y: guest lost',
    failing: [],
  });
  t.same(runVerdict(finishRun(info, [skip('a/x'), skip('a/y')], [])), {
    verdict: 'UNTESTED',
    reason: 'nothing was tested: rdma_rxe did not load',
    failing: [],
    ran: [],
    skipped: ['a/x', 'a/y'],
  });
  t.equal(
    runVerdict(bootFailed({ reason: 'guest crashed: kernel panic', crash: 'kernel panic' })).reason,
    'guest crashed: kernel panic',
  );
  t.same(
    runVerdict(finishRun(info, [pass('a/x')], [{ title: 'WARNING in foo', kind: 'WARNING', source: 'console' }]))
      .failing,
    ['(run)'],
  );
});

t.test('the first breaking patch', async (t) => {
  t.same(conclude([step(0, 'PASS'), step(1, 'PASS'), step(2, 'PASS')]), { kind: 'none' });
  t.match(conclude([step(0, 'PASS'), step(1, 'PASS'), step(2, 'FAIL', ['a/x'])]), {
    kind: 'breaks',
    step: { index: 2 },
  });
  t.match(conclude([step(0, 'PASS'), step(1, 'BUILD-FAIL'), step(2, 'PASS')]), { kind: 'breaks', step: { index: 1 } });
  t.match(conclude([step(0, 'PASS'), step(1, 'PASS'), step(2, 'APPLY-FAIL')]), {
    kind: 'breaks',
    step: { verdict: 'APPLY-FAIL' },
  });
  const already = [step(0, 'FAIL', ['a/x']), step(1, 'FAIL', ['a/x']), step(2, 'FAIL', ['a/x', 'a/y'])];
  t.same(
    conclude(already),
    { kind: 'breaks', step: already[2], newlyFailing: ['a/y'] },
    'a failure the base already has is not blamed',
  );
  t.match(
    conclude([step(0, 'PASS'), step(1, 'INFRA'), step(2, 'FAIL', ['a/x'])]),
    { kind: 'inconclusive', step: { index: 1 } },
    'not blamed on patch 1, not past it',
  );
  t.match(conclude([step(0, 'BOOT-FAIL')]), { kind: 'base-broken' });
  t.equal(
    renderConclusion(conclude([step(0, 'PASS'), step(1, 'INFRA')]), 3, ['a']),
    'inconclusive: patch 1/3 could not be tested (); run again',
  );
});

t.test('the first patch after which a test stops running is named', async (t) => {
  const steps = [
    cases(step(0, 'PASS'), ['a/x', 'a/y']),
    cases(step(1, 'PASS'), ['a/x', 'a/y']),
    cases(step(2, 'PASS'), ['a/y'], ['a/x']),
  ];
  const found = conclude(steps);
  t.same(found, { kind: 'stops-running', step: steps[2], untested: ['a/x'] });
  t.equal(renderConclusion(found, 3, ['a']), 'first patch after which a test stops running: 2/3 "p2" (a/x SKIP)');
  const none = [cases(step(0, 'PASS'), ['a/y'], ['a/x']), cases(step(1, 'PASS'), ['a/y'], ['a/x'])];
  t.same(conclude(none), { kind: 'none' }, 'a case the base skips too stopped nothing');
  const all = [cases(step(0, 'PASS'), ['a/x']), cases(step(1, 'UNTESTED'), [], ['a/x'])];
  t.match(conclude(all), { kind: 'stops-running', step: { index: 1 } });
  t.match(
    conclude([cases(step(0, 'UNTESTED'), [], ['a/x'])]),
    { kind: 'base-broken' },
    'a base that tests nothing is no base',
  );
  t.same(
    conclude([step(0, 'PASS'), step(1, 'PASS')]),
    { kind: 'none' },
    'steps an older night kept, without case lists',
  );
});

t.test('the table', async (t) => {
  const text = renderSteps([step(0, 'PASS'), { ...step(1, 'FAIL', ['a/x']), reason: 'a/x: FAIL registered' }], 3);
  t.equal(text, 'base  PASS  1s  p0\n1/3   FAIL  1s  p1\n      a/x: FAIL registered');
});
