// The orchestrate command line: one file per command under commands/, errors rendered once here.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { errorLine, exitCodeOf, signalExitCode, UsageError } from './errors.js';
import { exitWith, installHandlers, interruptedBy } from './adapters/lifecycle.js';
import { bisectCommand } from './commands/bisect.js';
import { bootCommand } from './commands/boot.js';
import { buildCommand } from './commands/build.js';
import { imageCommand } from './commands/image.js';
import { kernelCommand } from './commands/kernel-fetch.js';
import { kernelsCommand } from './commands/kernels-list.js';
import { nightlyCommand } from './commands/nightly.js';
import { patchcheckCommand } from './commands/patchcheck.js';
import { reportCommand } from './commands/report.js';
import { reproCommand } from './commands/repro.js';
import { retestCommand } from './commands/retest.js';
import { runCommand } from './commands/run.js';
import { setupCommand } from './commands/setup.js';
import { sourceCommand } from './commands/source.js';
import { testsCommand } from './commands/tests-list.js';

export async function main(argv: string[]): Promise<number> {
  installHandlers();
  const debug = argv.includes('--debug');
  try {
    await yargs(argv)
      .scriptName('orchestrate')
      .version(false)
      .parserConfiguration({ 'populate--': true })
      .middleware((argv) => {
        const rest = (argv['--'] as unknown[] | undefined) ?? [];
        if (rest.length && !['run', 'test'].includes(String(argv._[0])))
          throw new UsageError(`${argv._[0]}: takes no command after --`);
      })
      .command(setupCommand)
      .command(imageCommand)
      .command(kernelCommand)
      .command(kernelsCommand)
      .command(sourceCommand)
      .command(buildCommand)
      .command(bootCommand)
      .command(runCommand)
      .command(reproCommand)
      .command(patchcheckCommand)
      .command(bisectCommand)
      .command(nightlyCommand)
      .command(reportCommand)
      .command(retestCommand)
      .command(testsCommand)
      .option('debug', { type: 'boolean', describe: 'show stack traces' })
      .demandCommand(1, 'name a command')
      .strict()
      .fail((msg, err) => {
        // yargs' own errors (a coerce function's message among them) are usage errors.
        throw err && err.name !== 'YError' ? err : new UsageError(err?.message ?? msg);
      })
      .help()
      .parseAsync();
    const signal = interruptedBy();
    if (signal) process.stderr.write(`stopped by ${signal}; QEMU stopped, temp files removed\n`);
    return signal ? signalExitCode(signal) : Number(process.exitCode ?? 0);
  } catch (err) {
    const signal = interruptedBy();
    process.stderr.write(
      signal ? `error: interrupted by ${signal}; QEMU stopped, temp files removed\n` : `${errorLine(err)}\n`,
    );
    if (debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return signal ? signalExitCode(signal) : exitCodeOf(err);
  }
}

export function run(): void {
  exitWith(main(hideBin(process.argv)));
}
