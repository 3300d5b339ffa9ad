// Known kernel bugs as records of their own (configs/known/*.yaml): the cases, the kernel range,
// what deviates from the correct behaviour, the cause and a reference. Expectations say what is
// right; a case that deviates exactly as a record says is KNOWN, and a kernel in the range that
// behaves correctly passes with a note that the bug did not show.
import { globToRegExp } from './glob.js';
import { inRange, validRange } from './kernel-version.js';

export interface KnownRecord {
  id: string;
  /** "suite/case", or "suite/*" for every case of a suite. */
  cases: string[];
  kernels: string;
  /** The observed values that make it this bug (each must show, and nothing else may deviate). */
  deviates: Record<string, unknown>;
  /** Titles of the kernel reports this bug leaves in the case's dmesg window. */
  warnings: string[];
  /** One line: why the kernel behaves so. */
  cause: string;
  /** A commit, a list thread or the function, where the bug is told. */
  reference: string;
  /** What was measured and what was read (e.g. where the range starts and why it is not measured). */
  note?: string;
  /** A bug report's subject, without the [BUG] tag (orchestrate report --bug). */
  title?: string;
  /** What the bug does to users, one sentence, for a bug report. */
  impact?: string;
  /** The commit that brought the bug, as a Fixes: tag's value: 12+ hex digits ("subject"). */
  fixes?: string;
  /** Source files the bug concerns besides those the cause names (a bug report's recipients). */
  files?: string[];
  /** The file it came from, for messages. */
  source: string;
  /** From an old expunge file: any failure of the case, nothing known about how it deviates. */
  legacy?: boolean;
}

const KEYS = [
  'id',
  'cases',
  'kernels',
  'deviates',
  'warnings',
  'cause',
  'reference',
  'note',
  'title',
  'impact',
  'fixes',
  'files',
];
const FIXES = /^[0-9a-f]{12,40} \(".+"\)$/;
const SOURCE = /^[\w.+-]+(\/[\w.+-]+)+$/;

/** A known-failures file: a YAML list of records. Problems are thrown as one line each. */
export function parseKnown(raw: unknown, source: string): KnownRecord[] {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (!Array.isArray(raw)) fail('want a list of known-failure records');
  return (raw as Record<string, unknown>[]).map((r, i) => {
    const at = `record ${i + 1}${typeof r?.id === 'string' ? ` (${r.id})` : ''}`;
    if (!r || typeof r !== 'object') fail(`${at}: not a mapping`);
    for (const key of Object.keys(r)) if (!KEYS.includes(key)) fail(`${at}: unknown key "${key}"`);
    for (const key of ['id', 'kernels', 'cause', 'reference'])
      if (typeof r[key] !== 'string' || !r[key]) fail(`${at}: ${key} must be a string`);
    const cases = r.cases;
    if (
      !Array.isArray(cases) ||
      !cases.length ||
      !cases.every((c) => typeof c === 'string' && /^[\w.-]+\/[\w.*/-]+$/.test(c))
    ) {
      fail(`${at}: cases must list "suite/case" or "suite/*"`);
    }
    if (!validRange(String(r.kernels))) fail(`${at}: bad kernels range "${r.kernels}"`);
    const deviates = (r.deviates ?? {}) as Record<string, unknown>;
    if (typeof deviates !== 'object' || Array.isArray(deviates))
      fail(`${at}: deviates must map observed fields to values`);
    const warnings = (r.warnings ?? []) as string[];
    if (!Array.isArray(warnings) || !warnings.every((w) => typeof w === 'string'))
      fail(`${at}: warnings must be a list of titles`);
    if (!Object.keys(deviates).length && !warnings.length) fail(`${at}: say what deviates (deviates: or warnings:)`);
    for (const key of ['note', 'title', 'impact', 'fixes'])
      if (r[key] !== undefined && typeof r[key] !== 'string') fail(`${at}: ${key} must be a string`);
    if (typeof r.fixes === 'string' && !FIXES.test(r.fixes)) fail(`${at}: fixes must read 0123456789ab ("subject")`);
    const files = r.files;
    if (files !== undefined && (!Array.isArray(files) || !files.every((f) => typeof f === 'string' && SOURCE.test(f))))
      fail(`${at}: files must list source files of the tree (fs/dax.c)`);
    return {
      id: String(r.id),
      cases: cases as string[],
      kernels: String(r.kernels),
      deviates,
      warnings,
      cause: String(r.cause),
      reference: String(r.reference),
      note: r.note as string | undefined,
      title: r.title as string | undefined,
      impact: r.impact as string | undefined,
      fixes: r.fixes as string | undefined,
      ...(files ? { files: files as string[] } : {}),
      source,
    };
  });
}

export function coversCase(record: KnownRecord, caseName: string): boolean {
  return record.cases.some((c) => globToRegExp(c).test(caseName));
}

/** The records that cover CASE on kernel VERSION. */
export function recordsFor(records: KnownRecord[], caseName: string, version: string): KnownRecord[] {
  return records.filter((r) => coversCase(r, caseName) && inRange(version, r.kernels));
}

/** What a FAIL consists of: the expected fields that the observation missed, and the unexpected warnings. */
export interface Deviation {
  /** Expected field → observed value, for each field that did not match. */
  fields: Record<string, unknown>;
  warnings: string[];
  /** Everything observed: a record may pin values the expectation does not name (a message). */
  observed: Record<string, unknown>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Does the deviation consist of exactly what the record says: each of its values shows, nothing else deviates? */
export function deviatesAs(record: KnownRecord, d: Deviation): boolean {
  if (record.legacy) return true;
  const wanted = Object.entries(record.deviates);
  const fieldsShown = wanted.every(([k, v]) => same(d.observed[k], v));
  const nothingElse = Object.keys(d.fields).every((k) => k in record.deviates);
  const warningsKnown = d.warnings.every((w) => record.warnings.includes(w));
  return fieldsShown && nothingElse && warningsKnown;
}

/** The record a deviation is, if any: the first that covers the case and matches it exactly. */
export function knownAs(records: KnownRecord[], d: Deviation): KnownRecord | undefined {
  return records.find((r) => deviatesAs(r, d));
}

/** An old expunge line ("suite/case  # reason") as a record covering any failure of the case. */
export function legacyRecord(caseName: string, reason: string, kernels: string, source: string): KnownRecord {
  return {
    id: `${source}:${caseName}`,
    cases: [caseName],
    kernels,
    deviates: {},
    warnings: [],
    cause: reason,
    reference: source,
    source,
    legacy: true,
  };
}

/** The range an old expunge file stood for, from its name: 6.1.txt → ">=6.1 <6.2", 6.1.192.txt → "=6.1.192". */
export function rangeOfExpungeFile(name: string): string | undefined {
  const v = /^(\d+(?:\.\d+){0,2})\.txt$/.exec(name)?.[1];
  if (!v) return undefined;
  const parts = v.split('.').map(Number);
  if (parts.length === 3) return `=${v}`;
  const next = [...parts.slice(0, -1), parts[parts.length - 1] + 1].join('.');
  return `>=${v} <${next}`;
}

/** An old expunge file: "suite/case  # reason or link" per line; blank lines and comment lines skipped. */
export function parseExpunge(text: string): Map<string, string> {
  const known = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([^#\s]+)\s*(?:#\s*(.*))?$/.exec(line);
    if (m) known.set(m[1], m[2]?.trim() || 'known failure');
  }
  return known;
}
