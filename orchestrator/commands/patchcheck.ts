import { suiteFragments } from '../suites/index.js';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { conclude, renderConclusion, renderSteps } from '../core/patchcheck.js';
import { writeJson } from '../adapters/store.js';
import { patchcheck } from '../workflows/patchcheck.js';
import { qemuTester } from '../engine/tester.js';
import { loadSeries } from '../workflows/series.js';
import { command, buildOptions, log, testRunOptions } from './common.js';

export const patchcheckCommand = command({
  command: 'patchcheck',
  describe: 'apply a series one patch at a time; build, boot and test each; name the first patch that breaks',
  builder: (y) =>
    buildOptions(testRunOptions(y))
      .option('base', {
        type: 'string',
        describe: 'the commit the series applies to (default: its base-commit, else HEAD)',
      })
      .option('test', {
        type: 'string',
        array: true,
        default: ['ib-reg-refusal'],
        describe: 'tests to run on each step',
      })
      .option('keep-going', {
        type: 'boolean',
        default: false,
        describe: 'test every patch, not just up to the first breakage',
      }),
  handler: async (args) => {
    if (!args.series) throw new UsageError('patchcheck needs --series');
    if (args.ref && args.base) throw new UsageError('give --base or --ref, not both');
    const series = await loadSeries(args.series, args.tree, log);
    const steps = await patchcheck(
      {
        ...args,
        ref: args.base ?? args.ref,
        series,
        configs: [...(args.config ?? []), ...suiteFragments(args.test)],
        tests: args.test,
        resultsDir: args.results,
        log,
      },
      qemuTester,
    );
    const found = conclude(steps);
    const firstBreaking =
      found.kind === 'breaks'
        ? { step: found.step, newlyFailing: found.newlyFailing }
        : found.kind === 'stops-running'
          ? { step: found.step, newlyFailing: [], untested: found.untested }
          : null;
    if (args.json)
      writeJson(resolve(args.json), {
        series: { id: series.id, version: series.version, total: series.total },
        steps,
        conclusion: found.kind,
        firstBreaking,
      });
    process.stdout.write(`${renderSteps(steps, series.total)}\n${renderConclusion(found, series.total, args.test)}\n`);
    process.exitCode = found.kind === 'none' ? 0 : 1;
  },
});
