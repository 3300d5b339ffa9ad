// RDMA between two guests: each has soft-RoCE on a NIC wired only to the other (UDP between two
// loopback ports on the host). The first guest registers the memory under test and serves it;
// the second RDMA WRITEs all of it, the first checks it, refills it, and the second READs it back.
import { PEER_MACS } from '../core/machine.js';
import type { Need } from '../core/needs.js';
import {
  anonCase,
  devdaxCase,
  DEVDAX_NAMESPACE,
  FSDAX_NAMESPACE,
  fsdaxCase,
  MAP_SIZE,
  PAGECACHE_MNT,
  PAGECACHE_NEEDS,
  PAGECACHE_UNMOUNT,
  pagecacheCase,
  pagecacheMount,
  truncatedPagecache,
} from './memory.js';
import { setupScript, workload, type GuestCommand, type TestCase, type TestSuite } from './suite.js';

const SERVER_ADDR = '10.77.0.1';
const CLIENT_ADDR = '10.77.0.2';
const DEVICE = 'rxe1';
const PORT = '7471';
const NEEDS: Need[] = ['rdma:rxe', 'guests:2'];
const SUMMARY = 'RDMA WRITE of 2 MiB from the second guest, checked on the first, then RDMA READ back, checked';
const serve = (...opts: string[]) => ['server', '--device', DEVICE, ...opts, PORT];
const SERVER = serve();

function link(mac: string, addr: string): GuestCommand {
  return { argv: [setupScript('peer-link.sh'), mac, `${addr}/24`, DEVICE], timeoutSeconds: 30 };
}

const CLIENT: GuestCommand = {
  argv: [workload('rdma-pair'), 'client', '--device', DEVICE, SERVER_ADDR, PORT],
  timeoutSeconds: 60,
};

const pagecacheTruncate: TestCase = {
  name: 'pagecache-truncate',
  summary:
    `${SUMMARY} on a page-cache file; then the first guest truncates it and writes a new file on its blocks ` +
    'while the second RDMA-writes the region 8 more times',
  needs: [...PAGECACHE_NEEDS, ...NEEDS],
  run: (f) => [
    ...pagecacheMount(f),
    {
      argv: [
        workload('rdma-pair'),
        ...serve('--truncate', `${PAGECACHE_MNT}/new`),
        'file',
        `${PAGECACHE_MNT}/truncated`,
        MAP_SIZE,
      ],
      timeoutSeconds: 90,
    },
  ],
  cleanup: () => [PAGECACHE_UNMOUNT],
  precondition: truncatedPagecache,
};

/** The client lives as long as the server: it waits on it, and its late writes come last. */
function withClient(tc: TestCase): TestCase {
  return {
    ...tc,
    peer: (facts) => [{ ...CLIENT, timeoutSeconds: tc.run(facts).at(-1)?.timeoutSeconds ?? CLIENT.timeoutSeconds }],
  };
}

export const rdmaTwoGuests: TestSuite = {
  name: 'rdma-two-guests',
  summary:
    'RC QP over rdma_rxe between two guests: the first serves anonymous, page-cache, device-DAX or fs-DAX memory, the second writes and reads it',
  needs: ['nvdimm:fsdax', 'nvdimm:devdax', ...NEEDS],
  setup: [link(PEER_MACS[0], SERVER_ADDR), FSDAX_NAMESPACE, DEVDAX_NAMESPACE],
  peerSetup: [link(PEER_MACS[1], CLIENT_ADDR)],
  cases: [
    anonCase('rdma-pair', SUMMARY, NEEDS, SERVER),
    pagecacheCase('rdma-pair', SUMMARY, NEEDS, SERVER),
    pagecacheTruncate,
    devdaxCase('rdma-pair', SUMMARY, NEEDS, SERVER),
    fsdaxCase('ext4', 'rdma-pair', SUMMARY, SERVER, NEEDS),
  ].map(withClient),
};
