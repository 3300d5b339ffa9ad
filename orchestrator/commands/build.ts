import { resolve } from 'node:path';
import { writeJson } from '../adapters/store.js';
import { command, buildFromArgs, buildOptions, describeOutcome, log } from './common.js';
import { isBuilt } from '../engine/build.js';

export const buildCommand = command({
  command: 'build',
  describe: 'build a kernel from a git tree (+ a patch series, + config fragments) into the store; prints its id',
  builder: (y) => buildOptions(y).option('json', { type: 'string', describe: 'write the outcome as JSON here' }),
  handler: async (args) => {
    const outcome = await buildFromArgs(args);
    if (args.json) writeJson(resolve(args.json), outcome);
    if (isBuilt(outcome)) {
      log(describeOutcome(outcome));
      process.stdout.write(`${outcome.id}\n`);
    } else {
      process.stdout.write(`${describeOutcome(outcome)}\n`);
      process.exitCode = 1;
    }
  },
});
