import type { CommandModule } from 'yargs';
import { loadExpectations, loadKnown } from '../adapters/config.js';
import { coversCase } from '../core/known.js';
import { SUITES } from '../suites/index.js';

function lines(): string[] {
  const known = loadKnown();
  return SUITES.flatMap((suite) => {
    const expectations = loadExpectations(suite);
    return [
      `${suite.name}: ${suite.summary}`,
      `  needs: ${suite.needs.join(', ')}`,
      ...suite.cases.flatMap((c) => [
        `  ${suite.name}/${c.name}: ${c.summary}`,
        `    needs: ${c.needs.join(', ')}`,
        ...expectations.cases[c.name].map((r) => `    kernels ${r.kernels}: ${JSON.stringify(r.expect)}${r.why ? ` (${r.why})` : ''}`),
        ...known.filter((r) => coversCase(r, `${suite.name}/${c.name}`))
          .map((r) => `    known bug on ${r.kernels}: ${r.id}, deviates ${JSON.stringify(r.deviates)}: ${r.cause}`),
      ]),
    ];
  });
}

export const testsCommand: CommandModule = {
  command: 'tests <action>',
  describe: 'list the tests, their cases, needs and expectations per kernel version',
  builder: (y) => y.positional('action', { choices: ['list'] as const }),
  handler: () => {
    process.stdout.write(`${lines().join('\n')}\n`);
  },
};
