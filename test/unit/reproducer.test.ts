// The reproducer a bug report carries, checked without QEMU: run-qemu.sh run against a stub
// qemu-system-x86_64 must pass exactly the recorded command line (host files renamed), repro.sh
// must be the suite's setup and the case's commands with guest/setup's scripts verbatim, and
// the workload's C source must build with the Makefile beside it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { replay, isUnsupported, splitOption } from '../../orchestrator/core/replay.js';
import { makeRule } from '../../orchestrator/core/reproducer.js';
import { guestDir } from '../../orchestrator/paths.js';
import { buildReproducer } from '../../orchestrator/workflows/reproducer.js';
import { dioVsTruncate } from '../../orchestrator/suites/dio-vs-truncate.js';
import { caseOf, DEBIAN_KNOWN, runOf, inputsOf } from '../bug-fixtures.js';
import { tempDir } from '../temp.js';

const run = runOf(DEBIAN_KNOWN);
const argv = run.run.qemu.argv;
const sizes = { scratch: '1G' };

function written(caseName = 'dio-vs-truncate/ext4-truncate'): string {
  const dir = tempDir('repro-test-');
  const r = buildReproducer(run, caseOf(run, caseName), inputsOf(DEBIAN_KNOWN, caseName).kernel);
  for (const [name, text] of r.files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  for (const name of r.executables) chmodSync(join(dir, name), 0o755);
  return dir;
}

/** run-qemu.sh with a qemu-system-x86_64 on PATH that writes its arguments, one per NUL. */
function stubRun(repro: string, env: Record<string, string>): { args: string[]; code: number | null; stderr: string } {
  const bin = join(repro, 'stub-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'qemu-system-x86_64'), '#!/bin/sh\nprintf \'%s\\0\' "$@" > "$ARGS_OUT"\n', { mode: 0o755 });
  for (const f of ['kernel-image', 'initrd-image', 'root,image.ext4']) writeFileSync(join(repro, f), '');
  const out = join(repro, 'args');
  const r = spawnSync('sh', [join(repro, 'run-qemu.sh')], {
    env: { PATH: `${bin}:${process.env.PATH}`, ARGS_OUT: out, ...env },
    encoding: 'utf8',
  });
  const args = r.status === 0 ? readFileSync(out, 'utf8').split('\0').slice(0, -1) : [];
  return { args, code: r.status, stderr: r.stderr };
}

/** The recorded command line with the host's files as run-qemu.sh names them. */
function expected(o: { initrd?: boolean; append?: string } = {}): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const prev = argv[i - 1];
    if (prev === '-initrd' || a === '-initrd') continue;
    if (prev === '-kernel') out.push('kernel-image');
    else if (prev === '-append') out.push(o.append ? `${a} ${o.append}` : a);
    else if (a.includes('snapshot=on')) out.push(a.replace(/file=[^,]*/, 'file=root,,image.ext4'));
    else if (prev === '-drive' || a.startsWith('memory-backend-file'))
      out.push(a.replace(/(file|mem-path)=([^,]*)/, (_, k, p) => `${k}=work/${basename(p)}`));
    else if (a.startsWith('user,')) out.push(a.replace(/127\.0\.0\.1:\d+-/, '127.0.0.1:2222-'));
    else out.push(a);
  }
  if (o.initrd) out.splice(out.indexOf('-append'), 0, '-initrd', 'initrd-image');
  return out;
}

t.test('the command line is replayed with files relative to the script and the knobs as variables', async (t) => {
  const r = replay(argv, sizes);
  t.same(r.defaults, {
    SSH_PORT: '10022',
    ACCEL: 'tcg,thread=multi',
    CPU: 'max',
    KERNEL: 'vmlinux',
    INITRD: 'initrd.cpio',
    ROOTFS: 'rootfs.ext4',
  });
  t.same(r.files, [
    { path: 'work/scratch.img', size: '1G' },
    { path: 'work/nvdimm0.img', size: '514M' },
    { path: 'work/nvdimm1.img', size: '1026M' },
  ]);
  t.same(splitOption('file=a,,b,if=virtio'), ['file=a,,b', 'if=virtio']);
});

t.test("a snapshotted run's command line replays as the cold boot it stands for", async (t) => {
  const snapped = argv.flatMap((a) =>
    a.includes('snapshot=on') ? ['file=/tmp/orchestrate-run-x/root.qcow2,if=virtio,format=qcow2,cache=unsafe'] : [a],
  );
  const restored = [...snapped, '-qmp', 'unix:/tmp/x/qmp.sock,server=on,wait=off', '-incoming', 'exec:cat /c/state'];
  const r = replay(restored, sizes);
  t.same(r, replay(argv, sizes), 'the root overlay as ROOTFS with snapshot=on; no QMP, no incoming state');
});

t.test('what a plain script cannot replay alone is refused, not guessed', async (t) => {
  const refused = (extra: string[], why: RegExp) => {
    try {
      replay([...argv, ...extra], sizes);
      t.fail('replayed');
    } catch (err) {
      t.ok(isUnsupported(err), (err as Error).message);
      t.match((err as Error).message, why);
    }
  };
  refused(['-netdev', 'socket,id=net1,udp=127.0.0.1:1,localaddr=127.0.0.1:2'], /a second guest/);
  refused(['-fsdev', 'local,id=share0,path=/srv/x,security_model=passthrough'], /shared host directory/);
  refused(['-bios', '/usr/share/seabios/bios.bin'], /a host path in -bios/);
  refused(['-drive', 'file=/srv/other.img,if=virtio'], /no size known for the disk other\.img/);
});

t.test('run-qemu.sh passes QEMU exactly the recorded command line, host files renamed', async (t) => {
  const dir = written();
  const repro = join(dir, 'repro');
  const base = { KERNEL: 'kernel-image', INITRD: 'initrd-image', ROOTFS: 'root,image.ext4', SSH_PORT: '2222' };
  const plain = stubRun(repro, base);
  t.equal(plain.code, 0, plain.stderr);
  t.same(plain.args, expected({ initrd: true }));
  t.equal(statSync(join(repro, 'work', 'nvdimm1.img')).size, 1026 * 2 ** 20, 'the NVDIMM files are made at their size');
  t.equal(statSync(join(repro, 'work', 'scratch.img')).size, 2 ** 30);
  const debianStyle = stubRun(repro, { ...base, INITRD: 'none', APPEND: 'root=/dev/vda rw' });
  t.same(debianStyle.args, expected({ append: 'root=/dev/vda rw' }), 'INITRD=none drops -initrd; APPEND is added');
  const kvm = stubRun(repro, { ...base, ACCEL: 'kvm', CPU: 'host' });
  t.equal(kvm.args[kvm.args.indexOf('-accel') + 1], 'kvm');
  t.equal(kvm.args[kvm.args.indexOf('-cpu') + 1], 'host');
  const missing = stubRun(repro, { ...base, KERNEL: 'nope' });
  t.equal(missing.code, 2);
  t.match(missing.stderr, /run-qemu\.sh: nope: no such file \(see README\)/);
  rmSync(dir, { recursive: true, force: true });
});

t.test("repro.sh is the suite's setup and the case's commands, guest/setup's scripts verbatim", async (t) => {
  const dir = written('dio-vs-truncate/xfs-punch');
  const script = readFileSync(join(dir, 'repro', 'repro.sh'), 'utf8');
  for (const sh of ['sh', 'bash']) t.equal(spawnSync(sh, ['-n', join(dir, 'repro', 'repro.sh')]).status, 0, `${sh} -n`);
  for (const name of ['namespace.sh', 'slow-disk.sh', 'dax-mount.sh']) {
    const body = readFileSync(join(guestDir, 'setup', name), 'utf8')
      .replace(/^#!.*\n/, '')
      .trimEnd();
    t.ok(script.includes(`${name.replace(/[.-]/g, '_')}() (\n${body}\n)`), `${name} inlined verbatim`);
  }
  const steps = script.split('\n').filter((l) => l.startsWith('step '));
  t.same(steps, [
    "step 'namespace.sh namespace0.0 fsdax fsdax'",
    "step 'slow-disk.sh /dev/vdb 1000 slow'",
    "step 'dax-mount.sh xfs $fsdax /mnt/race-xfs fillable'",
    "step 'dio-vs-truncate punch /mnt/race-xfs/victim $slowdisk /mnt/race-xfs/new 1048576'",
    "step 'umount /mnt/race-xfs'",
  ]);
  const c = dioVsTruncate.cases.find((x) => x.name === 'xfs-punch')!;
  const workload = c.run({ fsdax: '/dev/pmem0', slowdisk: '/dev/mapper/slow' })[1];
  t.match(
    script,
    '\ntimeout --kill-after=2 60 "$here/dio-vs-truncate" punch /mnt/race-xfs/victim "$slowdisk" /mnt/race-xfs/new 1048576\n',
  );
  t.equal(workload.timeoutSeconds, 60, 'the case gives the workload 60 s, as repro.sh does');
  t.match(script, 'for m in nfit nd_pmem dax_pmem device_dax dm_delay xfs; do', "the modules the case's needs name");
  t.notMatch(script, /\/run\/orchestrate/, "nothing of orchestrate's guest layout");
  rmSync(dir, { recursive: true, force: true });
});

t.test("the workload builds from the report's C source alone", async (t) => {
  const rules = ['ib-reg', 'uring-pin', 'rdma-loop', 'rdma-pair', 'dio-vs-truncate', 'marks'].map((w) =>
    makeRule(readFileSync(join(guestDir, 'workloads', 'Makefile'), 'utf8'), w),
  );
  t.ok(rules.every(Boolean), 'a rule for every workload');
  t.same(rules[4]?.prerequisites, ['dio-vs-truncate.c', 'map.c', 'map.h', 'blocks.c', 'blocks.h']);
  const dir = written();
  const r = spawnSync('make', ['-s', '-C', join(dir, 'repro')], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.ok(statSync(join(dir, 'repro', 'dio-vs-truncate')).mode & 0o111, 'dio-vs-truncate built');
  rmSync(dir, { recursive: true, force: true });
});
