// A kernel matrix: the same cases on several kernels, one table of cases × kernels. Each cell is
// the verdict and the observed values that differ from the case's other kernels (or from the
// expectation, for a cell that fails). Pure: run results in, the table and its renderings out.
import { nothingTested, type RunResult, type TestResult } from './results.js';
import type { Verdict } from './verdict.js';

export interface MatrixKernel {
  /** What the user asked for: debian:6.12, a store id or a path. */
  spec: string;
  id: string;
  release: string;
  version: string;
  source: string;
  /** The run's results directory, relative to the matrix's. */
  dir: string;
}

export interface MatrixCell {
  verdict: Verdict;
  reason: string;
  /** Observed fields that set this cell apart, "field=value". */
  differs: string[];
  /** KNOWN: the record's id; PASS under a record: its note. */
  known?: string;
  note?: string;
  warnings: string[];
  seconds: number;
}

export interface Matrix {
  format: 'orchestrate-matrix/1';
  id: string;
  started: string;
  kernels: MatrixKernel[];
  cases: string[];
  /** cells[case][kernel]; null: the case did not run on that kernel. */
  cells: (MatrixCell | null)[][];
  /** Kernel reports outside the cases, per kernel. */
  outside: string[][];
  /** Something was tested on every kernel and no cell is unexpected (each PASS, KNOWN or SKIP), no report outside the cases. */
  passed: boolean;
}

const UNEXPECTED: Verdict[] = ['FAIL', 'ERROR', 'CRASH'];
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** The observed fields worth a look: those the expectations name, and errno and dax. */
function fieldsOf(tests: (TestResult | undefined)[]): string[] {
  const keys = new Set<string>(['errno', 'dax']);
  for (const t of tests) for (const k of Object.keys(t?.expected ?? {})) keys.add(k);
  return [...keys];
}

/** Per kernel, the observed fields whose value is not the same on every kernel that ran the case. */
function differing(tests: (TestResult | undefined)[]): string[][] {
  const ran = tests.filter((t): t is TestResult => !!t && !!t.observed);
  const keys = fieldsOf(tests).filter((k) => new Set(ran.map((t) => show(t.observed?.[k]))).size > 1);
  return tests.map((t) => (t?.observed ? keys.map((k) => `${k}=${show(t.observed?.[k])}`) : []));
}

function cellOf(t: TestResult, differs: string[]): MatrixCell {
  const own =
    (t.verdict !== 'FAIL' && t.verdict !== 'KNOWN') || !t.expected || !t.observed
      ? []
      : Object.entries(t.expected)
          .filter(([k, v]) => show(t.observed?.[k]) !== show(v))
          .map(([k]) => `${k}=${show(t.observed?.[k])}`);
  return {
    verdict: t.verdict,
    reason: t.reason,
    differs: [...new Set([...own, ...differs])],
    ...(t.known ? { known: t.known.id } : {}),
    ...(t.note ? { note: t.note } : {}),
    warnings: t.warnings.map((w) => w.title),
    seconds: t.seconds,
  };
}

export function buildMatrix(id: string, started: string, runs: { kernel: MatrixKernel; result: RunResult }[]): Matrix {
  const cases = [...new Set(runs.flatMap((r) => r.result.tests.map((t) => t.name)))];
  const cells = cases.map((name) => {
    const tests = runs.map((r) => r.result.tests.find((t) => t.name === name));
    const differs = differing(tests);
    return tests.map((t, k) => (t ? cellOf(t, differs[k]) : null));
  });
  const outside = runs.map((r) => r.result.warnings.map((w) => w.title));
  const m = {
    format: 'orchestrate-matrix/1' as const,
    id,
    started,
    kernels: runs.map((r) => r.kernel),
    cases,
    cells,
    outside,
  };
  return { ...m, passed: expectedOnly(m) && !untestedKernels(m).length };
}

/** No cell unexpected and no report outside the cases; a case one kernel has and another not is no failure. */
function expectedOnly(m: Omit<Matrix, 'passed'>): boolean {
  return (
    m.cells.every((row) => row.every((c) => !c || !UNEXPECTED.includes(c.verdict))) && m.outside.every((w) => !w.length)
  );
}

const column = (m: Pick<Matrix, 'cells'>, k: number) =>
  m.cells.map((row) => row[k]).filter((c): c is MatrixCell => !!c);

/** The kernels (their indexes) on which nothing was tested: every case there SKIPped, or none reported. */
function untestedKernels(m: Pick<Matrix, 'cells' | 'kernels'>): number[] {
  return m.kernels.map((_, k) => k).filter((k) => nothingTested(column(m, k)));
}

/** It failed only because some kernel tested nothing: what --allow-nothing-tested accepts. */
export function matrixUntested(m: Matrix): boolean {
  return expectedOnly(m) && untestedKernels(m).length > 0 && m.cells.flat().some((c) => !!c);
}

/** The matrix's headline. */
export function matrixVerdict(m: Matrix): string {
  if (!expectedOnly(m)) return 'unexpected cells';
  const untested = untestedKernels(m);
  if (!untested.length) return 'no unexpected cell';
  return untested.length === m.kernels.length
    ? 'nothing was tested'
    : `nothing was tested on ${untested.map((k) => kernelLabel(m.kernels[k])).join(', ')}`;
}

/** A kernel's column title: the upstream version and where it came from. */
export function kernelLabel(k: MatrixKernel): string {
  return `${k.version} ${k.source === 'debian' ? 'debian' : k.source === 'build' ? `built ${k.id.slice(6, 18)}` : 'path'}`;
}

function cellText(c: MatrixCell | null): string {
  if (!c) return '-';
  return [c.verdict, ...c.differs].join(' ');
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

export function renderMatrix(m: Matrix): string {
  const header = ['case', ...m.kernels.map(kernelLabel)];
  const rows = m.cases.map((name, i) => [name, ...m.cells[i].map(cellText)]);
  const widths = header.map((_, col) => Math.max(...[header, ...rows].map((r) => r[col].length)));
  const line = (r: string[]) =>
    r
      .map((x, col) => pad(x, widths[col]))
      .join('  ')
      .trimEnd();
  const notes = m.cases.flatMap((name, i) =>
    m.cells[i].flatMap((c, k) => {
      const on = kernelLabel(m.kernels[k]);
      if (!c) return [`  ${name} on ${on}: not reported there`];
      return UNEXPECTED.includes(c.verdict) || c.verdict === 'KNOWN'
        ? [`  ${name} on ${on}: ${c.verdict} ${c.reason}`]
        : [];
    }),
  );
  const outside = m.outside.flatMap((w, k) =>
    w.map((title) => `  ${kernelLabel(m.kernels[k])}: kernel report outside the cases: ${title}`),
  );
  return [
    line(header),
    ...rows.map(line),
    ...(notes.length || outside.length ? ['', ...notes, ...outside] : []),
    `${m.cases.length} cases × ${m.kernels.length} kernels: ${matrixVerdict(m)}`,
  ].join('\n');
}

/** TAP 14: one subtest per kernel, a point per case (KNOWN a TODO, SKIP a SKIP). */
export function matrixTap(m: Matrix): string {
  const lines = ['TAP version 14', `1..${m.kernels.length}`];
  m.kernels.forEach((k, i) => {
    const cases = m.cases.map((name, c) => [name, m.cells[c][i]] as const).filter(([, cell]) => cell);
    const untested = nothingTested(cases.map(([, cell]) => cell!));
    const ok = cases.every(([, cell]) => !UNEXPECTED.includes(cell!.verdict)) && !m.outside[i].length && !untested;
    lines.push(`# Subtest: ${kernelLabel(k)}`, `    1..${cases.length}`);
    cases.forEach(([name, cell], n) => {
      const c = cell!;
      const directive =
        c.verdict === 'SKIP' ? ` # SKIP ${c.reason}` : c.verdict === 'KNOWN' ? ` # TODO ${c.reason}` : '';
      lines.push(
        `    ${c.verdict === 'PASS' || c.verdict === 'SKIP' ? 'ok' : 'not ok'} ${n + 1} - ${name}${directive}`,
      );
    });
    lines.push(`${ok ? 'ok' : 'not ok'} ${i + 1} - ${kernelLabel(k)}${untested ? ': nothing was tested' : ''}`);
  });
  return lines.join('\n');
}

const xml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** JUnit: one testsuite per kernel; KNOWN and SKIP are skipped (with the cause), FAIL a failure, ERROR/CRASH errors. */
export function matrixJunit(m: Matrix): string {
  const suites = m.kernels.map((k, i) => {
    const cases = m.cases.map((name, c) => [name, m.cells[c][i]] as const).filter(([, cell]) => cell);
    const count = (vs: Verdict[]) => cases.filter(([, c]) => vs.includes(c!.verdict)).length;
    const body = cases.map(([name, cell]) => {
      const c = cell!;
      const inner =
        c.verdict === 'FAIL'
          ? `<failure message="${xml(c.reason)}" type="FAIL">${xml(c.differs.join('\n'))}</failure>`
          : c.verdict === 'ERROR' || c.verdict === 'CRASH'
            ? `<error message="${xml(c.reason)}" type="${c.verdict}"/>`
            : c.verdict === 'KNOWN' || c.verdict === 'SKIP'
              ? `<skipped message="${xml(c.verdict === 'KNOWN' ? `known: ${c.reason}` : c.reason)}"/>`
              : '';
      return `    <testcase classname="${xml(kernelLabel(k))}" name="${xml(name)}" time="${c.seconds.toFixed(1)}">${inner}</testcase>`;
    });
    const time = cases.reduce((s, [, c]) => s + c!.seconds, 0).toFixed(1);
    return [
      `  <testsuite name="${xml(kernelLabel(k))}" tests="${cases.length}" failures="${count(['FAIL'])}" errors="${count(['ERROR', 'CRASH'])}" ` +
        `skipped="${count(['KNOWN', 'SKIP'])}" time="${time}" timestamp="${m.started.replace(/\.\d+Z$/, '')}">`,
      ...body,
      '  </testsuite>',
    ];
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(`matrix ${m.id}`)}">`,
    ...suites.flat(),
    '</testsuites>',
    '',
  ].join('\n');
}
