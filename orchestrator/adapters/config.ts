// Loading configs/: machine profiles and expectations, checked before anything boots.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { YAML } from 'zx';
import { UsageError } from '../errors.js';
import { checkExpectations, type ExpectationFile } from '../core/expectations.js';
import { checkProfile, type MachineProfile } from '../core/machine.js';
import { configsDir } from '../paths.js';
import type { TestSuite } from '../suites/suite.js';

export function loadYaml(path: string): unknown {
  if (!existsSync(path)) throw new UsageError(`no such file: ${path}`);
  try {
    return YAML.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message.split('\n')[0]}`);
  }
}

export function loadProfile(name = 'default'): MachineProfile {
  const path = name.includes('/') ? name : join(configsDir, 'machines', `${name}.yaml`);
  const profile = loadYaml(path) as MachineProfile;
  const problems = checkProfile(profile);
  if (problems.length) throw new UsageError(`${path}: ${problems.join('; ')}`);
  return profile;
}

export function loadExpectations(suite: TestSuite): ExpectationFile {
  const path = join(configsDir, 'expectations', `${suite.name}.yaml`);
  const file = loadYaml(path) as ExpectationFile;
  const problems = checkExpectations(file, suite.cases.map((c) => c.name));
  if (problems.length) throw new UsageError(`${path}: ${problems.join('; ')}`);
  return file;
}
