// Options and output shared by the commands that boot and test.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { resolve } from 'node:path';
import { renderTap, renderText } from '../core/render.js';
import { onlyUntested, type RunResult } from '../core/results.js';
import { parseKernelSpec, type KernelSpec } from '../core/kernel-spec.js';
import { parseShard, type Shard } from '../core/shard.js';
import { UsageError } from '../errors.js';
import { writeJson } from '../adapters/store.js';
import { runTests, type RunOptions } from '../engine/pipeline.js';
import { buildKernel, isBuilt, type BuildOutcome } from '../engine/build.js';
import { loadSeries } from '../workflows/series.js';

export interface KernelArgs {
  kernel?: KernelSpec;
  modules?: string;
  accel: 'auto' | 'kvm' | 'tcg';
  install: boolean;
  append?: string[];
  bootTimeout?: number;
  stallTimeout?: number;
}

export interface TestRunArgs extends KernelArgs {
  results: string;
  json?: string;
  tap: boolean;
  known: boolean;
  allowNothingTested: boolean;
  snapshot?: boolean;
}

export function kernelOptions<T>(y: Argv<T>) {
  return machineOptions(
    y
      .option('kernel', {
        type: 'string',
        coerce: parseKernelSpec,
        describe: 'debian[:VERSION] (default: newest Debian 6.1), a kernel id, or a bzImage/vmlinux path',
      })
      .option('modules', { type: 'string', describe: 'with --kernel PATH: its /lib/modules/RELEASE directory' }),
  );
}

/** How guests are booted, whatever the kernel. */
export function machineOptions<T>(y: Argv<T>) {
  return y
    .option('accel', {
      choices: ['auto', 'kvm', 'tcg'] as const,
      default: 'auto' as const,
      describe: 'auto: KVM only if a probe boot proves it works',
    })
    .option('install', { type: 'boolean', default: true, describe: 'install missing host packages with apt (as root)' })
    .option('append', { type: 'string', array: true, describe: 'extra kernel command-line arguments' })
    .option('boot-timeout', {
      type: 'number',
      describe: 'seconds from QEMU start to SSH before the boot is an ERROR (profile: 120)',
    })
    .option('stall-timeout', {
      type: 'number',
      describe: 'seconds of console silence before sshd that count as a hung boot, booted again once (profile: 30)',
    });
}

/** --[no-]snapshot: for the commands whose runs go through the pipeline (engine/lab). Unset: saved on a second boot. */
export function snapshotOption<T>(y: Argv<T>) {
  return y.option('snapshot', {
    type: 'boolean',
    describe:
      'restore the saved guest of this kernel and setup when there is one (one-guest runs; default); ' +
      'a guest is saved on its second cold boot, with --snapshot on its first; --no-snapshot: always boot cold',
  });
}

export function testRunOptions<T>(y: Argv<T>) {
  return snapshotOption(kernelOptions(y))
    .option('results', { type: 'string', default: 'results', describe: 'results/<run-id>/ goes here' })
    .option('json', { type: 'string', describe: 'also write results.json to this file' })
    .option('tap', { type: 'boolean', default: false, describe: 'print TAP instead of the table' })
    .option('known', {
      type: 'boolean',
      default: true,
      describe: 'apply the known-bug records (configs/known); --no-known: raw verdicts',
    })
    .option('allow-nothing-tested', {
      type: 'boolean',
      default: false,
      describe: 'a run (or matrix) whose every case SKIPs exits 0, not 1 (for scripts that expect skips)',
    });
}

export const log = (line: string) => process.stderr.write(`${line}\n`);

/** --shard I/N, checked where it is read. */
export function shardOption(text: string): Shard {
  const shard = parseShard(text);
  if (!shard) throw new UsageError(`--shard ${text}: want I/N with 1 <= I <= N (e.g. 2/4)`);
  return shard;
}

/** Runs TESTS (ASKED's shard when given), prints the table (or TAP); the result and the exit code it calls for. */
export async function runAndReport(
  args: TestRunArgs,
  tests: string[],
  asked?: RunOptions['asked'],
): Promise<{ result: RunResult; code: number }> {
  const { result, dir } = await runTests({
    ...args,
    asked,
    tests,
    resultsDir: args.results,
    noKnown: !args.known,
    log,
  });
  if (args.json) writeJson(resolve(args.json), result);
  process.stdout.write(`${args.tap ? renderTap(result) : renderText(result)}\n`);
  log(`results: ${dir}`);
  const untested = !result.passed && onlyUntested(result);
  if (untested)
    log(args.allowNothingTested ? 'nothing was tested (allowed)' : 'nothing was tested: every case SKIPped');
  return { result, code: result.passed || (untested && args.allowNothingTested) ? 0 : 1 };
}

export interface BuildArgs {
  tree: string;
  ref?: string;
  series?: string;
  config?: string[];
  ccache: boolean;
  force: boolean;
}

const TREE = 'a kernel git tree (never modified: we build in a worktree of it)';

/** --tree (required) and what to build of it. */
export function buildOptions<T>(y: Argv<T>) {
  return buildFlags(y.option('tree', { type: 'string', demandOption: true, describe: TREE }));
}

/** --tree when a command can also do without one (run takes --kernel instead). */
export function optionalBuildOptions<T>(y: Argv<T>) {
  return buildFlags(y.option('tree', { type: 'string', describe: TREE }));
}

function buildFlags<T>(y: Argv<T>) {
  return y
    .option('ref', { type: 'string', describe: "commit to build (default: the series' base-commit, else HEAD)" })
    .option('series', {
      type: 'string',
      describe: 'patches to apply: an mbox, a directory of .patch files, or a git range A..B',
    })
    .option('config', {
      type: 'string',
      array: true,
      describe: 'extra fragments after base and dax-rdma: a name in configs/kernel/ or a path',
    })
    .option('ccache', { type: 'boolean', default: true, describe: 'compile through ccache' })
    .option('force', { type: 'boolean', default: false, describe: 'build even when the store has these inputs' });
}

/** Builds (or finds) the kernel the options describe. */
export async function buildFromArgs(args: BuildArgs): Promise<BuildOutcome> {
  const series = args.series ? await loadSeries(args.series, args.tree, log) : undefined;
  return buildKernel({
    tree: args.tree,
    ref: args.ref,
    series,
    configs: args.config,
    ccache: args.ccache,
    force: args.force,
    log,
  });
}

/** One line per outcome, the first compiler errors under a failure. */
export function describeOutcome(o: BuildOutcome): string {
  if (isBuilt(o)) return `${o.kind} ${o.id} (${o.kernel.release}) in ${o.seconds} s`;
  const details = o.kind === 'BUILD-FAIL' ? o.details.map((l) => `\n  ${l}`).join('') : '';
  const log = o.log ? `\n  log: ${o.log}` : '';
  return `${o.kind}: ${o.reason}${o.cached ? ' (known from an earlier build of the same inputs; --force to retry)' : ''}${details}${log}`;
}

/** A command whose handler's arguments are the types its builder's options declare (yargs infers them). */
export function command<U>(m: {
  command: string;
  aliases?: string[];
  describe: string;
  builder: (y: Argv) => Argv<U>;
  handler: (args: ArgumentsCamelCase<U>) => Promise<void> | void;
}): CommandModule<object, U> {
  return m;
}
