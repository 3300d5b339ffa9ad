// The initramfs: busybox, our stage-one init and the kernel's modules, cached per kernel and
// module set; per-run files (keys) go in a second small archive appended at boot.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { exec } from './exec.js';
import { fingerprint } from './fingerprint.js';
import { NEEDS } from './host.js';
import { checkArtifact, deepCheck, writeStamp } from './stamp.js';
import { makeOnce } from './lock.js';
import { writeAtomic } from './store.js';
import type { Kernel } from './kernel-store.js';

export interface Initramfs {
  path: string;
}

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
    shipped: [] as string[],
  };
  if (!kernel.modulesDir) return noModules;
  const deps = parseModulesDep(readOr(join(kernel.modulesDir, 'modules.dep')));
  const builtin = readOr(join(kernel.modulesDir, 'modules.builtin'));
  const plan = planModules(deps, builtin, [...profile.modules.early, ...profile.modules.late]);
  const [early, late] = splitPlan(deps, plan.load, profile.modules.early);
  const ship = planModules(deps, builtin, profile.modules.ship ?? []);
  const loaded = new Set(plan.load);
  // A build's own test modules (updates/: nfit_test) come along too, as a suite's shipped ones do.
  const shipped = [...new Set([...ship.load, ...carried(deps, plan.load)])].filter((m) => !loaded.has(m));
  return { plan, deps, early, late, shipped };
}

function entries(
  kernel: Kernel,
  deps: ModuleDeps,
  lists: { early: string[]; late: string[]; shipped: string[] },
  indexes: Map<string, Buffer>,
  applets: string[],
): CpioEntry[] {
  const { early, late, shipped } = lists;
  const init = readFileSync(join(guestDir, 'initramfs', 'init'));
  const list: CpioEntry[] = [
    { kind: 'file', path: 'init', data: init, mode: 0o755 },
    { kind: 'file', path: 'bin/busybox', data: readFileSync(NEEDS.busybox.probe), mode: 0o755 },
    // What `busybox --install` would make at each boot (~0.15 s of symlinks under TCG), made here.
    ...applets.map((name) => ({ kind: 'symlink', path: `bin/${name}`, target: 'busybox' }) as CpioEntry),
    { kind: 'file', path: 'bin/load-modules', data: readFileSync(LOAD_MODULES), mode: 0o755 },
    ...['dev', 'proc', 'sys', 'newroot', 'run/orchestrate', 'boot'].map((path) => ({ kind: 'dir', path }) as CpioEntry),
    { kind: 'file', path: 'etc/orchestrate/modules.early', data: laneList(deps, early) },
    { kind: 'file', path: 'etc/orchestrate/modules.late', data: laneList(deps, late) },
  ];
  // What a Debian system has in /boot: blktests and others read the running kernel's options there.
  if (kernel.config && existsSync(kernel.config))
    list.push({ kind: 'file', path: `boot/config-${kernel.release}`, data: readFileSync(kernel.config) });
  if (kernel.modulesDir) {
    const base = `lib/modules/${kernel.release}`;
    for (const rel of [...early, ...late, ...shipped]) {
      list.push({ kind: 'file', path: `${base}/${rel}`, data: readFileSync(join(kernel.modulesDir, rel)) });
    }
    for (const [index, data] of indexes) list.push({ kind: 'file', path: `${base}/${index}`, data });
  }
  return list;
}

const BUILTIN = ['modules.builtin', 'modules.builtin.modinfo', 'modules.order'];

/**
 * depmod's indexes of the modules the guest gets, made on the host: modprobe and modinfo read the
 * .bin indexes only (a module found by name or alias, as blktests and ndctl's tests load theirs).
 */
async function moduleIndexes(kernel: Kernel, modules: string[]): Promise<Map<string, Buffer>> {
  const stage = mkdtempSync(join(tmpdir(), 'orchestrate-depmod-'));
  try {
    const dir = join(stage, 'lib', 'modules', kernel.release);
    for (const rel of [...modules, ...BUILTIN]) {
      const from = join(kernel.modulesDir!, rel);
      if (!existsSync(from)) continue;
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      copyFileSync(from, join(dir, rel));
    }
    await exec([NEEDS.depmod.probe, '-b', stage, kernel.release]);
    const made = readdirSync(dir).filter((f) => f.startsWith('modules.'));
    return new Map(made.map((f) => [f, readFileSync(join(dir, f))]));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** What an initramfs is made of: our files, the kernel's and its modules' stats, the module lists. */
function cacheKey(kernel: Kernel, lists: { early: string[]; late: string[]; shipped: string[] }): string {
  const { early, late, shipped } = lists;
  const init = join(guestDir, 'initramfs', 'init');
  const all = [...early, ...late, ...shipped, 'modules.dep'];
  const modules = kernel.modulesDir ? all.map((m) => join(kernel.modulesDir!, m)) : [];
  const stamps = [kernel.boot, ...modules].map((f) => [f, statSync(f).size, statSync(f).mtimeMs]);
  return fingerprint(
    guestDir,
    [init, LOAD_MODULES, NEEDS.busybox.probe],
    [kernel.id, kernel.release, stamps, early, late, shipped, 'cpio-v5-applets'],
  );
}

export async function ensureInitramfs(
  kernel: Kernel,
  profile: MachineProfile,
  log: (line: string) => void = () => {},
): Promise<Initramfs> {
  const { plan, deps, early, late, shipped } = modulePlan(kernel, profile);
  if (plan.missing.length)
    log(
      `modules the profile wants that ${kernel.release} has neither built in nor as modules: ${plan.missing.join(' ')}`,
    );
  const dir = join(cacheDir(), 'initramfs');
  const path = join(dir, `${kernel.release}-${cacheKey(kernel, { early, late, shipped })}.cpio`);
  const ready = (locked: boolean) => {
    const bad = existsSync(path) ? checkArtifact(stampOf(path), dir) : 'missing';
    if (!bad) return { path };
    if (locked && bad !== 'missing') log(`initramfs of ${kernel.release}: ${bad}; making it again`);
    return undefined;
  };
  const make = async () => {
    const indexes = kernel.modulesDir ? await moduleIndexes(kernel, [...early, ...late, ...shipped]) : new Map();
    const listed = (await exec([NEEDS.busybox.probe, '--list'])).stdout.split('\n');
    const applets = listed.filter((name) => name && name !== 'busybox');
    writeAtomic(path, cpioArchive(entries(kernel, deps, { early, late, shipped }, indexes, applets)));
    writeStamp(stampOf(path), dir, [basename(path)]);
    return { path };
  };
  return makeOnce(path, ready, make, { what: `making the initramfs of ${kernel.release}`, log });
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
