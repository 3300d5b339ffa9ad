// orchestrate run -- CMD: a guest set up as the suites set it up (NVDIMM namespaces, rxe), a host
// directory shared at its own path, CMD run as root with its output streamed, and CMD's exit
// status as ours; kernel reports in the guest's log fail the run unless allowed.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OrchestrateError, UsageError } from '../errors.js';
import { fatal, parseConsole } from '../core/console.js';
import { SHARE_TAG } from '../core/machine.js';
import { parseFacts, setupScript, type GuestCommand } from '../suites/suite.js';
import { DEVDAX_NAMESPACE, FSDAX_NAMESPACE, RXE } from '../suites/memory.js';
import { releaseDir, trackDir } from '../adapters/lifecycle.js';
import { writeAtomic, writeJson } from '../adapters/store.js';
import { bootGuests, checkWritable, newRunId, Phases, prepare, type RunOptions } from './pipeline.js';
import { GuestLost, kernelLines, type Session } from './session.js';

export const SETUPS = ['fsdax', 'fsdax2', 'devdax', 'rxe'] as const;
export type SetupName = (typeof SETUPS)[number];

const FSDAX2: GuestCommand = { argv: [setupScript('namespace.sh'), 'namespace1.0', 'fsdax', 'fsdax2'], timeoutSeconds: 60 };
const STEPS: Record<SetupName, GuestCommand> = { fsdax: FSDAX_NAMESPACE, fsdax2: FSDAX2, devdax: DEVDAX_NAMESPACE, rxe: RXE };

export interface CommandOptions extends Omit<RunOptions, 'tests'> {
  argv: string[];
  setup: SetupName[];
  share?: string;
  allowWarnings: boolean;
  timeoutSeconds: number;
}

export function checkSetup(setup: string[]): SetupName[] {
  const bad = setup.filter((s) => !SETUPS.includes(s as SetupName));
  if (bad.length) throw new UsageError(`--setup ${bad.join(',')}: want some of ${SETUPS.join(', ')}`);
  if (setup.includes('fsdax2') && setup.includes('devdax')) throw new UsageError('--setup fsdax2 takes the second NVDIMM, which devdax would want too');
  return [...new Set(setup)] as SetupName[];
}

/** The environment CMD gets: the devices the setup made, as ORCHESTRATE_<KEY> (fstests' TEST_DEV…). */
function environment(facts: Record<string, string>): string[] {
  const env = Object.entries(facts).map(([k, v]) => `ORCHESTRATE_${k.toUpperCase()}=${v}`);
  if (facts.fsdax) env.push(`TEST_DEV=${facts.fsdax}`);
  if (facts.fsdax2) env.push(`SCRATCH_DEV=${facts.fsdax2}`);
  return env;
}

export interface CommandOutcome {
  code: number;
  dir: string;
  reports: string[];
  /** The kernel log after the command could not be read: why. */
  dmesgError?: string;
}

/**
 * Our exit status: the command's, except that a command that succeeded fails (1) on a kernel
 * report (unless allowed) and on a kernel log nobody could read.
 */
export function commandExit(code: number, reports: string[], allowWarnings: boolean, dmesgError?: string): number {
  if (code !== 0) return code;
  return dmesgError || (reports.length && !allowWarnings) ? 1 : 0;
}

export async function runInGuest(o: CommandOptions): Promise<CommandOutcome> {
  const phases = new Phases();
  const share = o.share ? resolve(o.share) : undefined;
  const dir = resolve(o.resultsDir, newRunId());
  checkWritable(dir);
  const modules = [...(share ? ['9p', '9pnet_virtio'] : []), ...(o.setup.includes('rxe') ? ['rdma_ucm'] : [])];
  const p = await prepare({ ...o, extraModules: modules }, phases);
  const workDir = trackDir(mkdtempSync(join(tmpdir(), 'orchestrate-run-')));
  mkdirSync(dir, { recursive: true });
  const guests = await bootGuests({
    kernel: p.kernel, profile: p.profile, accel: p.accel, rootImage: p.image.path, initramfs: p.initramfs, workDir,
    consolePath: join(dir, 'console.log'), extraCmdline: o.append, log: o.log, share,
  }, undefined);
  const s = guests.session;
  const record = (fields: Record<string, unknown>) => writeJson(join(dir, 'command.json'), { argv: o.argv, setup: o.setup, share, ...fields });
  try {
    const facts = await ready(s, p, o.setup, share);
    await s.dmesgDelta();
    const started = performance.now();
    const r = await s.exec(['env', ...environment(facts), ...o.argv], o.timeoutSeconds, {
      onStdout: (chunk) => process.stdout.write(chunk), onStderr: (chunk) => process.stderr.write(chunk), collect: false,
    });
    const lines = await kernelLines(s);
    const reports = parseConsole(lines.log).map((w) => w.title);
    writeAtomic(join(dir, 'dmesg.txt'), s.kernelLog);
    const code = r.code ?? 255;
    const dmesgError = lines.error;
    record({ facts, code, timedOut: r.timedOut, seconds: (performance.now() - started) / 1000, reports, dmesgError });
    return { code: commandExit(code, reports, o.allowWarnings, dmesgError), dir, reports, dmesgError };
  } catch (err) {
    if (!(err instanceof GuestLost)) throw err;
    // The guest died under the command (or the console log could not be written): say which.
    if (s.qemu.logError) throw s.qemu.logError;
    const crash = parseConsole(s.qemu.consoleText()).find(fatal)?.title;
    record({ lost: err.message, crash });
    throw new OrchestrateError(`the guest was lost while the command ran: ${crash ?? err.message} (console: ${join(dir, 'console.log')})`, 1);
  } finally {
    await s.close();
    rmSync(workDir, { recursive: true, force: true });
    releaseDir(workDir);
    if (s.qemu.logError) throw s.qemu.logError;
  }
}

/** Uploads, modules, the asked-for setup and the share mounted; the facts the setup printed. */
async function ready(s: Session, p: Awaited<ReturnType<typeof prepare>>, setup: SetupName[], share?: string): Promise<Record<string, string>> {
  await s.uploadGuestFiles(p.workloads.binaries);
  const modules = await s.waitForModules(p.profile.timeouts.modulesSeconds);
  if (!modules.ready) throw new OrchestrateError(`the guest's modules did not load: ${modules.detail}`, 1);
  const steps = [...setup.map((name) => STEPS[name]), ...(share ? [{ argv: [setupScript('share-mount.sh'), SHARE_TAG, share], timeoutSeconds: 30 }] : [])];
  const facts: Record<string, string> = {};
  for (const step of steps) {
    const r = await s.exec(step.argv, step.timeoutSeconds);
    if (r.code !== 0) throw new OrchestrateError(`setup ${step.argv[0].split('/').pop()} failed (${r.code}): ${(r.stderr || r.stdout).trim()}`, 1);
    Object.assign(facts, parseFacts(r.stdout));
  }
  return facts;
}
