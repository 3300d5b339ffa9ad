// orchestrate run -- CMD: a guest set up as the suites set it up (NVDIMM namespaces, rxe), a host
// directory shared at its own path, CMD run as root with its output streamed, and CMD's exit
// status as ours; kernel reports in the guest's log fail the run unless allowed.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OrchestrateError, UsageError } from '../errors.js';
import { fatal, parseConsole } from '../core/console.js';
import { RXE as RXE_DEVICE, SHARE } from '../core/devices.js';
import { parseFacts, setupScript, type GuestCommand } from '../suites/suite.js';
import { DEVDAX_NAMESPACE, FSDAX2_NAMESPACE, FSDAX_NAMESPACE, RXE } from '../suites/memory.js';
import { writeAtomic, writeJson } from '../adapters/store.js';
import {
  bootOptions,
  checkWritable,
  newRunId,
  Phases,
  prepare,
  snapshotFor,
  type RunOptions,
} from '../engine/pipeline.js';
import { GuestLost, kernelLines, type Guest } from '../engine/guest.js';
import { Lab } from '../engine/lab.js';

export const SETUPS = ['fsdax', 'fsdax2', 'devdax', 'rxe'] as const;
export type SetupName = (typeof SETUPS)[number];

const STEPS: Record<SetupName, GuestCommand> = {
  fsdax: FSDAX_NAMESPACE,
  fsdax2: FSDAX2_NAMESPACE,
  devdax: DEVDAX_NAMESPACE,
  rxe: RXE,
};

export interface CommandOptions extends Omit<RunOptions, 'tests'> {
  argv: string[];
  setup: SetupName[];
  share?: string;
  allowWarnings: boolean;
  timeoutSeconds: number;
  /** Where CMD's output goes as it arrives (default: our stdout). */
  onStdout?: (chunk: Buffer) => void;
}

export function checkSetup(setup: string[]): SetupName[] {
  const bad = setup.filter((s) => !SETUPS.includes(s as SetupName));
  if (bad.length) throw new UsageError(`--setup ${bad.join(',')}: want some of ${SETUPS.join(', ')}`);
  if (setup.includes('fsdax2') && setup.includes('devdax'))
    throw new UsageError('--setup fsdax2 takes the second NVDIMM, which devdax would want too');
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

/** CMD on a ready guest, its output streamed; what it exited with and the kernel reports it left. */
async function runCommand(guest: Guest, o: CommandOptions, facts: Record<string, string>, dir: string) {
  await guest.dmesgDelta();
  const started = performance.now();
  const r = await guest.exec(['env', ...environment(facts), ...o.argv], o.timeoutSeconds, {
    onStdout: o.onStdout ?? ((chunk) => process.stdout.write(chunk)),
    onStderr: (chunk) => process.stderr.write(chunk),
    collect: false,
  });
  const lines = await kernelLines(guest);
  writeAtomic(join(dir, 'dmesg.txt'), guest.kernelLog);
  const seconds = (performance.now() - started) / 1000;
  const reports = parseConsole(lines.log).map((w) => w.title);
  return { code: r.code ?? 255, timedOut: r.timedOut, seconds, reports, dmesgError: lines.error };
}

export async function runInGuest(o: CommandOptions): Promise<CommandOutcome> {
  const share = o.share ? resolve(o.share) : undefined;
  const dir = resolve(o.resultsDir, newRunId());
  checkWritable(dir);
  const modules = [...(share ? SHARE.modules : []), ...(o.setup.includes('rxe') ? [RXE_DEVICE.userCm] : [])];
  const p = await prepare({ ...o, extraModules: modules }, new Phases());
  mkdirSync(dir, { recursive: true });
  const consolePath = join(dir, 'console.log');
  // Saved once ready: CMD's own --setup runs on every restored guest.
  const snapshot = await snapshotFor(p, o, undefined, share && 'a shared directory (virtio-9p) boots cold');
  const lab = await Lab.open({ ...bootOptions(p, o.append), consolePath, log: o.log, share, snapshot });
  const record = (fields: Record<string, unknown>) =>
    writeJson(join(dir, 'command.json'), {
      argv: o.argv,
      setup: o.setup,
      share,
      ...(lab.snapshot ? { snapshot: lab.snapshot } : {}),
      ...fields,
    });
  try {
    const facts = await ready(lab, p, o, share);
    const ran = await runCommand(lab.guests.session, o, facts, dir);
    record({ facts, ...ran });
    const { code, reports, dmesgError } = ran;
    return { code: commandExit(code, reports, o.allowWarnings, dmesgError), dir, reports, dmesgError };
  } catch (err) {
    if (!(err instanceof GuestLost)) throw err;
    // The guest died under the command (a console log that could not be written is thrown by close).
    const crash = parseConsole(lab.consoleText()).find(fatal)?.title;
    record({ lost: err.message, crash });
    throw new OrchestrateError(
      `the guest was lost while the command ran: ${crash ?? err.message} (console: ${consolePath})`,
      1,
    );
  } finally {
    await lab.close();
  }
}

/** Uploads, modules, the asked-for setup and the share mounted; the facts the setup printed. */
async function ready(
  lab: Lab,
  p: Awaited<ReturnType<typeof prepare>>,
  o: CommandOptions,
  share?: string,
): Promise<Record<string, string>> {
  const s = lab.guests.session;
  const why = await lab.ready({
    binaries: p.workloads.binaries,
    modulesSeconds: p.profile.timeouts.modulesSeconds,
    log: o.log,
  });
  if (why) throw new OrchestrateError(`the guest is not ready: ${why}`, 1);
  const setup = o.setup;
  const steps = [
    ...setup.map((name) => STEPS[name]),
    ...(share ? [{ argv: [setupScript(SHARE.setup), SHARE.tag, share], timeoutSeconds: 30 }] : []),
  ];
  const facts: Record<string, string> = {};
  for (const step of steps) {
    const r = await s.exec(step.argv, step.timeoutSeconds);
    if (r.code !== 0)
      throw new OrchestrateError(
        `setup ${step.argv[0].split('/').pop()} failed (${r.code}): ${(r.stderr || r.stdout).trim()}`,
        1,
      );
    Object.assign(facts, parseFacts(r.stdout));
  }
  return facts;
}
