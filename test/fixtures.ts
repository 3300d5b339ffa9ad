// Reading golden data under test/fixtures/, from the sources or from dist/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../orchestrator/paths.js';

export function fixture(...parts: string[]): string {
  return readFileSync(join(fixturesDir, ...parts), 'utf8');
}

export function fixtureBytes(...parts: string[]): Buffer {
  return readFileSync(join(fixturesDir, ...parts));
}
