// Who a bug report goes to: the files and functions a cause names, the definitions git grep finds
// for them, and get_maintainer.pl's real output (test/fixtures/bug-report/) split into To and Cc.
import t from 'tap';
import {
  definitionPattern,
  filesNamed,
  functionsNamed,
  parseMaintainers,
  withCc,
} from '../../orchestrator/core/maintainers.js';
import { KNOWN_DIR, loadKnown } from '../../orchestrator/adapters/config.js';
import { fixture } from '../fixtures.js';
import { BUG } from '../bug-fixtures.js';

t.test("the lost wakeup's record names block/bio.c and three functions", async (t) => {
  const r = loadKnown(KNOWN_DIR).find((k) => k.id === 'dax-dio-lost-wakeup-6.1')!;
  t.same(filesNamed(`${r.cause} ${r.reference}`), ['block/bio.c']);
  t.same(functionsNamed(r.cause), ['__bio_release_pages', 'folio_put_refs', 'put_devmap_managed_page_refs']);
  t.same(filesNamed('see fs/xfs/xfs_file.c, arch/x86/entry/entry_64.S and 1.2.c'), [
    'fs/xfs/xfs_file.c',
    'arch/x86/entry/entry_64.S',
  ]);
});

t.test('a definition is a line at column 0 naming the function, without a semicolon', async (t) => {
  const def = (name: string) => new RegExp(definitionPattern(name));
  // Lines of Debian's linux-source-6.1 6.1.192 (block/bio.c, include/linux/mm.h, mm/memremap.c).
  t.match('void __bio_release_pages(struct bio *bio, bool mark_dirty)', def('__bio_release_pages'));
  t.match(
    'static inline bool put_devmap_managed_page_refs(struct page *page, int refs)',
    def('put_devmap_managed_page_refs'),
  );
  t.notMatch(
    'bool __put_devmap_managed_page_refs(struct page *page, int refs);',
    def('__put_devmap_managed_page_refs'),
    'a prototype',
  );
  t.notMatch('\t\tfolio_put_refs(fi.folio, nr_pages);', def('folio_put_refs'), 'a call');
  t.notMatch('void __bio_release_pages(struct bio *bio, bool mark_dirty)', def('bio_release_pages'), 'another name');
});

t.test("get_maintainer.pl's maintainers and supporters are To, reviewers and lists Cc", async (t) => {
  const r = parseMaintainers(fixture(BUG, 'get-maintainer-6.1.192-ext4-xfs-dax.txt'));
  t.same(r.to, [
    '"Theodore Ts\'o" <tytso@mit.edu>',
    'Andreas Dilger <adilger.kernel@dilger.ca>',
    'Leah Rumancik <leah.rumancik@gmail.com>',
    '"Darrick J. Wong" <djwong@kernel.org>',
    'Alexander Viro <viro@zeniv.linux.org.uk>',
    'Dan Williams <dan.j.williams@intel.com>',
  ]);
  t.same(r.cc, [
    'Matthew Wilcox <willy@infradead.org>',
    'Jan Kara <jack@suse.cz>',
    'linux-ext4@vger.kernel.org',
    'linux-kernel@vger.kernel.org',
    'linux-xfs@vger.kernel.org',
    'linux-fsdevel@vger.kernel.org',
    'nvdimm@lists.linux.dev',
  ]);
  t.same(withCc(r, ['linux-kernel@vger.kernel.org', 'stable@vger.kernel.org']).cc.slice(-2), [
    'nvdimm@lists.linux.dev',
    'stable@vger.kernel.org',
  ]);
});
