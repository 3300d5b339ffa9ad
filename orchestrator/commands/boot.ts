import type { CommandModule } from 'yargs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qemuArgs } from '../core/machine.js';
import { shellJoin } from '../core/shell.js';
import { onInterrupt, trackDir } from '../adapters/lifecycle.js';
import { QEMU } from '../adapters/qemu.js';
import { Phases, prepare } from '../run/pipeline.js';
import { Session } from '../run/session.js';
import { kernelOptions, log, type KernelArgs } from './common.js';

interface Args extends KernelArgs {
  dryRun: boolean;
}

export const bootCommand: CommandModule<object, Args> = {
  command: 'boot',
  describe: 'boot a guest and print the ssh command to reach it; Ctrl-C stops it',
  builder: (y) => kernelOptions(y).option('dry-run', { type: 'boolean', default: false, describe: 'print the QEMU command line and stop' }) as never,
  handler: async (args) => {
    const p = await prepare({ ...args, log }, new Phases());
    log(`accel: ${p.accel.accel} (${p.accel.reason})`);
    if (args.dryRun) {
      const argv = qemuArgs({ profile: p.profile, accel: p.accel.accel, kernel: p.kernel.boot, initrd: p.initramfs.path,
        rootImage: p.image.path, nvdimmFiles: p.profile.nvdimms.map((nv) => `${nv.id}.img`),
        diskFiles: (p.profile.disks ?? []).map((d) => `${d.id}.img`), sshPort: 10022,
        extraCmdline: args.append });
      process.stdout.write(`${shellJoin([QEMU, ...argv])}\n`);
      log('(the real boot appends a per-run archive with SSH keys to the initrd and creates the NVDIMM and disk files)');
      return;
    }
    const workDir = trackDir(mkdtempSync(join(tmpdir(), 'orchestrate-boot-')));
    const session = await Session.boot({ kernel: p.kernel, profile: p.profile, accel: p.accel, rootImage: p.image.path,
      initramfs: p.initramfs, workDir, consolePath: join(workDir, 'console.log'), extraCmdline: args.append });
    log(`guest up in ${session.qemu.seconds.toFixed(1)} s; console: ${join(workDir, 'console.log')}; Ctrl-C stops it`);
    process.stdout.write(`${session.sshCommand(workDir)}\n`);
    await new Promise<void>((resolve) => {
      onInterrupt(() => resolve());
      void session.qemu.exited.then(() => resolve());
    });
    await session.close();
  },
};
