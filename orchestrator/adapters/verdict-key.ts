// What decides a verdict besides the kernel, the tests and their runs: our built code (the
// console parser, the verdict rules), the guest side (workloads, setup scripts, the image recipe
// and the package versions it installed), the expectations and known-bug records, the machine
// profile, QEMU and extra kernel arguments. Cached verdicts (nightly results and patchchecks,
// bisect logs) are keyed by it: change any of these and the next night or bisect runs again.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KnownRecord } from '../core/known.js';
import { configsDir, guestDir } from '../paths.js';
import { fingerprint, listTree } from './fingerprint.js';
import { qemuVersion } from './qemu.js';
import { ensureImage } from './rootfs.js';

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
    code: fingerprint(src.codeDir, listTree(src.codeDir).filter((f) => /\.(js|ts)$/.test(f))),
    guest: fingerprint(src.guestDir, listTree(src.guestDir).filter((f) => !f.includes('/build/'))),
    image: existsSync(src.recipe) ? digest(readFileSync(src.recipe)) : 'none',
    rules: `${tree(join(src.configsDir, 'expectations'))}:${tree(join(src.configsDir, 'known'))}`,
    profile: tree(join(src.configsDir, 'machines')),
    qemu: src.qemu,
    append: run.append ?? [],
    known: digest(JSON.stringify(run.known ?? [])),
    machine: JSON.stringify([run.accel ?? 'auto', run.bootTimeout ?? null, run.stallTimeout ?? null]),
  };
}

let sources: Promise<KeySources> | undefined;

async function ourSources(): Promise<KeySources> {
  const image = await ensureImage();
  return { codeDir: CODE_DIR, guestDir, configsDir, recipe: join(dirname(image.path), 'recipe.json'), qemu: await qemuVersion() };
}

/** The key of this orchestrate, guest and machine, with the run's extra arguments and records. */
export async function verdictKey(run: KeyRun = {}): Promise<string> {
  sources ??= ourSources();
  return verdictKeyOf(keyParts(await sources, run));
}
