// The qemu and ssh adapters against the real tools: boot the default kernel, then exec with
// streamed output and timeouts, upload, and refuse a guest whose host key is not the pinned one.
import t from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, generateRunKeys, SshError } from '../../orchestrator/adapters/ssh.js';
import { Phases, prepare } from '../../orchestrator/engine/pipeline.js';
import { Session } from '../../orchestrator/engine/session.js';
import { tempDir } from '../temp.js';

const p = await prepare({ accel: 'auto', install: true, log: () => {} }, new Phases());
const workDir = tempDir('orchestrate-session-');
const session = await Session.boot({
  kernel: p.kernel,
  profile: p.profile,
  accel: p.accel,
  rootImage: p.image.path,
  initramfs: p.initramfs,
  workDir,
  consolePath: join(workDir, 'console.log'),
});
await session.uploadGuestFiles([]);
const modules = await session.waitForModules(60);
t.teardown(async () => {
  await session.close();
  rmSync(workDir, { recursive: true, force: true });
});

t.test('exec: exit codes, stdout and stderr, streamed', async (t) => {
  const chunks: string[] = [];
  const r = await session.conn.exec(['sh', '-c', 'echo out; echo err >&2; exit 3'], {
    onStdout: (c) => chunks.push(c.toString()),
  });
  t.equal(r.code, 3);
  t.equal(r.stdout, 'out\n');
  t.equal(r.stderr, 'err\n');
  t.same(chunks.join(''), 'out\n');
  const q = await session.conn.exec(['printf', '%s|', "it's", 'a b', '$(reboot)']);
  t.equal(q.stdout, "it's|a b|$(reboot)|", 'arguments arrive verbatim, never interpreted by the guest shell');
});

t.test('exec: a command past its timeout is killed, its process group with it', async (t) => {
  const r = await session.exec(['sh', '-c', 'sleep 31 & sleep 32; wait'], 1);
  t.equal(r.code, 143, 'TERM reached it');
  t.ok(r.timedOut);
  t.ok(r.seconds < 2.5, `the channel closed at TERM (${r.seconds.toFixed(1)} s): the background sleep went too`);
  const left = await session.exec(['sh', '-c', 'pgrep -f "^sleep 3[12]" || true']);
  t.equal(left.stdout, '', 'nothing it started is left');
});

t.test('upload lands with its mode', async (t) => {
  const local = join(workDir, 'hello.sh');
  writeFileSync(local, '#!/bin/sh\necho uploaded "$1"\n');
  await session.conn.upload(local, '/tmp/hello.sh', 0o755);
  t.equal((await session.conn.exec(['/tmp/hello.sh', 'ok'])).stdout, 'uploaded ok\n');
});

t.test('the guest is what the profile asked for', async (t) => {
  const r = await session.conn.exec([
    'sh',
    '-c',
    'uname -r; ls /sys/bus/nd/devices | grep -c ^region; ip -4 -o addr show eth0',
  ]);
  const [release, regions, addr] = r.stdout.trim().split('\n');
  t.equal(release, p.kernel.release);
  t.equal(Number(regions), p.profile.nvdimms.length, 'one NVDIMM region per profile NVDIMM');
  t.match(addr, /inet 10\.0\.2\.15\/24/);
});

t.test('a host key other than the pinned one is refused', async (t) => {
  const wrong = { ...session.keys, host: generateRunKeys().host };
  const attempt = connect({ host: '127.0.0.1', port: session.port, keys: wrong }, Date.now() + 10_000, () => true);
  await t.rejects(attempt, /^guest host key does not match the pinned key/);
  await attempt.catch((err) => t.ok(err instanceof SshError));
});

t.test('the scratch disk under dm-delay is slow, as the truncate races need', async (t) => {
  t.same(modules, { ready: true, detail: '' }, 'the late modules (dm_delay among them) loaded');
  const made = await session.exec(['/run/orchestrate/guest/setup/slow-disk.sh', '/dev/vdb', '400', 'slow']);
  t.equal(made.code, 0, made.stderr);
  t.equal(made.stdout.trim(), 'slowdisk=/dev/mapper/slow');
  const read = await session.exec(['dd', 'if=/dev/mapper/slow', 'of=/dev/null', 'bs=4k', 'count=1', 'iflag=direct']);
  t.equal(read.code, 0, read.stderr);
  t.ok(read.seconds >= 0.4, `an O_DIRECT read waited the delay (${read.seconds.toFixed(2)} s)`);
});

t.test(
  'exec: a command a signal killed exits 128 + its number; what ignores TERM past its time goes at the KILL',
  async (t) => {
    const segv = await session.exec(['sh', '-c', 'kill -SEGV $$']);
    t.equal(segv.code, 139);
    const stubborn = await session.exec(['sh', '-c', 'trap "" TERM; sleep 33'], 1);
    t.equal(stubborn.timedOut, true, `exit ${stubborn.code}, signal ${stubborn.signal}`);
    t.equal(stubborn.code, 143, 'the login shell went at the TERM');
    t.ok(
      stubborn.seconds >= 2.9 && stubborn.seconds < 5,
      `the sleep went at the KILL (${stubborn.seconds.toFixed(1)} s)`,
    );
    const left = await session.exec(['sh', '-c', 'pgrep -f "^sleep 33" || true']);
    t.equal(left.stdout, '', 'nothing it started is left');
  },
);
