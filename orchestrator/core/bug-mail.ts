// mail.txt of a bug report: headers for git send-email or a mail client, then the sections a
// maintainer reads in order (summary, impact, kernel, expected and observed, why, the kernel's
// lines, stack, bisection, reproducer, tags). Pure.
import { parseConsole } from './console.js';
import {
  deviationOf,
  fmt,
  pick,
  REGRESSIONS_LIST,
  sameBug,
  STABLE_LIST,
  stableLine,
  summaryOf,
  taintOf,
  titleOf,
  wrap,
  type BugInputs,
  type BugReport,
  type KernelFacts,
} from './bug-report.js';
import { withCc } from './maintainers.js';
import { BOOT_CONSOLE } from './results.js';

const REPORT_LINES = 60;
const para = (text: string, indent = '  ') => wrap(text, 72 - indent.length).map((l) => indent + l);

export const isRegression = (i: BugInputs) =>
  i.bisect?.mode === 'regression' && ['found', 'range'].includes(i.bisect.status);

function headers(i: BugInputs, subject: string): string[] {
  const extra = [
    ...(stableLine(i.known?.kernels) ? [STABLE_LIST] : []),
    ...(isRegression(i) ? [REGRESSIONS_LIST] : []),
  ];
  const r = withCc(i.recipients ?? { to: [], cc: [] }, extra);
  return [
    ...(r.to.length ? [`To: ${r.to.join(',\n    ')}`] : []),
    ...(r.cc.length ? [`Cc: ${r.cc.join(',\n    ')}`] : []),
    `Subject: ${subject}`,
  ];
}

/** "QEMU 7.2.22 under TCG: pc,nvdimm=on, 2 vCPUs, 2G, NVDIMMs of 514M and 1026M, 1 scratch disk". */
export function machineOf(argv: string[], qemu: string, accel: string): string {
  const after = (flag: string) => argv[argv.indexOf(flag) + 1];
  const nvdimms = argv.filter((a) => a.startsWith('memory-backend-file')).map((a) => /size=([^,]+)/.exec(a)?.[1]);
  const disks = argv.filter((a, n) => argv[n - 1] === '-drive' && !a.includes('snapshot=on')).length;
  const parts = [after('-machine'), `${after('-smp')} vCPUs`, after('-m')?.split(',')[0]];
  if (nvdimms.length) parts.push(`NVDIMMs of ${nvdimms.join(' and ')}`);
  if (disks) parts.push(`${disks} scratch disk${disks > 1 ? 's' : ''}`);
  return `QEMU ${qemu} under ${accel.toUpperCase()}: ${parts.filter(Boolean).join(', ')}`;
}

function buildLines(k: KernelFacts): string[] {
  const b = k.build!;
  const series = b.series
    ? [
        `  series:   ${b.series.title ?? ''} (${b.series.subjects.length} patch${b.series.subjects.length > 1 ? 'es' : ''})`,
      ]
    : [];
  const from = b.source ? `, Debian's ${b.source.pkg} ${b.source.revision}` : '';
  return [
    `  commit:   ${b.commit.slice(0, 12)} (${b.describe}: "${b.subject}")${from}`,
    ...series,
    `  config:   tinyconfig + orchestrate's fragments ${b.fragments.join(', ')} (kernel.config); ${b.compiler}`,
  ];
}

function kernelSection(i: BugInputs): string[] {
  const k = i.kernel;
  const run = i.result.run;
  return [
    'Kernel',
    `  release:  ${k.release} (${k.version})`,
    ...(k.debian
      ? [`  package:  ${k.debian.pkg} ${k.debian.debVersion} (Debian; source package linux ${k.debian.debVersion})`]
      : []),
    ...(k.build ? buildLines(k) : []),
    `  taint:    ${taintOf(i.bootConsole ?? '', i.console, i.dmesg)}`,
    `  machine:  ${machineOf(run.qemu.argv, run.qemu.version, run.accel)}`,
    `  run:      orchestrate run ${run.id}, ${run.started}`,
    ...(run.snapshot?.restored ? restoredLines(i) : []),
  ];
}

/** A restored guest's console starts at the restore: where its boot is, or how to get one. */
function restoredLines(i: BugInputs): string[] {
  const boot =
    i.bootConsole === undefined
      ? 'its boot is not attached (run again with --no-snapshot for a console from QEMU start)'
      : `its boot up to the save is in ${BOOT_CONSOLE}`;
  return para(
    `guest:    restored from a snapshot saved after boot and setup: console.log starts at the restore; ${boot}`,
    '  ',
  );
}

function expectedSection(i: BugInputs): string[] {
  const t = i.test;
  const where = i.ruleSource ? ` (${i.ruleSource}, kernels ${i.rule?.kernels})` : '';
  const dev = deviationOf(t);
  const raw = t.raw ? `; without known-bug records ${t.raw.verdict}: ${t.raw.reason}` : '';
  return [
    `Expected${where}`,
    `  ${fmt(t.expected ?? {})}`,
    ...(i.rule?.why ? para(i.rule.why, '  ') : []),
    '',
    `Observed (verdict ${t.verdict}${raw})`,
    ...(Object.keys(dev).length ? [`  ${fmt(dev)}`] : []),
    ...para(`all values: ${fmt(t.observed ?? {})}`, '  '),
  ];
}

function whySection(i: BugInputs): string[] {
  const k = i.known;
  if (!k)
    return [
      'Why',
      ...para(
        'Not known yet: no known-bug record covers this; the expectation above says what a correct kernel does and why.',
      ),
    ];
  return [
    `Why (known bug ${k.id}, configs/known/${k.source.split('/').pop()})`,
    ...para(k.cause),
    ...para(`Reference: ${k.reference}`),
    ...(k.note ? para(k.note) : []),
  ];
}

/** The case's kernel reports as dmesg.txt has them, the first of each title, cut at REPORT_LINES lines. */
export function reportTexts(i: BugInputs): { title: string; text: string }[] {
  const titles = new Set(i.test.warnings.map((w) => w.title));
  const found = new Map<string, string>();
  for (const r of parseConsole(i.dmesg))
    if (titles.has(r.title) && !found.has(r.title))
      found.set(r.title, r.report.split('\n').slice(0, REPORT_LINES).join('\n'));
  return [...found].map(([title, text]) => ({ title, text }));
}

function logSection(i: BugInputs): string[] {
  const texts = reportTexts(i);
  const evidence = i.test.evidence.map((e) => `  ${e}`);
  if (!i.test.warnings.length)
    return [
      "The kernel's lines",
      ...para('No kernel report (WARNING, BUG, Oops, hung task, ...) during the case; dmesg.txt has the whole log.'),
      ...evidence,
    ];
  const elsewhere = i.test.warnings.filter((w) => !texts.some((t) => t.title === w.title));
  return [
    "The kernel's lines",
    ...texts.flatMap((t) => [...t.text.split('\n').map((l) => `  ${l}`), '']),
    ...elsewhere.map((w) => `  ${w.title} (in ${w.source === 'dmesg' ? 'dmesg.txt' : 'console.log'})`),
    ...evidence,
  ];
}

function stackSection(i: BugInputs): string[] {
  if (!i.test.warnings.length) return [];
  if (i.decoded)
    return [
      'Decoded stack (scripts/decode_stacktrace.sh)',
      ...i.decoded
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    ];
  const k = i.kernel;
  const how = k.debian
    ? `Not decoded here: Debian ships the symbols in ${k.debian.pkg}-dbg; with it installed, scripts/decode_stacktrace.sh /usr/lib/debug/boot/vmlinux-${k.release} < dmesg.txt decodes it.`
    : /^CONFIG_DEBUG_INFO_NONE=y$/m.test(i.config ?? '')
      ? 'Not decoded: the build has no debug info (CONFIG_DEBUG_INFO_NONE=y); a build with CONFIG_DEBUG_INFO_DWARF5=y and scripts/decode_stacktrace.sh vmlinux < dmesg.txt would.'
      : 'Not decoded: no kernel tree or vmlinux with debug info was at hand (scripts/decode_stacktrace.sh vmlinux < dmesg.txt).';
  return ['Decoded stack', ...para(how)];
}

function bisectSection(i: BugInputs): string[] {
  const b = i.bisect;
  if (!b) return [];
  const head = b.culprit
    ? [
        `  ${b.mode === 'regression' ? 'first bad commit' : 'first fixed commit'}: ${b.culprit.commit.slice(0, 12)} ("${b.culprit.subject}")`,
      ]
    : para(b.message);
  const who = b.culprit?.author ? [`  Author: ${b.culprit.author}${b.culprit.date ? `, ${b.culprit.date}` : ''}`] : [];
  const steps = b.steps.map((s) =>
    `    ${s.commit.slice(0, 12)}  ${s.verdict.padEnd(4)}  ${s.fails}/${s.runs} failed  ${s.subject ?? ''}`.trimEnd(),
  );
  return [`Bisection (orchestrate bisect, ${b.mode})`, ...head, ...who, '  steps:', ...steps, ...regzbot(i)];
}

function regzbot(i: BugInputs): string[] {
  const b = i.bisect;
  if (!b || !isRegression(i)) return [];
  if (b.culprit) return ['', `#regzbot introduced: ${b.culprit.commit.slice(0, 12)}`];
  const [first, last] = [b.candidates[0], b.candidates[b.candidates.length - 1]];
  return first ? ['', `#regzbot introduced: ${first.slice(0, 12)}^..${last.slice(0, 12)}`] : [];
}

function reproducerSection(i: BugInputs): string[] {
  if ('none' in i.reproducer) return ['Reproducer', ...para(`None: ${i.reproducer.none}.`)];
  return [
    'Reproducer',
    ...para(
      "repro/ (attached) runs without orchestrate: run-qemu.sh boots the kernel in the machine above with plain QEMU, repro.sh prepares the guest as the test's setup does and runs the workload, built from its C source by the Makefile beside it; repro/README has the steps.",
    ),
    ...para(`On an affected kernel repro.sh's last line shows ${i.reproducer.shows}.`),
  ];
}

/** The Fixes: tag a fix should carry: the bisected culprit, else the known record's. */
export function fixesTag(i: BugInputs): string | undefined {
  const c = i.bisect?.mode === 'regression' ? i.bisect.culprit : null;
  return c ? `${c.commit.slice(0, 12)} ("${c.subject}")` : i.known?.fixes;
}

function tagsSection(i: BugInputs): string[] {
  const fixes = fixesTag(i);
  return [
    'If you fix it, please add',
    `  Reported-by: ${i.reportedBy ?? 'NAME <ADDRESS> (orchestrate report --bug --reported-by)'}`,
    ...(fixes ? [`  Fixes: ${fixes}`] : []),
  ];
}

function footer(i: BugInputs): string[] {
  const recipients = i.recipients
    ? []
    : [
        `Recipients: no kernel tree was given; scripts/get_maintainer.pl -f ${i.causeFiles.join(' ') || 'FILE'} names them.`,
      ];
  return [
    `Attached: ${i.attachments.join(', ')}.`,
    'To test a fix: orchestrate retest DIR --series fix.mbox, DIR being this report, builds the',
    'kernel with it and runs repro.sh.',
    ...recipients,
    '',
    '-- ',
    `Written by orchestrate report --bug from run ${i.result.run.id}, case ${i.test.name}; not sent.`,
  ];
}

function body(i: BugInputs): string[] {
  const impact = (i.known?.impact ?? 'not stated: say what it breaks for users before sending').replace(/\.?$/, '.');
  const others = sameBugLines(i);
  const sections = [
    ['Hi,'],
    wrap(summaryOf(i)),
    wrap(`Impact: ${impact}`),
    kernelSection(i),
    expectedSection(i),
    whySection(i),
    others,
    logSection(i),
    stackSection(i),
    bisectSection(i),
    reproducerSection(i),
    tagsSection(i),
    footer(i),
  ];
  return sections.filter((s) => s.length).flatMap((s, n) => (n ? ['', ...s] : s));
}

function sameBugLines(i: BugInputs): string[] {
  const same = sameBug(i.result, i.test);
  return same.length ? wrap(`The same in this run: ${same.join(', ')}.`) : [];
}

/** mail.txt, its subject, and report.json's record. */
export function renderBugReport(i: BugInputs): BugReport {
  const line = stableLine(i.known?.kernels);
  const subject = `[${isRegression(i) ? 'REGRESSION' : 'BUG'}] ${titleOf(i, line)}`;
  const mail = `${[...headers(i, subject), '', ...body(i)].join('\n')}\n`;
  const t = i.test;
  const record = {
    format: 'orchestrate-bug-report/1',
    subject,
    case: t.name,
    verdict: t.verdict,
    reason: t.reason,
    run: { id: i.result.run.id, started: i.result.run.started },
    kernel: i.kernel,
    expected: t.expected,
    observed: t.observed,
    deviates: deviationOf(t),
    warnings: t.warnings.map((w) => w.title),
    known: t.known,
    stable: line ?? null,
    reproducer: 'shows' in i.reproducer,
    correct: pick(t.expected, deviationOf(t)),
  };
  return { subject, mail, record };
}
