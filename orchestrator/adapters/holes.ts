// perl, for the data regions of a sparse file: lseek's SEEK_DATA and SEEK_HOLE, which Node does not
// expose. perl-base is Essential in Debian, so every host has it.
import { spawnSync } from 'node:child_process';

const SEEK_DATA = 3;
const SEEK_HOLE = 4;
const LIST = `open(F, "<", $ARGV[0]) or exit 1; my $p = 0;
while (defined(my $d = sysseek(F, $p, ${SEEK_DATA}))) { $p = sysseek(F, $d, ${SEEK_HOLE}); print $d + 0, " ", $p + 0, "\\n" }`;

/**
 * [start, end) of each run of data in PATH, holes between them; undefined when they cannot be
 * listed (no perl, or the file went away): read it all then. A file system without SEEK_DATA
 * reports the whole file as data, which is still right.
 */
export function dataRegions(path: string): [number, number][] | undefined {
  const r = spawnSync('perl', ['-e', LIST, path], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ').map(Number) as [number, number]);
}
