// Options and output shared by the commands that boot and test.
import type { Argv } from 'yargs';
import { resolve } from 'node:path';
import { renderTap, renderText } from '../core/render.js';
import { writeJson } from '../adapters/store.js';
import { runTests } from '../run/pipeline.js';

export interface KernelArgs {
  kernel?: string;
  modules?: string;
  accel: 'auto' | 'kvm' | 'tcg';
  install: boolean;
  append?: string[];
  bootTimeout?: number;
}

export interface TestRunArgs extends KernelArgs {
  results: string;
  json?: string;
  tap: boolean;
}

export function kernelOptions<T>(y: Argv<T>) {
  return y
    .option('kernel', { type: 'string', describe: 'debian[:VERSION] (default: newest Debian 6.1), a kernel id, or a bzImage/vmlinux path' })
    .option('modules', { type: 'string', describe: 'with --kernel PATH: its /lib/modules/RELEASE directory' })
    .option('accel', { choices: ['auto', 'kvm', 'tcg'] as const, default: 'auto' as const, describe: 'auto: KVM only if a probe boot proves it works' })
    .option('install', { type: 'boolean', default: true, describe: 'install missing host packages with apt (as root)' })
    .option('append', { type: 'string', array: true, describe: 'extra kernel command-line arguments' })
    .option('boot-timeout', { type: 'number', describe: 'seconds from QEMU start to SSH before the boot is an ERROR (profile: 120)' });
}

export function testRunOptions<T>(y: Argv<T>) {
  return kernelOptions(y)
    .option('results', { type: 'string', default: 'results', describe: 'results/<run-id>/ goes here' })
    .option('json', { type: 'string', describe: 'also write results.json to this file' })
    .option('tap', { type: 'boolean', default: false, describe: 'print TAP instead of the table' });
}

export const log = (line: string) => process.stderr.write(`${line}\n`);

export async function runAndReport(args: TestRunArgs, tests: string[]): Promise<void> {
  const { result, dir } = await runTests({
    ...args, tests, resultsDir: args.results, log,
  });
  if (args.json) writeJson(resolve(args.json), result);
  process.stdout.write(`${args.tap ? renderTap(result) : renderText(result)}\n`);
  log(`results: ${dir}`);
  process.exitCode = result.passed ? 0 : 1;
}
