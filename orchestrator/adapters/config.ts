// Loading configs/: machine profiles and expectations, checked before anything boots.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { YAML } from 'zx';
import { UsageError } from '../errors.js';
import { checkExpectations, checkOverrides, type ExpectationFile } from '../core/expectations.js';
import { legacyRecord, parseExpunge, parseKnown, rangeOfExpungeFile, type KnownRecord } from '../core/known.js';
import { checkProfile, type MachineProfile } from '../core/machine.js';
import { configsDir } from '../paths.js';
import { isExternal, type AnySuite } from '../suites/suite.js';

/** Documents as YAML 1.1, as Kubernetes and GitHub read it ("on", "yes" quoted), the comments above, '---' between. */
export function yamlText(comments: string[], docs: unknown[]): string {
  const head = comments.flatMap((c) => c.split('\n')).map((c) => `# ${c}`.trimEnd());
  const body = docs.map((d) => stringify(d, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false }));
  return [...head, body.join('---\n')].join('\n');
}

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

/**
 * A suite's expectations. Ours must cover every case; an external suite's are optional overrides
 * (case names or globs) of its own rule, that each case passes.
 */
export function loadExpectations(suite: AnySuite): ExpectationFile {
  const path = join(configsDir, 'expectations', `${suite.name}.yaml`);
  if (isExternal(suite) && !existsSync(path)) return { test: suite.name, cases: {} };
  const file = loadYaml(path) as ExpectationFile;
  const problems = isExternal(suite)
    ? checkOverrides(file)
    : checkExpectations(
        file,
        suite.cases.map((c) => c.name),
      );
  if (problems.length) throw new UsageError(`${path}: ${problems.join('; ')}`);
  return file;
}

/** Where orchestrate keeps the known kernel bugs every run applies. */
export const KNOWN_DIR = join(configsDir, 'known');

const warned = new Set<string>();

/** An old expunge file (suite/case  # reason), read as records covering any failure of each case. */
function legacyFile(path: string, log: (line: string) => void): KnownRecord[] {
  const kernels = rangeOfExpungeFile(basename(path));
  if (!kernels) throw new UsageError(`${path}: an expunge file is named by kernel version (6.1.txt, 6.1.192.txt)`);
  if (!warned.has(path)) {
    warned.add(path);
    log(
      `known: ${path} is an old expunge file: read as "any failure of each listed case on ${kernels}"; ` +
        'move it to a YAML record saying what deviates (configs/known/README.md)',
    );
  }
  return [...parseExpunge(readFileSync(path, 'utf8'))].map(([c, reason]) => legacyRecord(c, reason, kernels, path));
}

/** Known-bug records of a file or a directory of *.yaml (and old *.txt expunge files). */
export function loadKnown(path: string = KNOWN_DIR, log: (line: string) => void = () => {}): KnownRecord[] {
  if (!existsSync(path)) throw new UsageError(`known failures: no such file or directory: ${path}`);
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .sort()
        .map((f) => join(path, f))
    : [path];
  return files.flatMap((f) => {
    if (/\.ya?ml$/.test(f)) {
      try {
        return parseKnown(loadYaml(f), f);
      } catch (e) {
        throw e instanceof UsageError ? e : new UsageError((e as Error).message);
      }
    }
    return f.endsWith('.txt') ? legacyFile(f, log) : [];
  });
}
