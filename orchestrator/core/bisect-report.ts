// The bisect answer as text for a terminal or a mail, and as the JSON other tools read.
import { short, type BisectResult } from './bisect.js';

export interface ReportView extends BisectResult {
  culpritInfo?: { commit: string; subject: string; author: string; date: string };
  subjects: Record<string, string>;
  builds: { used: number; built: number; cached: number; ideal: number };
  range: number;
  totalSeconds: number;
  log: string;
}

function secs(s: Record<string, number>): string {
  return ['build', 'boot', 'test'].map((k) => `${k} ${Math.round(s[k] ?? 0)}s`).join(' / ');
}

export function renderBisect(r: ReportView): string {
  const lines: string[] = [];
  if (r.status === 'found' && r.culprit) {
    const c = r.culpritInfo;
    lines.push(`${r.mode === 'regression' ? 'first bad commit' : 'first fixed commit'}: ${r.culprit}`);
    if (c) lines.push(`    ${c.subject}`, `    Author: ${c.author}`, `    Date:   ${c.date}`);
  } else {
    lines.push(r.message);
    for (const c of r.candidates) lines.push(`    ${short(c)} ${r.subjects[c] ?? ''}`);
  }
  if (r.signature.length) lines.push(`signature: ${r.signature.join('; ')}`);
  if (r.failRate < 1)
    lines.push(
      `failing end fails ${(r.failRate * 100).toFixed(0)}% of runs (cautious estimate); confidence in the answer: ${(r.confidence * 100).toFixed(1)}%`,
    );
  lines.push('', 'steps:');
  const width = Math.max(...r.steps.map((s) => short(s.commit).length));
  for (const s of r.steps) {
    lines.push(
      `  ${short(s.commit).padEnd(width)}  ${s.verdict.padEnd(4)}  ${`${s.fails}/${s.runs} failed`.padEnd(10)}  ${secs(s.seconds)}  ${r.subjects[s.commit] ?? ''}`,
    );
    if (s.reason && s.verdict === 'skip') lines.push(`  ${' '.repeat(width)}  ${s.reason}`);
  }
  lines.push(
    '',
    `${r.range} commits in range; ${r.builds.used} kernels built or fetched (${r.builds.cached} from the store), ⌈log2 N⌉ + 2 = ${r.builds.ideal}; ${r.totalSeconds} s in all`,
  );
  return lines.join('\n');
}

export function bisectJson(r: ReportView) {
  return {
    mode: r.mode,
    status: r.status,
    culprit: r.culprit
      ? {
          commit: r.culprit,
          subject: r.culpritInfo?.subject ?? r.subjects[r.culprit] ?? '',
          author: r.culpritInfo?.author,
          date: r.culpritInfo?.date,
        }
      : null,
    candidates: r.candidates,
    message: r.message,
    signature: r.signature,
    failRate: r.failRate,
    confidence: r.confidence,
    steps: r.steps.map((s) => ({ ...s, subject: r.subjects[s.commit] ?? '' })),
    builds: r.builds,
    range: r.range,
    totalSeconds: r.totalSeconds,
    log: r.log,
  };
}
