// Real kernel builds on Debian's linux-source-6.1 as a git tree: the dax-rdma kernel passes
// ib-reg-refusal like Debian's; a rebuild is a cache hit; apply and build failures are named;
// patchcheck names the patch of a real series that breaks the refusal. The tree is never touched.
import t from 'tap';
import { join } from 'node:path';
import { runCli } from '../cli.js';
import { snapshot } from '../git-repo.js';
import { onBase, sourceTree } from '../source-tree.js';

const series = (name: string, head: string) => onBase(join('series', name), head);

t.test('linux-source-6.1: build, cache hit, boot, ib-reg-refusal', async (t) => {
  const { dir: tree, head } = await sourceTree();
  const before = snapshot(tree);

  const first = await runCli(['build', '--tree', tree]);
  t.equal(first.code, 0, first.stderr.slice(-2000));
  const id = first.stdout.trim();
  t.match(id, new RegExp(`^build-${head.slice(0, 12)}-[0-9a-f]{12}$`), 'id from the commit of the imported tarball');
  t.match(first.stderr, /(built|cached) build-/);

  const again = await runCli(['build', '--tree', tree]);
  t.equal(again.stdout.trim(), id);
  t.match(again.stderr, new RegExp(`cached ${id}`), 'same inputs: a cache hit');

  const run = await runCli([
    'run',
    '--kernel',
    id,
    '--test',
    'ib-reg-refusal',
    '--results',
    join(tree, '..', 'results'),
  ]);
  t.equal(run.code, 0, run.stdout + run.stderr.slice(-1500));
  t.match(run.stdout, /5 PASS/, 'the self-built kernel refuses fs-DAX registration like Debian 6.1');
  t.match(run.stdout, /rxe_mr_init_user: Unable to pin memory region err = -95/);
  t.same(snapshot(tree), before, 'the tree is untouched');
});

t.test("a patch that does not apply is APPLY-FAIL, naming it and git's reason", async (t) => {
  const { dir: tree, head } = await sourceTree();
  const r = await runCli(['build', '--tree', tree, '--series', series('apply-fail.patch', head)]);
  t.equal(r.code, 1);
  t.match(
    r.stdout,
    /^APPLY-FAIL: patch 1\/1 "fs\/dax: keep a note for out-of-tree callers" does not apply: .*(patch does not apply|Patch failed)/m,
  );
});

t.test("a patch that breaks the build is BUILD-FAIL, with the compiler's error", async (t) => {
  const { dir: tree, head } = await sourceTree();
  const breaks = series('build-break.patch', head);
  const r = await runCli(['build', '--tree', tree, '--series', breaks, '--force']);
  t.equal(r.code, 1, r.stderr.slice(-1000));
  t.match(
    r.stdout,
    /^BUILD-FAIL: fs\/dax\.c:\d+:\d+: error: too many arguments to function 'dax_layout_busy_page_range'$/m,
  );
  t.match(r.stdout, /^  fs\/dax\.c: In function 'dax_layout_busy_page':$/m, 'the function it is in');
  t.match(r.stdout, new RegExp(`log: .*\\.failed/build-${head.slice(0, 12)}-[0-9a-f]+/build\\.log`));
  const known = await runCli(['build', '--tree', tree, '--series', breaks]);
  t.match(known.stdout, /known from an earlier build of the same inputs/, 'a failed build is not repeated');
});

t.test('patchcheck names the patch that breaks ib-reg-refusal', async (t) => {
  const { dir: tree, head } = await sourceTree();
  const r = await runCli([
    'patchcheck',
    '--tree',
    tree,
    '--series',
    series('gup-fsdax-v2.list.mbox', head),
    '--test',
    'ib-reg-refusal/fsdax-ext4',
    '--results',
    join(tree, '..', 'results'),
  ]);
  t.equal(r.code, 1, r.stderr.slice(-2000));
  t.match(r.stdout, /^base\s+PASS/m);
  t.match(r.stdout, /^1\/3\s+PASS .*fs\/dax: say why break-layouts waits/m);
  t.match(r.stdout, /^2\/3\s+FAIL .*mm\/gup: let FOLL_LONGTERM pin fs-DAX pages/m);
  t.match(
    r.stdout,
    /first breaking patch: 2\/3 "mm\/gup: let FOLL_LONGTERM pin fs-DAX pages": FAIL \(ib-reg-refusal\/fsdax-ext4\)/,
  );
  t.notMatch(r.stdout, /^3\/3/m, 'stops at the first breakage');
});
