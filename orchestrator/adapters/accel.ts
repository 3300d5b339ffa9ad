// KVM or TCG. /dev/kvm existing proves nothing (nested KVM here hangs in SeaBIOS), so `auto`
// boots the kernel briefly under KVM and uses it only if the banner appears; the result is cached.
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Accel } from '../core/machine.js';
import { cacheDir } from '../paths.js';
import { readJsonOr, writeJson } from './store.js';
import { delay, releaseDir, trackDir } from './lifecycle.js';
import { QEMU, QemuProcess, qemuVersion } from './qemu.js';

export type AccelRequest = Accel | 'auto';

export interface AccelChoice {
  accel: Accel;
  reason: string;
}

const PROBE_SECONDS = 4;
const CACHE_HOURS = 24;

function kvmUsable(): string | undefined {
  if (!existsSync('/dev/kvm')) return 'no /dev/kvm';
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return undefined;
  } catch {
    return '/dev/kvm is not accessible';
  }
}

async function probe(kernel: string): Promise<AccelChoice> {
  const dir = trackDir(mkdtempSync(join(tmpdir(), 'orchestrate-probe-')));
  const qemu = new QemuProcess(
    [
      QEMU,
      '-nodefaults',
      '-no-user-config',
      '-display',
      'none',
      '-no-reboot',
      '-accel',
      'kvm',
      '-machine',
      'pc',
      '-cpu',
      'host',
      '-m',
      '256M',
      '-kernel',
      kernel,
      '-append',
      'console=ttyS0 panic=-1',
      '-chardev',
      'stdio,id=c,signal=off',
      '-serial',
      'chardev:c',
    ],
    join(dir, 'console.log'),
  );
  const timeout = delay(PROBE_SECONDS * 1000);
  const banner = await Promise.race([qemu.waitFor(/Linux version/), timeout]);
  const exit = await qemu.kill();
  rmSync(dir, { recursive: true, force: true });
  releaseDir(dir);
  if (banner) return { accel: 'kvm', reason: `KVM probe boot printed the kernel banner in ${banner.at.toFixed(1)} s` };
  const why = exit.stderr.trim().split('\n').pop();
  return {
    accel: 'tcg',
    reason: `KVM probe boot printed nothing in ${PROBE_SECONDS} s${why ? ` (${why})` : ' (hangs in firmware: nested KVM?)'}: using TCG`,
  };
}

export async function chooseAccel(request: AccelRequest, kernel: string): Promise<AccelChoice> {
  if (request !== 'auto') return { accel: request, reason: `--accel ${request}` };
  const unusable = kvmUsable();
  if (unusable) return { accel: 'tcg', reason: `${unusable}: using TCG` };
  const key = `${await qemuVersion()} ${release()}`;
  const file = join(cacheDir(), 'accel-probe.json');
  const cached = readJsonOr(file);
  if (cached?.key === key && Date.now() - cached.at < CACHE_HOURS * 3600e3) {
    return { accel: cached.accel, reason: `${cached.reason} (probed ${new Date(cached.at).toISOString()})` };
  }
  const choice = await probe(kernel);
  writeJson(file, { key, at: Date.now(), ...choice });
  return choice;
}
