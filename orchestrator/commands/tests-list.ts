import type { CommandModule } from 'yargs';
import { loadExpectations, loadKnown } from '../adapters/config.js';
import type { ExpectationFile, ExpectationRule } from '../core/expectations.js';
import { coversCase, type KnownRecord } from '../core/known.js';
import { SUITES } from '../suites/index.js';
import { isExternal, type ExternalSuite, type TestSuite } from '../suites/suite.js';

function knownLines(known: KnownRecord[], name: string): string[] {
  return known
    .filter((r) => coversCase(r, name))
    .map((r) => `    known bug on ${r.kernels}: ${r.id}, deviates ${JSON.stringify(r.deviates)}: ${r.cause}`);
}

function ruleLines(rules: ExpectationFile['cases'][string]): string[] {
  const said = (r: ExpectationRule) =>
    r.skip
      ? `SKIP${r.when ? ` when ${JSON.stringify(r.when)}` : ''} (${r.skip})`
      : `${JSON.stringify(r.expect)}${r.why ? ` (${r.why})` : ''}`;
  return rules.map((r) => `    kernels ${r.kernels}: ${said(r)}`);
}

function ours(suite: TestSuite, known: KnownRecord[]): string[] {
  const expectations = loadExpectations(suite);
  return suite.cases.flatMap((c) => [
    `  ${suite.name}/${c.name}: ${c.summary}`,
    `    needs: ${c.needs.join(', ')}`,
    ...ruleLines(expectations.cases[c.name]),
    ...knownLines(known, `${suite.name}/${c.name}`),
  ]);
}

function external(suite: ExternalSuite, known: KnownRecord[]): string[] {
  const overrides = loadExpectations(suite);
  const records = known.filter((r) => r.cases.some((c) => c.startsWith(`${suite.name}/`)));
  return [
    `  cases: ${suite.cases ? suite.cases.join(', ') : 'as its programs report them (listed in the guest)'}; each passes by its own rule unless overridden`,
    ...Object.entries(overrides.cases).flatMap(([pattern, rules]) => [
      `  override ${suite.name}/${pattern}:`,
      ...ruleLines(rules),
    ]),
    ...records.map(
      (r) =>
        `  known bug on ${r.kernels}: ${r.id} (${r.cases.join(', ')}), deviates ${JSON.stringify(r.deviates)}: ${r.cause}`,
    ),
  ];
}

function lines(): string[] {
  const known = loadKnown();
  return SUITES.flatMap((suite) => [
    `${suite.name}: ${suite.summary}`,
    `  needs: ${suite.needs.join(', ')}`,
    ...(isExternal(suite) ? external(suite, known) : ours(suite, known)),
  ]);
}

export const testsCommand: CommandModule = {
  command: 'tests <action>',
  describe: 'list the tests, their cases, needs, expectations per kernel version and known bugs',
  builder: (y) => y.positional('action', { choices: ['list'] as const }),
  handler: () => {
    process.stdout.write(`${lines().join('\n')}\n`);
  },
};
