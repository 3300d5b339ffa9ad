// Kernel console / dmesg parser: finds oops-style reports and names them, after syzkaller's
// pkg/report. Pure: text in, reports out. The report formats are data (FORMATS below).

export type WarningKind =
  | 'warning'
  | 'bug'
  | 'kernel-bug'
  | 'oops'
  | 'gpf'
  | 'panic'
  | 'hung-task'
  | 'kasan'
  | 'ubsan'
  | 'lockdep'
  | 'rcu-stall'
  | 'soft-lockup';

export interface Warning {
  title: string;
  kind: WarningKind;
  /** 1-based line of the input where the report starts. */
  line: number;
  /** The report's lines, timestamps stripped. */
  report: string;
  /** Why the title could not be determined cleanly. */
  corrupted?: string;
}

interface ReportFormat {
  kind: WarningKind;
  /** Matches the first line of the report. Shorthands: {{FUNC}}, {{SRC}}, {{PC}}. */
  header: string;
  /** {{FUNC}}: the blamed function, {{SRC}}: a source location, {{name}}: a named group. */
  title: string;
  /** Title when {{FUNC}} or {{SRC}} is unknown; without one, such a report is corrupted. */
  fallback?: string;
  /** Lines naming the culprit, tried before the call trace. Only the first line matching the
   *  part before {{FUNC}} counts: a later RIP belongs to another context. */
  blame?: string[];
  /** Lines after which the call trace to blame starts. */
  traceFrom?: string[];
  /** Stall detectors report from an interrupt: blame what it interrupted. */
  afterIrq?: boolean;
  /** Frames that are machinery for this kind of report, on top of SKIP_FRAMES. */
  skip?: string[];
  /** More named groups for the title, searched near the top of the report. */
  fields?: string[];
  /** The report's own last line (kept). */
  end?: string;
  /** While a report of one of these kinds is open, this header is one of its lines. */
  partOf?: WarningKind[];
  /** Starts a report without ending the open ones (panic_on_warn panics inside the warning). */
  nested?: boolean;
}

const SHORTHANDS: Record<string, string> = {
  '{{FUNC}}': '(?<func>[A-Za-z_][\\w.]*)\\+0x[0-9a-f]+(?:/0x[0-9a-f]+)?(?:\\s+\\[[\\w-]+\\])?',
  '{{SRC}}': '(?<src>[\\w./-]+\\.(?:[chS]|rs):\\d+(?::\\d+)?)',
  '{{PC}}': '\\[<?[0-9a-f]+>?\\]',
};

const OOPS_BLAME = [
  'RIP: 00[16]0:(?:{{PC}}\\s+)*{{FUNC}}',
  'IP: (?:{{PC}}\\s+)?{{FUNC}}',
  'pc : {{FUNC}}',
  'PC is at {{FUNC}}',
];
const LOCK_BLAME = ['.*\\bat: (?:{{PC}}\\s+)?{{FUNC}}'];
const LOCKDEP = '(?:WARNING: |\\[ INFO: )';
const SANITIZER_END = '^=+$';

const FORMATS: ReportFormat[] = [
  { kind: 'lockdep', header: `^${LOCKDEP}possible circular locking dependency detected`, title: 'possible deadlock in {{FUNC}}', blame: LOCK_BLAME },
  { kind: 'lockdep', header: `^${LOCKDEP}possible recursive locking detected`, title: 'possible deadlock in {{FUNC}}', blame: LOCK_BLAME },
  { kind: 'lockdep', header: `^${LOCKDEP}(?:possible irq lock inversion dependency|\\S+-safe -> \\S+-unsafe lock order) detected`, title: 'possible deadlock in {{FUNC}}' },
  { kind: 'lockdep', header: `^${LOCKDEP}inconsistent lock state`, title: 'inconsistent lock state in {{FUNC}}' },
  { kind: 'lockdep', header: `^${LOCKDEP}suspicious RCU usage`, title: 'suspicious RCU usage at {{SRC}}', fallback: 'suspicious RCU usage', fields: ['^{{SRC}} suspicious '] },
  { kind: 'lockdep', header: '^WARNING: bad unlock balance detected!', title: 'WARNING: bad unlock balance in {{FUNC}}' },
  { kind: 'lockdep', header: '^WARNING: held lock freed!', title: 'WARNING: held lock freed in {{FUNC}}' },
  { kind: 'lockdep', header: '^WARNING: lock held when returning to user space!', title: 'WARNING: lock held when returning to user space in {{FUNC}}' },
  { kind: 'lockdep', header: '^INFO: trying to register non-static key', title: 'INFO: trying to register non-static key in {{FUNC}}' },
  { kind: 'warning', header: '^WARNING: (?:CPU: \\d+ (?:UID: \\d+ )?PID: \\d+ )?at {{SRC}}(?:\\s+{{FUNC}})?', title: 'WARNING in {{FUNC}}', fallback: 'WARNING at {{SRC}}', blame: OOPS_BLAME },
  { kind: 'warning', header: '^WARNING: {{SRC}} at (?:{{FUNC}})?', title: 'WARNING in {{FUNC}}', fallback: 'WARNING at {{SRC}}', blame: OOPS_BLAME },
  { kind: 'kasan', header: '^BUG: KASAN: (?<bug>[\\w-]+(?: or [\\w-]+)?) (?:in|on address) (?:{{FUNC}})?', title: 'KASAN: {{bug}} {{access}} in {{FUNC}}', fields: ['^(?<access>Read|Write) (?:of size|at addr)'], end: SANITIZER_END },
  { kind: 'kasan', header: '^BUG: KFENCE: (?<bug>[\\w-]+(?: read| write)?) in (?:{{FUNC}})?', title: 'KFENCE: {{bug}} in {{FUNC}}', end: SANITIZER_END },
  { kind: 'kasan', header: '^BUG: KMSAN: (?<bug>[\\w-]+) in (?:{{FUNC}})?', title: 'KMSAN: {{bug}} in {{FUNC}}', end: SANITIZER_END },
  { kind: 'bug', header: '^BUG: KCSAN: (?<bug>[\\w: -]+?) in (?:{{FUNC}})?', title: 'KCSAN: {{bug}} in {{FUNC}}', end: SANITIZER_END },
  { kind: 'soft-lockup', header: '^(?:(?:NMI )?watchdog: )?BUG: soft lockup - CPU#\\d+ stuck', title: 'BUG: soft lockup in {{FUNC}}', blame: OOPS_BLAME, afterIrq: true },
  { kind: 'oops', header: '^BUG: unable to handle page fault for address', title: 'BUG: unable to handle page fault in {{FUNC}}', blame: OOPS_BLAME },
  { kind: 'oops', header: '^BUG: unable to handle kernel (?<what>paging request|NULL pointer dereference)', title: 'BUG: unable to handle kernel {{what}} in {{FUNC}}', blame: OOPS_BLAME },
  { kind: 'oops', header: '^BUG: kernel NULL pointer dereference', title: 'BUG: kernel NULL pointer dereference in {{FUNC}}', blame: OOPS_BLAME },
  { kind: 'oops', header: '^Unable to handle kernel (?<what>paging request|NULL pointer dereference|execute from non-executable memory|access to user memory)', title: 'Unable to handle kernel {{what}} in {{FUNC}}', blame: OOPS_BLAME },
  { kind: 'oops', header: '^BUG: (?:TASK |IRQ )?stack guard page was hit', title: 'BUG: stack guard page was hit in {{FUNC}}', blame: OOPS_BLAME },
  { kind: 'gpf', header: '^(?:Oops: )?general protection fault', title: 'general protection fault in {{FUNC}}', blame: OOPS_BLAME },
  { kind: 'kernel-bug', header: '^kernel BUG at {{SRC}}!', title: 'kernel BUG in {{FUNC}}', fallback: 'kernel BUG at {{SRC}}', blame: OOPS_BLAME },
  { kind: 'oops', header: '^(?:Internal error: )?Oops\\b.*\\[#\\d+\\]', title: 'Oops in {{FUNC}}', blame: OOPS_BLAME, partOf: ['oops', 'gpf', 'kernel-bug', 'bug'] },
  { kind: 'bug', header: '^BUG: Bad page state', title: 'BUG: Bad page state in {{FUNC}}', fallback: 'BUG: Bad page state', traceFrom: ['^page last allocated via'] },
  { kind: 'bug', header: '^BUG: Bad page map', title: 'BUG: Bad page map' },
  { kind: 'bug', header: '^BUG: Bad rss-counter state', title: 'BUG: Bad rss-counter state' },
  { kind: 'bug', header: '^BUG: sleeping function called from invalid context', title: 'BUG: sleeping function called from invalid context in {{FUNC}}' },
  { kind: 'bug', header: '^BUG: scheduling while atomic', title: 'BUG: scheduling while atomic in {{FUNC}}' },
  { kind: 'bug', header: '^BUG: using (?<what>\\S+\\(\\)) in preemptible', title: 'BUG: using {{what}} in preemptible code in {{FUNC}}' },
  { kind: 'bug', header: '^BUG: spinlock (?<what>[a-z ]+?) on CPU', title: 'BUG: spinlock {{what}} in {{FUNC}}' },
  { kind: 'bug', header: '^BUG: workqueue lockup', title: 'BUG: workqueue lockup' },
  { kind: 'bug', header: '^BUG: memory leak', title: 'memory leak in {{FUNC}}', traceFrom: ['^backtrace(?: \\(crc [0-9a-f]+\\))?:'] },
  { kind: 'bug', header: '^BUG: (?<what>[A-Za-z][\\w ]*?)(?= at | in |\\s+[0-9a-f]{8,}|\\s*[^\\w ]|\\s*$)', title: 'BUG: {{what}}' },
  { kind: 'hung-task', header: '^INFO: task \\S+:\\d+ blocked for more than \\d+ seconds', title: 'INFO: task hung in {{FUNC}}' },
  {
    kind: 'rcu-stall',
    header: '^(?:rcu: )?INFO: rcu_\\w+ (?:self-)?detected (?:expedited )?stalls?',
    title: 'INFO: rcu detected stall in {{FUNC}}',
    blame: OOPS_BLAME,
    afterIrq: true,
    skip: ['rcu_\\w+', '\\w*hrtimer\\w*', 'tick_\\w+', 'update_process_times', 'sched_show_task\\w*', 'dump_cpu_task', '\\w*softirq\\w*'],
  },
  { kind: 'ubsan', header: '^UBSAN: (?<bug>.+?) in {{SRC}}', title: 'UBSAN: {{bug}} in {{SRC}}', end: SANITIZER_END },
  { kind: 'panic', header: '^Kernel panic - not syncing: ?(?<reason>.*)', title: 'Kernel panic - not syncing: {{reason}}', nested: true, end: '^(?:Rebooting in |---\\[ end Kernel panic)' },
];

// Matched against names with leading underscores removed.
const SKIP_FRAMES = [
  // reporting machinery
  'dump_stack\\w*', 'dump_backtrace', 'show_stack', 'show_regs\\w*', 'show_trace\\w*', 'print_\\w+', 'v?printk\\w*',
  'warn\\w*', 'report_bug', 'fixup_bug', 'handle_bug', 'check_panic_on_warn', '\\w*panic\\w*', 'bad_page',
  'do_error_trap', 'do_trap', '\\w*invalid_op', 'do_general_protection', '\\w*exc_\\w+', 'error_entry',
  'program_check_\\w+', 'nmi_\\w+', 'arch_trigger_cpumask_backtrace',
  // interrupt entry
  'asm_\\w+', 'sysvec_\\w+', '\\w*apic_timer_interrupt\\w*', 'irq_exit\\w*', 'common_interrupt\\w*', 'ret_from_intr', 'retint_kernel',
  // sanitizers and debug checks
  '\\w*kasan\\w*', 'asan_\\w+', '\\w*ubsan\\w*', '\\w*kmsan\\w*', 'msan_\\w+', '\\w*kcsan\\w*', 'sanitizer_\\w+', 'kfence_\\w+',
  'check_memory_region\\w*', 'check_heap_object', 'check_object\\w*', 'fortify_\\w+', 'debug_\\w+', 'might_sleep\\w*',
  'might_fault', 'might_resched', 'should_fail\\w*', 'x86_indirect_thunk_\\w+', 'read_word_at_a_time',
  // locking
  'raw_spin_\\w+', 'do_raw_\\w+', 'spin_\\w+', '(?:raw_)?(?:read|write)_(?:un)?lock\\w*', 'mutex_\\w+', 'rt_mutex_\\w+',
  'rwsem_\\w+', 'down(?:_\\w+)?', 'up(?:_read|_write)?', 'lock_acquire\\w*', 'lock_release', 'lock_downgrade', 'lockdep_\\w+',
  'lock_is_held\\w*', 'mark_lock\\w*', '(?:reacquire|mark)_held_locks', 'register_lock_class', 'validate_chain',
  'check_(?:prev_add|noncircular|usage\\w*|deadlock)', 'rcu_read_(?:un)?lock\\w*', 'synchronize_rcu\\w*', '\\w*queued_spin_lock_slowpath',
  // waiting
  '(?:preempt_)?schedule\\w*', 'io_schedule\\w*', 'wait_for_completion\\w*', 'wait_on_\\w+', 'out_of_line_wait_on_bit\\w*',
  'bit_wait\\w*', 'folio_wait\\w*', '(?:un)?lock_page\\w*', 'folio_(?:un)?lock\\w*', 'finish_wait', 'prepare_to_wait\\w*',
  // allocation and freeing
  'kv?[mzc]?alloc\\w*', 'krealloc\\w*', 'kmem_cache_\\w+', 'kv?free\\w*', 'vfree', 'vmalloc\\w*', 'alloc_pages\\w*',
  'alloc_frozen_pages\\w*', 'folio_alloc\\w*', 'filemap_alloc_folio\\w*', 'filemap_get_folio\\w*', 'pagecache_get_page',
  'get_page_from_freelist', 'post_alloc_hook', 'prep_new_page', 'slab_\\w+', 'new_slab', 'allocate_slab', 'memdup\\w*', 'kstrn?dup\\w*',
  // string and user-copy helpers
  'mem(?:cpy|set|move|cmp|chr)\\w*', 'str(?:n?cmp|n?cpy|l?cat|n?len|r?chr|str|scpy)\\w*', 'sized_strscpy',
  '(?:raw_)?copy_(?:to|from)_user\\w*', 'copy_user_\\w+', '(?:get|put)_user\\w*',
  // bit, list, refcount and inode-count helpers
  '(?:test_and_)?(?:set|clear|change)_bit\\w*', '(?:arch_)?atomic\\w*', 'instrument_\\w+', 'h?list_\\w+', 'refcount_\\w+',
  'kref_\\w+', '(?:inc|drop|clear|set)_nlink',
  // work and timer plumbing
  'flush_work\\w*', 'cancel_(?:delayed_)?work\\w*', 'flush_workqueue', 'drain_workqueue', 'destroy_workqueue', 'del_timer\\w*', 'timer_delete\\w*',
  // thread and syscall entry
  'process_one_work', 'worker_thread', 'kthread', 'ret_from_fork\\w*', 'do_syscall_\\w+', 'entry_SYSCALL\\w*', 'syscall_exit\\w*', 'x64_sys_call',
];

const TRACE_FROM = ['^(?:Call Trace|Call trace|Backtrace):'];
const END_OF_ANY = /^---\[ end /;
const CUT_HERE = /^-+\[ cut here \]-+$/;
const MAX_REPORT_LINES = 100;
const FIELD_WINDOW = 5;

interface Compiled {
  format: ReportFormat;
  header: RegExp;
  blame: { anchor: RegExp; full: RegExp }[];
  traceFrom: RegExp[];
  skip?: RegExp;
  fields: RegExp[];
  end?: RegExp;
}

function expand(source: string): string {
  return source.replace(/\{\{(?:FUNC|SRC|PC)\}\}/g, (m) => SHORTHANDS[m]);
}

function compileBlame(source: string): { anchor: RegExp; full: RegExp } {
  const prefix = source.slice(0, source.indexOf('{{FUNC}}'));
  return { anchor: new RegExp(`^${expand(prefix)}`), full: new RegExp(`^${expand(source)}`) };
}

function anyOf(patterns: string[]): RegExp {
  return new RegExp(`^(?:${patterns.join('|')})$`);
}

function compile(format: ReportFormat): Compiled {
  return {
    format,
    header: new RegExp(expand(format.header)),
    blame: (format.blame ?? []).map(compileBlame),
    traceFrom: (format.traceFrom ?? TRACE_FROM).map((s) => new RegExp(s)),
    skip: format.skip && anyOf(format.skip),
    fields: (format.fields ?? []).map((s) => new RegExp(expand(s))),
    end: format.end ? new RegExp(format.end) : undefined,
  };
}

const COMPILED = FORMATS.map(compile);
// One pass over every header, to skip the ordinary lines fast.
const ANY_HEADER = new RegExp(COMPILED.map((c) => c.header.source.replace(/\(\?<\w+>/g, '(?:')).join('|'));
const SKIP = anyOf(SKIP_FRAMES);

// --- lines -------------------------------------------------------------------------------------

const PREFIX =
  /^(?:<\d+>)?(?<time>\[\s*\d+\.\d+\]|\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\])?(?:\[\s*(?<caller>[TC]\d+)\])?/;

/** Removes "[   12.345678] ", "[   12.345678][  T123] ", "[  T123] " and "<6>" prefixes. */
export function stripTimestamp(line: string): string {
  const prefix = PREFIX.exec(line)?.[0] ?? '';
  if (!prefix) return line;
  const rest = line.slice(prefix.length);
  return rest.startsWith(' ') ? rest.slice(1) : rest;
}

function isKernelLine(line: string): boolean {
  const m = PREFIX.exec(line);
  return Boolean(m?.groups?.time || m?.groups?.caller);
}

function callerOf(line: string): string | undefined {
  return PREFIX.exec(line)?.groups?.caller;
}

/** Lines (timestamps stripped) that match, e.g. to show expected log lines as evidence. */
export function matchEvidence(text: string, pattern: RegExp): string[] {
  const once = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  return text
    .split(/\r*\n/)
    .map(stripTimestamp)
    .filter((line) => once.test(line));
}

// --- function names and call traces -------------------------------------------------------------

/** "dax_foo.isra.0+0x12/0x34 [dax]" -> "dax_foo". */
export function cleanFunctionName(name: string): string {
  return name
    .trim()
    .replace(/\s*\[[\w-]+\]$/, '')
    .replace(/\+0x[0-9a-f]+(?:\/0x[0-9a-f]+)?$/, '')
    .replace(/(?:\.(?:isra|constprop|part|cold|llvm|lto_priv|clone|localalias)(?:\.\d+)?)+$/, '');
}

function skipped(name: string, own?: RegExp): boolean {
  const bare = name.replace(/^_+/, '');
  return SKIP.test(bare) || Boolean(own?.test(bare));
}

const MARKER = /^<\/?(?:IRQ|EOI|NMI|TASK|SOFTIRQ)>\s*/;
const IRQ_END = /^<(?:\/IRQ|EOI|\/NMI|\/SOFTIRQ)>/;
const FRAME = new RegExp(
  '^(?:\\[<?[0-9a-f]+>?\\]\\s*)*(?<unreliable>\\?\\s+)?' +
    '(?:\\((?<arm>[A-Za-z_][\\w.]*)(?:\\+0x[0-9a-f]+/0x[0-9a-f]+)?\\)\\s+from\\b' +
    '|(?<func>[A-Za-z_][\\w.]*)(?:\\+0x[0-9a-f]+/0x[0-9a-f]+|\\s+[\\w./-]+\\.\\w+:\\d+))',
);
// Lines that may sit between frames: register dumps, "Code:", powerpc exception frames.
const BETWEEN_FRAMES = /^(?:[A-Z][A-Z0-9]{1,4}:\s|Code: |--- interrupt:|LR = |Exception stack)/;

interface Frame {
  name?: string;
  irqEnd: boolean;
}

function parseFrame(line: string): Frame | undefined {
  let text = line.trim();
  let irqEnd = false;
  for (let m = MARKER.exec(text); m; m = MARKER.exec(text)) {
    irqEnd ||= IRQ_END.test(m[0]);
    text = text.slice(m[0].length);
  }
  if (!text) return line.trim() ? { irqEnd } : undefined;
  const m = FRAME.exec(text);
  if (m) {
    const unreliable = Boolean(m.groups?.unreliable) || /\(unreliable\)\s*$/.test(text);
    return { name: unreliable ? undefined : m.groups?.arm ?? m.groups?.func, irqEnd };
  }
  return BETWEEN_FRAMES.test(text) ? { irqEnd } : undefined;
}

function sectionFrames(lines: string[], from: number, afterIrq: boolean): string[] {
  let names: string[] = [];
  for (let i = from; i < lines.length; i++) {
    const frame = parseFrame(lines[i]);
    if (!frame) break;
    if (frame.irqEnd && afterIrq) names = [];
    if (frame.name) names.push(frame.name);
  }
  return names;
}

function traceFrames(lines: string[], c: Compiled): string[] {
  return lines.flatMap((line, i) =>
    c.traceFrom.some((re) => re.test(line.trim())) ? sectionFrames(lines, i + 1, Boolean(c.format.afterIrq)) : [],
  );
}

function firstBlameLine(lines: string[], pattern: { anchor: RegExp; full: RegExp }): string[] {
  const line = lines.map((l) => l.trim()).find((l) => pattern.anchor.test(l));
  const func = line === undefined ? undefined : pattern.full.exec(line)?.groups?.func;
  return func ? [func] : [];
}

function blame(lines: string[], c: Compiled, headerFunc?: string): string | undefined {
  const candidates = [
    ...(headerFunc ? [headerFunc] : []),
    ...c.blame.flatMap((p) => firstBlameLine(lines, p)),
    ...traceFrames(lines, c),
  ].map(cleanFunctionName);
  return candidates.find((f) => !skipped(f, c.skip)) ?? candidates[0];
}

// --- titles -------------------------------------------------------------------------------------

const KERNEL_DIRS = 'arch|block|certs|crypto|drivers|fs|include|init|io_uring|ipc|kernel|lib|mm|net|rust|security|sound|virt';

function normalizeSource(src: string): string {
  const relative = src.replace(/^\.\//, '');
  if (!relative.startsWith('/')) return relative;
  return new RegExp(`^.*?/((?:${KERNEL_DIRS})/.*)$`).exec(relative)?.[1] ?? relative;
}

function render(template: string, values: Record<string, string | undefined>): string | undefined {
  let missing = false;
  const text = template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined && (name === 'FUNC' || name === 'SRC')) missing = true;
    return value ?? '';
  });
  if (missing) return undefined;
  return text
    .replace(/\+0x[0-9a-f]+(?:\/0x[0-9a-f]+)?/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function titleOf(format: ReportFormat, values: Record<string, string | undefined>): { title: string; corrupted?: string } {
  const title = render(format.title, values) ?? (format.fallback && render(format.fallback, values));
  if (title) return { title };
  const bare = format.title.replace(/ (?:in|at) \{\{(?:FUNC|SRC)\}\}/g, '');
  return { title: render(bare, values) ?? bare, corrupted: 'no function to blame' };
}

// --- reports ------------------------------------------------------------------------------------

interface OpenReport {
  compiled: Compiled;
  start: number;
  caller?: string;
  lines: string[];
  groups: Record<string, string | undefined>;
}

function matchHeader(line: string): { compiled: Compiled; groups: Record<string, string | undefined> } | undefined {
  if (!ANY_HEADER.test(line)) return undefined;
  for (const compiled of COMPILED) {
    const m = compiled.header.exec(line);
    if (m) return { compiled, groups: { ...m.groups } };
  }
  return undefined;
}

function fieldValues(r: OpenReport): Record<string, string | undefined> {
  const top = r.lines.slice(0, FIELD_WINDOW).map((l) => l.trim());
  const found = r.compiled.fields.flatMap((re) => top.map((l) => re.exec(l)?.groups).filter((g) => g !== undefined));
  return Object.assign({}, ...found);
}

function toWarning(r: OpenReport): Warning {
  const groups = { ...r.groups, ...fieldValues(r) };
  const values = {
    ...groups,
    FUNC: blame(r.lines, r.compiled, groups.func),
    SRC: groups.src === undefined ? undefined : normalizeSource(groups.src),
  };
  const { title, corrupted } = titleOf(r.compiled.format, values);
  const warning: Warning = { title, kind: r.compiled.format.kind, line: r.start + 1, report: r.lines.join('\n') };
  return corrupted ? { ...warning, corrupted } : warning;
}

class ReportCollector {
  private open: OpenReport[] = [];
  private done: OpenReport[] = [];

  line(index: number, raw: string): void {
    const caller = callerOf(raw);
    const line = stripTimestamp(raw);
    const text = line.trim();
    const mine = this.open.filter((r) => r.caller === undefined || caller === undefined || r.caller === caller);
    if (CUT_HERE.test(text)) return this.close(mine);
    const header = matchHeader(text);
    if (header && !this.absorbs(mine, header.compiled)) {
      if (header.compiled.format.nested) this.append(mine, line, text);
      else this.close(mine);
      this.open.push({ ...header, start: index, caller, lines: [line] });
      return;
    }
    this.append(mine, line, text);
  }

  finish(): OpenReport[] {
    this.close(this.open);
    return this.done.sort((a, b) => a.start - b.start);
  }

  private absorbs(mine: OpenReport[], next: Compiled): boolean {
    const partOf = next.format.partOf ?? [];
    return mine.some((r) => partOf.includes(r.compiled.format.kind));
  }

  private append(mine: OpenReport[], line: string, text: string): void {
    for (const r of mine) r.lines.push(line);
    if (END_OF_ANY.test(text)) return this.close(mine);
    this.close(mine.filter((r) => r.compiled.end?.test(text) || r.lines.length >= MAX_REPORT_LINES));
  }

  private close(reports: OpenReport[]): void {
    this.open = this.open.filter((r) => !reports.includes(r));
    this.done.push(...reports);
  }
}

/** Every report in the console or dmesg text, in order. */
export function parseConsole(text: string): Warning[] {
  const lines = text.split(/\r*\n/);
  // In a timestamped log, lines without a timestamp are user space talking over the kernel.
  const timestamped = lines.some(isKernelLine);
  const collector = new ReportCollector();
  lines.forEach((raw, i) => {
    if (!timestamped || isKernelLine(raw)) collector.line(i, raw);
  });
  return collector.finish().map(toWarning);
}

/** The guest is dead after this report: a panic, or a report the kernel panicked inside. */
export function fatal(w: Warning): boolean {
  return w.kind === 'panic' || /^Kernel panic - not syncing/m.test(w.report);
}
