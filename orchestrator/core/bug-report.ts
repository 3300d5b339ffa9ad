// A maintainer-ready bug report from one case of a run: the facts (kernel, expected and observed,
// why, the kernel's own lines, bisection) as mail.txt, and as report.json for `orchestrate retest`.
// Modelled on syzbot's reports and Documentation/admin-guide/reporting-issues.rst. Pure.
import { deviatingFields, type ExpectationRule } from './expectations.js';
import type { KnownRecord } from './known.js';
import type { Recipients } from './maintainers.js';
import { describe } from './render.js';
import type { RunResult, TestResult } from './results.js';

/** What a report says of the kernel: never the host's path to its tree. */
export interface KernelFacts {
  id: string;
  release: string;
  version: string;
  source: string;
  debian?: { pkg: string; debVersion: string };
  build?: {
    source?: { pkg: string; revision: string };
    commit: string;
    describe: string;
    subject: string;
    series?: { title?: string; subjects: string[] };
    fragments: string[];
    compiler: string;
  };
}

/** A bisection as `orchestrate bisect --json` writes it. */
export interface BisectFacts {
  mode: 'regression' | 'fix';
  status: string;
  culprit: { commit: string; subject: string; author?: string; date?: string } | null;
  candidates: string[];
  message: string;
  steps: { commit: string; verdict: string; fails: number; runs: number; subject?: string }[];
}

export interface BugInputs {
  result: RunResult;
  test: TestResult;
  console: string;
  /** A restored run's: the saved guest's boot, up to the save (console starts at the restore). */
  bootConsole?: string;
  dmesg: string;
  kernel: KernelFacts;
  config?: string;
  known?: KnownRecord;
  rule?: ExpectationRule;
  /** Where the rule is, as the repository names it. */
  ruleSource?: string;
  /** The case's summary from its suite. */
  caseSummary?: string;
  recipients?: Recipients;
  /** The source files the cause names (get_maintainer.pl's input). */
  causeFiles: string[];
  bisect?: BisectFacts;
  /** scripts/decode_stacktrace.sh's output for the case's reports. */
  decoded?: string;
  reportedBy?: string;
  /** What repro/README says the reproducer shows, or why there is none. */
  reproducer: { shows: string } | { none: string };
  attachments: string[];
}

export interface BugReport {
  subject: string;
  mail: string;
  record: Record<string, unknown>;
}

export const STABLE_LIST = 'stable@vger.kernel.org';
export const REGRESSIONS_LIST = 'regressions@lists.linux.dev';

/** "6.1.y" when RANGE lies inside one stable line and starts after its .0 (">=6.1.75 <6.2"): a stable-only bug. */
export function stableLine(range: string | undefined): string | undefined {
  const m = /^>=(\d+)\.(\d+)\.(\d+)\s+<(\d+)\.(\d+)$/.exec(range?.trim() ?? '');
  if (!m || Number(m[3]) === 0) return undefined;
  const sameLine = m[1] === m[4] && Number(m[5]) === Number(m[2]) + 1;
  return sameLine ? `${m[1]}.${m[2]}.y` : undefined;
}

/** The kernel's taint as its own lines say it, or that none was shown. */
export function taintOf(...logs: string[]): string {
  const lines = logs.flatMap((l) => l.split('\n'));
  const flags = lines.map((l) => /Tainted: ([A-Z ]*[A-Z])/.exec(l)?.[1]).filter(Boolean);
  const why = lines.filter((l) => /taints kernel|Disabling lock debugging due to kernel taint/.test(l));
  if (!flags.length && !why.length)
    return lines.some((l) => /\bNot tainted\b/.test(l))
      ? 'not tainted (its report says "Not tainted")'
      : 'none shown (no "Tainted:" line or taint message in the console or dmesg)';
  const last = flags.length ? `Tainted: ${flags[flags.length - 1]}` : 'tainted';
  return [last, ...why.slice(0, 3).map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim())].join('; ');
}

/** The fields of the expectation the case missed, with what was observed. */
export function deviationOf(t: TestResult): Record<string, unknown> {
  return t.expected && t.observed ? deviatingFields(t.expected, t.observed) : {};
}

export const fmt = (values: Record<string, unknown>) => describe(values) || '-';

/** The other cases of the run that show the same bug: the same record, or the same deviation and reports. */
export function sameBug(result: RunResult, t: TestResult): string[] {
  const key = (c: TestResult) =>
    c.known?.id ??
    `${c.verdict}:${Object.keys(deviationOf(c)).sort().join(',')}:${c.warnings.map((w) => w.title).join(';')}`;
  return result.tests.filter((c) => c !== t && c.verdict === t.verdict && key(c) === key(t)).map((c) => c.name);
}

export function titleOf(i: BugInputs, line?: string): string {
  const title =
    i.known?.title ??
    i.test.warnings[0]?.title ??
    `${i.test.name}: ${fmt(deviationOf(i.test))} (expected ${fmt(pick(i.test.expected, deviationOf(i.test)))})`;
  return line ? `${line}: ${title}` : title;
}

export const pick = (values: Record<string, unknown> | null, keys: Record<string, unknown>) =>
  Object.fromEntries(Object.keys(keys).map((k) => [k, values?.[k] ?? null]));

export function kernelName(k: KernelFacts): string {
  if (k.debian) return `Debian's ${k.version} (${k.release}, ${k.debian.pkg} ${k.debian.debVersion})`;
  if (k.build?.source) return `${k.version} built from Debian's ${k.build.source.pkg} ${k.build.source.revision}`;
  return `${k.release} (${k.source === 'build' ? `built from ${k.build?.describe ?? 'a tree'}` : 'a kernel image'})`;
}

/** One sentence: the kernel, the case and what it does, what went wrong. */
export function summaryOf(i: BugInputs): string {
  const what = i.caseSummary ? `${i.test.name} (${i.caseSummary})` : i.test.name;
  const dev = deviationOf(i.test);
  const titles = i.test.warnings.map((w) => w.title).join('; ');
  const wrong = Object.keys(dev).length
    ? `observes ${fmt(dev)} where ${fmt(pick(i.test.expected, dev))} is correct${titles ? `, and the kernel reports ${titles}` : ''}`
    : `ends with ${titles || i.test.reason}`;
  return `On ${kernelName(i.kernel)}, ${what} ${wrong}.`;
}

/** Words wrapped at WIDTH, each line after the first indented by INDENT. */
export function wrap(text: string, width = 72, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** RUN[/CASE] as a run directory and a case name: the longest prefix that IS_RUN says is a run. */
export function splitRunTarget(
  target: string,
  isRun: (path: string) => boolean,
): { run: string; caseName?: string } | undefined {
  const parts = target.replace(/\/+$/, '').split('/');
  for (let n = parts.length; n > 0; n--) {
    const run = parts.slice(0, n).join('/') || '/';
    if (isRun(run)) return { run, caseName: parts.slice(n).join('/') || undefined };
  }
  return undefined;
}

const REPORTABLE = ['FAIL', 'CRASH', 'KNOWN'];

/** The run's cases of NAME's suite (or all), at most ten named. */
function casesLike(result: RunResult, name: string): string {
  const suite = name.split('/')[0];
  const same = result.tests.filter((c) => c.name.startsWith(`${suite}/`));
  const names = (same.length ? same : result.tests).map((c) => c.name);
  const more = names.length > 10 ? ` and ${names.length - 10} more` : '';
  return `cases: ${names.slice(0, 10).join(', ')}${more}`;
}

/** The case to report: the one named, else the run's first FAIL, CRASH or KNOWN; or why there is none. */
export function pickCase(result: RunResult, name?: string): TestResult | string {
  if (name) {
    const t = result.tests.find((c) => c.name === name);
    if (!t) return `no case ${name} in run ${result.run.id} (${casesLike(result, name)})`;
    return REPORTABLE.includes(t.verdict) ? t : `${name} is ${t.verdict} in run ${result.run.id}: nothing to report`;
  }
  const t = result.tests.find((c) => REPORTABLE.includes(c.verdict));
  const tally = Object.entries(result.summary)
    .filter(([, n]) => n)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
  return t ?? `no FAIL, CRASH or KNOWN case in run ${result.run.id} (${tally || 'no cases'})`;
}

/** What a report may say of a stored kernel: its record without the host's path to the tree. */
export function kernelFacts(
  run: { id: string; release: string; version: string; source: string },
  record?: { debian?: KernelFacts['debian']; build?: KernelFacts['build'] & { tree?: string } },
): KernelFacts {
  const b = record?.build;
  const build = b && {
    source: b.source,
    commit: b.commit,
    describe: b.describe,
    subject: b.subject,
    series: b.series && { title: b.series.title, subjects: b.series.subjects },
    fragments: b.fragments,
    compiler: b.compiler,
  };
  return { ...run, ...(record?.debian ? { debian: record.debian } : {}), ...(build ? { build } : {}) };
}
