// The RDMA data path over rxe: an RC queue pair looped back on one guest writes into and reads
// from the memory under test, and the data is checked. fs-DAX cannot be registered (see
// ib-reg-refusal), so its case expects the refusal and moves no data.
import { anonCase, devdaxCase, DEVDAX_NAMESPACE, FSDAX_NAMESPACE, fsdaxCase, pagecacheCase, RXE } from './memory.js';
import type { TestSuite } from './suite.js';

const RDMA = ['rdma:rxe'];
const SUMMARY = 'RDMA WRITE then READ of 64 KiB through a looped-back RC QP';

export const rdmaLoopback: TestSuite = {
  name: 'rdma-loopback',
  summary: 'RC QP over rdma_rxe on one guest: RDMA WRITE and READ into anonymous, page-cache and device-DAX memory, data verified',
  needs: ['nvdimm:fsdax', 'nvdimm:devdax', 'rdma:rxe'],
  setup: [RXE, FSDAX_NAMESPACE, DEVDAX_NAMESPACE],
  cases: [
    anonCase('rdma-loop', SUMMARY, RDMA),
    pagecacheCase('rdma-loop', SUMMARY, RDMA),
    devdaxCase('rdma-loop', SUMMARY, RDMA),
    fsdaxCase('ext4', 'rdma-loop', SUMMARY, [], RDMA),
  ],
};
