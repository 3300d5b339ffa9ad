// Kernel console / dmesg parser: finds oops-style reports and names them as syzkaller's pkg/report
// does (measured on its golden corpus by `npm run bench -- --reports DIR`). Pure: text in, reports
// out. The report formats (GROUPS), the frames never blamed (SKIP_FRAMES) and where we title
// differently (TITLE_DIFFERENCES) are data.
import { demangle } from './demangle.js';
import { STALL_ANCHORS, HANG_ANCHORS, HANG_SKIP, SKIP_FRAMES, SYSCALL_PREFIXES } from './console-frames.js';
import {
  CONTINUATIONS,
  escape,
  GROUPS,
  NESTED,
  STACK_NOISE,
  TRACE,
  type FramePicker,
  type ReportFormat,
  type ReportGroup,
  type WarningKind,
} from './console-formats.js';

export { TITLE_DIFFERENCES, titleDifference, type WarningKind } from './console-formats.js';

export interface KernelReport {
  title: string;
  kind: WarningKind;
  /** 1-based line of the input where the report starts. */
  line: number;
  /** The report's lines, timestamps stripped. */
  report: string;
  /** Why the title could not be determined cleanly. */
  corrupted?: string;
}

// --- compiled table -------------------------------------------------------------------------------

const SHORTHANDS: Record<string, string> = {
  '{{PC}}': '\\[<?(?:0x)?[0-9a-f]+>?\\]',
  '{{FUNC}}': '([a-zA-Z0-9_]+)(?:\\.|\\+)',
  '{{SRC}}': '(?<src>[a-zA-Z0-9\\-_/.]+\\.[a-z]+:\\d+)',
  '{{TASK}}': '[\\s\\S]{0,100}?',
};

function expand(source: string): string {
  return source.replace(/\{\{(?:PC|FUNC|SRC|TASK)\}\}/g, (m) => SHORTHANDS[m]);
}

const anyOf = (patterns: string[]) => new RegExp(patterns.join('|'));

interface CompiledFormat {
  format: ReportFormat;
  kind: WarningKind;
  header: RegExp;
  detail?: RegExp;
  stacks: RegExp[][];
  skip: RegExp;
}

interface CompiledGroup {
  group: ReportGroup;
  ignore: RegExp[];
  formats: CompiledFormat[];
}

// Stands for TRACE among compiled steps.
const TRACE_STEP = /(?!)/;

function compileSteps(steps: string[] | undefined): RegExp[] {
  return (steps ?? []).map((s) => (s === TRACE ? TRACE_STEP : new RegExp(expand(s))));
}

function compileFormat(format: ReportFormat, group: ReportGroup): CompiledFormat {
  return {
    format,
    kind: format.kind ?? group.kind,
    header: new RegExp(expand(format.header)),
    detail: format.detail === undefined ? undefined : new RegExp(expand(format.detail)),
    stacks: [format.stack, format.stack2].filter((s) => s !== undefined).map(compileSteps),
    skip: anyOf([...SKIP_FRAMES, ...(format.skip ?? [])]),
  };
}

const COMPILED: CompiledGroup[] = GROUPS.map((group) => ({
  group,
  ignore: (group.ignore ?? []).map((re) => (re.startsWith('(?i)') ? new RegExp(re.slice(4), 'i') : new RegExp(re))),
  formats: group.formats.map((f) => compileFormat(f, group)),
}));
const ANY_MARKER = anyOf(GROUPS.map((g) => escape(g.marker)));
const STALL_ANCHOR = anyOf(STALL_ANCHORS);
const HANG_SKIPPED = anyOf(HANG_SKIP);

// --- lines ----------------------------------------------------------------------------------------

const PREFIX =
  /^(?:<\d+>)?(?<time>\[\s*\d+\.\d+\]|\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\])?(?:\[\s*(?<caller>[TC]\d+)\])?/;

/** Removes "[   12.345678] ", "[   12.345678][  T123] ", "[  T123] " and "<6>" prefixes. */
export function stripTimestamp(line: string): string {
  const prefix = PREFIX.exec(line)?.[0] ?? '';
  if (!prefix) return line;
  const rest = line.slice(prefix.length);
  return rest.startsWith(' ') ? rest.slice(1) : rest;
}

/** Lines (timestamps stripped) that match, e.g. to show expected log lines as evidence. */
export function matchEvidence(text: string, pattern: RegExp): string[] {
  const once = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  return text
    .split(/\r*\n/)
    .map(stripTimestamp)
    .filter((line) => once.test(line));
}

/** "dax_foo.isra.0+0x12/0x34 [dax]" -> "dax_foo". */
export function cleanFunctionName(name: string): string {
  return name
    .trim()
    .replace(/\s*\[[\w-]+\]$/, '')
    .replace(/\+0x[0-9a-f]+(?:\/0x[0-9a-f]+)?$/, '')
    .replace(/(?:\.(?:isra|constprop|part|cold|llvm|lto_priv|clone|localalias)(?:\.\d+)?)+$/, '');
}

// The kernel's own lines: a timestamp, maybe the printing task or CPU ("[ T123]", "[ C1]").
const KERNEL_PREFIX = /^(?:<\d+>)?\[ *\d+\.\d+\](?:\[ *([CT]\d+)\])? /;
// ... also behind a login prompt or a note of dropped messages.
const BEHIND = '(?:\\*\\* \\d+ printk messages dropped \\*\\* )?(?:.* login: )?';
const KERNEL_PREFIX_BEHIND = new RegExp(`^${BEHIND}${KERNEL_PREFIX.source.slice(1)}`);
const QUESTIONABLE = / \? /;

interface Line {
  /** Who printed it: "T123" or "C1", "console" for a timestamp alone, "" for none. */
  context: string;
  /** Without its prefix, and for a questionable frame without the question mark. */
  text: string;
  /** Without its prefix. */
  shown: string;
  /** A frame the unwinder is not sure of ("? foo+0x1/0x2"): never blamed. */
  questionable: boolean;
}

function parseLine(raw: string): Line {
  const m = KERNEL_PREFIX.exec(raw) ?? (/login: |\*\* /.test(raw) ? KERNEL_PREFIX_BEHIND.exec(raw) : null);
  if (!m) return { context: '', text: raw, shown: raw, questionable: false };
  const shown = raw.slice(raw.indexOf('] ') + 2);
  const line = { context: m[1] ?? 'console', text: shown, shown, questionable: false };
  if (shown.includes('<EOI>')) return line;
  if (QUESTIONABLE.test(shown)) return { ...line, text: shown.slice(shown.indexOf(' ? ') + 2), questionable: true };
  if (shown.endsWith(' (unreliable)')) return { ...line, text: shown.slice(0, -13), questionable: true };
  return line;
}

const REPLAYED = /\*\* replaying previous printk message \*\*/;

function groupOf(raw: string, next: string | undefined, kernelSeen: boolean): CompiledGroup | undefined {
  if (!ANY_MARKER.test(raw) || (next !== undefined && REPLAYED.test(next))) return undefined;
  const found = COMPILED.find((g) => raw.includes(g.group.marker) && !g.ignore.some((re) => re.test(raw)));
  return found?.group.afterKernel && !kernelSeen ? undefined : found;
}

// --- frames ---------------------------------------------------------------------------------------

const FRAME_LINES = [
  new RegExp(expand('^ *(?:{{PC}} ){0,2}{{FUNC}}')),
  // arm: "[<c0101234>] (foo) from [<c0105678>] (bar+0x10/0x20)", both frames.
  new RegExp(expand('^ *{{PC}} \\(([a-zA-Z0-9_.]+)\\) from {{PC}} \\({{FUNC}}')),
];
const STACK_STARTS = [
  /Call [Tt]race/,
  /Allocated:/,
  /Allocated by task \d+:/,
  /Freed:/,
  /Freed by task \d+:/,
  // "backtrace:" of kmemleak, not lockdep's "stack backtrace:"
  /[^k] backtrace(?: \(crc [0-9a-fA-F]*\))?:/,
  /Backtrace:/,
  /Uninit was stored to memory at/,
];
// riscv's show_regs() ends with this line and dumps the stack right after, with no heading.
const RISCV_STACK = /status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}/;
// Fault injection's stacks get mixed into reports.
const INJECTED = new RegExp(expand('^(?: \\[<?(?:0x)?[0-9a-f]+>?\\])? should_fail(?:slab)?(?:\\.[a-z0-9.]+)?\\+0x'));

const STACK_START = anyOf([...STACK_STARTS, RISCV_STACK].map((re) => re.source));
const isStackStart = (line: string) => STACK_START.test(line);

function captures(m: RegExpExecArray | null, skip: RegExp): string[] {
  const names = (m?.slice(1) ?? []).filter((f) => f !== undefined).map(demangle);
  return names.filter((f) => !skip.test(f));
}

function traceFrames(line: string, skip: RegExp): string[] {
  for (const re of FRAME_LINES) {
    const m = re.exec(line);
    if (m) return captures(m, skip);
  }
  return [];
}

interface Frames {
  /** The candidates of each stack trace the steps cover. */
  traces: string[][];
  /** A line of an injected fault's stack was among them. */
  injected: boolean;
}

/** Runs the steps over the lines: a line step advances to the line it matches (its capture is a
 *  candidate), TRACE takes the frames up to the next stack trace, or up to the next step's line. */
function stackFrames(lines: string[], steps: RegExp[], skip: RegExp): Frames {
  const traces: string[][] = [[]];
  let injected = false;
  let at = 0;
  for (let s = 0; s < steps.length; s++) {
    const trace = steps[s] === TRACE_STEP;
    if (trace && s > steps.indexOf(TRACE_STEP)) traces.push([]);
    const names = traces[traces.length - 1];
    for (; at < lines.length; at++) {
      const line = lines[at];
      if (INJECTED.test(line)) {
        injected = true;
        at++;
        break;
      }
      const step = trace ? steps[s + 1] : steps[s];
      const m = step?.exec(line);
      if (m) {
        names.push(...captures(m, skip));
        if (trace) s++;
        at++;
        break;
      }
      if (!trace) continue;
      if (isStackStart(line)) {
        at++;
        break;
      }
      names.push(...traceFrames(line, skip));
    }
  }
  return { traces, injected };
}

function withoutSyscallPrefix(frame: string): string {
  const trimmed = SYSCALL_PREFIXES.filter((p) => frame.startsWith(p)).map((p) => frame.slice(p.length));
  return trimmed.reduce((shortest, f) => (f.length < shortest.length ? f : shortest), frame);
}

function stallFrame(frames: string[]): string | undefined {
  const i = frames.findIndex((f) => STALL_ANCHOR.test(f));
  if (i < 0) return undefined;
  if (frames[i].includes('smp_call_function')) return 'smp_call_function';
  return frames[Math.max(i - 1, 0)];
}

function hangFrame(frames: string[]): string | undefined {
  for (const frame of frames) {
    const anchor = HANG_ANCHORS.find(([name]) => frame.includes(name));
    if (anchor) return anchor[1] ?? frame;
  }
  return frames.find((f) => !HANG_SKIPPED.test(f));
}

function pickFrame(names: string[], pick?: FramePicker): string | undefined {
  const frames = names.map(withoutSyscallPrefix);
  if (pick === 'stall') return stallFrame(frames);
  if (pick === 'hang') return hangFrame(frames);
  return frames[0];
}

/** The frame to blame, and whether every stack trace the steps cover gave one. */
function blame(lines: string[], c: CompiledFormat): { frame?: string; whole: boolean } {
  let result = { whole: false } as { frame?: string; whole: boolean };
  for (const steps of c.stacks) {
    const found = stackFrames(lines, steps, c.skip);
    const frames = found.traces.map((names) => pickFrame(names, c.format.pick));
    result = { frame: frames[0], whole: !found.injected && frames.every(Boolean) };
    if (result.whole) break;
  }
  return result;
}

// --- titles ---------------------------------------------------------------------------------------

// What varies between two reports of one bug: addresses, numbers, line numbers, executor ids.
const TITLE_NOISE: [RegExp, string][] = [
  [/syz-executor\.?\d+(?:[/:]\d+)?/g, 'syz-executor'],
  [/syzkaller\d+(?:[/:]\d+)?/g, 'syzkaller'],
  [/([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}/g, '$1ADDR'],
  [/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g, 'IP'],
  [/(\.\w+)(?::\d+)+/g, '$1:LINE'],
  [/([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+\/0x[0-9a-z]+/g, '$1'],
  [/CPU#\d+/g, 'CPU'],
  [/(\W)\d+(\W|$)/g, '$1NUM$2'],
  [/\d{7,}/g, 'NUM'],
];
const MAX_TITLE = 120;
const TIMESTAMP_IN_TITLE = /\[ *\d+\.\d+\]/;

function normalizeTitle(raw: string): string {
  let title = raw;
  for (const [re, by] of TITLE_NOISE) {
    for (let last = ''; last !== title;) [last, title] = [title, title.replace(re, by)];
  }
  return title
    .slice(0, MAX_TITLE)
    .replace(/\t/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
}

function render(template: string, values: Record<string, string | undefined>): string | undefined {
  let missing = false;
  const text = template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? ((missing = true), ''));
  return missing ? undefined : text;
}

interface Described {
  title: string;
  corrupted?: string;
  format?: CompiledFormat;
}

function describeWith(c: CompiledFormat, match: RegExpExecArray, text: string): Described {
  const groups = { ...match.groups };
  if (!c.stacks.length) return { title: render(c.format.title, groups) ?? c.format.title, format: c };
  const { frame, whole } = blame(text.slice(match.index).split('\n'), c);
  const fallback = frame ? undefined : c.format.fallback && render(c.format.fallback, groups);
  const full = render(c.format.title, { ...groups, FUNC: frame ?? 'corrupted' }) ?? c.format.title;
  const title = fallback || full.replace(/ in corrupted$/, '');
  if (whole) return { title, format: c };
  const corrupted = frame ? 'a stack trace is missing or mixed with another' : 'no frame to blame';
  return { title, format: c, corrupted };
}

/** The earliest-matching format of the group names the report; with none, its header line does. */
function describe(g: CompiledGroup, text: string): Described {
  let best: { at: number; described?: Described } = { at: Infinity };
  let matched = false;
  for (const c of g.formats) {
    const m = c.header.exec(text);
    if (!m || m.index > best.at || (m.index === best.at && best.described)) continue;
    if (m.index < best.at) best = { at: m.index };
    matched = true;
    const detail = c.detail ? c.detail.exec(text) : m;
    if (detail) best.described = describeWith(c, detail, text);
  }
  if (best.described) return best.described;
  const at = text.indexOf(g.group.marker);
  const end = text.indexOf('\n', at);
  const title = text.slice(at, end < 0 ? undefined : end);
  return matched ? { title, corrupted: 'the report does not say what its header promises' } : { title };
}

function frameWithin(lines: string[]): boolean {
  for (const line of lines.slice(0, 15)) {
    if (isStackStart(line)) return false;
    if (line.includes('(stack is not available)') || FRAME_LINES.some((re) => re.test(line))) return true;
  }
  return false;
}

/** A report whose format expects a call trace needs one, with frames after every heading. */
function missingTrace(text: string): string | undefined {
  let traced = false;
  for (const start of [...STACK_STARTS, RISCV_STACK]) {
    const at = text.search(start);
    if (at < 0) continue;
    const lines = text.slice(at).split('\n');
    if (lines.length < 3) return 'the call trace is cut short';
    const framed = frameWithin(lines.slice(1));
    traced ||= framed;
    if (!framed && start !== RISCV_STACK) return 'no frames in a stack trace';
  }
  return traced ? undefined : 'no call trace';
}

function corruption(d: Described, checked: string): string | undefined {
  if (TIMESTAMP_IN_TITLE.test(d.title)) return 'another line runs into the header';
  if (d.corrupted || !d.format) return d.corrupted;
  if (d.format.format.corrupted) return 'only a broken report looks like this';
  return d.format.format.noTrace ? undefined : missingTrace(checked);
}

// --- reports --------------------------------------------------------------------------------------

const END_OF_ANY = /^---\[ end /;
const CUT_HERE = /^-+\[ cut here \]-+$/;
const MAX_REPORT_LINES = 500;
// Input lines a report stays open for while other tasks print.
const MAX_REPORT_SPAN = 2000;
// Past this many lines of its own, a report's panic (panic_on_warn) or a lockdep report it set off
// is not part of the text it is titled from.
const OWN_LINES = 22;
const OWN_LINES_KMSAN = 16;
const AFTERMATH = /Kernel panic - not syncing|WARNING: possible circular locking dependency detected/;
const UNTITLED = /Disabling lock debugging due to kernel taint/;

interface OpenReport {
  group: CompiledGroup;
  start: number;
  /** Who printed it (see Line): a report takes only its own lines. */
  context: string;
  lines: Line[];
  /** Lines of its context seen, for OWN_LINES. */
  seen: number;
  /** Where the report ends: another report or the end of its trace. */
  shownEnd?: number;
  /** Where the text it is titled from ends. A report printed with its task id is titled from all its
   *  task's lines, as its stack may follow another report's header. */
  titleEnd?: number;
  /** Where its aftermath starts: left out of the title and of the corruption check. */
  aftermath?: number;
  /** All CPUs are dumping their stacks: their lines belong to this report too. */
  allCpus: boolean;
  /** It comes inside or after another report of its context. */
  follows: boolean;
}

const hasTask = (r: OpenReport) => r.context !== 'console' && r.context !== '';

class ReportCollector {
  private open: OpenReport[] = [];
  private done: OpenReport[] = [];
  private kernelSeen = false;

  line(index: number, raw: string, next: string | undefined): void {
    const group = groupOf(raw, next, this.kernelSeen);
    this.kernelSeen ||= raw.includes('[') && KERNEL_PREFIX.test(raw);
    if (!group && !this.open.length) return;
    const line = parseLine(raw);
    const mine = this.open.filter((r) => this.takes(r, line));
    const inside = CONTINUATIONS.test(raw) && mine.some((r) => r.shownEnd === undefined);
    if (group && !inside) this.anotherReport(line);
    if (STACK_NOISE.test(raw)) for (const r of this.open.filter((o) => !hasTask(o))) r.titleEnd ??= r.lines.length;
    if (CUT_HERE.test(line.text.trim())) for (const r of mine) r.shownEnd ??= r.lines.length;
    for (const r of mine.filter((o) => this.open.includes(o))) this.append(r, line);
    if (group && (!inside || NESTED.test(raw))) this.start(index, group, line, mine.length > 0);
    this.close(this.open.filter((r) => r.seen >= MAX_REPORT_LINES || index - r.start >= MAX_REPORT_SPAN));
  }

  finish(): OpenReport[] {
    this.close(this.open);
    return this.done.sort((a, b) => a.start - b.start);
  }

  private takes(r: OpenReport, line: Line): boolean {
    return line.context === r.context || (r.allCpus && line.context.startsWith('C'));
  }

  private anotherReport(line: Line): void {
    for (const r of this.open.filter((o) => !hasTask(o) || o.context === line.context)) {
      r.shownEnd ??= r.lines.length;
      if (!hasTask(r)) r.titleEnd ??= r.lines.length;
    }
    this.close(this.open.filter((r) => r.titleEnd !== undefined && r.shownEnd !== undefined));
  }

  private start(index: number, group: CompiledGroup, line: Line, follows: boolean): void {
    this.open.push({ group, start: index, context: line.context, lines: [line], seen: 1, allCpus: false, follows });
  }

  private append(r: OpenReport, line: Line): void {
    r.lines.push(line);
    if (END_OF_ANY.test(line.text.trim())) r.shownEnd ??= r.lines.length;
    if (line.questionable) return;
    r.seen++;
    if (line.text.includes('Sending NMI from CPU')) r.allCpus = true;
    const own = r.lines[0].text.includes('BUG: KMSAN:') ? OWN_LINES_KMSAN : OWN_LINES;
    if (AFTERMATH.test(line.text) && r.seen > own) r.aftermath ??= r.lines.length - 1;
  }

  private close(reports: OpenReport[]): void {
    this.open = this.open.filter((r) => !reports.includes(r));
    this.done.push(...reports);
  }
}

const textOf = (lines: Line[]) => lines.map((l) => l.text).join('\n');

function toWarning(r: OpenReport): KernelReport {
  const own = r.lines.slice(0, r.aftermath);
  const titled = own.slice(0, r.titleEnd).filter((l) => !l.questionable && !UNTITLED.test(l.text));
  const described = describe(r.group, textOf(titled));
  // A panic after another report is its aftermath: that report has the cause and the trace.
  const aftermath = r.follows && r.group.group.kind === 'panic';
  // Our kernels' unwinders mark every frame questionable: such a trace is still a trace.
  const corrupted = aftermath ? undefined : corruption(described, textOf(own));
  const kind = described.format?.kind ?? r.group.group.kind;
  const report = r.lines
    .slice(0, r.shownEnd)
    .map((l) => l.shown)
    .join('\n');
  const warning: KernelReport = { title: normalizeTitle(described.title), kind, line: r.start + 1, report };
  return corrupted ? { ...warning, corrupted } : warning;
}

/** Every report in the console or dmesg text, in order. */
export function parseConsole(text: string): KernelReport[] {
  const lines = text.split(/\r*\n/);
  const collector = new ReportCollector();
  lines.forEach((raw, i) => collector.line(i, raw, lines[i + 1]));
  return collector.finish().map(toWarning);
}

/** The guest is dead after this report: a panic, or a report the kernel panicked inside. */
export function fatal(w: KernelReport): boolean {
  return w.kind === 'panic' || /^Kernel panic - not syncing/m.test(w.report);
}
