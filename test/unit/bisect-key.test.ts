// A bisect log is resumed only under the same key, and the key covers the config a step's build
// would use by content: our default fragments (with no --config too), --config files and the
// selected suites' fragments. Edit one and the next bisect step runs again instead of reusing a
// verdict of the old config.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bisectConfig, logKey } from '../../orchestrator/workflows/bisect.js';
import { loadFragments } from '../../orchestrator/engine/build.js';
import { DEFAULTS } from '../../orchestrator/core/bisect.js';
import type { Fragment } from '../../orchestrator/core/kconfig.js';
import { tempDir } from '../temp.js';

const range = { commits: ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)] };
const VERDICTS = '0123456789abcdef';

/** The key bisect() computes for these --config/suite fragments, with a fragment loader to edit them. */
function keyOf(configs: string[], load: (c?: string[]) => Fragment[] = loadFragments): string {
  const req = { tests: ['ib-reg-refusal/fsdax-ext4'], options: DEFAULTS, configs };
  return logKey(range, req, 'regression', VERDICTS, bisectConfig('git', configs, load));
}

/** Our fragments as they are, but NAME's text edited. */
const editing = (name: string, edit: (text: string) => string) => (c?: string[]) =>
  loadFragments(c).map((f) => (f.name === name ? { ...f, text: edit(f.text) } : f));

t.test('the same fragments: the same key, so a bisect resumes', async (t) => {
  t.equal(keyOf([]), keyOf([]));
  t.equal(keyOf(['selftests']), keyOf(['selftests']));
});

t.test('with no --config the defaults are keyed by content', async (t) => {
  const config = bisectConfig('git', [])!;
  t.match(config, /^CONFIG_MEMCG=y$/m, 'dax-rdma');
  t.match(config, /^CONFIG_FS_DAX=y$/m, 'dax-rdma');
  t.match(config, /^CONFIG_EXT4_FS=y$/m, 'base');
  t.not(
    keyOf(
      [],
      editing('dax-rdma', (s) => s.replace('CONFIG_MEMCG=y\n', '')),
    ),
    keyOf([]),
    'dax-rdma before MEMCG: another key',
  );
  t.not(
    keyOf(
      [],
      editing('base', (s) => `${s}CONFIG_IKCONFIG=y\n`),
    ),
    keyOf([]),
    'base with one more option',
  );
});

t.test("a suite's fragment is keyed by content", async (t) => {
  t.match(bisectConfig('git', ['selftests'])!, /^CONFIG_GUP_TEST=y$/m);
  t.not(keyOf(['selftests']), keyOf([]));
  const unset = editing('selftests', (s) => s.replace('CONFIG_GUP_TEST=y', '# CONFIG_GUP_TEST is not set'));
  t.not(keyOf(['selftests'], unset), keyOf(['selftests']));
});

t.test('a --config file is keyed by its content, not its path', async (t) => {
  const path = join(tempDir('orchestrate-bkey-'), 'my.config');
  writeFileSync(path, 'CONFIG_PROVE_LOCKING=y\n');
  const was = keyOf([path]);
  t.equal(keyOf([path]), was, 'unchanged file: the same key');
  writeFileSync(path, 'CONFIG_PROVE_LOCKING=y\nCONFIG_KASAN=y\n');
  t.not(keyOf([path]), was, 'edited in place: another key');
});

t.test('the rest of the key still counts', async (t) => {
  const config = bisectConfig('git', []);
  const req = { tests: ['ib-reg-refusal/fsdax-ext4'], options: DEFAULTS };
  const k = logKey(range, req, 'regression', VERDICTS, config);
  t.not(logKey(range, req, 'regression', 'fedcba9876543210', config), k, 'the verdict key');
  t.not(logKey(range, req, 'fix', VERDICTS, config), k, 'the mode');
  t.not(logKey(range, { ...req, tests: ['rdma-loopback'] }, 'regression', VERDICTS, config), k, 'the tests');
});

t.test('packaged kernels are not built: no config, and no fragment read', async (t) => {
  t.equal(
    bisectConfig('debian', ['no-such-fragment'], () => {
      throw new Error('read');
    }),
    null,
  );
});

t.test('a directive is keyed: asking for external modules is another config', async (t) => {
  t.notMatch(bisectConfig('git', [])!, /orchestrate:/, 'none: the config as before');
  t.match(bisectConfig('git', ['nfit-test'])!, /^# orchestrate: modules tools\/testing\/nvdimm$/m);
  t.not(
    keyOf(['nfit-test']),
    keyOf(
      ['nfit-test'],
      editing('nfit-test', (s) => s.replace(/^# orchestrate: modules .*$/m, '')),
    ),
  );
});
