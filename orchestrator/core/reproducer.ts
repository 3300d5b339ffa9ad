// A case's reproducer that runs without orchestrate: repro.sh prepares the guest as the suite's
// setup does (its guest/setup scripts inlined as functions) and runs the workload; run-qemu.sh
// boots a kernel in the machine the run used; a Makefile builds the workload from its C source.
import { shellJoin, shellQuote } from './shell.js';
import { plainWord, shellWord, type Replay } from './replay.js';

/** A guest command as the suite gives it; facts it uses are placeholders (factsProxy). */
export interface Step {
  argv: string[];
  timeoutSeconds?: number;
}

export interface ReproPlan {
  caseName: string;
  runId: string;
  /** The suite's setup, then the case's run and cleanup. */
  setup: Step[];
  run: Step[];
  cleanup: Step[];
  /** Where suites find their scripts and binaries in orchestrate's guest (GUEST_ROOT/setup, /bin). */
  setupDir: string;
  binDir: string;
  /** guest/setup scripts by file name. */
  scripts: Record<string, string>;
  modules: string[];
}

const FACT = '\u0000';

/** Facts whose every key reads as a placeholder, for rendering a case's commands as a script. */
export function factsProxy(): Record<string, string> {
  return new Proxy({}, { get: (_, key) => `${FACT}${String(key)}${FACT}` });
}

const varName = (fact: string) => fact.replace(/[^A-Za-z0-9_]/g, '_');
const fnName = (script: string) => varName(script);

/** One argument as shell text: literal parts quoted, facts as "$name". */
function arg(text: string): string {
  return text
    .split(FACT)
    .map((piece, i) => (i % 2 ? `"$${varName(piece)}"` : piece && shellQuote(piece)))
    .join('');
}

/** The facts a step's arguments use. */
function factsOf(step: Step): string[] {
  return step.argv.flatMap((a) => a.split(FACT).filter((_, i) => i % 2 === 1));
}

const display = (step: Step, p: ReproPlan) =>
  step.argv.map((a) =>
    a
      .replace(new RegExp(`${FACT}([^${FACT}]*)${FACT}`, 'g'), (_, f: string) => `$${varName(f)}`)
      .replace(`${p.setupDir}/`, '')
      .replace(`${p.binDir}/`, ''),
  );

/** A step as a shell command: a setup script as its function, a workload from beside repro.sh, under timeout. */
function command(step: Step, p: ReproPlan): string {
  const [program, ...args] = step.argv;
  const rest = args.map(arg).join(' ');
  if (program.startsWith(`${p.setupDir}/`)) return `${fnName(program.slice(p.setupDir.length + 1))} ${rest}`.trim();
  const exe = program.startsWith(`${p.binDir}/`) ? `"$here/${program.slice(p.binDir.length + 1)}"` : arg(program);
  const timeout = step.timeoutSeconds ? `timeout --kill-after=2 ${step.timeoutSeconds} ` : '';
  return `${timeout}${exe} ${rest}`.trim();
}

/** The guest/setup scripts the plan calls. */
export function scriptsUsed(p: ReproPlan): string[] {
  const all = [...p.setup, ...p.run, ...p.cleanup].map((s) => s.argv[0]);
  return [...new Set(all.filter((a) => a.startsWith(`${p.setupDir}/`)).map((a) => a.slice(p.setupDir.length + 1)))];
}

/** The workloads (guest/workloads programs) the plan runs. */
export function workloadsUsed(p: ReproPlan): string[] {
  const all = [...p.setup, ...p.run, ...p.cleanup].map((s) => s.argv[0]);
  return [...new Set(all.filter((a) => a.startsWith(`${p.binDir}/`)).map((a) => a.slice(p.binDir.length + 1)))];
}

/** A script's body as a function run in a subshell (its exit and set -e stay inside). */
function asFunction(name: string, text: string): string {
  const body = text.replace(/^#!.*\n/, '').replace(/\n+$/, '');
  return `${fnName(name)}() (\n${body}\n)`;
}

function setupLines(p: ReproPlan): string[] {
  return p.setup.flatMap((step) => [
    `step ${shellQuote(display(step, p).join(' '))}`,
    `facts="$facts\n$(${command(step, p)})"`,
  ]);
}

function factLines(p: ReproPlan): string[] {
  const used = [...new Set([...p.run, ...p.cleanup].flatMap(factsOf))];
  return used.flatMap((f) => [
    `${varName(f)}=$(fact ${shellQuote(f)})`,
    `[ -n "$${varName(f)}" ] || { echo "repro.sh: the setup printed no ${f}=" >&2; exit 1; }`,
  ]);
}

function runLines(p: ReproPlan): string[] {
  const workloads = new Set(workloadsUsed(p).map((w) => `${p.binDir}/${w}`));
  return [...p.run, ...p.cleanup].flatMap((step) => [
    `step ${shellQuote(display(step, p).join(' '))}`,
    workloads.has(step.argv[0]) ? command(step, p) : `${command(step, p)} >&2`,
  ]);
}

const REPRO_HEAD = (p: ReproPlan) => [
  '#!/bin/sh',
  `# ${p.caseName}, as orchestrate ran it in run ${p.runId}: prepares the guest as the suite's setup`,
  '# does, runs the workload and prints its observation (one JSON line) last, on stdout.',
  '# DESTRUCTIVE: it reconfigures NVDIMM namespaces and overwrites disks. Run it as root only in the',
  "# throwaway guest run-qemu.sh boots. The functions below are orchestrate's guest/setup scripts, verbatim.",
  'set -eu',
  'here=$(cd "$(dirname "$0")" && pwd)',
  'step() { echo "repro.sh: $*" >&2; }',
  'fact() { printf \'%s\\n\' "$facts" | sed -n "s/^$1=//p" | tail -n 1; }',
];

/** repro.sh: modules, the suite's setup (its facts kept), the case's commands, its cleanup. */
export function reproScript(p: ReproPlan): string {
  const modules = p.modules.length
    ? [
        `for m in ${p.modules.map(shellQuote).join(' ')}; do`,
        '\tmodprobe "$m" 2>/dev/null || step "modprobe $m failed (built in, or missing)"',
        'done',
      ]
    : [];
  const build = workloadsUsed(p).map((w) => `[ -x "$here/${w}" ] || make -C "$here" ${shellQuote(w)} >&2`);
  const functions = scriptsUsed(p).map((name) => asFunction(name, p.scripts[name] ?? ''));
  const lines = [...REPRO_HEAD(p), '', ...functions.flatMap((f) => [f, '']), ...modules, ...build, 'facts='];
  return `${[...lines, ...setupLines(p), ...factLines(p), ...runLines(p)].join('\n')}\n`;
}

/** A workload's rule in guest/workloads/Makefile: its prerequisites and its recipe. */
export interface MakeRule {
  target: string;
  prerequisites: string[];
  recipe: string;
}

/** The rule for $(OUT)/NAME in guest/workloads/Makefile, or undefined. */
export function makeRule(makefile: string, name: string): MakeRule | undefined {
  const m = new RegExp(`^\\$\\(OUT\\)/${name}:([^\\n]*)\\n((?:\\t[^\\n]*\\n?)+)`, 'm').exec(makefile);
  if (!m) return undefined;
  const recipe = m[2]
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('$(CC)'));
  if (!recipe) return undefined;
  return { target: name, prerequisites: m[1].trim().split(/\s+/), recipe };
}

/** A Makefile building the workloads beside it, with the flags orchestrate builds them with. */
export function reproMakefile(rules: MakeRule[], cflags: string): string {
  const lines = [
    '# Builds the workload(s) beside it: make (on Debian 12, or in the guest if it has gcc and libc6-dev).',
    `CFLAGS ?= ${cflags}`,
    `all: ${rules.map((r) => r.target).join(' ')}`,
    '',
    ...rules.flatMap((r) => [`${r.target}: ${r.prerequisites.join(' ')}`, `\t${r.recipe} $(LDFLAGS)`, '']),
    'clean:',
    `\trm -f ${rules.map((r) => r.target).join(' ')}`,
    '.PHONY: all clean',
  ];
  return `${lines.join('\n')}\n`;
}

/** run-qemu.sh: the run's QEMU command line, files relative to the script, knobs as variables. */
export function runQemuScript(r: Replay, about: { runId: string; qemu: string; accel: string }): string {
  const defaults = Object.entries(r.defaults).map(([k, v]) => `${k}=\${${k}:-${shellQuote(v)}}`);
  const groups = r.groups.map((g) => {
    const line = `set -- "$@" ${g.map(shellWord).join(' ')}`;
    return g[0].length === 1 && 'lit' in g[0][0] && g[0][0].lit === '-initrd'
      ? `[ "$INITRD" = none ] || ${line}`
      : line;
  });
  return `${[
    '#!/bin/sh',
    `# Boots a kernel in the machine of orchestrate run ${about.runId} (QEMU ${about.qemu}, ${about.accel}), with`,
    '# plain QEMU. Files are relative to this directory unless absolute (see README):',
    '#   KERNEL, INITRD (or none), ROOTFS (opened with snapshot=on: never written),',
    "#   APPEND (more kernel arguments), SSH_PORT (the guest's port 22 on 127.0.0.1),",
    '#   ACCEL and CPU (ACCEL=kvm CPU=host for KVM).',
    '# The NVDIMM backing files and the scratch disk are made anew, empty and sparse, in work/.',
    'set -eu',
    'cd "$(dirname "$0")"',
    ...defaults,
    "qv() { printf '%s' \"$1\" | sed 's/,/,,/g'; }",
    'need() { [ -e "$1" ] || { echo "run-qemu.sh: $1: no such file (see README)" >&2; exit 2; }; }',
    'need "$KERNEL"; need "$ROOTFS"; [ "$INITRD" = none ] || need "$INITRD"',
    `mkdir -p work`,
    ...r.files.flatMap((f) => [`rm -f ${shellQuote(f.path)}`, `truncate -s ${f.size} ${shellQuote(f.path)}`]),
    'set --',
    ...groups,
    'exec qemu-system-x86_64 "$@"',
  ].join('\n')}\n`;
}

/** The command line as run-qemu.sh runs it with its defaults, for qemu-cmdline.txt. */
export function plainCommandLine(r: Replay): string[] {
  return ['qemu-system-x86_64', ...r.groups.flatMap((g) => g.map((w) => plainWord(w, r.defaults)))];
}

/** qemu-cmdline.txt: what ran, with host files named as run-qemu.sh names them. */
export function commandLineText(r: Replay, runId: string): string {
  return `# QEMU command line of orchestrate run ${runId}; host files renamed as run-qemu.sh names them, the SSH port its default\n${shellJoin(plainCommandLine(r))}\n`;
}

/** The Debian packages a guest needs for each setup script, beyond a minimal system. */
const SCRIPT_PACKAGES: Record<string, string[]> = {
  'namespace.sh': ['ndctl'],
  'dax-mount.sh': ['e2fsprogs', 'xfsprogs'],
  'slow-disk.sh': ['dmsetup', 'util-linux'],
  'rxe.sh': ['iproute2', 'rdma-core'],
};

/** What the guest needs installed to run the plan. */
export function guestPackages(p: ReproPlan, rules: MakeRule[]): string[] {
  const verbs = rules.some((r) => r.recipe.includes('-libverbs')) ? ['libibverbs1', 'ibverbs-providers'] : [];
  return [...new Set(['kmod', ...scriptsUsed(p).flatMap((s) => SCRIPT_PACKAGES[s] ?? []), ...verbs])];
}

export interface ReadmeFacts {
  plan: ReproPlan;
  rules: MakeRule[];
  replay: Replay;
  /** How to get the kernel, one or more lines. */
  kernel: string[];
  /** The observed values that show the bug, and what a correct kernel prints. */
  shows: string;
  correct: string;
}

/** repro/README: the steps, with nothing of orchestrate needed. */
export function reproReadme(f: ReadmeFacts): string {
  const d = f.replay.defaults;
  const workloads = f.rules.map((r) => r.target).join(', ');
  return `${[
    `Reproducer for ${f.plan.caseName} (orchestrate run ${f.plan.runId}), runnable without orchestrate.`,
    '',
    'On an affected kernel the last line repro.sh prints is a JSON observation with',
    `  ${f.shows}`,
    `(a correct kernel: ${f.correct}).`,
    '',
    `1. The workload (${workloads}): run make here, on Debian 12 (gcc, libc6-dev), or`,
    '   make LDFLAGS=-static for a guest with another libc.',
    '2. The kernel:',
    ...f.kernel.map((l) => `   ${l}`),
    `3. A Debian 12 image (ROOTFS, raw) with ${guestPackages(f.plan, f.rules).join(', ')}, and the`,
    "   kernel's modules (in the image, or in its initramfs). Boot it in the run's machine:",
    `     KERNEL=vmlinuz INITRD=initrd.img ROOTFS=bookworm.img APPEND='root=/dev/vda rw' ./run-qemu.sh`,
    `   (defaults: KERNEL=${d.KERNEL}, INITRD=${d.INITRD ?? 'none'}, ROOTFS=${d.ROOTFS}; ACCEL=kvm CPU=host`,
    "   for KVM). The console is on stdout; poweroff in the guest ends QEMU. orchestrate's own",
    '   image boots with its initramfs, which mounts /dev/vda itself (no APPEND needed).',
    `4. Copy this directory into the guest (scp -P ${d.SSH_PORT} -r . root@127.0.0.1:repro, or any`,
    '   way) and run, as root in the guest: sh repro/repro.sh',
    '',
    'repro.sh reconfigures the NVDIMM namespaces and overwrites the scratch disk: run it only in the',
    'guest run-qemu.sh boots, whose NVDIMMs and disks are made empty in work/ on every start.',
  ].join('\n')}\n`;
}
