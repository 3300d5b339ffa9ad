// The bench's reader of syzkaller's report corpus (test/bench/reports.ts).
import t from 'tap';
import { manifestText, parseCorpusFile } from '../bench/reports.js';

t.test('a corpus file: header, log, and the REPORT section left out', async (t) => {
  const file =
    'TITLE: WARNING in foo\nTYPE: WARNING\nCORRUPTED: Y\n\n[ 1.0] WARNING: CPU: 0\n[ 1.1] x\n\nREPORT:\nWARNING\n';
  const e = parseCorpusFile('pkg/report/testdata/linux/report/9', Buffer.from(file));
  t.equal(e.title, 'WARNING in foo');
  t.equal(e.corrupted, true);
  t.equal(e.log, '[ 1.0] WARNING: CPU: 0\n[ 1.1] x\n');
  t.match(e.sha256, /^[0-9a-f]{64}$/);
});

t.test('a corpus file with no header has no report', async (t) => {
  const e = parseCorpusFile(
    'p',
    Buffer.from('\n[ 72.1] BUG UNIX (Not tainted): kasan: bad access detected\n\n[ 72.2] x\n'),
  );
  t.equal(e.title, undefined);
  t.equal(e.corrupted, false);
  t.equal(e.log, '[ 72.1] BUG UNIX (Not tainted): kasan: bad access detected\n\n[ 72.2] x\n');
});

t.test('the manifest: commit, then path, sha256, corrupted, title per file', async (t) => {
  const e = parseCorpusFile('pkg/report/testdata/linux/report/9', Buffer.from('TITLE: x in y\n\nlog\n'));
  const lines = manifestText('abc', [e]).split('\n');
  t.equal(lines[0], '# syzkaller-commit: abc');
  t.same(lines[2].split('\t'), ['pkg/report/testdata/linux/report/9', e.sha256, 'N', 'x in y']);
});
