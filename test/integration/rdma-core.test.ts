// rdma-core's own tests on rxe0 in the guest, through orchestrate: every test a case with its own
// verdict and dmesg window; rxe's missing atomic write on 6.1 is KNOWN, with its cause; a glob
// selects cases.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { runCli } from '../cli.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-rdma-core-');
const json = join(out, 'r.json');
const run = await runCli(['run', '--test', 'rdma-core', '--results', out, '--json', json]);
const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
const count = (v: string) => result.tests.filter((c) => c.verdict === v).length;

t.test('273 tests, one verdict each: 86 PASS, 186 SKIP with their reasons, 1 KNOWN; exit 0', async (t) => {
  t.equal(run.code, 0, run.stdout.slice(-2000) + run.stderr.slice(-2000));
  t.equal(result.tests.length, 273);
  t.same([count('PASS'), count('SKIP'), count('KNOWN'), count('FAIL'), count('ERROR')], [86, 186, 1, 0, 0]);
  const skips = (reason: string) => result.tests.filter((c) => c.verdict === 'SKIP' && c.reason === reason).length;
  t.equal(skips('Can not run the test over non MLX5 device'), 62);
  t.equal(
    skips("Device rxe0 doesn't have net interface"),
    11,
    "rdma-core 44 looks for the netdev under the device's parent, which rxe has not",
  );
  t.equal(skips('ODP is not supported - No ODP caps'), 14);
});

t.test("the atomic write rxe 6.1 lacks is KNOWN, with its cause and the suite's own words", async (t) => {
  const c = result.tests.find((x) => x.name === 'rdma-core/test_qpex.QpExTestCase.test_qp_ex_rc_atomic_write')!;
  t.equal(c.verdict, 'KNOWN');
  t.equal(c.known?.id, 'rxe-no-atomic-write-6.1');
  t.same(c.observed, {
    result: 'error',
    message: 'pyverbs.pyverbs_error.PyverbsRDMAError: Completion status is local QP operation error',
  });
});

t.test('each case its own dmesg window and time; the whole output kept', async (t) => {
  const timed = result.tests.filter((c) => c.seconds > 0).length;
  t.ok(timed > 200, `${timed} cases timed from their marks`);
  const dir = join(
    out,
    readdirSync(out).find((d) => d !== 'r.json')!,
  );
  t.match(readFileSync(join(dir, 'rdma-core-run_tests.out'), 'utf8'), /^Ran 273 tests in [\d.]+s$/m);
  t.match(
    readFileSync(join(dir, 'dmesg.txt'), 'utf8'),
    /orchestrate-mark: 1 test_create_ah \(tests\.test_addr\.AHTest\.test_create_ah\)/,
  );
});

t.test('a glob selects cases: rdma-core/test_qpex*', async (t) => {
  const sub = join(out, 'sub.json');
  const r = await runCli(['run', '--test', 'rdma-core/test_qpex*', '--results', out, '--json', sub]);
  t.equal(r.code, 0);
  const names = (JSON.parse(readFileSync(sub, 'utf8')) as RunResult).tests.map((c) => c.name);
  t.equal(names.length, 20);
  t.ok(names.every((n) => n.startsWith('rdma-core/test_qpex.')));
});
