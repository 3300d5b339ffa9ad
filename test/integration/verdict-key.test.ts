// Cached verdicts are keyed by everything that decides them: change our built code, package-lock.json,
// a workload, a setup script, the image recipe or what it installed, the host toolchain, an
// expectation, a known-bug record, a kernel config fragment, the machine profile, the QEMU version,
// an --append argument or a plan's records, and the next night finds nothing to reuse and runs again.
import t from 'tap';
import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  keyParts,
  suiteSourceKeys,
  toolchainVersions,
  verdictKeyOf,
  type KeySources,
} from '../../orchestrator/adapters/verdict-key.js';
import { openDb } from '../../orchestrator/adapters/db.js';
import { insertResult, openNight, reuse } from '../../orchestrator/adapters/history.js';
import { parsePlan } from '../../orchestrator/core/nightly.js';
import { nightInputs } from '../../orchestrator/workflows/nightly.js';
import { configsDir, guestDir, repoRoot } from '../../orchestrator/paths.js';
import { tempDir } from '../temp.js';

const work = tempDir('orchestrate-key-');
const codeDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'orchestrator');
const copy = (from: string, name: string) => {
  cpSync(from, join(work, name), { recursive: true });
  return join(work, name);
};
const recipe = join(work, 'recipe.json');
writeFileSync(recipe, JSON.stringify({ suite: 'bookworm', packages: ['rdma-core'], installed: ['rdma-core=44.0-2'] }));
const toolchain = await toolchainVersions();
const src: KeySources = {
  codeDir: copy(codeDir, 'code'),
  guestDir: copy(guestDir, 'guest'),
  configsDir: copy(configsDir, 'configs'),
  recipe,
  qemu: '7.2.19',
  packageLock: copy(join(repoRoot, 'package-lock.json'), 'package-lock.json'),
  toolchain,
  suites: await suiteSourceKeys(),
};
const key = (s: KeySources = src, run = {}) => verdictKeyOf(keyParts(s, run));
const before = key();

const plan = parsePlan({ base: { tree: 'linux-source' }, series: { dir: 's' }, tests: ['dio-vs-truncate'] }, 'p.yaml');
const db = openDb(join(work, 'nightly.db'));
const first = openNight(db, plan.name, '2026-11-30');
const next = openNight(db, plan.name, '2026-12-01');
/** A night's result stored under this key. */
const store = (verdicts: string) =>
  insertResult(db, {
    night_id: first,
    series_id: null,
    inputs: nightInputs(plan, 'CONFIG_FS_DAX=y', verdicts, 'c'.repeat(40)),
    test: 'dio-vs-truncate/ext4-truncate',
    verdict: 'PASS',
    class: 'PASS',
    detail: '',
    known: null,
    kernel: 'build-x',
    build_seconds: 1,
    boot_seconds: 1,
    test_seconds: 1,
    reused: 0,
    run_dir: null,
  });

t.test('the toolchain as read here: the compilers and the -dev packages guest binaries are built with', async (t) => {
  t.match(toolchain, /^gcc .*\d+\.\d+/m, 'gcc --version');
  t.match(toolchain, /^cc /m, "cc --version: make's compiler for the workloads");
  for (const pkg of ['libc6-dev', 'linux-libc-dev', 'libibverbs-dev', 'liburing-dev']) {
    t.match(toolchain, new RegExp(`^${pkg}=\\d`, 'm'), pkg);
  }
  t.equal(await toolchainVersions(), toolchain, 'the same on a second read');
});

t.test('the same inputs: the next night reuses the result', async (t) => {
  store(before);
  t.equal(key(), before, 'the key is stable');
  t.equal(reuse(db, next, nightInputs(plan, 'CONFIG_FS_DAX=y', key(), 'c'.repeat(40))), true);
});

const changes: [string, () => string][] = [
  [
    'our built code (the console parser)',
    () => {
      appendFileSync(join(src.codeDir, 'core', 'console.js'), '\n// a parser change\n');
      return key();
    },
  ],
  [
    'a guest workload',
    () => {
      appendFileSync(join(src.guestDir, 'workloads', 'dio-vs-truncate.c'), '\n/* a change */\n');
      return key();
    },
  ],
  [
    'a guest setup script',
    () => {
      appendFileSync(join(src.guestDir, 'setup', 'dax-mount.sh'), '\n# a change\n');
      return key();
    },
  ],
  [
    'the image recipe',
    () => {
      appendFileSync(join(src.guestDir, 'image', 'packages'), '\nfio\n');
      return key();
    },
  ],
  [
    'a package version the image installed',
    () => {
      writeFileSync(
        recipe,
        JSON.stringify({ suite: 'bookworm', packages: ['rdma-core'], installed: ['rdma-core=44.0-3'] }),
      );
      return key();
    },
  ],
  [
    'an expectation',
    () => {
      appendFileSync(join(src.configsDir, 'expectations', 'dio-vs-truncate.yaml'), '\n# a change\n');
      return key();
    },
  ],
  [
    'a known-bug record',
    () => {
      appendFileSync(join(src.configsDir, 'known', 'dax-dio-lost-wakeup.yaml'), '\n# a change\n');
      return key();
    },
  ],
  [
    'package-lock.json (another zx, our YAML parser)',
    () => {
      const lock = readFileSync(src.packageLock, 'utf8');
      writeFileSync(
        src.packageLock,
        lock.replace(/("node_modules\/zx": \{\s*"version": ")[^"]+/, (_, head) => `${head}8.0.0`),
      );
      return key();
    },
  ],
  [
    'the installed liburing-dev',
    () => {
      src.toolchain = src.toolchain.replace(/^liburing-dev=.*$/m, 'liburing-dev=2.5-1');
      return key();
    },
  ],
  [
    'the compiler',
    () => {
      src.toolchain = src.toolchain.replace(/^gcc .*$/m, 'gcc (Debian 13.2.0-25) 13.2.0');
      return key();
    },
  ],
  [
    'a default kernel config fragment (dax-rdma before MEMCG)',
    () => {
      const path = join(src.configsDir, 'kernel', 'dax-rdma.config');
      writeFileSync(path, readFileSync(path, 'utf8').replace('CONFIG_MEMCG=y\n', ''));
      return key();
    },
  ],
  [
    "a suite's kernel config fragment",
    () => {
      appendFileSync(join(src.configsDir, 'kernel', 'selftests.config'), 'CONFIG_GUP_TEST_EXTRA=y\n');
      return key();
    },
  ],
  [
    'the machine profile',
    () => {
      appendFileSync(join(src.configsDir, 'machines', 'default.yaml'), '\n# a change\n');
      return key();
    },
  ],
  ['the QEMU version', () => key({ ...src, qemu: '8.2.0' })],
  ['an --append argument', () => key(src, { append: ['dax_hmem.region_idle'] })],
  ["a plan's known-bug records", () => key(src, { known: [{ id: 'x' }] })],
  ['the accelerator asked for', () => key(src, { accel: 'kvm' })],
  ['the boot timeout', () => key(src, { bootTimeout: 300 })],
];

for (const [what, change] of changes) {
  t.test(`changing ${what} makes the next night run again`, async (t) => {
    const was = key();
    store(was);
    const now = change();
    t.not(now, was, 'another key');
    t.equal(reuse(db, next, nightInputs(plan, 'CONFIG_FS_DAX=y', now, 'c'.repeat(40))), false, 'nothing to reuse');
  });
}
