import type { CommandModule } from 'yargs';
import { loadExpectations } from '../adapters/config.js';
import { SUITES } from '../suites/index.js';

function lines(): string[] {
  return SUITES.flatMap((suite) => {
    const expectations = loadExpectations(suite);
    return [
      `${suite.name}: ${suite.summary}`,
      `  needs: ${suite.needs.join(', ')}`,
      ...suite.cases.flatMap((c) => [
        `  ${suite.name}/${c.name}: ${c.summary}`,
        `    needs: ${c.needs.join(', ')}`,
        ...expectations.cases[c.name].map((r) => `    kernels ${r.kernels}: ${JSON.stringify(r.expect)}${r.why ? ` (${r.why})` : ''}`),
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
