import { shellJoin } from '../core/shell.js';
import { Lab } from '../engine/lab.js';
import { bootOptions, Phases, prepare } from '../engine/pipeline.js';
import { command, kernelOptions, log } from './common.js';

export const bootCommand = command({
  command: 'boot',
  describe: 'boot a guest and print the ssh command to reach it; Ctrl-C stops it',
  builder: (y) =>
    kernelOptions(y).option('dry-run', {
      type: 'boolean',
      default: false,
      describe: 'print the QEMU command line and stop',
    }),
  handler: async (args) => {
    const p = await prepare({ ...args, log }, new Phases());
    log(`accel: ${p.accel.accel} (${p.accel.reason})`);
    const boot = bootOptions(p, args.append);
    if (args.dryRun) {
      process.stdout.write(`${shellJoin(Lab.plan(boot))}\n`);
      log(
        '(the real boot appends a per-run archive with SSH keys to the initrd and creates the NVDIMM and disk files)',
      );
      return;
    }
    const lab = await Lab.open({ ...boot, log });
    log(`guest up in ${lab.bootSeconds.toFixed(1)} s; console: ${lab.workDir}/console.log; Ctrl-C stops it`);
    process.stdout.write(`${lab.sshCommand()}\n`);
    await lab.stopped();
    await lab.close();
  },
});
