// Small real git repositories for tests: a user's tree with a branch, a dirty file and history.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../orchestrator/paths.js';
import { tempDir } from './temp.js';

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'T',
  GIT_AUTHOR_EMAIL: 't@example.org',
  GIT_COMMITTER_NAME: 'T',
  GIT_COMMITTER_EMAIL: 't@example.org',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { env: ENV, encoding: 'utf8' }).trim();
}

export function commitFile(dir: string, file: string, text: string, subject: string): string {
  writeFileSync(join(dir, file), text);
  gitIn(dir, 'add', file);
  gitIn(dir, 'commit', '-q', '-m', subject);
  return gitIn(dir, 'rev-parse', 'HEAD');
}

/** A repo with three commits on master and a user branch `work` checked out, with an uncommitted edit. */
export function userRepo(): { dir: string; commits: string[] } {
  const dir = tempDir('orchestrate-repo-');
  gitIn(dir, 'init', '-q', '-b', 'master');
  const commits = [
    commitFile(dir, 'dax.c', 'int a;\nint b;\nint c;\n', 'dax: start'),
    commitFile(dir, 'dax.c', 'int a;\nint b2;\nint c;\n', 'dax: b2'),
    commitFile(dir, 'gup.c', 'int pin;\n', 'gup: pin'),
  ];
  gitIn(dir, 'checkout', '-q', '-b', 'work');
  writeFileSync(join(dir, 'dax.c'), 'int a;\nint b2;\nint c;\n/* user edit */\n');
  return { dir, commits };
}

export function snapshot(dir: string) {
  return {
    head: gitIn(dir, 'rev-parse', 'HEAD'),
    branch: gitIn(dir, 'symbolic-ref', 'HEAD'),
    branches: gitIn(dir, 'for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads', 'refs/tags'),
    status: gitIn(dir, 'status', '--porcelain'),
    stash: gitIn(dir, 'stash', 'list'),
  };
}

/**
 * A clone of BASE (sharing its objects) with the commits of MBOX on top, made once and kept in
 * the cache: fixed identities and dates give the same hashes on every machine.
 */
export function historyTree(base: string, mbox: string, name: string): { dir: string; base: string; tip: string } {
  const head = gitIn(base, 'rev-parse', 'HEAD');
  const dir = sharedClone(
    base,
    `${name}-${head.slice(0, 12)}-${createHash('sha256').update(readFileSync(mbox)).digest('hex').slice(0, 8)}`,
    mbox,
  );
  return { dir, base: head, tip: gitIn(dir, 'rev-parse', 'HEAD') };
}

/** cacheDir/trees/NAME: a clone of BASE sharing its objects (with MBOX applied), made whole or not at all. */
export function sharedClone(base: string, name: string, mbox?: string): string {
  const dir = join(cacheDir(), 'trees', name);
  if (!existsSync(join(dir, '.git'))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    execFileSync('git', ['clone', '-q', '--shared', base, tmp], { env: ENV });
    if (mbox) execFileSync('git', ['-C', tmp, 'am', '-q', '--committer-date-is-author-date', mbox], { env: ENV });
    renameSync(tmp, dir);
  }
  return dir;
}
