// A results directory on a full or read-only file system (a tiny tmpfs here): one line naming the
// path and what was being written, no stack trace, no QEMU left, and the results written before
// stay whole.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { finished, qemuGone, runCli, scratch, startCli, waitForOutput } from '../cli.js';
import { tempDir } from '../temp.js';

const mnt = tempDir('orchestrate-full-');
const results = join(mnt, 'results');
const filler = join(mnt, 'filler');
const { dir: marker, env } = scratch('orchestrate-diskfull-');
const args = ['run', '--test', 'ib-reg-refusal/anon', '--results', results];

function mount(...opts: string[]): void {
  const r = spawnSync('mount', opts, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount ${opts.join(' ')}: ${r.stderr}`);
}

/** Writes FILLER until the file system has no room left. */
function fill(): void {
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}

const mountable = process.getuid?.() === 0;
if (mountable) {
  mount('-t', 'tmpfs', '-o', 'size=2m', 'orchestrate-full', mnt);
  t.teardown(() => {
    spawnSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
}

t.test('a full results directory', { skip: !mountable && 'needs root to mount a tmpfs' }, async (t) => {
  const first = await runCli(args, env);
  t.equal(first.code, 0, first.stderr.slice(-1500));
  const [kept] = readdirSync(results);

  fill();
  const before = await runCli(args, env);
  t.equal(before.code, 2);
  t.equal(lastLine(before.stderr), `error: cannot write the results (${results}): no space left on device`);
  t.notMatch(before.stderr, /booting/, 'checked before anything boots');

  rmSync(filler);
  const child = startCli(args, env);
  const done = finished(child);
  await waitForOutput(child, /booting /, 120_000);
  fill();
  const during = await done;
  t.equal(during.code, 2, during.stderr.slice(-1500));
  t.match(
    lastLine(during.stderr),
    new RegExp(`^error: cannot write [a-z. ]+ \\(${results}/[^)]+\\): no space left on device$`),
  );
  t.notMatch(during.stderr, /^\s+at /m, 'no stack trace');
  t.same(await qemuGone(marker), [], 'QEMU stopped');
  t.same(
    JSON.parse(readFileSync(join(results, kept, 'results.json'), 'utf8')).passed,
    true,
    'the earlier results stay whole',
  );
  t.same(
    readdirSync(results)
      .flatMap((d) => readdirSync(join(results, d)))
      .filter((f) => f.endsWith('.tmp')),
    [],
    'no half-written file left',
  );
  rmSync(filler);
});

t.test(
  'a cache or kernel store without room for an image or a kernel',
  { skip: !mountable && 'needs root to mount a tmpfs' },
  async (t) => {
    const image = await runCli(['image', '--rebuild'], { ...env, ORCHESTRATE_CACHE: join(mnt, 'cache') });
    t.equal(image.code, 2);
    t.match(
      lastLine(image.stderr),
      new RegExp(
        `^error: cannot write the guest image \\(${mnt}/cache/images\\): no space left on device \\(\\d+ MiB free, about 1024 MiB needed\\)$`,
      ),
    );
    const kernel = await runCli(['kernel', 'fetch', 'debian:6.1'], {
      ...env,
      ORCHESTRATE_KERNELS: join(mnt, 'kernels'),
    });
    t.equal(kernel.code, 2, kernel.stderr);
    t.match(
      lastLine(kernel.stderr),
      new RegExp(
        `^error: cannot write the kernel linux-image-6\\.1\\.0-\\d+-amd64 [^ ]+ \\(${mnt}/kernels\\): no space left on device \\(`,
      ),
    );
  },
);

t.test('a read-only results directory', { skip: !mountable && 'needs root to mount a tmpfs' }, async (t) => {
  mount('-o', 'remount,ro', mnt);
  const r = await runCli(args, env);
  t.equal(r.code, 2);
  t.equal(lastLine(r.stderr), `error: cannot write the results (${results}): read-only file system`);
  t.notMatch(r.stderr, /booting/, 'checked before anything boots');
  t.same(await qemuGone(marker), []);
  // Node's recursive mkdir says ENOENT for a directory it cannot make there (nodejs/node#47098).
  const fresh = join(mnt, 'new', 'results');
  const made = await runCli(['run', '--test', 'ib-reg-refusal/anon', '--results', fresh], env);
  t.equal(made.code, 2, made.stderr);
  t.equal(lastLine(made.stderr), `error: cannot write the results (${fresh}): read-only file system`);
  t.notMatch(made.stderr, /^\s+at /m, 'no stack trace');
});
