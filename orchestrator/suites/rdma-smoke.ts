// The RDMA smoke tools of rdma-core and perftest between the two guests, over the loopback-only
// link (rxe1 on each): ibv_rc_pingpong, rping (RDMA CM), ib_write_bw and ib_read_lat. The
// second guest serves, the first runs the client; pass/fail from both sides' exit status and
// output, bandwidth and latency kept as figures in the observation (the server's under `peer`).
import { PEER_MACS } from '../core/machine.js';
import type { Need } from '../core/needs.js';
import { setupScript, type GuestCommand, type TestCase, type TestSuite } from './suite.js';

const CLIENT_ADDR = '10.77.0.1';
const SERVER_ADDR = '10.77.0.2';
const DEVICE = 'rxe1';
const NEEDS: Need[] = ['rdma:rxe', 'guests:2'];
type Observation = Record<string, unknown>;

const link = (mac: string, addr: string): GuestCommand => ({
  argv: [setupScript('peer-link.sh'), mac, `${addr}/24`, DEVICE],
  timeoutSeconds: 30,
});
const smoke = (role: 'client' | 'server', tool: string): GuestCommand => ({
  argv: [setupScript('rdma-smoke.sh'), role, tool, DEVICE, SERVER_ADDR],
  timeoutSeconds: 120,
});

/**
 * The server's tool failing while the client's completed: the exchange is not vouched for. A client
 * that failed too is the case's failure by the expectation; the server's side stays under `peer`.
 */
export function serverFailure(server: Observation, client: Observation | undefined): string | undefined {
  if (client?.result !== 'ok' || server.result === 'ok') return undefined;
  if (server.result !== 'failed') return `no result in its observation (${JSON.stringify(server)})`;
  return `${server.tool} exited ${server.exit}${server.last ? `: ${server.last}` : ''}`;
}

function tool(name: string, summary: string): TestCase {
  return {
    name,
    summary,
    needs: NEEDS,
    run: () => [smoke('client', name)],
    peer: () => [smoke('server', name)],
    peerRole: 'server',
    peerFailure: serverFailure,
  };
}

export const rdmaSmoke: TestSuite = {
  name: 'rdma-smoke',
  summary:
    'rdma-core and perftest smoke tools between two guests over rxe1: pingpong, rping, RDMA WRITE bandwidth, RDMA READ latency',
  needs: NEEDS,
  setup: [link(PEER_MACS[0], CLIENT_ADDR)],
  peerSetup: [link(PEER_MACS[1], SERVER_ADDR)],
  modules: ['rdma_ucm'],
  cases: [
    tool('ibv_rc_pingpong', 'ibv_rc_pingpong: 200 × 4 KiB sends each way over an RC QP (rate and time per iteration)'),
    tool('rping', 'rping: 10 RDMA CM pings, data compared'),
    tool('ib_write_bw', 'ib_write_bw: 200 × 64 KiB RDMA WRITEs (peak and average bandwidth)'),
    tool('ib_read_lat', 'ib_read_lat: 200 × 64 B RDMA READs (latency min, typical, average, 99th percentile)'),
  ],
};
