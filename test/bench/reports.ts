// npm run bench -- --reports DIR: the console parser against syzkaller's golden corpus
// (pkg/report/testdata/linux/report of a google/syzkaller checkout, or the checkout itself).
// Recall, exact-title agreement (plus the listed deliberate differences), false alarms on the
// logs without a report, and the parse time of a 5 MB console.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConsole, titleDifference, type KernelReport } from '../../orchestrator/core/console.js';
import { median } from '../../orchestrator/core/median.js';
import { fixturesDir } from '../../orchestrator/paths.js';

const CORPUS_PATH = 'pkg/report/testdata/linux/report';
export const MANIFEST = join(fixturesDir, 'console', 'syzkaller-corpus.manifest');

export interface CorpusEntry {
  path: string;
  sha256: string;
  title?: string;
  corrupted: boolean;
  log: string;
}

/** A corpus file: header lines up to the first empty one, the log, optionally an empty line,
 *  "REPORT:" and the report syzkaller cuts out of the log. */
export function parseCorpusFile(path: string, bytes: Buffer): CorpusEntry {
  const lines = bytes.toString('latin1').replace(/\r/g, '').split('\n');
  const blank = lines.indexOf('');
  const header = lines.slice(0, Math.max(blank, 0));
  const log = lines.slice(blank + 1);
  const report = log.findIndex((l, i) => l === 'REPORT:' && log[i - 1] === '');
  const value = (key: string) => header.find((l) => l.startsWith(`${key}: `))?.slice(key.length + 2);
  return {
    path,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    title: value('TITLE'),
    corrupted: value('CORRUPTED') === 'Y',
    log: (report < 0 ? log : log.slice(0, report)).join('\n'),
  };
}

export function readCorpus(dir: string): CorpusEntry[] {
  const root = existsSync(join(dir, CORPUS_PATH)) ? join(dir, CORPUS_PATH) : dir;
  const names = readdirSync(root).filter((n) => /^\d+$/.test(n));
  if (!names.length) throw new Error(`${dir}: no syzkaller report corpus (${CORPUS_PATH}) here`);
  names.sort((a, b) => Number(a) - Number(b));
  return names.map((n) => parseCorpusFile(`${CORPUS_PATH}/${n}`, readFileSync(join(root, n))));
}

type Verdict = 'exact' | 'deliberate' | 'differs' | 'missed' | 'false-alarm' | 'clean';

interface Scored {
  entry: CorpusEntry;
  ours?: KernelReport;
  verdict: Verdict;
  rule?: string;
}

export function score(entry: CorpusEntry): Scored {
  const [ours] = parseConsole(entry.log);
  if (!entry.title) return { entry, ours, verdict: ours ? 'false-alarm' : 'clean' };
  if (ours?.title === entry.title) return { entry, ours, verdict: 'exact' };
  const rule = titleDifference(entry.title, ours?.title);
  if (rule) return { entry, ours, verdict: 'deliberate', rule };
  return { entry, ours, verdict: ours ? 'differs' : 'missed' };
}

const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)} %`;

function countBy<T>(items: T[], key: (item: T) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

function figures(rows: Scored[]): string[] {
  const withReport = rows.filter((r) => r.entry.title);
  const found = withReport.filter((r) => r.ours);
  const corruptedAgrees = found.filter((r) => Boolean(r.ours!.corrupted) === r.entry.corrupted).length;
  const exact = rows.filter((r) => r.verdict === 'exact').length;
  const listed = rows.filter((r) => r.verdict === 'deliberate');
  const alarms = rows.filter((r) => r.verdict === 'false-alarm');
  return [
    `recall                 ${found.length}/${withReport.length} = ${pct(found.length, withReport.length)}`,
    `exact title            ${exact}/${withReport.length} = ${pct(exact, withReport.length)}`,
    ...countBy(listed, (r) => r.rule!).map(([rule, n]) => `  + deliberate         ${n}  ${rule}`),
    `exact or deliberate    ${exact + listed.length}/${withReport.length} = ${pct(exact + listed.length, withReport.length)}`,
    `false alarms           ${alarms.length}/${rows.length - withReport.length}${alarms.map((r) => ` ${r.entry.path}`).join('')}`,
    `corrupted as theirs    ${corruptedAgrees}/${found.length} = ${pct(corruptedAgrees, found.length)}`,
  ];
}

function differences(rows: Scored[]): string[] {
  return rows
    .filter((r) => r.verdict === 'differs' || r.verdict === 'missed')
    .map(
      (r) =>
        `  ${r.entry.path.split('/').pop()}: want "${r.entry.title}", got ${r.ours ? `"${r.ours.title}"` : 'nothing'}`,
    );
}

/** The manifest: "# syzkaller-commit: SHA", then path, sha256, corrupted (Y/N), title (tab-separated). */
export function manifestText(commit: string, entries: CorpusEntry[]): string {
  const rows = entries.map((e) => [e.path, e.sha256, e.corrupted ? 'Y' : 'N', e.title ?? ''].join('\t'));
  return [`# syzkaller-commit: ${commit}`, '# path\tsha256\tcorrupted\ttitle', ...rows, ''].join('\n');
}

function manifestCheck(entries: CorpusEntry[]): string[] {
  if (!existsSync(MANIFEST)) return [`no manifest at ${MANIFEST}`];
  const text = readFileSync(MANIFEST, 'utf8');
  const commit = /^# syzkaller-commit: (\w+)/m.exec(text)?.[1];
  const known = new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t') as [string, string]),
  );
  const changed = entries.filter((e) => known.get(e.path) !== e.sha256).map((e) => e.path);
  const gone = [...known.keys()].filter((p) => !entries.some((e) => e.path === p));
  if (!changed.length && !gone.length) return [`corpus matches the manifest (syzkaller ${commit})`];
  return [
    `WARNING: the corpus is not the manifest's (syzkaller ${commit}): ${changed.length} files differ or are new, ${gone.length} missing`,
    ...[...changed, ...gone].slice(0, 10).map((p) => `  ${p}`),
  ];
}

/** A console of at least `bytes`: the corpus logs end to end, as one long boot. */
function bigConsole(entries: CorpusEntry[], bytes: number): string {
  const parts: string[] = [];
  for (let size = 0; size < bytes;) {
    for (const e of entries) {
      parts.push(e.log);
      size += e.log.length;
      if (size >= bytes) break;
    }
  }
  return parts.join('\n');
}

function parseSeconds(text: string, runs: number): { seconds: number[]; reports: number } {
  let reports = 0;
  const seconds = Array.from({ length: runs }, () => {
    const t = performance.now();
    reports = parseConsole(text).length;
    return (performance.now() - t) / 1000;
  });
  return { seconds, reports };
}

export interface ReportsOptions {
  verbose: boolean;
  writeManifest?: string;
}

export function reportsBench(dir: string, o: ReportsOptions): string[] {
  const entries = readCorpus(dir);
  if (o.writeManifest) writeFileSync(MANIFEST, manifestText(o.writeManifest, entries));
  const rows = entries.map(score);
  const text = bigConsole(entries, 5 << 20);
  const { seconds, reports } = parseSeconds(text, 5);
  const mb = (text.length / (1 << 20)).toFixed(1);
  return [
    `console parser on syzkaller's corpus (${entries.length} logs, ${dir})`,
    ...manifestCheck(entries),
    ...figures(rows),
    `parse of a ${mb} MB console (the corpus end to end, ${reports} reports)  ${(median(seconds) * 1000).toFixed(0)} ms ` +
      `median of ${seconds.length}, first ${(seconds[0] * 1000).toFixed(0)} ms`,
    ...(o.verbose ? ['titles that differ or are missed:', ...differences(rows)] : []),
  ];
}
