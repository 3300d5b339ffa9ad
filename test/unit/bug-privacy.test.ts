// A bug report holds nothing of the host: a real run (test/fixtures/bug-report/) is given this
// host's paths, user and host name and key material in every file the report copies or reads
// (QEMU's command line, console, dmesg, the kernel's config); the report written from it must
// hold none of them, while its inputs demonstrably did.
import t from 'tap';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { leaks, normalise, scrub, type HostFacts } from '../../orchestrator/core/privacy.js';
import { generateKeyPair } from '../../orchestrator/adapters/ssh.js';
import { cacheDir, fixturesDir, repoRoot } from '../../orchestrator/paths.js';
import { hostFacts, writeBugReport } from '../../orchestrator/workflows/bug-report.js';
import { BUG, DEBIAN_KNOWN } from '../bug-fixtures.js';
import { tempDir } from '../temp.js';

const work = tempDir('orchestrate-bug-privacy-');
const store = join(work, 'kernels');
const runDir = join(work, 'results', '20261204T035856-krz5');
const key = generateKeyPair('someone@their-laptop');
const user = userInfo().username;
const planted = [
  `orchestrate-mark: 1 share=${repoRoot}/results mounted`,
  `ssh -i ${homedir()}/.ssh/id_ed25519 ${user}@${hostname()}`,
  key.private.trimEnd(),
  key.public,
  `[   70.1] 9pnet: share0 at ${cacheDir()}/fstests/src`,
].join('\n');

function plantRun(): void {
  const from = join(fixturesDir, BUG, DEBIAN_KNOWN);
  mkdirSync(runDir, { recursive: true });
  const results = readFileSync(join(from, 'results.json'), 'utf8')
    .replaceAll('/HOST/kernels/', `${store}/`)
    .replaceAll('/HOST/cache/orchestrate/', `${cacheDir()}/`)
    .replaceAll('/HOST/tmp/', `${tmpdir()}/`);
  writeFileSync(join(runDir, 'results.json'), results);
  for (const f of ['console.log', 'dmesg.txt'])
    writeFileSync(join(runDir, f), `${readFileSync(join(from, f), 'utf8')}${planted}\n`);
  const kernel = join(store, 'debian-6.1.192-3');
  mkdirSync(kernel, { recursive: true });
  cpSync(join(from, 'kernel.json'), join(kernel, 'kernel.json'));
  writeFileSync(
    join(kernel, 'config'),
    `CONFIG_LOCALVERSION=""\nCONFIG_SYSTEM_TRUSTED_KEYS="${homedir()}/certs/signing.pem"\n`,
  );
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

/** This host, as the test sees it: every directory orchestrate used here, the user and the machine's names. */
function host(): HostFacts {
  return { paths: [...hostFacts().paths, runDir, store, work], words: [user, hostname()] };
}

t.before(plantRun);
t.teardown(() => rmSync(work, { recursive: true, force: true }));

t.test('the inputs do hold the host (else this test could not fail)', async (t) => {
  const inputs = ['results.json', 'console.log', 'dmesg.txt']
    .map((f) => readFileSync(join(runDir, f), 'utf8'))
    .join('\n');
  const found = leaks(inputs, host());
  t.ok(found.includes('private key'), 'a private key');
  t.ok(
    found.some((l) => l.startsWith('public key')),
    'a public key',
  );
  t.ok(found.includes(`path: ${homedir()}`) || found.includes(`path: ${cacheDir()}`), 'the home or cache directory');
  t.ok(found.includes(`path: ${repoRoot}`), 'the repository');
  t.ok(found.includes(`path: ${store}`), 'the kernel store');
  for (const w of normalise(host()).words) t.ok(found.includes(`name: ${w}`), `the name ${w} (user or host)`);
});

t.test('the report written from them holds none of it', async (t) => {
  const saved = process.env.ORCHESTRATE_KERNELS;
  process.env.ORCHESTRATE_KERNELS = store;
  const out = join(work, 'report');
  try {
    await writeBugReport({
      target: join(runDir, 'dio-vs-truncate', 'ext4-truncate'),
      resultsDir: join(work, 'results'),
      out,
      tree: false,
      log: () => {},
    });
  } finally {
    if (saved === undefined) delete process.env.ORCHESTRATE_KERNELS;
    else process.env.ORCHESTRATE_KERNELS = saved;
  }
  const written = files(out);
  t.ok(
    written.some((f) => f.endsWith('kernel.config')),
    'the config is attached',
  );
  t.ok(
    written.some((f) => f.endsWith('run-qemu.sh')),
    'the reproducer is written',
  );
  for (const f of written) {
    const text = readFileSync(f, 'utf8');
    t.same(leaks(text, host()), [], `${f.slice(out.length + 1)}: nothing of the host`);
    t.notMatch(text, /BEGIN [A-Z ]*PRIVATE KEY|ssh-ed25519 AAAA/, `${f.slice(out.length + 1)}: no key material`);
  }
  const console = readFileSync(join(out, 'console.log'), 'utf8');
  t.match(console, '[private key removed]', 'what the console held is replaced, not dropped silently');
  t.match(console, 'share=<host>/results mounted');
});

t.test('scrub: paths by prefix, names as words, key material whole', async (t) => {
  const facts = { paths: ['/home/ada/', '/srv/orch'], words: ['ada', 'laptop', 'root'] };
  t.equal(
    scrub('/home/ada/x /home/adam /srv/orchestra /srv/orch/k ada@laptop readable root=/dev/vda', facts),
    '<host>/x /home/adam /srv/orchestra <host>/k <host>@<host> readable root=/dev/vda',
  );
  t.equal(scrub(`a\n${key.private}b`, facts), 'a\n[private key removed]\nb');
  t.same(leaks('/home/adam ada-lovelace', facts), [], 'other paths and longer words are not the host');
});
