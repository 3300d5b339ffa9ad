import t from 'tap';
import {
  buildMatrix,
  matrixTap,
  matrixUntested,
  renderMatrix,
  type MatrixKernel,
} from '../../orchestrator/core/matrix.js';
import { matrixHtml } from '../../orchestrator/core/matrix-html.js';
import { finishRun, type RunInfo, type TestResult } from '../../orchestrator/core/results.js';

const kernel = (version: string): MatrixKernel => ({
  spec: `debian:${version}`,
  id: `debian-${version}`,
  release: version,
  version,
  source: 'debian',
  dir: version,
});
const info = { id: 'r', durations: {} } as unknown as RunInfo;
const result = (verdict: TestResult['verdict']): TestResult => ({
  name: 'odp-fsdax/fsdax-ext4',
  verdict,
  reason: 'rxe0 reports no ODP support',
  expected: null,
  observed: null,
  warnings: [],
  evidence: [],
  seconds: 1,
});
const matrixOf = (...verdicts: TestResult['verdict'][]) =>
  buildMatrix(
    'm',
    'now',
    verdicts.map((v, i) => ({
      kernel: kernel(`6.${i + 1}`),
      result: finishRun(info, [result(v)], []),
    })),
  );

t.test('a matrix whose every cell SKIPped tested nothing: it does not pass', async (t) => {
  const skipped = matrixOf('SKIP', 'SKIP');
  t.equal(skipped.passed, false);
  t.equal(matrixUntested(skipped), true, 'what --allow-nothing-tested accepts');
  t.match(renderMatrix(skipped), /1 cases × 2 kernels: nothing was tested$/);
  const one = matrixOf('SKIP', 'PASS');
  t.equal(one.passed, false, 'a kernel on which nothing was tested: the matrix does not pass');
  t.equal(matrixUntested(one), true);
  t.match(renderMatrix(one), /1 cases × 2 kernels: nothing was tested on 6\.1 debian$/);
  t.match(matrixTap(one), /^not ok 1 - 6\.1 debian: nothing was tested$/m);
  t.match(matrixTap(one), /^ok 2 - 6\.2 debian$/m);
  t.match(matrixHtml(one, [undefined, undefined]), /kernels: <b>nothing was tested on 6\.1 debian<\/b>/);
  t.equal(matrixOf('PASS', 'PASS').passed, true, 'the control');
  t.equal(matrixUntested(matrixOf('PASS', 'PASS')), false);
  t.equal(matrixOf('SKIP', 'FAIL').passed, false);
  t.equal(matrixUntested(matrixOf('SKIP', 'FAIL')), false);
});
