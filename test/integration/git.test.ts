// The git adapter against real git: worktrees, git am, format-patch; the user's tree untouched.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyPatch,
  checkoutWorktree,
  commitInfo,
  formatPatch,
  head,
  resolveRev,
  revList,
} from '../../orchestrator/adapters/git.js';
import { parseSeries, splitMbox } from '../../orchestrator/core/series.js';
import { commitFile, gitIn, snapshot, userRepo } from '../git-repo.js';
import { tempDir } from '../temp.js';

t.test('a series from a range, applied in our worktree; the user tree untouched', async (t) => {
  const { dir, commits } = userRepo();
  const before = snapshot(dir);
  const series = parseSeries(splitMbox(await formatPatch(dir, `${commits[0]}..${commits[2]}`)));
  t.same(
    series.patches.map((p) => p.title),
    ['dax: b2', 'gup: pin'],
  );
  t.same(await revList(dir, `${commits[0]}..${commits[2]}`), commits.slice(1));

  const work = join(tempDir('orchestrate-wt-'), 'src');
  await checkoutWorktree(dir, work, commits[0]);
  for (const p of series.patches)
    t.equal(await applyPatch(work, p.raw, join(work, '..')), undefined, `applies: ${p.title}`);
  t.equal(readFileSync(join(work, 'dax.c'), 'utf8'), 'int a;\nint b2;\nint c;\n');
  const applied = await head(work);
  t.equal((await commitInfo(dir, applied)).subject, 'gup: pin');

  await checkoutWorktree(dir, work, commits[0]);
  t.equal(await head(work), commits[0], 'reused worktree moves to the new base');
  for (const p of series.patches) await applyPatch(work, p.raw, join(work, '..'));
  t.equal(await head(work), applied, 'same series on the same base: same commits');
  t.same(snapshot(dir), before, 'HEAD, branch, refs, status and stash of the user tree unchanged');
});

t.test("a patch that does not apply: git's reason, am aborted", async (t) => {
  const { dir, commits } = userRepo();
  const other = commitFile(dir, 'dax.c', 'int a;\nint b3;\nint c;\n', 'dax: b3');
  const series = parseSeries(splitMbox(await formatPatch(dir, `${commits[2]}..${other}`)));
  gitIn(dir, 'checkout', '-q', '--', 'dax.c');
  const work = join(tempDir('orchestrate-wt-'), 'src');
  await checkoutWorktree(dir, work, commits[0]);
  const failed = await applyPatch(work, series.patches[0].raw, join(work, '..'));
  t.match(failed?.reason, /patch does not apply|Patch failed/);
  t.equal(await head(work), commits[0]);
  t.equal(gitIn(work, 'status', '--porcelain'), '', 'no am in progress, no leftovers');
});

t.test('revisions: full hashes, unknown ones named, option-like ones refused', async (t) => {
  const { dir, commits } = userRepo();
  t.equal(await resolveRev(dir, 'master'), commits[2]);
  t.equal(await resolveRev(dir, commits[1].slice(0, 10)), commits[1]);
  await t.rejects(resolveRev(dir, 'nope'), /unknown revision "nope"/);
  await t.rejects(resolveRev(dir, '--all'), /bad revision "--all"/);
});

t.test('our worktree recovers: a stale index.lock, a worktree of another repository', async (t) => {
  const a = userRepo();
  const b = userRepo();
  const work = join(tempDir('orchestrate-wt-'), 'src');
  await checkoutWorktree(a.dir, work, a.commits[0]);
  writeFileSync(join(gitIn(work, 'rev-parse', '--absolute-git-dir'), 'index.lock'), '');
  await checkoutWorktree(a.dir, work, a.commits[1]);
  t.equal(await head(work), a.commits[1], "an interrupted checkout's lock does not block the next");
  const before = snapshot(b.dir);
  await checkoutWorktree(b.dir, work, b.commits[2]);
  t.equal(
    gitIn(work, 'rev-parse', '--path-format=absolute', '--git-common-dir'),
    gitIn(b.dir, 'rev-parse', '--path-format=absolute', '--git-common-dir'),
    'now a worktree of the other repository',
  );
  t.same(snapshot(b.dir), before);
});
