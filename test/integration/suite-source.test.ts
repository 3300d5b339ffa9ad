// A suite's own source as users keep it, with real git, tar and make: found through its
// environment variable, keyed by content, built in a copy (the user's tree stays as it was),
// cached and proven, rebuilt when the cached archive is damaged.
import t from 'tap';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '../../orchestrator/adapters/exec.js';
import { builtSuite, findSource } from '../../orchestrator/adapters/suite-source.js';
import type { SourceRecipe } from '../../orchestrator/suites/suite.js';
import { tempDir } from '../temp.js';

const work = tempDir('orchestrate-suite-source-');
process.env.ORCHESTRATE_CACHE = join(work, 'cache');
const repo = join(work, 'toysuite');
const recipe: SourceRecipe = {
  name: 'toysuite',
  env: 'TOY_SUITE',
  upstream: 'https://example.invalid/toysuite.git',
  build: [['make']],
  hostNeeds: [{ probe: 'make', pkg: 'make' }],
};
const git = (...args: string[]) =>
  exec(['git', '-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]).then((r) => r.stdout.trim());

await exec(['git', 'init', '-q', repo]);
writeFileSync(join(repo, 'Makefile'), 'built:\n\techo built from $$(cat version) > built\n');
writeFileSync(join(repo, 'version'), 'one\n');
await git('add', '.');
await git('commit', '-q', '-m', 'toy');
const head = await git('rev-parse', 'HEAD');
const lines: string[] = [];
const log = (l: string) => lines.push(l);
const listing = async (tar: string) => (await exec(['tar', '-tf', tar])).stdout.split('\n').filter(Boolean).sort();
const fileIn = async (tar: string, path: string) => (await exec(['tar', '-xOf', tar, path])).stdout;

t.test('unset or missing: one clear error naming the variable', async (t) => {
  await t.rejects(findSource(recipe, {}), /toysuite: set TOY_SUITE to a checkout of it \(git clone https:/);
  await t.rejects(findSource(recipe, { TOY_SUITE: join(work, 'nope') }), /TOY_SUITE=.*nope: no such file/);
  await t.rejects(findSource(recipe, { TOY_SUITE: work }), /not a git checkout/);
});

t.test('a checkout: keyed by its files, built in a copy, cached', async (t) => {
  const source = await findSource(recipe, { TOY_SUITE: repo });
  t.equal(source.commit, head);
  const tar = await builtSuite(recipe, source, 'image1', log);
  t.same(await listing(tar), ['toysuite/', 'toysuite/Makefile', 'toysuite/built', 'toysuite/version']);
  t.equal(await fileIn(tar, 'toysuite/built'), 'built from one\n');
  t.equal(await git('status', '--porcelain', '--ignored'), '', "the user's tree has no build output");
  lines.length = 0;
  t.equal(await builtSuite(recipe, source, 'image1', log), tar, 'the second time: the cached build');
  t.same(lines, []);
  t.not(await builtSuite(recipe, source, 'image2', log), tar, 'another guest image: another build');
});

t.test('an edited checkout is another source, and says so', async (t) => {
  const before = await findSource(recipe, { TOY_SUITE: repo });
  writeFileSync(join(repo, 'version'), 'two\n');
  const edited = await findSource(recipe, { TOY_SUITE: repo });
  t.not(edited.key, before.key);
  t.equal(edited.commit, `${head}+changes`);
  t.equal(await fileIn(await builtSuite(recipe, edited, 'image1', log), 'toysuite/built'), 'built from two\n');
  await git('checkout', '-q', 'version');
});

t.test('a git archive: keyed by its bytes, its commit read from its header', async (t) => {
  const archive = join(work, 'toysuite.tar.gz');
  await exec(['git', '-C', repo, 'archive', '--prefix=toysuite/', '-o', archive, 'HEAD']);
  const source = await findSource(recipe, { TOY_SUITE: archive });
  t.equal(source.commit, head);
  const tar = await builtSuite(recipe, source, 'image1', log);
  t.equal(await fileIn(tar, 'toysuite/built'), 'built from one\n');
  appendFileSync(tar, 'damage');
  lines.length = 0;
  const again = await builtSuite(recipe, source, 'image1', log);
  t.match(lines.join('\n'), /toysuite build \w+: .*; building it again/);
  t.equal(await fileIn(again, 'toysuite/built'), 'built from one\n');
});

t.test('a build that fails: its command and its last words', async (t) => {
  writeFileSync(join(repo, 'Makefile'), 'built:\n\t@echo no compiler here >&2; exit 3\n');
  const source = await findSource(recipe, { TOY_SUITE: repo });
  await t.rejects(builtSuite(recipe, source, 'image1', log), /building toysuite \(make\) failed: .*no compiler here/);
  t.equal(readFileSync(join(repo, 'version'), 'utf8'), 'one\n');
});
