// The initramfs: busybox, our stage-one init and the kernel's modules, cached per kernel and
// module set; per-run files (keys) go in a second small archive appended at boot.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cpioArchive, type CpioEntry } from '../core/cpio.js';
import {
  carried,
  laneList,
  parseModulesDep,
  planModules,
  splitPlan,
  type ModuleDeps,
  type ModulePlan,
} from '../core/modules.js';
import type { MachineProfile } from '../core/machine.js';
import { cacheDir, guestDir } from '../paths.js';
import { fingerprint } from './fingerprint.js';
import { NEEDS } from './host.js';
import { checkArtifact, deepCheck, writeStamp } from './stamp.js';
import { writeAtomic } from './store.js';
import type { Kernel } from './kernel-store.js';

export interface Initramfs {
  path: string;
}

/** What modprobe reads: without them it finds no module by name. */
const BIN = ['modules.dep.bin', 'modules.builtin.bin'];
const LOAD_MODULES = join(guestDir, 'rootfs', 'usr', 'lib', 'orchestrate', 'load-modules');

function readOr(path: string, fallback = ''): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : fallback;
}

function modulePlan(kernel: Kernel, profile: MachineProfile) {
  const noModules = {
    plan: { load: [], builtin: [], missing: [] } as ModulePlan,
    deps: new Map() as ModuleDeps,
    early: [] as string[],
    late: [] as string[],
    carry: [] as string[],
  };
  if (!kernel.modulesDir) return noModules;
  const deps = parseModulesDep(readOr(join(kernel.modulesDir, 'modules.dep')));
  const builtin = readOr(join(kernel.modulesDir, 'modules.builtin'));
  const plan = planModules(deps, builtin, [...profile.modules.early, ...profile.modules.late]);
  const [early, late] = splitPlan(deps, plan.load, profile.modules.early);
  return { plan, deps, early, late, carry: carried(deps, plan.load) };
}

function entries(kernel: Kernel, deps: ModuleDeps, early: string[], late: string[], carry: string[]): CpioEntry[] {
  const init = readFileSync(join(guestDir, 'initramfs', 'init'));
  const list: CpioEntry[] = [
    { kind: 'file', path: 'init', data: init, mode: 0o755 },
    { kind: 'file', path: 'bin/busybox', data: readFileSync(NEEDS.busybox.probe), mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'bin/load-modules', data: readFileSync(LOAD_MODULES), mode: 0o755 },
    ...['dev', 'proc', 'sys', 'newroot', 'run/orchestrate'].map((path) => ({ kind: 'dir', path }) as CpioEntry),
    { kind: 'file', path: 'etc/orchestrate/modules.early', data: laneList(deps, early) },
    { kind: 'file', path: 'etc/orchestrate/modules.late', data: laneList(deps, late) },
  ];
  if (kernel.modulesDir) {
    const base = `lib/modules/${kernel.release}`;
    for (const rel of [...early, ...late, ...carry]) {
      list.push({ kind: 'file', path: `${base}/${rel}`, data: readFileSync(join(kernel.modulesDir, rel)) });
    }
    for (const index of [
      'modules.dep',
      'modules.builtin',
      'modules.order',
      'modules.alias',
      'modules.symbols',
      ...BIN,
    ]) {
      const file = join(kernel.modulesDir, index);
      if (existsSync(file)) list.push({ kind: 'file', path: `${base}/${index}`, data: readFileSync(file) });
    }
  }
  return list;
}

export function ensureInitramfs(
  kernel: Kernel,
  profile: MachineProfile,
  log: (line: string) => void = () => {},
): Initramfs {
  const { plan, deps, early, late, carry } = modulePlan(kernel, profile);
  if (plan.missing.length)
    log(
      `modules the profile wants that ${kernel.release} has neither built in nor as modules: ${plan.missing.join(' ')}`,
    );
  const init = join(guestDir, 'initramfs', 'init');
  const all = [...early, ...late, ...carry, 'modules.dep'];
  const modules = kernel.modulesDir ? all.map((m) => join(kernel.modulesDir!, m)) : [];
  const stamps = [kernel.boot, ...modules].map((f) => [f, statSync(f).size, statSync(f).mtimeMs]);
  const key = fingerprint(
    guestDir,
    [init, LOAD_MODULES, NEEDS.busybox.probe],
    [kernel.id, kernel.release, stamps, early, late, carry, 'cpio-v4'],
  );
  const dir = join(cacheDir(), 'initramfs');
  const path = join(dir, `${kernel.release}-${key}.cpio`);
  const bad = existsSync(path) ? checkArtifact(stampOf(path), dir) : 'missing';
  if (bad) {
    if (bad !== 'missing') log(`initramfs of ${kernel.release}: ${bad}; making it again`);
    writeAtomic(path, cpioArchive(entries(kernel, deps, early, late, carry)));
    writeStamp(stampOf(path), dir, [basename(path)]);
  }
  return { path };
}

const stampOf = (path: string) => `${path}.stamp.json`;

/** Why the cached initramfs cannot be used (by hash); a bad one is removed, to be made again. */
export function verifyInitramfs(initramfs: Initramfs): string | undefined {
  const bad = deepCheck(stampOf(initramfs.path), dirname(initramfs.path));
  if (bad) rmSync(initramfs.path, { force: true });
  return bad;
}

/** The per-run archive: /run/orchestrate/{authorized_keys, ssh_host_ed25519_key{,.pub}}. */
export function runArchive(files: { authorizedKey: string; hostKey: string; hostKeyPub: string }): Buffer {
  return cpioArchive([
    { kind: 'file', path: 'run/orchestrate/authorized_keys', data: `${files.authorizedKey}\n`, mode: 0o600 },
    { kind: 'file', path: 'run/orchestrate/ssh_host_ed25519_key', data: files.hostKey, mode: 0o600 },
    { kind: 'file', path: 'run/orchestrate/ssh_host_ed25519_key.pub', data: `${files.hostKeyPub}\n`, mode: 0o644 },
  ]);
}
