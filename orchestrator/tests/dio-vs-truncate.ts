// The seed's race without RDMA: O_DIRECT from a slow (dm-delay) disk into an mmap of a DAX file,
// truncate or punch the file meanwhile and reallocate its blocks to a new file. The fix makes
// truncate wait for the I/O (break layouts); without it the late DMA corrupts the new file.
import { daxNot, FSDAX_NAMESPACE } from './memory.js';
import { setupScript, workload, type TestCase, type TestSuite } from './suite.js';

const SIZE = String(1024 * 1024);
const DELAY_MS = '1000';

function raceCase(fs: 'ext4' | 'xfs', mode: 'truncate' | 'punch'): TestCase {
  const mnt = `/mnt/race-${fs}`;
  return {
    name: `${fs}-${mode}`,
    summary: `O_DIRECT read into a DAX mmap on ${fs}, ${mode === 'punch' ? 'punch a hole in' : 'truncate'} the file mid-I/O, reallocate its blocks`,
    needs: ['nvdimm:fsdax', `fs:${fs}`, 'disk:dm-delay'],
    run: (f) => [
      { argv: [setupScript('dax-mount.sh'), fs, f.fsdax, mnt], timeoutSeconds: 60 },
      { argv: [workload('dio-vs-truncate'), mode, `${mnt}/victim`, f.slowdisk, `${mnt}/new`, SIZE], timeoutSeconds: 60 },
    ],
    cleanup: () => [{ argv: ['umount', mnt], timeoutSeconds: 30 }],
    precondition: daxNot(false, 'the victim file is not in DAX mode (statx STATX_ATTR_DAX clear)'),
  };
}

export const dioVsTruncate: TestSuite = {
  name: 'dio-vs-truncate',
  summary: 'truncate/punch-hole of a DAX file waits for in-flight O_DIRECT into its mapping; reallocated blocks stay intact',
  needs: ['nvdimm:fsdax', 'disk:dm-delay'],
  setup: [FSDAX_NAMESPACE, { argv: [setupScript('slow-disk.sh'), '/dev/vdb', DELAY_MS, 'slow'], timeoutSeconds: 30 }],
  cases: [raceCase('ext4', 'truncate'), raceCase('ext4', 'punch'), raceCase('xfs', 'truncate'), raceCase('xfs', 'punch')],
};
