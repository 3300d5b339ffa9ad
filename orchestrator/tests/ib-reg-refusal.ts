// The seed's headline: IB/core refuses to register fs-DAX memory (ibv_reg_mr → EOPNOTSUPP),
// while device-DAX, page-cache and anonymous memory register.
import { setupScript, workload, type TestCase, type TestSuite } from './suite.js';

const MR_SIZE = String(2 * 1024 * 1024);

function daxIs(want: boolean | null, what: string) {
  return (observed: Record<string, unknown>) =>
    observed.dax === want ? undefined : `${what} (dax reported ${JSON.stringify(observed.dax ?? null)})`;
}

function fsdaxCase(fs: 'ext4' | 'xfs'): TestCase {
  const mnt = `/mnt/fsdax-${fs}`;
  return {
    name: `fsdax-${fs}`,
    summary: `ibv_reg_mr on a MAP_SHARED mapping of a file on ${fs} mounted -o dax`,
    needs: ['nvdimm:fsdax', `fs:${fs}`, 'rdma:rxe'],
    run: (f) => [
      { argv: [setupScript('dax-mount.sh'), fs, f.fsdax, mnt], timeoutSeconds: 60 },
      { argv: [workload('ib-reg'), 'file', `${mnt}/mr`, MR_SIZE], timeoutSeconds: 30 },
    ],
    cleanup: () => [{ argv: ['umount', mnt], timeoutSeconds: 30 }],
    precondition: daxIs(true, 'the file is not in DAX mode (statx STATX_ATTR_DAX clear)'),
  };
}

export const ibRegRefusal: TestSuite = {
  name: 'ib-reg-refusal',
  summary: 'ibv_reg_mr over rdma_rxe on fs-DAX (refused), device-DAX, page-cache and anonymous memory',
  needs: ['nvdimm0:fsdax', 'nvdimm1:devdax', 'rdma:rxe'],
  setup: [
    { argv: [setupScript('rxe.sh'), 'eth0'], timeoutSeconds: 30 },
    { argv: [setupScript('namespace.sh'), 'namespace0.0', 'fsdax', 'fsdax'], timeoutSeconds: 60 },
    { argv: [setupScript('namespace.sh'), 'namespace1.0', 'devdax', 'devdax'], timeoutSeconds: 60 },
  ],
  cases: [
    fsdaxCase('ext4'),
    fsdaxCase('xfs'),
    {
      name: 'devdax',
      summary: 'ibv_reg_mr on a mapping of the device-DAX character device',
      needs: ['nvdimm:devdax', 'rdma:rxe'],
      run: (f) => [{ argv: [workload('ib-reg'), 'dev', f.devdax, MR_SIZE], timeoutSeconds: 30 }],
      precondition: daxIs(true, 'the device is not a device-DAX character device'),
    },
    {
      name: 'pagecache',
      summary: 'ibv_reg_mr on a MAP_SHARED mapping of a file on the (non-DAX) ext4 root',
      needs: ['rdma:rxe'],
      run: () => [{ argv: [workload('ib-reg'), 'file', '/var/tmp/ib-reg-pagecache', MR_SIZE], timeoutSeconds: 30 }],
      precondition: daxIs(false, 'the page-cache file unexpectedly is DAX'),
    },
    {
      name: 'anon',
      summary: 'ibv_reg_mr on anonymous memory',
      needs: ['rdma:rxe'],
      run: () => [{ argv: [workload('ib-reg'), 'anon', MR_SIZE], timeoutSeconds: 30 }],
    },
  ],
};
