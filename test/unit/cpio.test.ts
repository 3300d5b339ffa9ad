import t from 'tap';
import { cpioArchive, readCpio, S_IFDIR, S_IFLNK, S_IFREG } from '../../orchestrator/core/cpio.js';

t.test('round trip with parents first and 4-byte alignment', async (t) => {
  const archive = cpioArchive([
    { kind: 'file', path: 'lib/modules/6.1/kernel/a.ko', data: Buffer.from('abc'), mode: 0o644 },
    { kind: 'file', path: 'init', data: '#!/bin/sh\n', mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
  ]);
  t.equal(archive.length % 4, 0);
  const members = readCpio(archive);
  t.same(
    members.map((m) => m.path),
    [
      'lib',
      'lib/modules',
      'lib/modules/6.1',
      'lib/modules/6.1/kernel',
      'lib/modules/6.1/kernel/a.ko',
      'init',
      'bin',
      'bin/sh',
    ],
  );
  t.equal(members[0].mode, S_IFDIR | 0o755);
  t.equal(members[4].mode, S_IFREG | 0o644);
  t.equal(members[4].data.toString(), 'abc');
  t.equal(members[5].mode, S_IFREG | 0o755);
  t.equal(members[7].mode, S_IFLNK | 0o777);
  t.equal(members[7].data.toString(), 'busybox');
});

t.test('newc header fields as the kernel reads them', async (t) => {
  const archive = cpioArchive([{ kind: 'file', path: 'x', data: 'hello' }]);
  t.equal(archive.toString('ascii', 0, 6), '070701');
  t.equal(parseInt(archive.toString('ascii', 6 + 6 * 8, 14 + 6 * 8), 16), 5, 'filesize');
  t.equal(parseInt(archive.toString('ascii', 6 + 11 * 8, 14 + 11 * 8), 16), 2, 'namesize counts the NUL');
  t.match(archive.toString('latin1'), /TRAILER!!!/);
});

t.test('concatenated archives read as one stream up to the first trailer', async (t) => {
  const a = cpioArchive([{ kind: 'file', path: 'a', data: '1' }]);
  t.same(
    readCpio(Buffer.concat([a, a])).map((m) => m.path),
    ['a'],
  );
});
