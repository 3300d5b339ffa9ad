// The seed's headline: IB/core refuses to register fs-DAX memory (ibv_reg_mr → EOPNOTSUPP),
// while device-DAX, page-cache and anonymous memory register.
import { anonCase, devdaxCase, DEVDAX_NAMESPACE, FSDAX_NAMESPACE, fsdaxCase, pagecacheCase, RXE } from './memory.js';
import type { Need } from '../core/needs.js';
import type { TestSuite } from './suite.js';

const RDMA: Need[] = ['rdma:rxe'];

export const ibRegRefusal: TestSuite = {
  name: 'ib-reg-refusal',
  summary: 'ibv_reg_mr over rdma_rxe on fs-DAX (refused), device-DAX, page-cache and anonymous memory',
  needs: ['nvdimm:fsdax', 'nvdimm:devdax', 'rdma:rxe'],
  setup: [RXE, FSDAX_NAMESPACE, DEVDAX_NAMESPACE],
  cases: [
    fsdaxCase('ext4', 'ib-reg', 'ibv_reg_mr', [], RDMA),
    fsdaxCase('xfs', 'ib-reg', 'ibv_reg_mr', [], RDMA),
    devdaxCase('ib-reg', 'ibv_reg_mr', RDMA),
    pagecacheCase('ib-reg', 'ibv_reg_mr', RDMA),
    anonCase('ib-reg', 'ibv_reg_mr', RDMA),
  ],
};
