// Rendering results for people (a table per case) and for TAP consumers.
import { nothingTested, type RunResult, type TestResult } from './results.js';
import { VERDICTS } from './verdict.js';

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  19: 'ENODEV',
  22: 'EINVAL',
  95: 'EOPNOTSUPP',
};

/** One observed or expected value as people read it: an errno with its name, the rest as JSON. */
export function showValue(key: string, v: unknown): string {
  return key === 'errno' && typeof v === 'number' ? `${v} (${ERRNO_NAMES[v] ?? '?'})` : JSON.stringify(v ?? null);
}

export function describe(values: Record<string, unknown> | null): string {
  if (!values) return '-';
  return Object.entries(values)
    .filter(([key]) => key !== 'device' && key !== 'kind')
    .map(([key, v]) => `${key}=${showValue(key, v)}`)
    .join(' ');
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function caseLines(t: TestResult, width: number): string[] {
  const lines = [`${pad(t.name, width)}  ${t.verdict}  (${t.seconds.toFixed(1)} s)`];
  lines.push(`    expected: ${describe(t.expected)}`);
  lines.push(`    observed: ${describe(t.observed)}`);
  if (t.known)
    lines.push(
      `    known:    ${t.known.cause}`,
      `              (${t.known.id}; ${t.known.reference})`,
      `    raw:      ${t.raw?.verdict} ${t.raw?.reason}`,
    );
  else if (t.verdict !== 'PASS') lines.push(`    reason:   ${t.reason}`);
  if (t.note) lines.push(`    note:     ${t.note}`);
  for (const w of t.warnings) lines.push(`    warning:  ${w.title}`);
  for (const e of t.evidence) lines.push(`    evidence: ${e}`);
  return lines;
}

export function summaryLine(r: RunResult): string {
  const counts = VERDICTS.filter((v) => r.summary[v]).map((v) => `${r.summary[v]} ${v}`);
  const total = r.run.durations.total;
  const warn = r.warnings.length ? `, ${r.warnings.length} unexpected warning(s)` : '';
  const untested = r.tests.length && nothingTested(r.tests) ? ': nothing was tested' : '';
  const time = total !== undefined ? ` in ${total.toFixed(1)} s` : '';
  return `${counts.join(', ') || 'no tests'}${warn}${time}${untested}`;
}

export function renderText(r: RunResult): string {
  const k = r.run.kernel;
  const width = Math.max(0, ...r.tests.map((t) => t.name.length));
  const shard = r.run.shard ? `, shard ${r.run.shard.index}/${r.run.shard.count}` : '';
  const head = `kernel ${k.release} (${k.version}, ${k.source}) under ${r.run.accel.toUpperCase()}${shard}`;
  const body = r.tests.flatMap((t) => caseLines(t, width));
  const runWarnings = r.warnings.map((w) => `unexpected warning outside the tests (${w.source}): ${w.title}`);
  const retry = r.run.retry
    ? [
        `retried on a fresh guest (${r.run.retry.reason}): ${r.run.retry.cases.join(', ')}; run retry/${r.run.retry.run}`,
      ]
    : [];
  return [head, ...body, ...runWarnings, ...retry, summaryLine(r)].join('\n');
}

export function renderTap(r: RunResult): string {
  const lines = ['TAP version 14', `1..${r.tests.length}`];
  r.tests.forEach((t, i) => {
    const ok = t.verdict === 'PASS' || t.verdict === 'SKIP';
    const directive = t.verdict === 'SKIP' ? ` # SKIP ${t.reason}` : t.verdict === 'KNOWN' ? ` # TODO ${t.reason}` : '';
    lines.push(`${ok ? 'ok' : 'not ok'} ${i + 1} - ${t.name}${directive}`);
    if (!ok) lines.push('  ---', `  verdict: ${t.verdict}`, `  reason: ${JSON.stringify(t.reason)}`, '  ...');
  });
  if (r.tests.length && nothingTested(r.tests)) lines.push('# nothing was tested: every case SKIPped');
  return lines.join('\n');
}
