import { suiteFragments } from '../suites/index.js';
import { resolve } from 'node:path';
import { DEFAULTS } from '../core/bisect.js';
import { UsageError } from '../errors.js';
import { bisectJson, renderBisect } from '../core/bisect-report.js';
import { writeJson } from '../adapters/store.js';
import { bisect } from '../workflows/bisect.js';
import { qemuTester } from '../engine/tester.js';
import { command, log, machineOptions, snapshotOption } from './common.js';

export const bisectCommand = command({
  command: 'bisect',
  describe: 'find the commit (or Debian kernel) where a test starts failing, or with --fix passing',
  builder: (y) =>
    snapshotOption(machineOptions(y))
      .option('tree', { type: 'string', describe: 'kernel git tree (never modified: builds happen in a worktree)' })
      .option('good', { type: 'string', describe: 'a revision where the test passes' })
      .option('bad', { type: 'string', describe: 'a revision where it fails' })
      .option('kernels', {
        type: 'string',
        describe: 'instead of --tree: debian:FROM..TO (packaged kernels, no builds)',
      })
      .option('test', { type: 'string', array: true, demandOption: true, describe: 'test or test/case' })
      .option('runs', {
        type: 'number',
        default: DEFAULTS.runs,
        describe: 'runs per commit; more than 1 treats the test as flaky',
      })
      .option('max-runs', {
        type: 'number',
        default: DEFAULTS.maxRuns,
        describe: 'runs per commit at most while a flaky pass is doubtful',
      })
      .option('jobs', {
        type: 'number',
        default: 2,
        describe:
          'with --runs > 1: runs of one kernel at once after its first (which saves the guest the others restore)',
      })
      .option('confidence', {
        type: 'number',
        default: DEFAULTS.confidence,
        describe: 'wanted confidence in the answer, for flaky tests',
      })
      .option('fix', {
        type: 'boolean',
        default: false,
        describe: 'find the first commit where the test passes (--bad is the older end)',
      })
      .option('any-failure', {
        type: 'boolean',
        default: false,
        describe: "count any failure as bad, not only one like the bad end's",
      })
      .option('config', { type: 'string', array: true, describe: 'extra config fragments (as for build)' })
      .option('replay', { type: 'string', describe: 'start from this bisect log' })
      .option('results', { type: 'string', default: 'results', describe: 'run results and the bisect log go here' })
      .option('json', { type: 'string', describe: 'write the answer as JSON here' }),
  handler: async (args) => {
    if (!Number.isInteger(args.jobs) || args.jobs < 1) throw new UsageError('--jobs must be a positive integer');
    const report = await bisect(
      {
        ...args,
        // Several runs of each kernel: its guest is worth saving from the first.
        snapshot: args.snapshot ?? (args.runs > 1 || undefined),
        tests: args.test,
        resultsDir: args.results,
        configs: [...(args.config ?? []), ...suiteFragments(args.test)],
        log,
        options: {
          ...DEFAULTS,
          runs: args.runs,
          maxRuns: Math.max(args.maxRuns, args.runs),
          confidence: args.confidence,
          anyFailure: args.anyFailure,
          jobs: args.jobs,
        },
      },
      qemuTester,
    );
    if (args.json) writeJson(resolve(args.json), bisectJson(report));
    process.stdout.write(`${renderBisect(report)}\n`);
    process.exitCode = report.status === 'found' || report.status === 'range' ? 0 : 1;
  },
});
