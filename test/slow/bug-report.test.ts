// Issue 24's proof: a KNOWN lost-wakeup case from a real run on Debian 6.1 becomes a bug report;
// the report's run-qemu.sh and repro.sh alone (plain QEMU, plain ssh, make; no orchestrate code)
// show the same observation; `orchestrate retest` with the fix says the bug is gone, and that the
// same build without it still shows it. orchestrate only makes the inputs run-qemu.sh is given:
// the run's kernel, its guest image and initramfs (with this test's SSH key).
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { loadProfile } from '../../orchestrator/adapters/config.js';
import { ensureInitramfs, runArchive } from '../../orchestrator/adapters/initramfs.js';
import { ensureImage } from '../../orchestrator/adapters/rootfs.js';
import { generateRunKeys } from '../../orchestrator/adapters/ssh.js';
import { resolveKernel } from '../../orchestrator/engine/kernels.js';
import { cacheDir } from '../../orchestrator/paths.js';
import { runCli } from '../cli.js';
import { onBase, sourceTree } from '../source-tree.js';
import { tempDir } from '../temp.js';

const results = join(cacheDir(), 'slow-results');
const CASE = 'dio-vs-truncate/ext4-truncate';
const work = tempDir('orchestrate-bug-slow-');
const report = join(work, 'report');
t.teardown(() => rmSync(work, { recursive: true, force: true }));

function port(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** What run-qemu.sh is given: the run's kernel, the guest image, its initramfs with our key. */
async function bootInputs(kernelId: string) {
  const kernel = await resolveKernel({ kernel: { kind: 'stored', id: kernelId } });
  const image = await ensureImage();
  const initramfs = await ensureInitramfs(kernel, loadProfile());
  const keys = generateRunKeys();
  const initrd = join(work, 'initrd.cpio');
  const extra = runArchive({
    authorizedKey: keys.client.public,
    hostKey: keys.host.private,
    hostKeyPub: keys.host.public,
  });
  writeFileSync(initrd, Buffer.concat([readFileSync(initramfs.path), extra]));
  const key = join(work, 'id_ed25519');
  writeFileSync(key, keys.client.private, { mode: 0o600 });
  return { KERNEL: kernel.boot, INITRD: initrd, ROOTFS: image.path, key };
}

const ssh = (key: string, p: number, cmd: string, input?: Buffer, timeoutMs = 30_000) =>
  spawnSync(
    'ssh',
    [
      ...['-i', key, '-p', String(p), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
      ...['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', 'root@127.0.0.1', cmd],
    ],
    { input, timeout: timeoutMs, encoding: 'buffer' },
  );

async function reachable(key: string, p: number, qemu: ChildProcess, seconds: number): Promise<boolean> {
  for (const end = Date.now() + seconds * 1000; Date.now() < end && qemu.exitCode === null;) {
    if (ssh(key, p, 'true').status === 0) return true;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return false;
}

let run: RunResult;

t.test('a real run: the lost wakeup, KNOWN on Debian 6.1', async (t) => {
  const json = join(work, 'run.json');
  const r = await runCli(['run', '--kernel', 'debian:6.1', '--test', CASE, '--results', results, '--json', json]);
  t.equal(r.code, 0, r.stderr.slice(-2000));
  run = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  t.equal(run.tests[0].verdict, 'KNOWN');
});

t.test('the report is written from that run', async (t) => {
  const { dir } = await sourceTree();
  const target = join(results, run.run.id, CASE);
  const r = await runCli(['report', '--bug', target, '--out', report, '--tree', dir]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^\[BUG\] 6\.1\.y: fs-DAX truncate waiting for O_DIRECT is never woken/);
  t.match(readFileSync(join(report, 'mail.txt'), 'utf8'), /\nTo: |^To: /);
});

t.test("the report's run-qemu.sh and repro.sh alone show the same observation", async (t) => {
  const repro = join(report, 'repro');
  const inputs = await bootInputs(run.run.kernel.id);
  const made = spawnSync('make', ['-C', repro], { encoding: 'utf8' });
  t.equal(made.status, 0, made.stderr);
  const p = await port();
  const env = {
    ...process.env,
    KERNEL: inputs.KERNEL,
    INITRD: inputs.INITRD,
    ROOTFS: inputs.ROOTFS,
    SSH_PORT: String(p),
  };
  const qemu = spawn('sh', [join(repro, 'run-qemu.sh')], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let console = '';
  qemu.stdout!.on('data', (b) => (console += b));
  qemu.stderr!.on('data', (b) => (console += b));
  try {
    t.ok(await reachable(inputs.key, p, qemu, 240), `the guest answers ssh (console: ${console.slice(-1500)})`);
    const tar = spawnSync('tar', ['-C', repro, '--exclude=work', '-cf', '-', '.']).stdout;
    t.equal(ssh(inputs.key, p, 'mkdir -p repro && tar -C repro -xf -', tar).status, 0, 'repro/ copied in');
    const r = ssh(inputs.key, p, 'sh repro/repro.sh', undefined, 300_000);
    t.equal(r.status, 0, r.stderr.toString());
    const line = r.stdout.toString().trim().split('\n').pop() ?? '';
    const observed = JSON.parse(line) as Record<string, unknown>;
    const bug = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8'));
    t.match(observed, bug.deviates, `the bug's values again: ${line}`);
    t.match(observed, { truncate_waited_for_io: true, new_file_intact: true, dax: true });
    t.ok((observed.kicks as number) >= 1, 'truncate finished only after the watchdog signalled it');
    t.equal(observed.blocks_reused, observed.victim_blocks, 'the new file got every freed block: the race happened');
    ssh(inputs.key, p, 'poweroff -f');
  } finally {
    await Promise.race([new Promise((r) => qemu.once('exit', r)), new Promise((r) => setTimeout(r, 30_000))]);
    if (qemu.exitCode === null) process.kill(-qemu.pid!, 'SIGKILL');
  }
});

t.test('retest with the fix: the bug is gone, and the control still shows it', async (t) => {
  const { dir, head } = await sourceTree();
  const fix = onBase(join('series', 'fix-bio-release-devmap.patch'), head);
  const r = await runCli(['retest', report, '--series', fix, '--tree', dir, '--results', results]);
  t.equal(r.code, 0, r.stdout + r.stderr.slice(-2000));
  t.match(r.stdout, /\nResult: the bug is gone with the patch\.\n/);
  t.match(
    r.stdout.replace(/\s+/g, ' '),
    /without it \(build-[0-9a-f-]+, the control\): reproduces: truncate_woke_by_itself=false again/,
  );
});
