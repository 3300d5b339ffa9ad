import t from 'tap';
import { conclude, renderConclusion, renderSteps, runVerdict, type Step } from '../../orchestrator/core/patchcheck.js';
import { bootFailedResults, finishRun, type BootFailure, type RunInfo, type TestResult } from '../../orchestrator/core/results.js';

const info = { id: 'r' } as RunInfo;
const bootFailed = (failure: BootFailure) => finishRun({ ...info, bootFailure: failure }, bootFailedResults(['a/x'], failure), []);
const pass = (name: string): TestResult => ({ name, verdict: 'PASS', reason: 'as expected', expected: null, observed: null, warnings: [], evidence: [], seconds: 1 });
const fail = (name: string): TestResult => ({ ...pass(name), verdict: 'FAIL', reason: 'registered: expected refused' });
const step = (index: number, verdict: Step['verdict'], failing: string[] = []): Step => ({ index, title: `p${index}`, verdict, reason: '', failing, seconds: 1 });

t.test('a run as a step verdict', async (t) => {
  t.same(runVerdict(finishRun(info, [pass('a/x'), pass('a/y')], [])), { verdict: 'PASS', reason: '', failing: [] });
  t.same(runVerdict(finishRun(info, [pass('a/x'), fail('a/y')], [])), { verdict: 'FAIL', reason: 'a/y: FAIL registered: expected refused', failing: ['a/y'] });
  t.equal(runVerdict(bootFailed({ reason: 'no SSH within 120 s' })).verdict, 'INFRA', 'no crash: the host, not the patch');
  t.equal(runVerdict(bootFailed({ reason: 'guest crashed: kernel panic', crash: 'kernel panic' })).verdict, 'BOOT-FAIL');
  t.same(runVerdict(finishRun(info, [pass('a/x'), { ...pass('a/y'), verdict: 'ERROR', reason: 'guest lost' }], [])), { verdict: 'INFRA', reason: 'a/y: guest lost', failing: [] });
  t.equal(runVerdict(bootFailed({ reason: 'guest crashed: kernel panic', crash: 'kernel panic' })).reason, 'guest crashed: kernel panic');
  t.same(runVerdict(finishRun(info, [pass('a/x')], [{ title: 'WARNING in foo', kind: 'WARNING', source: 'console' }])).failing, ['(run)']);
});

t.test('the first breaking patch', async (t) => {
  t.same(conclude([step(0, 'PASS'), step(1, 'PASS'), step(2, 'PASS')]), { kind: 'none' });
  t.match(conclude([step(0, 'PASS'), step(1, 'PASS'), step(2, 'FAIL', ['a/x'])]), { kind: 'breaks', step: { index: 2 } });
  t.match(conclude([step(0, 'PASS'), step(1, 'BUILD-FAIL'), step(2, 'PASS')]), { kind: 'breaks', step: { index: 1 } });
  t.match(conclude([step(0, 'PASS'), step(1, 'PASS'), step(2, 'APPLY-FAIL')]), { kind: 'breaks', step: { verdict: 'APPLY-FAIL' } });
  const already = [step(0, 'FAIL', ['a/x']), step(1, 'FAIL', ['a/x']), step(2, 'FAIL', ['a/x', 'a/y'])];
  t.same(conclude(already), { kind: 'breaks', step: already[2], newlyFailing: ['a/y'] }, 'a failure the base already has is not blamed');
  t.match(conclude([step(0, 'PASS'), step(1, 'INFRA'), step(2, 'FAIL', ['a/x'])]), { kind: 'inconclusive', step: { index: 1 } }, 'not blamed on patch 1, not past it');
  t.match(conclude([step(0, 'BOOT-FAIL')]), { kind: 'base-broken' });
  t.equal(renderConclusion(conclude([step(0, 'PASS'), step(1, 'INFRA')]), 3, ['a']), 'inconclusive: patch 1/3 could not be tested (); run again');
});

t.test('the table', async (t) => {
  const text = renderSteps([step(0, 'PASS'), { ...step(1, 'FAIL', ['a/x']), reason: 'a/x: FAIL registered' }], 3);
  t.equal(text, 'base  PASS  1s  p0\n1/3   FAIL  1s  p1\n      a/x: FAIL registered');
});
