// git, read-only on the user's tree: rev-parse, log, format-patch. Builds happen in a detached
// worktree of ours, where `git am` applies series; the user's checkout and branches are never touched.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ToolError, UsageError } from '../errors.js';
import { exec, type ExecResult } from './exec.js';

/** Fixed identities and dates, so the same series on the same commit gives the same commits. */
const ENV = {
  ...process.env,
  GIT_COMMITTER_NAME: 'orchestrate',
  GIT_COMMITTER_EMAIL: 'orchestrate@localhost',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

/** A git command in DIR; with { check: false } a failure is returned, not thrown. */
function git(dir: string, args: string[], o: { check?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return exec(['git', '-C', dir, ...args], { env: o.env ?? ENV, check: o.check ?? true });
}

const tryGit = (dir: string, args: string[]) => git(dir, args, { check: false });

async function out(dir: string, args: string[]): Promise<string> {
  return (await git(dir, args)).stdout.trim();
}

/** The top of a git work tree, or one clear error. */
export async function repoTop(dir: string): Promise<string> {
  const path = resolve(dir);
  if (!existsSync(path)) throw new UsageError(`--tree ${dir}: no such directory`);
  const r = await tryGit(path, ['rev-parse', '--show-toplevel']);
  if (r.code !== 0) throw new UsageError(`--tree ${dir}: not a git repository`);
  return r.stdout.trim();
}

/** Full hash of the commit REV names, or undefined when the tree has no such commit. */
export async function tryResolveRev(dir: string, rev: string): Promise<string | undefined> {
  if (rev.startsWith('-')) throw new UsageError(`bad revision "${rev}"`);
  const r = await tryGit(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The files git tracks in the work tree at DIR (their working-tree paths, absolute); undefined: not a git tree. */
export async function trackedFiles(dir: string): Promise<string[] | undefined> {
  const r = await tryGit(dir, ['ls-files', '-z']);
  return r.code === 0
    ? r.stdout
        .split('\0')
        .filter(Boolean)
        .map((f) => join(dir, f))
    : undefined;
}

/** Are the tracked files at DIR as HEAD has them? */
export async function trackedUnchanged(dir: string): Promise<boolean> {
  const r = await tryGit(dir, ['status', '--porcelain', '--untracked-files=no']);
  return r.code === 0 && !r.stdout.trim();
}

/** The commit a `git archive` tar (uncompressed, in TAR) was made from, when its header says. */
export async function tarCommit(tar: Buffer): Promise<string | undefined> {
  const r = await exec(['git', 'get-tar-commit-id'], { input: tar.subarray(0, 1024), check: false });
  return r.code === 0 && /^[0-9a-f]{40}$/.test(r.stdout.trim()) ? r.stdout.trim() : undefined;
}

/** Full hash of REV, or a usage error naming it. */
export async function resolveRev(dir: string, rev: string): Promise<string> {
  const found = await tryResolveRev(dir, rev);
  if (!found) throw new UsageError(`unknown revision "${rev}" in ${dir}`);
  return found;
}

/** OLD is an ancestor of (or the same commit as) YOUNG. */
export async function isAncestor(dir: string, old: string, young: string): Promise<boolean> {
  return (await tryGit(dir, ['merge-base', '--is-ancestor', old, young])).code === 0;
}

export interface CommitInfo {
  commit: string;
  subject: string;
  author: string;
  date: string;
}

export async function commitInfo(dir: string, commit: string): Promise<CommitInfo> {
  const [hash, subject, author, date] = (
    await out(dir, ['show', '-s', '--format=%H%n%s%n%an <%ae>%n%aI', commit, '--'])
  ).split('\n');
  return { commit: hash, subject, author, date };
}

export async function describe(dir: string, commit: string): Promise<string> {
  const r = await tryGit(dir, ['describe', '--tags', '--always', commit]);
  return r.code === 0 ? r.stdout.trim() : commit.slice(0, 12);
}

/** The commits of A..B, oldest first; firstParent: along merges only (a line bisect can halve). */
export async function revList(dir: string, range: string, { firstParent = false } = {}): Promise<string[]> {
  const text = await out(dir, [
    'rev-list',
    '--reverse',
    ...(firstParent ? ['--first-parent'] : []),
    '--end-of-options',
    range,
  ]);
  return text ? text.split('\n') : [];
}

/** Files (relative to DIR) under PATHSPEC with a line matching the extended regular expression PATTERN. */
export async function filesMatching(dir: string, pattern: string, pathspec: string): Promise<string[]> {
  const r = await tryGit(dir, ['grep', '-l', '-E', pattern, '--', pathspec]);
  return r.stdout.trim().split('\n').filter(Boolean);
}

/** A new repository in DIR holding all of its files as one commit, tagged TAG; identities and dates fixed. */
export async function importTree(dir: string, message: string, tag: string): Promise<void> {
  const env = {
    ...ENV,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'orchestrate',
    GIT_AUTHOR_EMAIL: 'orchestrate@localhost',
    GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
  };
  for (const args of [
    ['init', '-q', '-b', 'master'],
    ['add', '-A'],
    ['commit', '-q', '-m', message],
    ['tag', tag],
  ]) {
    await git(dir, args, { env });
  }
}

/** A range as the mbox `git format-patch` makes of it. */
export async function formatPatch(dir: string, range: string): Promise<string> {
  return (await git(dir, ['format-patch', '--stdout', '--no-signature', '--end-of-options', range])).stdout;
}

/**
 * Our worktree for DIR's repository at WORK, detached at COMMIT. It is reused across builds: files
 * the checkout does not change keep their mtimes, so `make` rebuilds only what changed.
 */
export async function checkoutWorktree(repo: string, work: string, commit: string): Promise<void> {
  if (existsSync(join(work, '.git')) && (await ours(repo, work))) {
    const gitDir = (await git(work, ['rev-parse', '--absolute-git-dir'])).stdout.trim();
    rmSync(join(gitDir, 'index.lock'), { force: true });
    await tryGit(work, ['am', '--abort']);
    const moved = await tryGit(work, ['checkout', '--detach', '--force', commit]);
    if (moved.code === 0) {
      await git(work, ['clean', '-fdq']);
      return;
    }
  }
  // Missing, broken (an interrupted checkout) or of another repository: start it again.
  rmSync(work, { recursive: true, force: true });
  await git(repo, ['worktree', 'add', '--detach', '--force', work, commit]);
}

/** WORK is a worktree of REPO (the user may have re-cloned the tree at the same path). */
async function ours(repo: string, work: string): Promise<boolean> {
  const dir = async (d: string) =>
    (await tryGit(d, ['rev-parse', '--path-format=absolute', '--git-common-dir'])).stdout.trim();
  const mine = await dir(work);
  return mine !== '' && mine === (await dir(repo));
}

export interface ApplyFailure {
  reason: string;
}

/** `git am --3way` of one message; on failure the am is aborted and git's reason kept. */
export async function applyPatch(work: string, raw: string, scratch: string): Promise<ApplyFailure | undefined> {
  const file = join(scratch, 'patch.mbox');
  writeFileSync(
    file,
    `From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n${raw.endsWith('\n') ? raw : `${raw}\n`}`,
  );
  // The user's signing and hooks are theirs: not for our throwaway commits.
  const r = await exec(
    [
      'git',
      '-c',
      'commit.gpgSign=false',
      '-c',
      'core.hooksPath=/dev/null',
      '-C',
      work,
      'am',
      '--3way',
      '--committer-date-is-author-date',
      '--keep-cr',
      file,
    ],
    { env: ENV, check: false },
  );
  if (r.code === 0) return undefined;
  if (r.signal) throw new ToolError(r.argv, r.signal, 'git am was killed');
  await tryGit(work, ['am', '--abort']);
  const text = `${r.stdout}\n${r.stderr}`;
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(error|fatal|CONFLICT|Patch failed)/.test(l));
  return { reason: (lines.length ? lines : text.trim().split('\n').slice(-3)).join('; ') };
}

export async function head(work: string): Promise<string> {
  return out(work, ['rev-parse', 'HEAD']);
}
