// On-demand paging takes no long-term pin, so an ODP registration of fs-DAX memory is the one
// the seed leaves open ("non-ODP hardware"). SKIP where the device has no ODP (rxe on 6.1).
import { FSDAX_NAMESPACE, fsdaxCase, RXE } from './memory.js';
import type { TestSuite } from './suite.js';

export const odpFsdax: TestSuite = {
  name: 'odp-fsdax',
  summary: 'ibv_reg_mr with IBV_ACCESS_ON_DEMAND on fs-DAX memory (SKIP without device ODP support)',
  needs: ['nvdimm:fsdax', 'rdma:rxe', 'rdma:odp'],
  setup: [RXE, FSDAX_NAMESPACE],
  cases: [
    fsdaxCase('ext4', 'ib-reg', 'ibv_reg_mr(IBV_ACCESS_ON_DEMAND)', ['--odp'], ['rdma:odp']),
    fsdaxCase('xfs', 'ib-reg', 'ibv_reg_mr(IBV_ACCESS_ON_DEMAND)', ['--odp'], ['rdma:odp']),
  ],
};
