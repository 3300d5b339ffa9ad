// The RDMA data path over rxe: an RC queue pair looped back on one guest writes into and reads
// from the memory under test, and the data is checked. fs-DAX cannot be registered (see
// ib-reg-refusal), so its case expects the refusal and moves no data.
import { anonCase, daxNot, DEVDAX_NAMESPACE, FSDAX_NAMESPACE, fsdaxCase, MAP_SIZE, RXE } from './memory.js';
import { workload, type TestSuite } from './suite.js';

const RDMA = ['rdma:rxe'];
const SUMMARY = 'RDMA WRITE then READ of 64 KiB through a looped-back RC QP';

export const rdmaLoopback: TestSuite = {
  name: 'rdma-loopback',
  summary: 'RC QP over rdma_rxe on one guest: RDMA WRITE and READ into anonymous, page-cache and device-DAX memory, data verified',
  needs: ['nvdimm:fsdax', 'nvdimm:devdax', 'rdma:rxe'],
  setup: [RXE, FSDAX_NAMESPACE, DEVDAX_NAMESPACE],
  cases: [
    anonCase('rdma-loop', SUMMARY, RDMA),
    {
      name: 'pagecache',
      summary: `${SUMMARY} on a MAP_SHARED mapping of a file on the (non-DAX) ext4 root`,
      needs: RDMA,
      run: () => [{ argv: [workload('rdma-loop'), 'file', '/var/tmp/rdma-loop-pagecache', MAP_SIZE], timeoutSeconds: 60 }],
      precondition: daxNot(true, 'the page-cache file unexpectedly is DAX'),
    },
    {
      name: 'devdax',
      summary: `${SUMMARY} on a mapping of the device-DAX character device`,
      needs: ['nvdimm:devdax', ...RDMA],
      run: (f) => [{ argv: [workload('rdma-loop'), 'dev', f.devdax, MAP_SIZE], timeoutSeconds: 60 }],
      precondition: daxNot(false, 'the device is not a device-DAX character device'),
    },
    fsdaxCase('ext4', 'rdma-loop', SUMMARY, [], RDMA),
  ],
};
