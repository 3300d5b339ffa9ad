// A dmesg that fails is not an empty kernel log: dmesgLines() turns its exec result into a
// DmesgError, and the runner makes the window it covered ERROR.
import t from 'tap';
import { runSuites } from '../../orchestrator/engine/runner.js';
import { dmesgLines } from '../../orchestrator/engine/guest.js';
import type { ExecResult } from '../../orchestrator/adapters/ssh.js';
import { fakeRun, FakeGuest, ok, runs, type Exec } from '../fake-guest.js';
import { DmesgError, exitCodeOf } from '../../orchestrator/errors.js';

const EPERM = 'dmesg: read kernel buffer failed: Operation not permitted';
const DENIED: Exec = { code: 1, timedOut: false, stdout: '', stderr: `${EPERM}\n` };
const NOT_FOUND = 'timeout: failed to run command ‘dmesg’: No such file or directory';

t.test('dmesgLines: the lines of a dmesg that succeeded; a typed error for one that failed', async (t) => {
  t.equal(dmesgLines(ok('[    9.1] rxe1: added eth1\n')), '[    9.1] rxe1: added eth1\n');
  t.equal(dmesgLines(ok()), '', 'a quiet kernel');
  t.throws(() => dmesgLines(DENIED), new DmesgError(1, false, DENIED.stderr));
  t.throws(() => dmesgLines(DENIED), { message: `dmesg exited 1: ${EPERM}` });
  t.throws(
    () => dmesgLines({ code: 124, timedOut: true, stdout: '[ 1.0] partial\n', stderr: '' }),
    { message: 'dmesg timed out' },
    'its error output only, never kernel lines',
  );
  t.throws(() => dmesgLines({ code: 127, timedOut: false, stdout: '', stderr: NOT_FOUND }), {
    message: `dmesg exited 127: ${NOT_FOUND}`,
    status: 127,
  });
  t.equal(exitCodeOf(new DmesgError(1, false, '')), 1);
});

const anon = (reads: Exec[]) => fakeRun('ib-reg-refusal/anon', ANON, reads);
const ANON: [RegExp, Partial<ExecResult>][] = [
  [/ib-reg anon/, { stdout: '{"device":"rxe0","kind":"anon","dax":null,"registered":true,"errno":null}\n' }],
];

t.test('the control: the case passes when every dmesg reads', async (t) => {
  const [r] = (await runSuites({ session: new FakeGuest(ANON) }, runs('ib-reg-refusal/anon'), '6.1.192')).results;
  t.equal(r.verdict, 'PASS', r.reason);
});

t.test("the case's own window unread: ERROR, not a PASS without kernel lines", async (t) => {
  const [r] = await anon([ok(), ok(), DENIED]);
  t.same([r.verdict, r.reason], ['ERROR', `dmesg exited 1: ${EPERM}`]);
  t.match(r.observed, { registered: true }, 'the observation is kept');
});

t.test('dmesg missing from the image: ERROR pointing at the image', async (t) => {
  const [r] = await anon([ok(), ok(), { code: 127, timedOut: false, stdout: '', stderr: NOT_FOUND }]);
  t.same([r.verdict, r.suspects], ['ERROR', ['image']]);
});

t.test("the read before the cases failing: the suite's cases ERROR (setup's lines could land in a case)", async (t) => {
  for (const reads of [[DENIED], [ok(), DENIED]]) {
    const { results } = await runSuites({ session: new FakeGuest(ANON, { reads }) }, runs('ib-reg-refusal'), '6.1.192');
    t.equal(results.length, 5);
    t.same(
      [...new Set(results.map((r) => `${r.verdict} ${r.reason}`))],
      [`ERROR the kernel log before the cases: dmesg exited 1: ${EPERM}`],
    );
  }
});

t.test("the second guest's window unread: ERROR naming it", async (t) => {
  const served = {
    stdout: '{"kind":"anon","dax":null,"registered":true,"errno":null,"write":"ok","read":"ok","bytes":2097152}\n',
  };
  const client = {
    stdout: '{"role":"client","remote_registered":true,"write":"completed","read":"ok","bytes":2097152}\n',
  };
  const link: [RegExp, Partial<ExecResult>] = [/peer-link\.sh/, { stdout: 'link=eth1\nrdma=rxe1\n' }];
  const own = new FakeGuest([link, [/rdma-pair server/, served]]);
  const timedOut = { ...DENIED, code: 124, timedOut: true, stderr: '' };
  const peer = new FakeGuest([link, [/rdma-pair client/, client]], {
    reads: [ok(), ok(), timedOut],
    label: 'second guest',
  });
  const [r] = (await runSuites({ session: own, peer }, runs('rdma-two-guests/anon'), '6.1.192')).results;
  t.same([r.verdict, r.reason], ['ERROR', 'second guest: dmesg timed out']);
});
