// rdma-smoke's server side is judged too: the two sides' outcomes joined (bothSides), and the
// suite run over scripted guests in the shape rdma-smoke.sh prints.
import t from 'tap';
import { bothSides, runSuites, type SuiteRun } from '../../orchestrator/engine/runner.js';
import { FakeGuest, type Rule } from '../fake-guest.js';
import type { ExecResult } from '../../orchestrator/adapters/ssh.js';
import { loadExpectations } from '../../orchestrator/adapters/config.js';
import { selectTests } from '../../orchestrator/suites/index.js';
import { serverFailure } from '../../orchestrator/suites/rdma-smoke.js';

const fakeGuest = (rules: Rule[], label?: string) => new FakeGuest(rules, { label });

const LINK: [RegExp, Partial<ExecResult>] = [/peer-link\.sh/, { stdout: 'link=eth1\nrdma=rxe1\n' }];
const line = (o: Record<string, unknown>) => ({ stdout: `${JSON.stringify(o)}\n` });
const CLIENT = {
  tool: 'ib_write_bw',
  role: 'client',
  result: 'ok',
  exit: 0,
  bw_peak_mb_s: 97.11,
  bw_avg_mb_s: 96.2,
  msg_rate_mpps: 0.001539,
  last: '65536      200              97.11              96.20  0.001539',
};
const SERVER_OK = { tool: 'ib_write_bw', role: 'server', result: 'ok', exit: 0, bw_peak_mb_s: 97.11, last: 'done' };
const EXCHANGE = 'Failed to exchange data between server and clients';
const SERVER_FAILED = { tool: 'ib_write_bw', role: 'server', result: 'failed', exit: 1, last: EXCHANGE };

async function smoke(server: Partial<ExecResult>, client: Partial<ExecResult> = line(CLIENT)) {
  const own = fakeGuest([LINK, [/rdma-smoke\.sh client/, client]]);
  const peer = fakeGuest([LINK, [/rdma-smoke\.sh server/, server]], 'second guest');
  const runs: SuiteRun[] = selectTests(['rdma-smoke/ib_write_bw']).map((s) => ({
    selection: s,
    expectations: loadExpectations(s.suite),
  }));
  const [r] = (await runSuites({ session: own, peer }, runs, '6.1.192')).results;
  return r;
}

t.test("both sides complete: PASS, the server's observation under peer", async (t) => {
  const r = await smoke(line(SERVER_OK));
  t.equal(r.verdict, 'PASS', r.reason);
  t.same(r.observed, { ...CLIENT, peer: SERVER_OK });
});

t.test("the server's tool failing while the client completed: ERROR naming the server, the figures kept", async (t) => {
  const r = await smoke(line(SERVER_FAILED));
  t.same([r.verdict, r.reason], ['ERROR', `server: ib_write_bw exited 1: ${EXCHANGE}`]);
  t.same(r.observed, { ...CLIENT, peer: SERVER_FAILED });
});

t.test('the server side timing out, exiting non-zero or printing nothing: ERROR naming the server', async (t) => {
  const SYNTAX = 'rdma-smoke.sh: 3: Syntax error: end of file unexpected';
  const NO_GID = 'rxe1 has no RoCE v2 IPv4 GID';
  const cases: [Partial<ExecResult>, string][] = [
    [{ code: 124, timedOut: true }, 'server: rdma-smoke.sh timed out after 120 s'],
    [{ code: 2, stderr: `${SYNTAX}\n` }, `server: rdma-smoke.sh exited 2: ${SYNTAX}`],
    [{ code: 0, stdout: '' }, 'server: the workload printed no JSON observation'],
    [line({ tool: 'ib_write_bw', role: 'server', error: NO_GID }), `server: rdma-smoke.sh: ${NO_GID}`],
  ];
  for (const [answer, reason] of cases) {
    const r = await smoke(answer);
    t.same([r.verdict, r.reason], ['ERROR', reason], JSON.stringify(answer));
    t.match(r.observed, { bw_avg_mb_s: 96.2 }, "the client's figures are kept");
  }
});

t.test("the client failing too: the client's FAIL stands, the server's side kept under peer", async (t) => {
  const client = { ...CLIENT, result: 'failed', exit: 1, last: 'Completion with error at client' };
  const r = await smoke(line(SERVER_FAILED), line(client));
  t.same([r.verdict, r.reason], ['FAIL', 'result: expected "ok", observed "failed"']);
  t.same(r.observed, { ...client, peer: SERVER_FAILED });
});

t.test("bothSides: errors of both sides, named; the peer's observation and suspects kept", async (t) => {
  const role = { peerRole: 'server', peerFailure: serverFailure };
  t.same(bothSides({ observed: CLIENT }, { observed: SERVER_OK }, role), { observed: { ...CLIENT, peer: SERVER_OK } });
  t.same(bothSides({ error: 'rdma-smoke.sh timed out after 120 s' }, { observed: SERVER_OK, suspects: [] }, role), {
    error: 'rdma-smoke.sh timed out after 120 s',
    observed: { peer: SERVER_OK },
  });
  t.same(bothSides({ observed: CLIENT }, { error: 'rdma-smoke.sh exited 127: not found', suspects: ['image'] }, role), {
    observed: CLIENT,
    error: 'server: rdma-smoke.sh exited 127: not found',
    suspects: ['image'],
  });
  t.same(
    bothSides({ observed: CLIENT }, { observed: { role: 'server' } }, role).error,
    'server: no result in its observation ({"role":"server"})',
  );
  t.same(bothSides({ observed: { a: 1 } }, { error: 'x' }, {}).error, 'peer: x', 'unnamed: the peer');
});
