// orchestrate run -- CMD: a command in a guest set up as the suites set it up, a host directory
// shared read-write at its own path, CMD's exit status passed through.
import t from 'tap';
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { qemuGone, runCli, scratch } from '../cli.js';
import { tempDir } from '../temp.js';

const share = tempDir('orchestrate-share-');
const results = join(share, 'results');
const { dir: marker, env } = scratch('orchestrate-cmd-');
const script = join(share, 'script.sh');
// With a second argument, it leaves dmesg unrunnable (the root image is a throwaway snapshot).
writeFileSync(
  script,
  [
    '#!/bin/sh',
    'echo "guest $(uname -r) TEST_DEV=$TEST_DEV"',
    'echo written by the guest > "$(dirname "$0")/from-guest.txt"',
    '[ -n "$2" ] && chmod 0 "$(command -v dmesg)"',
    'exit "${1:-0}"',
    '',
  ].join('\n'),
);
chmodSync(script, 0o755);

t.test('a script on the shared directory: its file reaches the host, its exit status is ours (0 and 3)', async (t) => {
  const ok = await runCli(['run', '--setup', 'fsdax', '--share', share, '--results', results, '--', script], env);
  t.equal(ok.code, 0, ok.stderr.slice(-1500));
  t.match(
    ok.stdout,
    /^guest 6\.1\.\S+ TEST_DEV=\/dev\/pmem0$/m,
    'its output streamed; the fs-DAX namespace as TEST_DEV',
  );
  t.equal(readFileSync(join(share, 'from-guest.txt'), 'utf8'), 'written by the guest\n');
  const three = await runCli(
    ['run', '--share', share, '--snapshot', '--results', results, '--', script, '3', 'no-dmesg'],
    env,
  );
  t.equal(three.code, 3, 'kept when the kernel log cannot be read after it');
  t.match(three.stderr, /^snapshot: a shared directory \(virtio-9p\) boots cold$/m, '--snapshot asked: why not, said');
  // 127: dash, root's shell, says so of a command on PATH it may not execute (bash said 126).
  t.match(
    three.stderr,
    /^the guest's kernel log could not be read after the command: dmesg exited 127: .*Permission denied/m,
  );
  t.same(await qemuGone(marker), []);
});

t.test("rdma-core's tests from a shared copy, on the guest's rxe0", async (t) => {
  const copy = join(share, 'rdma-core-tests');
  const take = await runCli(
    ['run', '--share', share, '--results', results, '--', 'cp', '-r', '/usr/share/doc/rdma-core/tests', copy],
    env,
  );
  t.equal(take.code, 0, take.stderr.slice(-1000));
  for (const f of readdirSync(copy).filter((n) => n.endsWith('.gz'))) spawnSync('gunzip', [join(copy, f)]);
  const r = await runCli(
    [
      'run',
      '--setup',
      'rxe',
      '--share',
      share,
      '--results',
      results,
      '--',
      'python3',
      join(copy, 'run_tests.py'),
      '--dev',
      'rxe0',
      '-v',
      '-k',
      'test_device',
    ],
    env,
  );
  t.equal(r.code, 0, r.stderr.slice(-1500));
  t.match(r.stdout + r.stderr, /^Ran \d+ tests in [\d.]+s$/m);
  t.match(
    r.stdout + r.stderr,
    /test_query_device \(tests\.test_device\.DeviceTest\.test_query_device\)\n?[^\n]* \.\.\. ok$/m,
  );
});

t.test('bad input: one line each', async (t) => {
  const r = await runCli(['run', '--setup', 'nvme', '--', 'true'], env);
  t.equal(r.code, 2);
  t.match(r.stderr.trim(), /^error: --setup nvme: want some of fsdax, fsdax2, devdax, rxe$/);
  const both = await runCli(['run', '--test', 'ib-reg-refusal', '--', 'true'], env);
  t.match(both.stderr.trim(), /^error: give --test or a command after --, not both$/);
});
