// What the HTML pages (the nightly's and the matrix's) show of one case: a block of evidence a
// table cell links to, with the values, the warnings and links to the run's logs. Pure: the run's
// files come in as data, and every text is escaped here.
import type { RunResult, TestResult } from './results.js';
import type { KnownRef } from './verdict.js';
import { showValue } from './render.js';

/** A run's results directory as a page sees it. */
export interface RunFiles {
  /** The run's logs that exist, each with its link relative to the page. */
  logs: { name: string; href: string }[];
  /** The run directory as the page links to it (a case's own files are under it). */
  dirHref?: string;
  /** Its results.json; null when it could not be read, and `missing` says why. */
  result: RunResult | null;
  missing?: string;
}

/** What a cell says of its case besides the run's files. */
export interface CaseFacts {
  /** The case, as results.json names it. */
  name: string;
  /** The cell's word: a nightly class or a verdict. */
  verdict: string;
  /** Why that word. */
  why: string;
  known?: KnownRef;
  note?: string;
  warnings: { title: string; source?: string }[];
  /** Further label and text pairs (kernel, seconds, differing values). */
  more: [string, string][];
}

const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' };
export const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ENTITIES[c]);

/** An anchor id from the parts of a name: letters, digits, '.', '_' and '-' only. */
export function anchorId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_-]+/g, '_')).join('.');
}

/** The log each warning source was read from. */
const LOG_OF_SOURCE: Record<string, string> = {
  dmesg: 'dmesg.txt',
  console: 'console.log',
  'peer-dmesg': 'peer-dmesg.txt',
  'peer-console': 'peer-console.log',
};

export const linkHtml = (href: string, text: string) => `<a href="${esc(href)}">${esc(text)}</a>`;

/** A reference that is an address is a link. */
function knownHtml(k: KnownRef): string {
  const ref = /^https?:\/\/\S+$/.test(k.reference) ? linkHtml(k.reference, k.reference) : esc(k.reference);
  return `${esc(k.cause)}<br>record <code>${esc(k.id || '(none)')}</code>${k.reference ? `; ${ref}` : ''}`;
}

/** Expected beside observed, one row per field; a field that differs from its expectation is marked. */
function valuesHtml(t: TestResult): string {
  if (!t.expected && !t.observed) return 'nothing measured: the case did not get to run';
  const keys = [...new Set([...Object.keys(t.expected ?? {}), ...Object.keys(t.observed ?? {})])];
  const cell = (values: Record<string, unknown> | null, k: string) =>
    values && k in values ? esc(showValue(k, values[k])) : '–';
  const rows = keys.map((k) => {
    const [want, got] = [cell(t.expected, k), cell(t.observed, k)];
    const differs = !!t.expected && k in t.expected && want !== got;
    return `<tr${differs ? ' class="differs"' : ''}><td>${esc(k)}</td><td>${want}</td><td>${got}</td></tr>`;
  });
  return `<table class="values"><tr><th>field</th><th>expected</th><th>observed</th></tr>${rows.join('')}</table>`;
}

type Item = [label: string, html: string];

/** An item only when there is something to show. */
const itemIf = (label: string, html: string | false | undefined): Item[] => (html ? [[label, html]] : []);

/** A warning's title, and the log it was read from as a link when the run has that log. */
export function warningHtml(w: { title: string; source?: string }, run: RunFiles | undefined): string {
  const log = run?.logs.find((l) => l.name === LOG_OF_SOURCE[w.source ?? '']);
  return `${esc(w.title)}${w.source ? ` (${log ? linkHtml(log.href, w.source) : esc(w.source)})` : ''}`;
}

/** What the run's results.json adds; why it is missing when it is. */
function resultItems(facts: CaseFacts, run: RunFiles | undefined): Item[] {
  if (!run) return [['run', 'no run directory recorded for this result']];
  if (!run.result) return [['results', esc(run.missing ?? 'results.json unreadable')]];
  const test = run.result.tests.find((t) => t.name === facts.name);
  if (!test) return [['results', `no result for ${esc(facts.name)} in results.json`]];
  return [
    ...itemIf('reason', test.reason !== facts.why && esc(test.reason)),
    ...itemIf('raw verdict', test.raw && esc(`${test.raw.verdict} ${test.raw.reason}`)),
    ['values', valuesHtml(test)],
    ...test.evidence.map((e): Item => ['evidence', esc(e)]),
    ...itemIf('files', run.dirHref !== undefined && filesHtml(run.dirHref, test.files ?? [])),
  ];
}

/** A case's own files (fstests' .out.bad, .full, .dmesg), each a link. */
function filesHtml(dirHref: string, files: string[]): string {
  const href = (f: string) => [dirHref, ...f.split('/').map(encodeURIComponent)].join('/');
  return files.map((f) => linkHtml(href(f), f.split('/').slice(1).join('/') || f)).join(' · ');
}

/**
 * A case's evidence, folded until a link to ID opens it (browsers open a closed <details> around
 * the element a fragment names).
 */
export function evidenceBlock(b: {
  id: string;
  title: string;
  color: string;
  facts: CaseFacts;
  run?: RunFiles;
}): string {
  const { facts, run } = b;
  const test = run?.result?.tests.find((t) => t.name === facts.name);
  const known = test?.known ?? facts.known;
  const note = test?.note ?? facts.note;
  const warnings = facts.warnings.map((w) => `<li>${warningHtml(w, run)}</li>`).join('');
  return folded(b.id, `<b>${esc(facts.verdict)}</b> ${esc(b.title)}`, b.color, [
    ['why', esc(facts.why || '–')],
    ...itemIf('known', known && knownHtml(known)),
    ...itemIf('note', note && esc(note)),
    ...resultItems(facts, run),
    ...itemIf('warnings', warnings && `<ul>${warnings}</ul>`),
    ...itemIf('logs', run && (run.logs.map((l) => linkHtml(l.href, l.name)).join(' · ') || 'none found')),
    ...facts.more.map(([k, v]): Item => [k, esc(v)]),
  ]);
}

/** A <details> whose summary is SUMMARY (HTML) and whose body, the element ID names, lists label and HTML pairs. */
export function folded(id: string, summary: string, color: string, items: Item[]): string {
  const body = items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('');
  return (
    `<details class="evidence"><summary style="background:${color}">${summary}</summary>` +
    `<div id="${id}"><dl>${body}</dl></div></details>`
  );
}

const STYLE = [
  'body{font-family:sans-serif;margin:2em}',
  'table{border-collapse:collapse;margin-bottom:1em}',
  'td,th{border:1px solid #bbb;padding:4px 8px;font-size:13px;text-align:left;vertical-align:top}',
  'td a{color:inherit;text-decoration:underline dotted #888;display:block}',
  'td a:hover{text-decoration:underline}',
  '.evidence{margin:2px 0;font-size:13px}',
  '.evidence summary{padding:2px 6px;cursor:pointer}',
  '.evidence>div{scroll-margin-top:3em;padding:4px 12px;border-left:3px solid #999}',
  '.evidence>div:target{border-left-color:#d62728}',
  'dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:0}',
  'dt{font-weight:bold}',
  'dd{margin:0}',
  'tr.differs td{color:#b00000;font-weight:bold}',
  'small{color:#555}',
].join('');

/** A whole static page: no scripts, no outside resources. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${STYLE}</style></head>
<body><h1>${esc(title)}</h1>
${body}
</body></html>
`;
}
