// The files of a report's reproducer: repro/{run-qemu.sh, repro.sh, Makefile, the workload's C
// source, README} and qemu-cmdline.txt, from the run's recorded QEMU command line, the suite's
// setup and case commands, guest/setup and guest/workloads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deviationOf, fmt, pick, type KernelFacts } from '../core/bug-report.js';
import { modulesFor } from '../core/needs.js';
import {
  commandLineText,
  factsProxy,
  makeRule,
  reproMakefile,
  reproReadme,
  reproScript,
  runQemuScript,
  scriptsUsed,
  workloadsUsed,
  type MakeRule,
  type ReproPlan,
} from '../core/reproducer.js';
import { isUnsupported, replay, type Replay } from '../core/replay.js';
import type { RunResult, TestResult } from '../core/results.js';
import { loadProfile } from '../adapters/config.js';
import { guestDir } from '../paths.js';
import { SUITES } from '../suites/index.js';
import { GUEST_ROOT, isExternal, peerSetupOf, type SetupFacts } from '../suites/suite.js';

export interface ReproFiles {
  /** Report-relative names and contents. */
  files: [string, string][];
  executables: string[];
  /** What repro.sh's last line shows on an affected kernel; absent with `none`. */
  shows?: string;
  /** Why there is no reproducer. */
  none?: string;
}

const WORKLOADS = join(guestDir, 'workloads');
/** The flags guest/workloads/Makefile builds with. */
const CFLAGS = '-O2 -g -Wall -Wextra';

function planOf(result: RunResult, test: TestResult): ReproPlan | string {
  const [suiteName, ...rest] = test.name.split('/');
  const suite = SUITES.find((s) => s.name === suiteName);
  if (!suite) return `${suiteName} is not a suite this orchestrate knows`;
  if (isExternal(suite)) return `${suiteName} is an external suite: run its own check in the guest run-qemu.sh boots`;
  if (peerSetupOf(suite)) return `${test.name} needs two guests wired together, which run-qemu.sh does not make`;
  const c = suite.cases.find((x) => x.name === rest.join('/'));
  if (!c) return `${suiteName} has no case ${rest.join('/')} any more`;
  const facts = factsProxy() as SetupFacts;
  const setupDir = `${GUEST_ROOT}/setup`;
  const plan: ReproPlan = {
    caseName: test.name,
    runId: result.run.id,
    setup: suite.setup,
    run: c.run(facts),
    cleanup: c.cleanup?.(facts) ?? [],
    setupDir,
    binDir: `${GUEST_ROOT}/bin`,
    scripts: {},
    modules: modulesFor([...suite.needs, ...c.needs]),
  };
  for (const name of scriptsUsed(plan)) plan.scripts[name] = readFileSync(join(guestDir, 'setup', name), 'utf8');
  return plan;
}

function rulesOf(plan: ReproPlan): MakeRule[] | string {
  const makefile = readFileSync(join(WORKLOADS, 'Makefile'), 'utf8');
  const rules = workloadsUsed(plan).map((w) => makeRule(makefile, w));
  if (rules.some((r) => !r)) return 'a workload has no rule in guest/workloads/Makefile';
  return rules as MakeRule[];
}

function kernelSteps(k: KernelFacts): string[] {
  if (k.debian)
    return [
      `Debian's ${k.debian.pkg} ${k.debian.debVersion} (apt, or snapshot.debian.org);`,
      `KERNEL=/boot/vmlinuz-${k.release} INITRD=/boot/initrd.img-${k.release} once it is installed.`,
    ];
  if (k.build) {
    const series = k.build.series ? ` with "${k.build.series.title ?? k.build.series.subjects[0]}" applied` : '';
    const from = k.build.source ? ` of Debian's ${k.build.source.pkg} ${k.build.source.revision}` : '';
    return [
      `commit ${k.build.commit.slice(0, 12)} (${k.build.describe})${from}${series},`,
      'built with ../kernel.config (make olddefconfig && make bzImage modules); KERNEL=arch/x86/boot/bzImage.',
    ];
  }
  return [`${k.release} (${k.version}): the kernel image the run booted.`];
}

function shows(test: TestResult): { shows: string; correct: string } {
  const dev = deviationOf(test);
  const titles = test.warnings.map((w) => w.title).join('; ');
  const showsText = Object.keys(dev).length
    ? fmt(dev) + (titles ? `, and dmesg shows ${titles}` : '')
    : `dmesg shows ${titles}`;
  const correct = Object.keys(dev).length ? fmt(pick(test.expected, dev)) : 'no kernel report';
  return { shows: showsText, correct };
}

function sourceFiles(rules: MakeRule[]): [string, string][] {
  const names = [...new Set(rules.flatMap((r) => r.prerequisites))];
  return names.map((n) => [`repro/${n}`, readFileSync(join(WORKLOADS, n), 'utf8')]);
}

function replayOf(result: RunResult): Replay | string {
  const sizes = Object.fromEntries((loadProfile().disks ?? []).map((d) => [d.id, d.size]));
  try {
    return replay(result.run.qemu.argv, sizes);
  } catch (err) {
    if (isUnsupported(err)) return `its QEMU command line has ${err.message}`;
    throw err;
  }
}

export function buildReproducer(result: RunResult, test: TestResult, kernel: KernelFacts): ReproFiles {
  const r = replayOf(result);
  if (typeof r === 'string') return { files: [], executables: [], none: `${result.run.id}: ${r}` };
  const cmdline: [string, string] = ['qemu-cmdline.txt', commandLineText(r, result.run.id)];
  const plan = planOf(result, test);
  const rules = typeof plan === 'string' ? plan : rulesOf(plan);
  if (typeof plan === 'string' || typeof rules === 'string')
    return { files: [cmdline], executables: [], none: typeof plan === 'string' ? plan : (rules as string) };
  const about = { runId: result.run.id, qemu: result.run.qemu.version, accel: result.run.accel };
  const s = shows(test);
  const readme = reproReadme({ plan, rules, replay: r, kernel: kernelSteps(kernel), ...s });
  const files: [string, string][] = [
    cmdline,
    ['repro/README', readme],
    ['repro/run-qemu.sh', runQemuScript(r, about)],
    ['repro/repro.sh', reproScript(plan)],
    ['repro/Makefile', reproMakefile(rules, CFLAGS)],
    ...sourceFiles(rules),
  ];
  return { files, executables: ['repro/run-qemu.sh', 'repro/repro.sh'], shows: s.shows };
}
