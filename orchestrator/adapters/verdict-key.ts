// What decides a verdict besides the kernel, the tests and their runs: our built code (the
// console parser, the verdict rules) and the npm packages it runs with (package-lock.json), the
// guest side (workloads, setup scripts, the image recipe and the package versions it installed),
// the host toolchain that builds the guest's binaries, the expectations, known-bug records and
// kernel config fragments, the machine profile, QEMU and extra kernel arguments, the suites' own
// sources the environment names (fstests). Cached verdicts (nightly results and patchchecks,
// bisect logs) are keyed by it: change any of these and the next night or bisect runs again.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KnownRecord } from '../core/known.js';
import { configsDir, guestDir, repoRoot } from '../paths.js';
import { exec } from './exec.js';
import { fingerprint, listTree } from './fingerprint.js';
import { qemuVersion } from './qemu.js';
import { ensureImage } from './rootfs.js';
import { findSource } from './suite-source.js';
import { SOURCE_RECIPES } from '../suites/index.js';

/** The running orchestrate: dist/orchestrator (or the sources under tsx). */
const CODE_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

export interface VerdictKeyParts {
  code: string;
  guest: string;
  image: string;
  rules: string;
  profile: string;
  qemu: string;
  append: string[];
  known: string;
  /** How the guest runs: the accelerator asked for, and the boot and stall timeouts. */
  machine: string;
  /** configs/kernel/: the fragments our builds merge (a bisect or night also keys its rendered config). */
  fragments: string;
  /** package-lock.json: the exact npm packages our code runs with (the YAML parser among them). */
  lock: string;
  /** The compilers and -dev packages that build the guest's workloads and selftests. */
  toolchain: string;
  /** The suites' own sources the environment names (fstests: ORCHESTRATE_FSTESTS), by their content. */
  suites: string;
}

export function verdictKeyOf(parts: VerdictKeyParts): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

const tree = (dir: string) => (existsSync(dir) ? fingerprint(dir, listTree(dir)) : 'none');
const digest = (data: string | Buffer) => createHash('sha256').update(data).digest('hex').slice(0, 16);

/** Where the parts are read from: this orchestrate by default, copies in tests. */
export interface KeySources {
  codeDir: string;
  guestDir: string;
  configsDir: string;
  /** The image's recipe.json (its installed package versions). */
  recipe: string;
  qemu: string;
  /** The path of package-lock.json. */
  packageLock: string;
  /** What toolchainVersions() read. */
  toolchain: string;
  /** What suiteSourceKeys() read. */
  suites: string;
}

/** What a run adds to the key: its extra kernel arguments, its plan's records, how the guest runs. */
export interface KeyRun {
  append?: string[];
  known?: KnownRecord[];
  accel?: string;
  bootTimeout?: number;
  stallTimeout?: number;
}

export function keyParts(src: KeySources, run: KeyRun = {}): VerdictKeyParts {
  return {
    code: fingerprint(
      src.codeDir,
      listTree(src.codeDir).filter((f) => /\.(js|ts)$/.test(f)),
    ),
    guest: fingerprint(
      src.guestDir,
      listTree(src.guestDir).filter((f) => !f.includes('/build/')),
    ),
    image: existsSync(src.recipe) ? digest(readFileSync(src.recipe)) : 'none',
    rules: `${tree(join(src.configsDir, 'expectations'))}:${tree(join(src.configsDir, 'known'))}`,
    profile: tree(join(src.configsDir, 'machines')),
    qemu: src.qemu,
    append: run.append ?? [],
    known: digest(JSON.stringify(run.known ?? [])),
    machine: JSON.stringify([run.accel ?? 'auto', run.bootTimeout ?? null, run.stallTimeout ?? null]),
    fragments: tree(join(src.configsDir, 'kernel')),
    lock: existsSync(src.packageLock) ? digest(readFileSync(src.packageLock)) : 'none',
    toolchain: src.toolchain,
    suites: src.suites,
  };
}

/**
 * Workloads are built with make's `cc` and link libibverbs; selftests with `gcc -static`, glibc
 * and liburing; both include the uapi headers of linux-libc-dev. fstests' build links the -dev
 * packages its recipe names.
 */
const DEV_PACKAGES = [
  'libc6-dev',
  'linux-libc-dev',
  'libibverbs-dev',
  'liburing-dev',
  ...SOURCE_RECIPES.flatMap((r) => r.hostNeeds).map((n) => n.pkg),
].filter((p, i, all) => p.endsWith('-dev') && all.indexOf(p) === i);

async function stdoutOf(argv: string[]): Promise<string> {
  const r = await exec(argv, { check: false }).catch(() => undefined);
  return r?.stdout.trim() || `${argv[0]}: none`;
}

/** The host toolchain, one line a tool or package: `gcc (Debian 12.2.0-14) 12.2.0`, `liburing-dev=2.3-3`. */
export async function toolchainVersions(): Promise<string> {
  const firstLine = async (cc: string) => (await stdoutOf([cc, '--version'])).split('\n')[0];
  const compilers = await Promise.all(['gcc', 'cc'].map(firstLine));
  const packages = await stdoutOf(['dpkg-query', '-W', '-f', '${Package}=${Version}\n', ...DEV_PACKAGES]);
  return [...compilers, ...packages.split('\n').sort()].join('\n');
}

/** Each suite source the environment names, by content: `fstests=KEY`, or `fstests=unset`. */
export async function suiteSourceKeys(env = process.env): Promise<string> {
  const keys = await Promise.all(
    SOURCE_RECIPES.map(async (r) => `${r.name}=${env[r.env] ? (await findSource(r, env)).key : 'unset'}`),
  );
  return keys.join('\n');
}

let sources: Promise<KeySources> | undefined;

async function ourSources(): Promise<KeySources> {
  const image = await ensureImage();
  return {
    codeDir: CODE_DIR,
    guestDir,
    configsDir,
    recipe: join(dirname(image.path), 'recipe.json'),
    qemu: await qemuVersion(),
    packageLock: join(repoRoot, 'package-lock.json'),
    toolchain: await toolchainVersions(),
    suites: await suiteSourceKeys(),
  };
}

/** The key of this orchestrate, guest and machine, with the run's extra arguments and records. */
export async function verdictKey(run: KeyRun = {}): Promise<string> {
  sources ??= ourSources();
  return verdictKeyOf(keyParts(await sources, run));
}
