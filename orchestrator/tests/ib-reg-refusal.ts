// The seed's headline: IB/core refuses to register fs-DAX memory (ibv_reg_mr → EOPNOTSUPP),
// while device-DAX, page-cache and anonymous memory register.
import { anonCase, daxNot, DEVDAX_NAMESPACE, FSDAX_NAMESPACE, fsdaxCase, MAP_SIZE, RXE } from './memory.js';
import { workload, type TestSuite } from './suite.js';

const RDMA = ['rdma:rxe'];

export const ibRegRefusal: TestSuite = {
  name: 'ib-reg-refusal',
  summary: 'ibv_reg_mr over rdma_rxe on fs-DAX (refused), device-DAX, page-cache and anonymous memory',
  needs: ['nvdimm:fsdax', 'nvdimm:devdax', 'rdma:rxe'],
  setup: [RXE, FSDAX_NAMESPACE, DEVDAX_NAMESPACE],
  cases: [
    fsdaxCase('ext4', 'ib-reg', 'ibv_reg_mr', [], RDMA),
    fsdaxCase('xfs', 'ib-reg', 'ibv_reg_mr', [], RDMA),
    {
      name: 'devdax',
      summary: 'ibv_reg_mr on a mapping of the device-DAX character device',
      needs: ['nvdimm:devdax', ...RDMA],
      run: (f) => [{ argv: [workload('ib-reg'), 'dev', f.devdax, MAP_SIZE], timeoutSeconds: 30 }],
      precondition: daxNot(false, 'the device is not a device-DAX character device'),
    },
    {
      name: 'pagecache',
      summary: 'ibv_reg_mr on a MAP_SHARED mapping of a file on the (non-DAX) ext4 root',
      needs: RDMA,
      run: () => [{ argv: [workload('ib-reg'), 'file', '/var/tmp/ib-reg-pagecache', MAP_SIZE], timeoutSeconds: 30 }],
      precondition: daxNot(true, 'the page-cache file unexpectedly is DAX'),
    },
    anonCase('ib-reg', 'ibv_reg_mr', RDMA),
  ],
};
