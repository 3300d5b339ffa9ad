// `orchestrate retest`: whether a report's bug is gone with a patch (syzbot's "#syz test"), judged
// from what the report's reproducer printed on the patched kernel (and, as a control, on the same
// build without the patch), and the reply mail that says so. Pure.
import { fmt, wrap, type KernelFacts } from './bug-report.js';
import { mismatches } from './expectations.js';

/** report.json as `orchestrate report --bug` writes it: what retest needs of it. */
export interface BugRecord {
  format: 'orchestrate-bug-report/1';
  subject: string;
  case: string;
  kernel: KernelFacts;
  expected: Record<string, unknown> | null;
  deviates: Record<string, unknown>;
  warnings: string[];
  reproducer: boolean;
}

/** The record, or why it is not one. */
export function parseBugRecord(raw: unknown): BugRecord | string {
  const r = raw as Partial<BugRecord> | null;
  if (r?.format !== 'orchestrate-bug-report/1') return 'not an orchestrate bug report (report.json format)';
  if (typeof r.case !== 'string' || typeof r.subject !== 'string' || !r.kernel)
    return 'report.json lacks case, subject or kernel';
  if (!r.reproducer) return 'the report has no reproducer (repro/)';
  return { ...r, deviates: r.deviates ?? {}, warnings: r.warnings ?? [], expected: r.expected ?? null } as BugRecord;
}

/** What one run of repro.sh gave. */
export interface ReproRun {
  /** repro.sh's exit status. */
  code: number;
  observed?: Record<string, unknown>;
  /** Kernel report titles in the guest's log after it. */
  reports: string[];
  /** Why the observation does not show the race the case claims to test (the suite's precondition). */
  notTested?: string;
}

export type Outcome = 'gone' | 'reproduces' | 'changed' | 'inconclusive';

export interface Judged {
  outcome: Outcome;
  reason: string;
}

/** The bug's observed values that show again, and its reports that show again. */
function again(bug: BugRecord, run: ReproRun): string[] {
  const same = Object.entries(bug.deviates).filter(
    ([k, v]) => JSON.stringify(run.observed?.[k] ?? null) === JSON.stringify(v ?? null),
  );
  return [...same.map(([k, v]) => fmt({ [k]: v })), ...bug.warnings.filter((w) => run.reports.includes(w))];
}

export function judgeRun(bug: BugRecord, run: ReproRun): Judged {
  if (!run.observed)
    return { outcome: 'inconclusive', reason: `repro.sh printed no observation (exit status ${run.code})` };
  if (run.notTested) return { outcome: 'inconclusive', reason: run.notTested };
  const shown = again(bug, run);
  if (shown.length) return { outcome: 'reproduces', reason: `${shown.join(', ')} again` };
  const wrong = bug.expected ? mismatches(bug.expected, run.observed) : [];
  const news = run.reports.filter((r) => !bug.warnings.includes(r));
  if (!wrong.length && !news.length) return { outcome: 'gone', reason: `${fmt(run.observed)}` };
  return { outcome: 'changed', reason: [...wrong, ...news.map((r) => `kernel report: ${r}`)].join('; ') };
}

/** Gone with the patch, and (when a control ran) still there without it. */
export function verdictOf(patched: Judged, control?: Judged): { gone: boolean; line: string } {
  if (control && control.outcome !== 'reproduces')
    return {
      gone: false,
      line: `inconclusive: without the patch the same build does not reproduce it either (${control.outcome})`,
    };
  if (patched.outcome === 'gone') return { gone: true, line: 'the bug is gone with the patch' };
  return { gone: false, line: `the bug is not gone: ${patched.outcome}` };
}

export interface ReplyFacts {
  bug: BugRecord;
  series: { title: string; subjects: string[] };
  /** How the tested kernel was made (tree, commit, config), one line each. */
  built: string[];
  patched: { judged: Judged; kernel: string };
  control?: { judged: Judged; kernel: string };
  testedBy?: string;
}

/** The reply to the report: what was tested, on what, and whether the bug is gone. */
export function renderReply(f: ReplyFacts): string {
  const v = verdictOf(f.patched.judged, f.control?.judged);
  const n = f.series.subjects.length;
  const lines = [
    `Subject: Re: ${f.bug.subject}`,
    '',
    `orchestrate retest ran this report's reproducer (repro/repro.sh, ${f.bug.case}) on a kernel`,
    `with the patch${n > 1 ? `es (${n})` : ''} "${f.series.title}":`,
    ...f.built.map((l) => `  ${l}`),
    '',
    `Result: ${v.line}.`,
    ...wrap(
      `with the patch (${f.patched.kernel}): ${f.patched.judged.outcome}: ${f.patched.judged.reason}`,
      72,
      '    ',
    ).map((l) => `  ${l}`),
    ...(f.control
      ? wrap(
          `without it (${f.control.kernel}, the control): ${f.control.judged.outcome}: ${f.control.judged.reason}`,
          72,
          '    ',
        ).map((l) => `  ${l}`)
      : ['  (no control run: --no-control)']),
    ...(v.gone && f.testedBy ? ['', `Tested-by: ${f.testedBy}`] : []),
    '',
    '-- ',
    'Written by orchestrate retest; not sent.',
  ];
  return `${lines.join('\n')}\n`;
}

/** The reply when the patch did not apply or build: syzbot's "failed to apply". */
export function renderUnbuilt(bug: BugRecord, series: { title: string }, why: string): string {
  return `${[
    `Subject: Re: ${bug.subject}`,
    '',
    `orchestrate retest could not test the patch "${series.title}" on this report's kernel:`,
    ...wrap(why, 70).map((l) => `  ${l}`),
    '',
    'Result: not tested; the bug is not known to be gone.',
    '',
    '-- ',
    'Written by orchestrate retest; not sent.',
  ].join('\n')}\n`;
}
