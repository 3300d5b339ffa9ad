// The verdict key covers our data and the host's toolchain: a kernel config fragment's content,
// package-lock.json and the compilers and -dev packages that build guest binaries. A change to any
// of them is another key, so the next bisect step or night runs again; unchanged inputs, the same key.
import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keyParts, verdictKeyOf, type KeySources } from '../../orchestrator/adapters/verdict-key.js';
import { tempDir } from '../temp.js';

const TOOLCHAIN = [
  'gcc (Debian 12.2.0-14) 12.2.0',
  'cc (Debian 12.2.0-14) 12.2.0',
  'libibverbs-dev=44.0-2',
  'liburing-dev=2.3-3',
].join('\n');
const DAX_RDMA = 'CONFIG_FS_DAX=y\nCONFIG_CGROUPS=y\nCONFIG_MEMCG=y\n';

function sources(): KeySources {
  const root = tempDir('orchestrate-vkey-');
  const files: Record<string, string> = {
    'code/core/console.js': 'export {};\n',
    'guest/workloads/uring-pin.c': 'int main(void) { return 0; }\n',
    'configs/expectations/ib-reg-refusal.yaml': 'test: ib-reg-refusal\n',
    'configs/known/none.yaml': '[]\n',
    'configs/machines/default.yaml': 'memory: 2G\n',
    'configs/kernel/base.config': 'CONFIG_PRINTK=y\n',
    'configs/kernel/dax-rdma.config': DAX_RDMA,
    'package-lock.json': '{"lockfileVersion":3,"packages":{"node_modules/zx":{"version":"8.8.5"}}}\n',
    'recipe.json': '{"installed":["rdma-core=44.0-2"]}\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return {
    codeDir: join(root, 'code'),
    guestDir: join(root, 'guest'),
    configsDir: join(root, 'configs'),
    recipe: join(root, 'recipe.json'),
    qemu: '7.2.19',
    packageLock: join(root, 'package-lock.json'),
    toolchain: TOOLCHAIN,
    suites: 'fstests=8bea7c544fa9f98f',
  };
}

const key = (s: KeySources) => verdictKeyOf(keyParts(s));

t.test('unchanged inputs give the same key', async (t) => {
  const s = sources();
  t.equal(key(s), key(s));
  t.equal(key(sources()), key(s), 'another copy of the same inputs');
});

const changes: [string, (s: KeySources) => KeySources][] = [
  [
    'package-lock.json (another zx)',
    (s) => {
      writeFileSync(s.packageLock, readFileSync(s.packageLock, 'utf8').replace('8.8.5', '8.8.6'));
      return s;
    },
  ],
  ['the compiler', (s) => ({ ...s, toolchain: s.toolchain.replace(/12\.2\.0-14/g, '12.2.0-15') })],
  ['the installed liburing-dev', (s) => ({ ...s, toolchain: s.toolchain.replace('2.3-3', '2.5-1') })],
  ['another fstests source', (s) => ({ ...s, suites: 'fstests=0123456789abcdef' })],
  ['the installed libibverbs-dev', (s) => ({ ...s, toolchain: s.toolchain.replace('44.0-2', '47.0-1') })],
  [
    "a default fragment's content (dax-rdma before MEMCG)",
    (s) => {
      const path = join(s.configsDir, 'kernel', 'dax-rdma.config');
      writeFileSync(path, readFileSync(path, 'utf8').replace('CONFIG_MEMCG=y\n', ''));
      return s;
    },
  ],
  [
    "a suite's fragment added",
    (s) => {
      writeFileSync(join(s.configsDir, 'kernel', 'selftests.config'), 'CONFIG_GUP_TEST=y\n');
      return s;
    },
  ],
];

for (const [what, change] of changes) {
  t.test(`changing ${what} changes the key`, async (t) => {
    const s = sources();
    const was = key(s);
    t.not(key(change(s)), was);
  });
}

t.test('no package-lock.json is a key of its own, not an error', async (t) => {
  const s = sources();
  t.not(key({ ...s, packageLock: join(s.codeDir, 'missing.json') }), key(s));
});
