import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeWords,
  parseSeries,
  parseSubject,
  prefixOf,
  seriesTitle,
  splitMbox,
} from '../../orchestrator/core/series.js';
import { fixturesDir } from '../../orchestrator/paths.js';
import { fixture } from '../fixtures.js';

const dir = join(fixturesDir, 'series', 'gup-fsdax-v2');
const fromDir = parseSeries(
  readdirSync(dir)
    .sort()
    .flatMap((f) => splitMbox(fixture('series', 'gup-fsdax-v2', f))),
);
const fromList = parseSeries(splitMbox(fixture('series', 'gup-fsdax-v2.list.mbox')));

t.test('subject tags', async (t) => {
  t.same(parseSubject('[PATCH v3 07/13] dax: warn if dma collides with truncate'), {
    version: 3,
    index: 7,
    total: 13,
    rfc: false,
    title: 'dax: warn if dma collides with truncate',
  });
  t.same(parseSubject('[RFC PATCH net-next 0/2] rxe: odp'), {
    version: 1,
    index: 0,
    total: 2,
    rfc: true,
    title: 'rxe: odp',
  });
  t.same(parseSubject('[PATCH] fs/dax: fix'), { version: 1, rfc: false, title: 'fs/dax: fix' });
  t.same(
    parseSubject('[PATCHv2 1/3] dax: x'),
    { version: 2, index: 1, total: 3, rfc: false, title: 'dax: x' },
    '--subject-prefix=PATCHv2',
  );
  t.equal(parseSubject('Re: dax: something'), undefined);
  t.equal(parseSubject('dax: no tag'), undefined);
});

t.test('encoded words as git send-email writes them', async (t) => {
  t.equal(decodeWords('=?UTF-8?q?J=C3=B6rg_Reviewer?= <jorg@example.net>'), 'Jörg Reviewer <jorg@example.net>');
  t.equal(decodeWords('=?utf-8?b?SsO2cmc=?='), 'Jörg');
});

t.test('a directory of git format-patch files: cover letter, order, base-commit', async (t) => {
  t.equal(fromDir.version, 2);
  t.equal(fromDir.total, 3);
  t.same(
    fromDir.patches.map((p) => p.index),
    [1, 2, 3],
  );
  t.same(
    fromDir.patches.map((p) => p.title),
    [
      'fs/dax: say why break-layouts waits for page references',
      'mm/gup: let FOLL_LONGTERM pin fs-DAX pages',
      'Documentation: dax: note that long-term pins of fs-DAX are refused',
    ],
    'folded subjects unfolded',
  );
  t.equal(fromDir.cover?.title, 'mm/gup, dax: long-term pins of fs-DAX');
  t.match(fromDir.cover?.body, /Changes since v1/);
  t.equal(fromDir.baseCommit, 'c2fa53280e04e4bb994651f9302d5340f8cfeb01');
  t.same(fromDir.problems, []);
  t.match(fromDir.patches[1].raw, /^From: Ada Tester[\s\S]*\n\n[\s\S]*diff --git a\/mm\/gup.c/);
});

t.test('as a list delivers it: out of order, a reply, an older version', async (t) => {
  t.same(
    fromList.patches.map((p) => p.index),
    [1, 2, 3],
  );
  t.equal(fromList.cover?.messageId, '<20261120100000.1000-0-ada@example.org>');
  t.same(fromList.problems, ['ignored other versions: v1']);
  t.equal(fromList.id, fromDir.id, 'same patches, same id, whatever the headers');
  t.not(prefixOf(fromList, 2).id, fromList.id);
  t.equal(prefixOf(fromList, 2).patches.length, 2);
});

t.test('a missing patch is a problem, not a guess', async (t) => {
  const messages = splitMbox(fixture('series', 'gup-fsdax-v2.list.mbox'));
  const without2 = messages.filter(
    (m) => !/v2 2\/3/.test(m.headers.get('subject') ?? '') || /^Re:/.test(m.headers.get('subject') ?? ''),
  );
  t.same(parseSeries(without2).problems, ['ignored other versions: v1', 'patch 2/3 is missing']);
  t.match(parseSeries([]).problems, [/no patches found/]);
});

t.test('a single patch without a counter', async (t) => {
  const s = parseSeries(splitMbox(fixture('series', 'build-break.patch')));
  t.equal(s.patches.length, 1);
  t.equal(s.total, 1);
  t.equal(s.patches[0].index, 1);
  t.equal(s.cover, undefined);
  t.equal(s.baseCommit, 'c2fa53280e04e4bb994651f9302d5340f8cfeb01');
});

t.test('a commit message line "From …:" after a blank line is not a new message', async (t) => {
  const text = fixture('series', 'build-break.patch').replace(
    'Signed-off-by: Ada',
    'From review:\nNo-Tag: x\n\nSigned-off-by: Ada',
  );
  const s = parseSeries(splitMbox(text));
  t.equal(s.patches.length, 1);
  t.same(s.problems, []);
  t.match(s.patches[0].raw, /From review:/);
});

// placeholder-cover-v2.mbox: made by git 2.39.5 in a scratch repository, two one-line commits to
// fs/dax.c, `git format-patch --cover-letter -v2 --stdout --base=HEAD~2 HEAD~2`, the cover left unedited.
t.test('a cover letter git left as its placeholder: the series is called by its first patch', async (t) => {
  const s = parseSeries(splitMbox(fixture('series', 'placeholder-cover-v2.mbox')));
  t.equal(s.cover?.title, '*** SUBJECT HERE ***', 'the cover as git wrote it');
  t.equal(s.version, 2);
  t.equal(seriesTitle(s), 'fs/dax: say when a mapping is busy');
  t.equal(seriesTitle(fromDir), 'mm/gup, dax: long-term pins of fs-DAX', 'a written cover names the series');
  const single = parseSeries(splitMbox(fixture('series', 'build-break.patch')));
  t.equal(seriesTitle(single), 'fs/dax: pass a page hint to dax_layout_busy_page_range()', 'no cover');
});
