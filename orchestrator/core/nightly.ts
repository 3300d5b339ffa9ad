// Nightly patch-series testing as data: the plan, known failures, and how each series' result
// for a test case compares with the base's.
import { ranIn, skippedIn, stoppedRunning } from './untested.js';
import { VERDICTS, type KnownRef, type Verdict } from './verdict.js';

export type NightlyClass =
  | 'PASS'
  | 'REGRESSION'
  | 'FIXED'
  | 'STILL-FAILING'
  | 'NEW-WARNING'
  | 'KNOWN'
  | 'UNTESTED'
  | 'SKIP'
  | 'APPLY-FAIL'
  | 'BUILD-FAIL'
  | 'BOOT-FAIL'
  | 'INFRA';

/** Classes that need a maintainer's eyes in the morning. */
export const ALARMING: NightlyClass[] = [
  'REGRESSION',
  'NEW-WARNING',
  'UNTESTED',
  'APPLY-FAIL',
  'BUILD-FAIL',
  'BOOT-FAIL',
];

export interface Plan {
  name: string;
  /** source: with tree "linux-source", which revision (6.1, 6.12, 6.1.192-2; default the newest 6.1). */
  base: { tree: string; ref: string; source?: string };
  /** Where series arrive: a directory of mbox/.patch files, a maildir, or a list of mbox paths. */
  series: { dir?: string; maildir?: string; mbox?: string[] };
  tests: string[];
  config: string[];
  runs: number;
  /** Known-bug records of this plan (a YAML file or a directory of them), beyond configs/known. */
  known?: string;
  /** Patchcheck a multi-patch series that regresses, on the regressing tests, to name the patch. */
  patchcheck: boolean;
}

export function parsePlan(raw: unknown, source: string): Plan {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (!raw || typeof raw !== 'object') fail('not a YAML mapping');
  const p = raw as Record<string, any>;
  const base = p.base ?? fail('no base: { tree, ref }');
  if (typeof base.tree !== 'string') fail('base.tree must be a path (or "linux-source")');
  if (base.source !== undefined && (typeof base.source !== 'string' || base.tree !== 'linux-source')) {
    fail('base.source is a linux-source revision (6.1, 6.12, 6.1.192-2), with tree: linux-source');
  }
  const series = p.series ?? fail('no series: { dir | maildir | mbox }');
  const sources = ['dir', 'maildir', 'mbox'].filter((k) => series[k] !== undefined);
  if (sources.length !== 1) fail('series needs exactly one of dir, maildir, mbox');
  if (
    series.mbox !== undefined &&
    !(Array.isArray(series.mbox) && series.mbox.every((m: unknown) => typeof m === 'string'))
  )
    fail('series.mbox must be a list of paths');
  const tests = p.tests;
  if (!Array.isArray(tests) || !tests.length || !tests.every((t: unknown) => typeof t === 'string'))
    fail('tests must be a non-empty list');
  const runs = p.runs ?? 1;
  if (!Number.isInteger(runs) || runs < 1) fail('runs must be a positive integer');
  const known = p.known;
  if (known !== undefined && typeof known !== 'string') fail('known must be a file or directory of known-bug records');
  const patchcheck = p.patchcheck ?? true;
  if (typeof patchcheck !== 'boolean') fail('patchcheck must be true or false');
  for (const key of Object.keys(p))
    if (!['name', 'base', 'series', 'tests', 'config', 'runs', 'known', 'patchcheck'].includes(key))
      fail(`unknown key "${key}"`);
  return {
    name: typeof p.name === 'string' ? p.name : source.replace(/^.*\/|\.ya?ml$/g, ''),
    base: { tree: base.tree, ref: typeof base.ref === 'string' ? base.ref : 'HEAD', source: base.source },
    series: { dir: series.dir, maildir: series.maildir, mbox: series.mbox },
    tests,
    config: Array.isArray(p.config) ? p.config : [],
    runs,
    known,
    patchcheck,
  };
}

export interface CaseOutcome {
  name: string;
  verdict: Verdict;
  reason: string;
  warnings: string[];
  /** KNOWN: the known-bug record it matched. */
  known?: KnownRef;
}

export interface Classified {
  test: string;
  class: NightlyClass;
  detail: string;
  known?: KnownRef;
}

/** A stored known-bug reference: JSON, or the plain text older nights kept. */
export function knownFromColumn(text: string | null): KnownRef | null {
  if (!text) return null;
  try {
    const ref = JSON.parse(text) as KnownRef;
    if (ref && typeof ref.cause === 'string') return ref;
  } catch {
    // An older night's plain text: the cause and nothing else.
  }
  return { id: '', cause: text, reference: '' };
}

const BAD: Verdict[] = ['FAIL', 'CRASH'];

/**
 * One test case of a series against the base; KNOWN is the run's verdict (a known-bug record
 * matched). A case that SKIPs says nothing: UNTESTED when it ran on the base (core/untested), SKIP
 * when it did not run there either.
 */
export function classifyCase(mine: CaseOutcome, base: CaseOutcome | undefined): Classified {
  const at = (c: NightlyClass, detail: string): Classified => ({ test: mine.name, class: c, detail });
  if (mine.verdict === 'ERROR') return at('INFRA', mine.reason);
  if (mine.verdict === 'SKIP') {
    const stopped = stoppedRunning(skippedIn([mine]), ranIn(base ? [base] : [])).length > 0;
    if (stopped) return at('UNTESTED', `${mine.reason} (the base: ${base!.verdict})`);
    return at('SKIP', `${mine.reason}${base ? ' (skipped on the base too)' : ''}`);
  }
  const baseBad = base ? BAD.includes(base.verdict) || base.verdict === 'KNOWN' : false;
  // A known bug the base does not show (fixed there, or not reached) is this series bringing it back.
  if (mine.verdict === 'KNOWN' && base && !baseBad) {
    return at('REGRESSION', `KNOWN ${mine.known?.id ?? ''}: ${mine.reason} (${baseSays(base)})`);
  }
  if (mine.verdict === 'KNOWN')
    return { ...at('KNOWN', mine.reason), known: mine.known ?? { id: mine.name, cause: mine.reason, reference: '' } };
  const bad = BAD.includes(mine.verdict);
  if (bad)
    return baseBad
      ? at('STILL-FAILING', mine.reason)
      : at('REGRESSION', `${mine.verdict}: ${mine.reason}${base ? '' : ' (no base result)'}`);
  if (baseBad) return at('FIXED', `base: ${base!.verdict} ${base!.reason}`);
  const fresh = mine.warnings.filter((w) => !base?.warnings.includes(w));
  if (fresh.length) return at('NEW-WARNING', fresh.join('; '));
  return at('PASS', '');
}

function baseSays(base: CaseOutcome): string {
  return base.verdict === 'PASS' ? 'the base passes' : `the base: ${base.verdict} ${base.reason}`;
}

export type StageFailure = 'APPLY-FAIL' | 'BUILD-FAIL' | 'CONFIG-FAIL' | 'BOOT-FAIL' | 'INFRA';

/**
 * A whole series: a stage failure stands for every case; else each case against the base. The
 * base itself is classified against itself: its failures are ones the series inherit.
 */
export function classifySeries(
  tests: string[],
  stage: { kind: StageFailure; reason: string } | undefined,
  mine: CaseOutcome[],
  base: CaseOutcome[],
): Classified[] {
  if (stage) {
    const kind: NightlyClass = stage.kind === 'CONFIG-FAIL' ? 'BUILD-FAIL' : stage.kind;
    return tests.map((test) => ({ test, class: kind, detail: stage.reason }));
  }
  // A case the base skipped tested nothing there: its absence is no regression, only said.
  const missing = base
    .filter((b) => b.verdict !== 'ERROR' && !mine.some((m) => m.name === b.name))
    .map((b): Classified =>
      b.verdict === 'SKIP'
        ? {
            test: b.name,
            class: 'SKIP',
            detail: `the series did not report this case; the base skipped it: ${b.reason}`,
          }
        : { test: b.name, class: 'REGRESSION', detail: 'the base reported this case; the series did not' },
    );
  return [
    ...mine.map((m) =>
      classifyCase(
        m,
        base.find((b) => b.name === m.name),
      ),
    ),
    ...missing,
  ];
}

/**
 * The verdict a class is stored with: its case's; where no case stands behind it (a build or boot
 * that failed, a case the series lost) the class itself, so that nobody reads it as a case that ran.
 */
export function storedVerdict(c: Classified, cases: CaseOutcome[]): string {
  return cases.find((x) => x.name === c.test)?.verdict ?? c.class;
}

/** The stored base rows that are cases' outcomes (a build or boot failure's rows ran nothing). */
export function baseCases<T extends { verdict: string }>(rows: T[]): T[] {
  return rows.filter((r) => (VERDICTS as string[]).includes(r.verdict));
}

/**
 * Tests worth a patchcheck of a multi-patch series: those it regresses or stops running, or all
 * when it stops the build or boot. Not NEW-WARNING: patchcheck steps judge verdicts, so they could not see it.
 */
export function patchcheckTargets(plan: Plan, patches: number, classes: Classified[]): string[] {
  if (!plan.patchcheck || patches < 2) return [];
  if (classes.some((c) => c.class === 'BUILD-FAIL' || c.class === 'BOOT-FAIL')) return plan.tests;
  return [...new Set(classes.filter((c) => c.class === 'REGRESSION' || c.class === 'UNTESTED').map((c) => c.test))];
}

/** The series' headline: the most alarming class among its cases; SKIP only when nothing was tested. */
export function seriesClass(cases: { class: NightlyClass }[]): NightlyClass {
  const order: NightlyClass[] = [
    'APPLY-FAIL',
    'BUILD-FAIL',
    'BOOT-FAIL',
    'REGRESSION',
    'NEW-WARNING',
    'UNTESTED',
    'INFRA',
    'STILL-FAILING',
    'KNOWN',
    'FIXED',
    'PASS',
    'SKIP',
  ];
  return order.find((c) => cases.some((x) => x.class === c)) ?? 'PASS';
}
