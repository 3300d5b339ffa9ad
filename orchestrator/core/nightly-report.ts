// Nightly reports, pure: a terminal summary, a mail per series, JUnit XML, KCIDB v5 JSON and a
// static HTML page with a table per night, each cell opening its evidence, and plots over nights.
import { createHash } from 'node:crypto';
import { median } from './median.js';
import { ALARMING, seriesClass, type NightlyClass } from './nightly.js';
import type { KnownRef } from './verdict.js';
import { anchorId, esc, evidenceBlock, folded, htmlPage, linkHtml, type CaseFacts, type RunFiles } from './html.js';

/** A known bug in one line: the cause, then the record and where it is told. */
function knownText(k: KnownRef): string {
  const where = [k.id, k.reference].filter(Boolean).join('; ');
  return where ? `${k.cause} (${where})` : k.cause;
}

export interface CaseRow {
  test: string;
  verdict: string;
  class: NightlyClass;
  detail: string;
  known: KnownRef | null;
  kernel: string | null;
  buildSeconds: number;
  bootSeconds: number;
  testSeconds: number;
  reused: boolean;
  warnings: { title: string; kind: string; source: string }[];
  /** The run's results directory, when one was recorded (not for a build or apply that failed). */
  runDir?: string | null;
}

export interface SeriesView {
  id: string;
  version: number;
  title: string;
  messageId: string | null;
  subjects: string[];
  source: string;
  cases: CaseRow[];
  /** The patchcheck of a regressing series: the first patch that breaks `tests` (null: none alone). */
  patchcheck?: {
    tests: string[];
    patch: number | null;
    title: string | null;
    verdict: string | null;
    detail: string | null;
  };
}

export interface NightView {
  plan: string;
  night: string;
  started: string;
  finished: string | null;
  baseCommit: string;
  baseVersion: string | null;
  base: CaseRow[];
  series: SeriesView[];
}

const ORIGIN = 'orchestrate';

function tally(cases: CaseRow[]): string {
  const counts = new Map<string, number>();
  for (const c of cases) counts.set(c.class, (counts.get(c.class) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

export function renderSummary(n: NightView): string {
  const lines = [
    `${n.plan} ${n.night}: base ${n.baseCommit.slice(0, 12)}${n.baseVersion ? ` (${n.baseVersion})` : ''}: ${tally(n.base) || 'no results'}`,
  ];
  for (const s of n.series) {
    const cls = seriesClass(s.cases);
    const reused = s.cases.length && s.cases.every((c) => c.reused) ? ' (reused)' : '';
    lines.push(
      `  ${cls.padEnd(13)} ${s.title} (v${s.version}, ${s.subjects.length} patches)${reused}: ${tally(s.cases)}`,
    );
    for (const c of s.cases.filter((x) => ALARMING.includes(x.class) || x.class === 'KNOWN')) {
      lines.push(`      ${c.class} ${c.test}: ${c.known ? `known: ${knownText(c.known)}` : c.detail}`);
    }
    if (s.patchcheck) lines.push(`      patchcheck: ${culprit(s)}`);
  }
  const alarming = n.series.filter((s) => ALARMING.includes(seriesClass(s.cases))).length;
  lines.push(`${n.series.length} series, ${alarming} need a look`);
  return lines.join('\n');
}

function culprit(s: SeriesView): string {
  const p = s.patchcheck!;
  if (p.patch === null)
    return `no single patch breaks ${p.tests.join(', ')}: each prefix of the series behaves like the base`;
  const patch = `patch ${p.patch}/${s.subjects.length} "${p.title}"`;
  if (p.verdict === 'UNTESTED') return `${patch} is the first after which a test stops running: ${p.detail}`;
  return `${patch} is the first that breaks it (${p.verdict}: ${p.detail})`;
}

/** A plain-text reply to the series' cover letter, ready for `git send-email`/`sendmail -t`. */
export function renderMail(n: NightView, s: SeriesView): string {
  const cls = seriesClass(s.cases);
  const headers = [
    `Subject: Re: [PATCH${s.version > 1 ? ` v${s.version}` : ''}] ${s.title}`,
    ...(s.messageId ? [`In-Reply-To: ${s.messageId}`, `References: ${s.messageId}`] : []),
    'X-Orchestrate-Result: ' + cls,
  ];
  const body = [
    `orchestrate tested this series (v${s.version}, ${s.subjects.length} patches) on ${n.night},`,
    `applied on ${n.baseCommit.slice(0, 12)}${n.baseVersion ? ` (${n.baseVersion})` : ''}, in QEMU with an emulated NVDIMM and rdma_rxe.`,
    '',
    `Result: ${cls}`,
    '',
    ...s.cases.map((c) => `  ${c.class.padEnd(13)} ${c.test}${c.detail ? `: ${c.detail}` : ''}`),
    ...(s.patchcheck
      ? ['', `Each prefix of the series, built and tested on ${s.patchcheck.tests.join(', ')}:`, `  ${culprit(s)}`]
      : []),
  ];
  const warnings = s.cases.flatMap((c) => c.warnings.map((w) => `  ${c.test}: ${w.title} (${w.source})`));
  if (warnings.length) body.push('', 'Kernel warnings:', ...warnings);
  const known = s.cases.filter((c) => c.known);
  if (known.length)
    body.push(
      '',
      'Known failures (not blamed on this series):',
      ...known.map((c) => `  ${c.test}: ${knownText(c.known!)}`),
    );
  return `${headers.join('\n')}\n\n${body.join('\n')}\n`;
}

const xml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export function junitXml(n: NightView): string {
  const suite = (name: string, cases: CaseRow[]) => {
    const failures = cases.filter((c) => ALARMING.includes(c.class) || c.class === 'STILL-FAILING').length;
    const errors = cases.filter((c) => c.class === 'INFRA').length;
    const skipped = cases.filter((c) => c.class === 'KNOWN' || c.class === 'SKIP').length;
    const time = cases.reduce((t, c) => t + c.testSeconds, 0).toFixed(1);
    const body = cases.map((c) => {
      const inner =
        c.class === 'KNOWN'
          ? `<skipped message="${xml(`known: ${knownText(c.known ?? { id: '', cause: c.detail, reference: '' })}`)}"/>`
          : c.class === 'SKIP'
            ? `<skipped message="${xml(c.detail)}"/>`
            : c.class === 'INFRA'
              ? `<error message="${xml(c.detail)}" type="INFRA"/>`
              : ALARMING.includes(c.class) || c.class === 'STILL-FAILING'
                ? `<failure message="${xml(c.detail)}" type="${c.class}">${xml(c.warnings.map((w) => w.title).join('\n'))}</failure>`
                : '';
      return `    <testcase classname="${xml(name)}" name="${xml(c.test)}" time="${c.testSeconds.toFixed(1)}">${inner}</testcase>`;
    });
    return [
      `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}" timestamp="${n.started.replace(/\.\d+Z$/, '')}">`,
      ...body,
      '  </testsuite>',
    ];
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(`${n.plan} ${n.night}`)}">`,
    ...suite(`base ${n.baseCommit.slice(0, 12)}`, n.base),
    ...n.series.flatMap((s) => suite(`${s.title} v${s.version}`, s.cases)),
    '</testsuites>',
    '',
  ].join('\n');
}

const kcidbStatus = (c: CaseRow): string => {
  if (c.class === 'INFRA') return 'MISS';
  if (['APPLY-FAIL', 'BUILD-FAIL', 'BOOT-FAIL'].includes(c.class)) return 'MISS';
  return (
    (
      { PASS: 'PASS', FAIL: 'FAIL', KNOWN: 'FAIL', CRASH: 'FAIL', SKIP: 'SKIP', ERROR: 'ERROR' } as Record<
        string,
        string
      >
    )[c.verdict] ?? 'ERROR'
  );
};

function knownIssue(k: KnownRef): object {
  const url = /^https?:\/\/\S+$/.test(k.reference) ? { report_url: k.reference } : {};
  return {
    report_subject: k.cause,
    comment: knownText(k),
    ...url,
    misc: { known_record: k.id, reference: k.reference },
  };
}

/** KCIDB I/O v5: checkouts (base and base + series), builds, tests, and issues + incidents for warnings and known bugs. */
export function kcidb(n: NightView) {
  const id = (...parts: string[]) => `${ORIGIN}:${parts.join('-').replace(/[^A-Za-z0-9_.:-]/g, '_')}`;
  const patchsetHash = (s: SeriesView) =>
    createHash('sha256')
      .update(s.subjects.map((x) => `${createHash('sha256').update(x).digest('hex')}\n`).join(''))
      .digest('hex');
  const checkouts: object[] = [];
  const builds: object[] = [];
  const tests: object[] = [];
  const issues = new Map<string, object>();
  const incidents: object[] = [];
  const add = (key: string, cases: CaseRow[], s?: SeriesView) => {
    const checkout = id(n.plan, n.night, key);
    const build = `${checkout}-build`;
    checkouts.push({
      id: checkout,
      origin: ORIGIN,
      tree_name: n.plan,
      git_commit_hash: n.baseCommit,
      patchset_hash: s ? patchsetHash(s) : '',
      ...(s?.messageId ? { message_id: s.messageId.replace(/^<|>$/g, '') } : {}),
      comment: s ? `${s.title} (v${s.version})` : 'base',
      start_time: n.started,
      valid: !cases.some((c) => c.class === 'APPLY-FAIL'),
    });
    const broken = cases.some((c) => c.class === 'BUILD-FAIL');
    if (cases.some((c) => c.class === 'APPLY-FAIL')) return;
    builds.push({
      id: build,
      origin: ORIGIN,
      checkout_id: checkout,
      architecture: 'x86_64',
      config_name: 'tinyconfig+base+dax-rdma',
      start_time: n.started,
      duration: Math.max(0, ...cases.map((c) => c.buildSeconds)),
      status: broken ? 'FAIL' : 'PASS',
    });
    if (broken) return;
    for (const c of cases) {
      const test = id(n.plan, n.night, key, c.test);
      tests.push({
        id: test,
        origin: ORIGIN,
        build_id: build,
        path: c.test.replace(/\//g, '.').replace(/[^A-Za-z0-9_.-]/g, '_'),
        status: kcidbStatus(c),
        start_time: n.started,
        duration: c.testSeconds,
        environment: { comment: 'QEMU TCG, emulated NVDIMM, rdma_rxe' },
        comment: c.detail || c.class,
      });
      const link = (issue: string, body: object) => {
        issues.set(issue, { id: issue, version: 1, origin: ORIGIN, culprit: { code: true }, ...body });
        incidents.push({
          id: id(n.plan, n.night, key, c.test, issue.slice(-16)),
          origin: ORIGIN,
          issue_id: issue,
          issue_version: 1,
          test_id: test,
          present: true,
        });
      };
      for (const w of c.warnings)
        link(id('warning', createHash('sha256').update(w.title).digest('hex').slice(0, 16)), { comment: w.title });
      // A known bug: a failed test linked to the issue that carries its cause and reference.
      if (c.class === 'KNOWN' && c.known) link(id('known', c.known.id || c.test), knownIssue(c.known));
    }
  };
  add('base', n.base);
  for (const s of n.series) add(s.id, s.cases, s);
  return { version: { major: 5, minor: 3 }, checkouts, builds, tests, issues: [...issues.values()], incidents };
}

/** A small SVG line plot, one polyline per series of values over the nights; NaN is a gap (nothing measured). */
export function svgPlot(title: string, labels: string[], lines: { name: string; values: number[] }[]): string {
  const [w, h, pad, top] = [480, 190, 30, 40];
  const max = Math.max(1, ...lines.flatMap((l) => l.values.filter(Number.isFinite)));
  const x = (i: number) => pad + (labels.length > 1 ? (i * (w - 2 * pad)) / (labels.length - 1) : (w - 2 * pad) / 2);
  const y = (v: number) => h - pad - (v / max) * (h - pad - top);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const paths = lines.map((l, k) => {
    const points = l.values.map((v, i) => [i, v] as const).filter(([, v]) => Number.isFinite(v));
    const dots = points
      .map(
        ([i, v]) =>
          `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${colors[k % colors.length]}"/>`,
      )
      .join('');
    return `<polyline fill="none" stroke="${colors[k % colors.length]}" stroke-width="2" points="${points.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"><title>${xml(l.name)}</title></polyline>${dots}`;
  });
  const legend = lines.map(
    (l, k) =>
      `<text x="${pad + k * 90}" y="30" fill="${colors[k % colors.length]}" font-size="11">${xml(l.name)}</text>`,
  );
  const ticks = labels.map(
    (lab, i) => `<text x="${x(i).toFixed(1)}" y="${h - 8}" font-size="9" text-anchor="middle">${xml(lab)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="${xml(title)}"><text x="${pad}" y="14" font-size="12" font-weight="bold">${xml(title)} (max ${max.toFixed(1)})</text><line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#999"/>${paths.join('')}${legend.join('')}${ticks.join('')}</svg>`;
}

const COLORS: Partial<Record<NightlyClass, string>> = {
  PASS: '#d4f4d4',
  FIXED: '#c4e4ff',
  REGRESSION: '#ffc4c4',
  'NEW-WARNING': '#ffe0b0',
  'STILL-FAILING': '#eeeeee',
  KNOWN: '#f0f0d0',
  UNTESTED: '#ffe8a0',
  SKIP: '#f4f4f4',
  'APPLY-FAIL': '#ffb0e0',
  'BUILD-FAIL': '#ffb0e0',
  'BOOT-FAIL': '#ffb0e0',
  INFRA: '#dddddd',
};

/** Where a night's reports go, relative to the reports' directory (index.html's). */
export const nightDir = (n: NightView) => `${n.plan}/${n.night}`;
export const mailFile = (n: NightView, s: SeriesView) => `${nightDir(n)}/mail/${s.id}.txt`;

const colorOf = (cls: NightlyClass) => COLORS[cls] ?? '#fff';

function caseFacts(c: CaseRow): CaseFacts {
  const seconds = `build ${c.buildSeconds.toFixed(1)}, boot ${c.bootSeconds.toFixed(1)}, test ${c.testSeconds.toFixed(1)}`;
  return {
    name: c.test,
    verdict: c.class === c.verdict ? c.class : `${c.class} (${c.verdict})`,
    why: c.detail,
    known: c.known ?? undefined,
    warnings: c.warnings,
    more: [
      ['kernel', c.kernel ?? '–'],
      ['seconds', `${seconds}${c.reused ? ' (reused from an earlier night)' : ''}`],
    ],
  };
}

interface TableRow {
  key: string;
  /** The row's name, and for a series the id of its own block. */
  head: string;
  headId?: string;
  cases: CaseRow[];
}

function tableRows(n: NightView): TableRow[] {
  const series = n.series.map((s) => ({
    key: s.id,
    head: `${s.title} v${s.version}`,
    headId: anchorId(n.plan, n.night, s.id),
    cases: s.cases,
  }));
  return [{ key: 'base', head: `base ${n.baseCommit.slice(0, 12)}`, cases: n.base }, ...series];
}

function seriesBlock(n: NightView, s: SeriesView): string {
  const cls = seriesClass(s.cases);
  return folded(anchorId(n.plan, n.night, s.id), `<b>${cls}</b> ${esc(s.title)} v${s.version}`, colorOf(cls), [
    ['patches', `<ol>${s.subjects.map((x) => `<li>${esc(x)}</li>`).join('')}</ol>`],
    ['source', esc(s.source)],
    ['message-id', esc(s.messageId ?? '–')],
    ['patchcheck', s.patchcheck ? esc(culprit(s)) : 'not run (nothing regressed, or a single patch)'],
    ['mail', linkHtml(mailFile(n, s), `${s.id}.txt`)],
  ]);
}

function nightTable(n: NightView, runs: Map<string, RunFiles>): string {
  const rows = tableRows(n);
  const tests = [...new Set(rows.flatMap((r) => r.cases).map((c) => c.test))].sort();
  const id = (r: TableRow, c: CaseRow) => anchorId(n.plan, n.night, r.key, c.test);
  const cell = (r: TableRow, c?: CaseRow) =>
    c
      ? `<td style="background:${colorOf(c.class)}" title="${esc(c.known ? `known: ${knownText(c.known)}` : c.detail)}">` +
        `<a href="#${id(r, c)}">${c.class}${c.warnings.length ? ` ⚠${c.warnings.length}` : ''}</a></td>`
      : '<td>–</td>';
  const head = (r: TableRow) => `<th>${r.headId ? `<a href="#${r.headId}">${esc(r.head)}</a>` : esc(r.head)}</th>`;
  const table = rows.map(
    (r) =>
      `<tr>${head(r)}${tests
        .map((t) =>
          cell(
            r,
            r.cases.find((c) => c.test === t),
          ),
        )
        .join('')}</tr>`,
  );
  const blocks = rows.flatMap((r) =>
    r.cases.map((c) =>
      evidenceBlock({
        id: id(r, c),
        title: `${c.test} — ${r.head}`,
        color: colorOf(c.class),
        facts: caseFacts(c),
        run: c.runDir ? runs.get(c.runDir) : undefined,
      }),
    ),
  );
  const files = ['summary.txt', 'junit.xml', 'kcidb.json'].map((f) => linkHtml(`${nightDir(n)}/${f}`, f)).join(' · ');
  const base = `base ${esc(n.baseCommit)}${n.baseVersion ? ` (${esc(n.baseVersion)})` : ''}`;
  return [
    `<h2>${esc(n.plan)} — ${esc(n.night)}</h2>`,
    `<p><small>${base} · ${files}</small></p>`,
    `<table><tr><th></th>${tests.map((t) => `<th>${esc(t)}</th>`).join('')}</tr>\n${table.join('\n')}</table>`,
    ...n.series.map((s) => seriesBlock(n, s)),
    ...blocks,
  ].join('\n');
}

/** Each run's files, by the run directory a CaseRow names (see RunFiles); a run not in RUNS has none. */
export function htmlReport(nights: NightView[], runs = new Map<string, RunFiles>()): string {
  const ordered = [...nights].sort((a, b) => a.night.localeCompare(b.night));
  const labels = ordered.map((n) => n.night.slice(5));
  const all = (n: NightView) => [...n.base, ...n.series.flatMap((s) => s.cases)].filter((c) => !c.reused);
  const plots = [
    svgPlot(
      'durations, s (median per kernel)',
      labels,
      ['build', 'boot', 'test'].map((k) => ({
        name: k,
        values: ordered.map((n) =>
          median(all(n).map((c) => (k === 'build' ? c.buildSeconds : k === 'boot' ? c.bootSeconds : c.testSeconds))),
        ),
      })),
    ),
    svgPlot('boot time, s', labels, [
      { name: 'boot', values: ordered.map((n) => median(all(n).map((c) => c.bootSeconds))) },
    ]),
    svgPlot('kernel warnings', labels, [
      {
        name: 'warnings',
        values: ordered.map((n) =>
          [...n.base, ...n.series.flatMap((s) => s.cases)].reduce((t, c) => t + c.warnings.length, 0),
        ),
      },
    ]),
  ];
  const tables = [...ordered].reverse().map((n) => nightTable(n, runs));
  return htmlPage('orchestrate nightly', `<div>${plots.join('\n')}</div>\n${tables.join('\n')}`);
}
