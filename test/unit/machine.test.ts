import t from 'tap';
import { checkProfile, parseSize, qemuArgs, type BootSpec } from '../../orchestrator/core/machine.js';
import { loadProfile } from '../../orchestrator/adapters/config.js';

const profile = loadProfile();
const spec: BootSpec = {
  profile,
  accel: 'tcg',
  kernel: '/k/vmlinux',
  initrd: '/r/initrd.cpio',
  rootImage: '/i/rootfs.ext4',
  nvdimmFiles: ['/r/nvdimm0.img', '/r/nvdimm1.img'],
  diskFiles: ['/r/scratch.img'],
  sshPort: 40022,
};

function after(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1]] : []));
}

t.test('the default profile builds the command line the measured facts call for', async (t) => {
  const argv = qemuArgs(spec);
  t.same(after(argv, '-machine'), ['pc,nvdimm=on']);
  t.same(after(argv, '-m'), ['2G,slots=4,maxmem=8G']);
  t.same(after(argv, '-accel'), ['tcg,thread=multi']);
  t.same(after(argv, '-object'), [
    'memory-backend-file,id=nvdimm0-mem,share=on,mem-path=/r/nvdimm0.img,size=514M',
    'memory-backend-file,id=nvdimm1-mem,share=on,mem-path=/r/nvdimm1.img,size=1026M',
  ]);
  t.same(after(argv, '-device'), [
    'virtio-net-pci,netdev=net0',
    'nvdimm,id=nvdimm0,memdev=nvdimm0-mem,label-size=2M',
    'nvdimm,id=nvdimm1,memdev=nvdimm1-mem,label-size=2M',
  ]);
  t.ok(argv.includes('-no-reboot'), 'a panic (panic=-1) ends QEMU');
  t.same(
    after(argv, '-drive'),
    [
      'file=/i/rootfs.ext4,if=virtio,format=raw,snapshot=on,cache=unsafe',
      'file=/r/scratch.img,if=virtio,format=raw,cache=unsafe',
    ],
    'root with a throwaway overlay, then the scratch disk (vdb)',
  );
  t.match(after(argv, '-append')[0], /^console=ttyS0 printk.devkmsg=on log_buf_len=4M panic=-1 /);
});

t.test('user networking: restricted, forwarded on loopback only', async (t) => {
  const [netdev] = after(qemuArgs(spec), '-netdev');
  t.equal(netdev, 'user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22');
});

t.test('a link to a second guest: UDP between two loopback ports, its own MAC', async (t) => {
  const argv = qemuArgs({ ...spec, link: { mac: '52:54:00:77:00:01', localPort: 41001, remotePort: 41002 } });
  t.same(after(argv, '-netdev'), [
    'user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22',
    'socket,id=net1,udp=127.0.0.1:41002,localaddr=127.0.0.1:41001',
  ]);
  t.ok(after(argv, '-device').includes('virtio-net-pci,netdev=net1,mac=52:54:00:77:00:01'));
  t.equal(after(qemuArgs(spec), '-netdev').length, 1, 'no second NIC without a link');
});

t.test('KVM uses the host CPU', async (t) => {
  const argv = qemuArgs({ ...spec, accel: 'kvm' });
  t.same(after(argv, '-accel'), ['kvm']);
  t.same(after(argv, '-cpu'), ['host']);
});

t.test('a backing file per NVDIMM', async (t) => {
  t.throws(() => qemuArgs({ ...spec, nvdimmFiles: ['/one'] }), /2 NVDIMMs in the profile, 1 backing files/);
  t.throws(() => qemuArgs({ ...spec, diskFiles: [] }), /1 disks in the profile, 0 files/);
});

t.test('profile checks: misaligned regions and missing nvdimm=on', async (t) => {
  t.same(checkProfile(profile), []);
  const bad = { ...profile, machine: 'pc', nvdimms: [{ id: 'nv', size: '512M', labelSize: '128K' }] };
  t.same(checkProfile(bad), ['nv: size - labelSize must be a multiple of 16M', 'machine needs nvdimm=on']);
  t.equal(parseSize('2M'), 2 * 1024 * 1024);
  t.throws(() => parseSize('2MB'));
});

t.test('paths with commas cannot inject QEMU options', async (t) => {
  const argv = qemuArgs({ ...spec, rootImage: '/c,ache/rootfs.ext4,readonly=off', nvdimmFiles: ['/t,mp/a', '/b'] });
  t.equal(
    after(argv, '-drive')[0],
    'file=/c,,ache/rootfs.ext4,,readonly=off,if=virtio,format=raw,snapshot=on,cache=unsafe',
  );
  t.match(after(argv, '-object')[0], /mem-path=\/t,,mp\/a,size=514M$/);
});

t.test('a snapshottable guest: its root on a qcow2 overlay, QMP, vmgenid; a restore waits for its state', async (t) => {
  const snapshot = { rootOverlay: '/r/root.qcow2', qmp: '/r/qmp.sock' };
  const argv = qemuArgs({ ...spec, snapshot });
  t.same(after(argv, '-drive')[0], 'file=/r/root.qcow2,if=virtio,format=qcow2,cache=unsafe', 'no snapshot=on');
  t.same(after(argv, '-qmp'), ['unix:/r/qmp.sock,server=on,wait=off']);
  t.ok(after(argv, '-device').includes('vmgenid,guid=auto'), 'a restored kernel reseeds its RNG');
  t.same(after(argv, '-incoming'), [], 'booting: no incoming state');
  const restore = qemuArgs({ ...spec, snapshot: { ...snapshot, restoring: true } });
  t.same(after(restore, '-incoming'), ['defer'], 'restoring: QEMU waits for the state QMP points it at');
  t.same(after(qemuArgs(spec), '-qmp'), [], 'a plain boot has none of it');
});
