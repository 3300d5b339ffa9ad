// Stamps on real files: a sparse file (a snapshot's NVDIMM) hashes its holes as marks, and a change
// anywhere in it, hole or data, is still found; a dense file keeps the plain sha256 older stamps hold.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { dataRegions } from '../../orchestrator/adapters/holes.js';
import { deepCheck, readStamp, sha256File, writeStamp } from '../../orchestrator/adapters/stamp.js';
import { writeJson } from '../../orchestrator/adapters/store.js';
import { tempDir } from '../temp.js';

const dir = tempDir('orchestrate-stamp-');
const MiB = 1 << 20;

function writeAt(path: string, at: number, bytes: string): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.from(bytes), 0, bytes.length, at);
  closeSync(fd);
}

/** 64 MiB of holes with "label" written 1 MiB in, as a guest leaves an NVDIMM. */
function sparseFile(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, '');
  truncateSync(path, 64 * MiB);
  writeAt(path, MiB, 'label');
  return path;
}

t.test('a sparse file is stamped by its blocks; a byte changed in a hole or in the data is found', async (t) => {
  const path = sparseFile('nvdimm0.img');
  t.ok(statSync(path).blocks * 512 < statSync(path).size, 'the file is sparse on this file system');
  const stamp = writeStamp(join(dir, 'stamp.json'), dir, ['nvdimm0.img']);
  t.equal(stamp.files[0].zeroBlocks, true);
  t.equal(deepCheck(join(dir, 'stamp.json'), dir), undefined, 'as made');
  writeAt(path, 40 * MiB, 'x');
  t.equal(deepCheck(join(dir, 'stamp.json'), dir), 'nvdimm0.img does not hash as it did when made', 'a hole written');
  writeAt(path, 40 * MiB, '\0');
  t.equal(deepCheck(join(dir, 'stamp.json'), dir), undefined, 'the hole zero again');
  writeAt(path, MiB, 'Label');
  t.equal(deepCheck(join(dir, 'stamp.json'), dir), 'nvdimm0.img does not hash as it did when made', 'data changed');
});

t.test('holes are skipped, not read: a dense copy of the same bytes hashes alike', async (t) => {
  const sparse = sparseFile('holes.img');
  const regions = dataRegions(sparse)!;
  t.ok(regions.length >= 1 && regions.every(([from, to]) => to - from < 64 * MiB), JSON.stringify(regions));
  t.ok(
    regions.some(([from, to]) => from <= MiB && to > MiB),
    'the written block is data',
  );
  const dense = join(dir, 'dense.img');
  execFileSync('cp', ['--sparse=never', sparse, dense]);
  t.ok(statSync(dense).blocks * 512 >= 64 * MiB, 'the copy has no holes');
  t.same(dataRegions(dense), [[0, 64 * MiB]]);
  t.equal(sha256File(dense, true), sha256File(sparse, true));
  t.equal(dataRegions(join(dir, 'absent.img')), undefined);
});

t.test('the marks cannot be confused with data: zero blocks and a block of data hash apart', async (t) => {
  const a = sparseFile('a.img');
  t.not(sha256File(a, true), sha256File(a, false));
  const zero = join(dir, 'zero.img');
  writeFileSync(zero, '');
  truncateSync(zero, 64 * MiB);
  t.not(sha256File(zero, true), sha256File(a, true));
});

t.test('a dense file keeps the plain sha256; a stamp an older orchestrate wrote still checks', async (t) => {
  const dense = join(dir, 'initrd.cpio');
  writeFileSync(dense, 'a'.repeat(3 * MiB));
  const stamp = writeStamp(join(dir, 'dense.json'), dir, ['initrd.cpio']);
  t.equal(stamp.files[0].zeroBlocks, undefined);
  t.equal(stamp.files[0].sha256, createHash('sha256').update(readFileSync(dense)).digest('hex'));
  const old = join(dir, 'old.json');
  const sparse = sparseFile('nvdimm1.img');
  writeJson(old, {
    ...writeStamp(old, dir, ['nvdimm1.img']),
    files: [{ ...readStamp(old)!.files[0], zeroBlocks: undefined, sha256: sha256File(sparse, false) }],
  });
  t.equal(deepCheck(old, dir), undefined);
});
