// The RDMA data path over rxe: an RC queue pair looped back on one guest writes into and reads
// from the memory under test, and the data is checked. fs-DAX cannot be registered (see
// ib-reg-refusal), so its case expects the refusal and moves no data. pagecache-truncate keeps
// writing into a registered page-cache file after it was truncated and its space given to another.
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
  RXE,
  truncatedPagecache,
} from './memory.js';
import { workload, type TestCase, type TestSuite } from './suite.js';

const RDMA: Need[] = ['rdma:rxe'];
const SUMMARY = 'RDMA WRITE then READ of 64 KiB through a looped-back RC QP';

const pagecacheTruncate: TestCase = {
  name: 'pagecache-truncate',
  summary:
    `${SUMMARY} on a page-cache file; then truncate it, write a new file on its blocks, ` +
    'and RDMA WRITE into the MR 8 more times',
  needs: [...PAGECACHE_NEEDS, ...RDMA],
  run: (f) => [
    ...pagecacheMount(f),
    {
      argv: [
        workload('rdma-loop'),
        '--truncate',
        `${PAGECACHE_MNT}/new`,
        'file',
        `${PAGECACHE_MNT}/truncated`,
        MAP_SIZE,
      ],
      timeoutSeconds: 60,
    },
  ],
  cleanup: () => [PAGECACHE_UNMOUNT],
  precondition: truncatedPagecache,
};

export const rdmaLoopback: TestSuite = {
  name: 'rdma-loopback',
  summary:
    'RC QP over rdma_rxe on one guest: RDMA WRITE and READ into anonymous, page-cache and device-DAX memory, data verified',
  needs: ['nvdimm:fsdax', 'nvdimm:devdax', 'rdma:rxe'],
  setup: [RXE, FSDAX_NAMESPACE, DEVDAX_NAMESPACE],
  cases: [
    anonCase('rdma-loop', SUMMARY, RDMA),
    pagecacheCase('rdma-loop', SUMMARY, RDMA),
    pagecacheTruncate,
    devdaxCase('rdma-loop', SUMMARY, RDMA),
    fsdaxCase('ext4', 'rdma-loop', SUMMARY, [], RDMA),
  ],
};
