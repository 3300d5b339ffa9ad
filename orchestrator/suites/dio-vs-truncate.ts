// The seed's race without RDMA: O_DIRECT from a slow (dm-delay) disk into an mmap of a DAX file
// (or, for dio-write-vs-truncate, from the mmap to the disk), truncate or punch the file
// meanwhile and reallocate its blocks to a new file. The fix makes truncate wait for the I/O
// (break layouts); without it the late DMA corrupts the new file, or writes its data out.
import { daxNot, FSDAX_NAMESPACE } from './memory.js';
import { setupScript, workload, type TestCase, type TestSuite } from './suite.js';

const SIZE = String(1024 * 1024);
const DELAY_MS = '1000';

type Direction = 'read' | 'write';

function raceCase(direction: Direction, fs: 'ext4' | 'xfs', mode: 'truncate' | 'punch'): TestCase {
  const mnt = `/mnt/race-${fs}`;
  const io = direction === 'read' ? 'O_DIRECT read into a DAX mmap' : 'O_DIRECT write from a DAX mmap';
  return {
    name: `${fs}-${mode}`,
    summary: `${io} on ${fs}, ${mode === 'punch' ? 'punch a hole in' : 'truncate'} the file mid-I/O, reallocate its blocks`,
    needs: ['nvdimm:fsdax', `fs:${fs}`, 'disk:dm-delay'],
    run: (f) => [
      { argv: [setupScript('dax-mount.sh'), fs, f.fsdax, mnt, 'fillable'], timeoutSeconds: 60 },
      { argv: [workload('dio-vs-truncate'), ...(direction === 'write' ? ['--write'] : []), mode, `${mnt}/victim`, f.slowdisk, `${mnt}/new`, SIZE], timeoutSeconds: 60 },
    ],
    cleanup: () => [{ argv: ['umount', mnt], timeoutSeconds: 30 }],
    precondition: (observed) => daxNot(false, 'the victim file is not in DAX mode (statx STATX_ATTR_DAX clear)')(observed)
      ?? blocksReused(observed),
  };
}

/** Only a new file on the truncated file's blocks can show what late DMA does to them. */
function blocksReused(observed: Record<string, unknown>): string | undefined {
  if (typeof observed.blocks_reused === 'number' && observed.blocks_reused > 0) return undefined;
  return `the new file did not get the truncated file's blocks (blocks_reused ${observed.blocks_reused} of ${observed.victim_blocks}): `
    + 'it cannot show corruption';
}

function raceSuite(direction: Direction, name: string, summary: string): TestSuite {
  return {
    name,
    summary,
    needs: ['nvdimm:fsdax', 'disk:dm-delay'],
    setup: [FSDAX_NAMESPACE, { argv: [setupScript('slow-disk.sh'), '/dev/vdb', DELAY_MS, 'slow'], timeoutSeconds: 30 }],
    cases: (['ext4', 'xfs'] as const).flatMap((fs) => (['truncate', 'punch'] as const).map((mode) => raceCase(direction, fs, mode))),
  };
}

export const dioVsTruncate = raceSuite('read', 'dio-vs-truncate',
  'truncate/punch-hole of a DAX file waits for in-flight O_DIRECT into its mapping; reallocated blocks stay intact');

export const dioWriteVsTruncate = raceSuite('write', 'dio-write-vs-truncate',
  'truncate/punch-hole of a DAX file waits for in-flight O_DIRECT out of its mapping; the device gets the old data, never the new file\'s');
