// A results directory that cannot be made: the errno a recursive mkdir hid (Node says ENOENT on a
// read-only parent, nodejs/node#47098) recovered, and one line naming the path and the reason.
import t from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ancestorRefuses,
  asWriteError,
  errorLine,
  exitCodeOf,
  unmasked,
  WriteError,
} from '../../orchestrator/errors.js';
import { tempDir } from '../temp.js';

/** What Node's mkdirSync(path, { recursive: true }) throws under a read-only tmpfs (measured). */
const masked = (path: string) =>
  Object.assign(new Error(`ENOENT: no such file or directory, mkdir '${path}'`), {
    errno: -2,
    code: 'ENOENT',
    syscall: 'mkdir',
    path,
  });
const PATH = '/mnt/ro/results';

t.test('a mkdir ENOENT under a parent that refuses: its real reason', async (t) => {
  for (const [code, reason] of [
    ['EROFS', 'read-only file system'],
    ['EACCES', 'permission denied'],
  ]) {
    const err = asWriteError(masked(PATH), PATH, 'the results', () => code);
    t.ok(err instanceof WriteError, code);
    t.equal(errorLine(err), `error: cannot write the results (${PATH}): ${reason}`);
    t.equal(exitCodeOf(err), 2, 'as for other bad input');
    t.match(
      unmasked(masked(PATH), () => code),
      {
        code,
        syscall: 'mkdir',
        path: PATH,
        message: `${code}: ${reason}, mkdir '${PATH}'`,
      },
    );
  }
});

t.test('an ENOENT the parent does not explain, or not from mkdir, stays as it is', async (t) => {
  const err = masked(PATH);
  t.equal(
    unmasked(err, () => undefined),
    err,
  );
  t.equal(
    unmasked(err, () => 'ENOTDIR'),
    err,
    'not a write refusal',
  );
  t.equal(
    asWriteError(err, PATH, 'the results', () => undefined),
    err,
  );
  const open = Object.assign(new Error('ENOENT'), { code: 'ENOENT', syscall: 'open', path: PATH });
  t.equal(
    unmasked(open, () => 'EROFS'),
    open,
  );
  const full = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', syscall: 'mkdir', path: PATH });
  t.equal(
    errorLine(asWriteError(full, PATH, 'the results', () => 'EROFS')),
    `error: cannot write the results (${PATH}): no space left on device`,
    'a real errno kept',
  );
});

t.test('ancestorRefuses: the nearest existing directory above, asked for write access', async (t) => {
  const dir = tempDir('orchestrate-refuses-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.equal(ancestorRefuses(join(dir, 'a', 'b', 'results')), undefined, 'a writable temp dir');
  t.equal(ancestorRefuses(join(dir, 'results')), undefined);
});
