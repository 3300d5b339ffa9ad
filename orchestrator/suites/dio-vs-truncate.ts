// The seed's race without RDMA: O_DIRECT from a slow (dm-delay) disk into an mmap of a DAX file
// (or, for dio-write-vs-truncate, from the mmap to the disk), truncate or punch the file
// meanwhile and reallocate its blocks to a new file. The fix makes truncate wait for the I/O
// (break layouts); without it the late DMA corrupts the new file, or writes its data out.
import { blocksNotReused, daxNot, FSDAX_NAMESPACE } from './memory.js';
import { setupScript, workload, type TestCase, type TestSuite } from './suite.js';

const SIZE = String(1024 * 1024);
/** dm-delay's delay on every read and write of the slow disk: how long the raced I/O must take. */
export const DELAY_MS = 1000;

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
      {
        argv: [
          workload('dio-vs-truncate'),
          ...(direction === 'write' ? ['--write'] : []),
          mode,
          `${mnt}/victim`,
          f.slowdisk,
          `${mnt}/new`,
          SIZE,
        ],
        timeoutSeconds: 60,
      },
    ],
    cleanup: () => [{ argv: ['umount', mnt], timeoutSeconds: 30 }],
    precondition: racePrecondition(DELAY_MS),
  };
}

type Observed = Record<string, unknown>;

/** Why the observation is not the race the case claims to test: not DAX, no race, blocks not reused. */
function racePrecondition(delayMs: number): (observed: Observed) => string | undefined {
  const notDax = daxNot(false, 'the victim file is not in DAX mode (statx STATX_ATTR_DAX clear)');
  return (observed) => notDax(observed) ?? raceMissed(observed, delayMs) ?? blocksNotReused(observed);
}

/**
 * The I/O must have been held up by the delay device (at least 80 % of its delay) and still be in
 * flight well after truncate began (at least half the delay): then truncate met a pinned page.
 * Without that every later check passes having tested nothing.
 */
function raceMissed(observed: Observed, delayMs: number): string | undefined {
  const { io_ms: io, truncate_start_ms: start } = observed;
  if (typeof io !== 'number' || typeof start !== 'number') {
    return `the race did not happen: no I/O or truncate times observed (io_ms ${io}, truncate_start_ms ${start})`;
  }
  const why: string[] = [];
  if (io < 0.8 * delayMs) why.push(`the I/O took ${io} ms of the ${delayMs} ms delay (want ≥ ${0.8 * delayMs} ms)`);
  if (io - start < delayMs / 2) {
    const ended = io > start ? `${io - start} ms after it` : 'before it';
    why.push(`truncate started at ${start} ms and the I/O ended ${ended} (want ≥ ${delayMs / 2} ms after)`);
  }
  return why.length ? `the race did not happen: ${why.join('; ')}` : undefined;
}

function raceSuite(direction: Direction, name: string, summary: string): TestSuite {
  return {
    name,
    summary,
    needs: ['nvdimm:fsdax', 'disk:dm-delay'],
    setup: [
      FSDAX_NAMESPACE,
      { argv: [setupScript('slow-disk.sh'), '/dev/vdb', String(DELAY_MS), 'slow'], timeoutSeconds: 30 },
    ],
    cases: (['ext4', 'xfs'] as const).flatMap((fs) =>
      (['truncate', 'punch'] as const).map((mode) => raceCase(direction, fs, mode)),
    ),
  };
}

export const dioVsTruncate = raceSuite(
  'read',
  'dio-vs-truncate',
  'truncate/punch-hole of a DAX file waits for in-flight O_DIRECT into its mapping; reallocated blocks stay intact',
);

export const dioWriteVsTruncate = raceSuite(
  'write',
  'dio-write-vs-truncate',
  "truncate/punch-hole of a DAX file waits for in-flight O_DIRECT out of its mapping; the device gets the old data, never the new file's",
);
