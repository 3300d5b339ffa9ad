// Each device's one description (core/devices) against what else must agree with it: our config
// fragments set its options, the machine profile loads its modules, its guest script exists.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEVICES, NVDIMM, SHARE } from '../../orchestrator/core/devices.js';
import { mergeFragments } from '../../orchestrator/core/kconfig.js';
import { loadProfile } from '../../orchestrator/adapters/config.js';
import { loadFragments } from '../../orchestrator/engine/build.js';
import { guestDir } from '../../orchestrator/paths.js';

t.test('our default fragments build every device in', async (t) => {
  const merged = mergeFragments(loadFragments());
  for (const [name, device] of Object.entries(DEVICES)) {
    for (const option of device.config) t.equal(merged.get(option)?.value, 'y', `${name}: CONFIG_${option}=y`);
  }
});

t.test(
  'the profile loads the modules of the devices every guest has; share modules are loaded when asked',
  async (t) => {
    const late = loadProfile().modules.late;
    for (const m of [...NVDIMM.modules, ...DEVICES.rxe.modules]) t.ok(late.includes(m), `late modules hold ${m}`);
    for (const m of SHARE.modules) t.notOk(late.includes(m), `${m}: only for run --share`);
  },
);

t.test('each device has its guest script', async (t) => {
  for (const device of Object.values(DEVICES)) t.ok(existsSync(join(guestDir, 'setup', device.setup)), device.setup);
});

t.test('QEMU arguments: a comma in a path is doubled, one backend and device per NVDIMM', async (t) => {
  t.same(SHARE.qemuArgs('/tmp/a,b'), [
    '-fsdev',
    'local,id=share0,path=/tmp/a,,b,security_model=passthrough,multidevs=remap',
    '-device',
    'virtio-9p-pci,fsdev=share0,mount_tag=share0',
  ]);
  const args = NVDIMM.qemuArgs(
    [
      { id: 'nv0', size: '1G', labelSize: '128K' },
      { id: 'nv1', size: '2G', labelSize: '128K' },
    ],
    ['/x/0.img', '/x/1.img'],
  );
  t.equal(args.filter((a) => a === '-device').length, 2);
  t.match(args[1], /^memory-backend-file,id=nv0-mem,share=on,mem-path=\/x\/0\.img,size=1G$/);
});
