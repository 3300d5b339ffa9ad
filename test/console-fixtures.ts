// Console fixtures (test/fixtures/console): comment lines (# source: ...), the reports the log holds
// (TITLE:, KIND:, CORRUPTED:), a blank line, then the log; a file that starts with "[" is a bare log.
import { fixture } from './fixtures.js';

export interface Expected {
  title: string;
  kind: string;
  corrupted?: string;
}

export interface Fixture {
  comments: string[];
  expected: Expected[];
  log: string;
  headerless: boolean;
}

export function parseFixture(text: string): Fixture {
  if (text.startsWith('[')) return { comments: [], expected: [], log: text, headerless: true };
  const split = text.indexOf('\n\n');
  const header = text.slice(0, split).split('\n');
  const expected: Expected[] = [];
  for (const line of header.filter((l) => !l.startsWith('#'))) {
    const [, key, value] = /^(TITLE|KIND|CORRUPTED): (.*)$/.exec(line) ?? [];
    if (key === 'TITLE') expected.push({ title: value, kind: '' });
    else if (key === 'KIND') expected[expected.length - 1].kind = value;
    else if (key === 'CORRUPTED') expected[expected.length - 1].corrupted = value;
    else throw new Error(`bad fixture header line: ${line}`);
  }
  return { comments: header.filter((l) => l.startsWith('#')), expected, log: text.slice(split + 2), headerless: false };
}

/** The log of a console fixture, its header aside. */
export function consoleLog(name: string): string {
  return parseFixture(fixture('console', name)).log;
}
