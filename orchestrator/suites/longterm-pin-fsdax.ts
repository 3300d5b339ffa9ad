// Another FOLL_LONGTERM path than RDMA: io_uring fixed buffers (IORING_REGISTER_BUFFERS).
import { anonCase, FSDAX_NAMESPACE, fsdaxCase } from './memory.js';
import type { TestSuite } from './suite.js';

export const longtermPinFsdax: TestSuite = {
  name: 'longterm-pin-fsdax',
  summary: 'io_uring IORING_REGISTER_BUFFERS on fs-DAX memory (refused) and anonymous memory',
  needs: ['nvdimm:fsdax', 'io_uring'],
  setup: [FSDAX_NAMESPACE],
  cases: [
    fsdaxCase('ext4', 'uring-pin', 'IORING_REGISTER_BUFFERS'),
    fsdaxCase('xfs', 'uring-pin', 'IORING_REGISTER_BUFFERS'),
    anonCase('uring-pin', 'IORING_REGISTER_BUFFERS'),
  ],
};
