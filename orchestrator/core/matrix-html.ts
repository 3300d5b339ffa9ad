// The kernel matrix as a static HTML page: cases × kernels, each cell its verdict and the values
// that set it apart, opening its evidence. Pure: the matrix and each kernel's run files in.
import { anchorId, esc, evidenceBlock, htmlPage, linkHtml, warningHtml } from './html.js';
import type { CaseFacts, RunFiles } from './html.js';
import { kernelLabel, matrixVerdict, type Matrix, type MatrixCell, type MatrixKernel } from './matrix.js';
import type { TestResult } from './results.js';
import type { Verdict } from './verdict.js';

const COLORS: Record<Verdict, string> = {
  PASS: '#d4f4d4',
  FAIL: '#ffc4c4',
  ERROR: '#ffb0e0',
  CRASH: '#ff9a9a',
  KNOWN: '#f0f0d0',
  SKIP: '#eeeeee',
};

const cellId = (m: Matrix, i: number, k: number) => anchorId('matrix', m.id, m.cases[i], m.kernels[k].dir);

/** The cell's facts; its warnings with their sources when the run's results.json has them. */
function cellFacts(name: string, c: MatrixCell, test: TestResult | undefined): CaseFacts {
  return {
    name,
    verdict: c.verdict,
    why: c.reason,
    note: c.note,
    warnings: test?.warnings ?? c.warnings.map((title) => ({ title })),
    known: c.known ? { id: c.known, cause: c.reason, reference: '' } : undefined,
    more: [
      ['differs', c.differs.join(', ') || 'none'],
      ['seconds', c.seconds.toFixed(1)],
    ],
  };
}

function kernelHead(k: MatrixKernel, run: RunFiles | undefined): string {
  const logs = run?.logs.map((l) => linkHtml(l.href, l.name)).join(' · ');
  const where = [k.version, k.source, k.spec].map(esc).join(' · ');
  return `<th>${esc(kernelLabel(k))}<br><small>${esc(k.release)}<br>${where}${logs ? `<br>${logs}` : ''}</small></th>`;
}

function cellHtml(m: Matrix, i: number, k: number): string {
  const c = m.cells[i][k];
  if (!c) return '<td title="not run on this kernel">–</td>';
  const warn = c.warnings.length ? ` ⚠${c.warnings.length}` : '';
  const differs = c.differs.map((d) => `<br><small>${esc(d)}</small>`).join('');
  return (
    `<td style="background:${COLORS[c.verdict]}" title="${esc(c.reason)}">` +
    `<a href="#${cellId(m, i, k)}">${c.verdict}${warn}${differs}</a></td>`
  );
}

function outsideHtml(m: Matrix, runs: (RunFiles | undefined)[]): string {
  const items = m.outside.flatMap((titles, k) =>
    titles.map((title) => {
      const source = runs[k]?.result?.warnings.find((w) => w.title === title)?.source;
      return `<li>${esc(kernelLabel(m.kernels[k]))}: ${warningHtml({ title, source }, runs[k])}</li>`;
    }),
  );
  return `<h2>kernel reports outside the cases</h2>\n${items.length ? `<ul>${items.join('')}</ul>` : '<p>none</p>'}`;
}

/** RUNS: each kernel's run files, in the order of m.kernels. */
export function matrixHtml(m: Matrix, runs: (RunFiles | undefined)[]): string {
  const header = `<tr><th>case</th>${m.kernels.map((k, i) => kernelHead(k, runs[i])).join('')}</tr>`;
  const rows = m.cases.map(
    (name, i) => `<tr><th>${esc(name)}</th>${m.cells[i].map((_, k) => cellHtml(m, i, k)).join('')}</tr>`,
  );
  const blocks = m.cases.flatMap((name, i) =>
    m.cells[i].flatMap((c, k) =>
      c
        ? [
            evidenceBlock({
              id: cellId(m, i, k),
              title: `${name} on ${kernelLabel(m.kernels[k])}`,
              color: COLORS[c.verdict],
              run: runs[k],
              facts: cellFacts(
                name,
                c,
                runs[k]?.result?.tests.find((t) => t.name === name),
              ),
            }),
          ]
        : [],
    ),
  );
  return htmlPage(
    `orchestrate matrix ${m.id}`,
    [
      `<p>started ${esc(m.started)} · ${m.cases.length} cases × ${m.kernels.length} kernels: <b>${esc(matrixVerdict(m))}</b></p>`,
      `<table>${header}\n${rows.join('\n')}</table>`,
      outsideHtml(m, runs),
      '<h2>evidence</h2>',
      ...blocks,
    ].join('\n'),
  );
}
