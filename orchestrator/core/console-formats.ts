// The report formats of the console parser (console.ts), as data: which lines start a report, how
// each kind is titled and which frame it is blamed on; the rules of syzkaller's pkg/report, measured
// on its corpus by `npm run bench -- --reports DIR`; and where we title differently.

export type WarningKind =
  | 'warning'
  | 'bug'
  | 'kernel-bug'
  | 'oops'
  | 'gpf'
  | 'trap'
  | 'panic'
  | 'hung-task'
  | 'kasan'
  | 'ubsan'
  | 'lockdep'
  | 'memory-leak'
  | 'rcu-stall'
  | 'soft-lockup'
  | 'reboot'
  | 'user-space';

export type FramePicker = 'stall' | 'hang';

export interface ReportFormat {
  /** Searched in the report's text (its lines joined): the format matching earliest wins, the
   *  table's order breaks ties. Shorthands: {{FUNC}} (a frame), {{SRC}}, {{PC}}, {{TASK}}. */
  header: string;
  /** More of the report that must match, else the report is corrupted; its named groups (else the
   *  header's) fill the title. */
  detail?: string;
  /** {{FUNC}}: the frame the stack steps blame; {{name}}: a named group. */
  title: string;
  /** Title when the stack blames no frame; without one, " in {{FUNC}}" is dropped. */
  fallback?: string;
  kind?: WarningKind;
  /** Steps from the header to the frames to blame: a line pattern (its {{FUNC}} is a candidate),
   *  or TRACE (the frames that follow, up to the next stack trace). */
  stack?: string[];
  /** Tried when `stack` yields no frame. */
  stack2?: string[];
  /** Frames never blamed for this format, on top of SKIP_FRAMES (substrings, as regexes). */
  skip?: string[];
  /** Loops and waits: choose a representative frame instead of the top one. */
  pick?: FramePicker;
  /** This report has no call trace; its absence does not make the report corrupted. */
  noTrace?: boolean;
  /** Only a broken report looks like this. */
  corrupted?: boolean;
}

export interface ReportGroup {
  /** A line holding this text (anywhere) starts a report of this group. */
  marker: string;
  kind: WarningKind;
  formats: ReportFormat[];
  /** Lines with the marker that are not reports; "(?i)" first: in any case. */
  ignore?: string[];
  /** Only once the kernel has printed: our consoles start with the machine, and its first boot is
   *  no reboot. */
  afterKernel?: boolean;
}

export const TRACE = '{{TRACE}}';
const CALL_TRACE = 'Call [Tt]race:|Backtrace:';
const RIP =
  '(?:IP|NIP|pc |PC is at):? (?:(?:\\d+:)?(?:{{PC}} +){0,2}{{FUNC}}|(?:\\d+:)?0x[0-9a-f]+' +
  '|(?:\\d+:)?{{PC}} +\\[< *\\(null\\)>\\] +\\(null\\)|\\d+: +\\(null\\))';
const OOPS_STACK = [RIP, CALL_TRACE, TRACE];
const CALL_STACK = [CALL_TRACE, TRACE];
// A WARNING's trap frame, then the trace after it; older kernels print only the trace.
const WARNING_STACK = { stack: [`(?:${RIP}|--- interrupt: \\d+ at {{FUNC}})`, TRACE], stack2: CALL_STACK };
const WARNING_FALLBACK = 'WARNING in {{func}}';
const WARNING_FUNC = '(?<func>\\w+)[.+]';
const LOCKDEP_AT = 'at: (?:{{PC}} +)?';
const THEN = '(?:.*\\n)+?.*';
const SANITIZED_KMSAN = ['alloc_skb', 'netlink_ack', 'netlink_rcv_skb', '_encrypt$', '^(?:crypto|cipher|drbg|rng)_'];
const USB_SUBMIT = ['usb_submit_urb', 'usb_start_wait_urb', 'usb_bulk_msg', 'usb_interrupt_msg', 'usb_control_msg'];
const KMSAN_STACK = [TRACE, '(?:Local variable .* created at:|Uninit was created at:)', TRACE];
const KFENCE_STACK = ['BUG: KFENCE: [a-z\\- ]+ in {{FUNC}}', TRACE];
const ODEBUG_SKIP = [
  'debug_',
  'rcu',
  'hrtimer_',
  'timer_',
  'work_',
  'percpu_',
  'vunmap',
  'vfree',
  '__free_',
  'kobject_',
];

function lockHeldOnReturn(prefix: string): ReportFormat {
  const header = `${prefix}: lock held when returning to user space`;
  const detail = `${header}${THEN}leaving the kernel with locks still held${THEN}${LOCKDEP_AT}${WARNING_FUNC}`;
  return { header, detail, title: `${header} in {{func}}`, kind: 'lockdep', noTrace: true };
}

function badUnlockBalance(prefix: string): ReportFormat {
  const stack = ['{{PC}} +{{FUNC}}', CALL_TRACE, TRACE];
  const header = `${prefix}: bad unlock balance detected!`;
  return { header, title: `${prefix}: bad unlock balance in {{FUNC}}`, kind: 'lockdep', stack };
}

function deadlock(header: string, detail: string): ReportFormat {
  return { header, detail, title: 'possible deadlock in {{func}}', kind: 'lockdep' };
}

const BUG: ReportFormat[] = [
  {
    header: 'BUG: KASAN:',
    detail: `BUG: KASAN: (?<bug>[a-z\\-]+) in {{FUNC}}${THEN}(?<access>Read|Write) (?:of size|at addr) [0-9a-f]+`,
    title: 'KASAN: {{bug}} {{access}} in {{FUNC}}',
    kind: 'kasan',
    stack: ['BUG: KASAN: [a-z\\-]+ in {{FUNC}}', CALL_TRACE, TRACE],
    skip: ['kernel_fault', 'tag_check', 'mem_abort', '^el1_', '^el1h_'],
  },
  {
    header: 'BUG: KASAN:',
    detail: 'BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}',
    title: 'KASAN: invalid-free in {{FUNC}}',
    kind: 'kasan',
    stack: ['BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}', CALL_TRACE, TRACE],
    skip: ['slab_', 'kfree', 'vunmap', 'vfree'],
  },
  {
    header: `BUG: KASAN: (?<bug>[a-z\\-]+) on address${THEN}(?<access>Read|Write) of size \\d+`,
    title: 'KASAN: {{bug}} {{access}}',
    kind: 'kasan',
  },
  { header: 'BUG: KASAN: (?<what>.*)', title: 'KASAN: {{what}}', kind: 'kasan', corrupted: true },
  {
    header: 'BUG: KMSAN: kernel-usb-infoleak',
    detail: 'BUG: KMSAN: kernel-usb-infoleak in {{FUNC}}',
    title: 'KMSAN: kernel-usb-infoleak in {{FUNC}}',
    kind: 'kasan',
    stack: KMSAN_STACK,
    skip: ['alloc_skb', ...USB_SUBMIT],
    noTrace: true,
  },
  {
    header: 'BUG: KMSAN:',
    detail: 'BUG: KMSAN: (?<bug>[a-z\\-]+) in {{FUNC}}',
    title: 'KMSAN: {{bug}} in {{FUNC}}',
    kind: 'kasan',
    stack: KMSAN_STACK,
    skip: SANITIZED_KMSAN,
    noTrace: true,
  },
  { header: 'BUG: KCSAN:', detail: 'BUG: KCSAN: (?<what>.*)', title: 'KCSAN: {{what}}', noTrace: true },
  {
    header: 'BUG: KFENCE: (?<bug>use-after-free|out-of-bounds) (?<access>read|write) in {{FUNC}}',
    title: 'KFENCE: {{bug}} {{access}} in {{FUNC}}',
    kind: 'kasan',
    stack: KFENCE_STACK,
  },
  {
    header: 'BUG: KFENCE: invalid free in {{FUNC}}',
    title: 'KFENCE: invalid free in {{FUNC}}',
    kind: 'kasan',
    stack: KFENCE_STACK,
    noTrace: true,
  },
  {
    header: 'BUG: KFENCE: invalid (?<access>read|write) in {{FUNC}}',
    title: 'KFENCE: invalid {{access}} in {{FUNC}}',
    kind: 'kasan',
    stack: KFENCE_STACK,
  },
  {
    header: 'BUG: KFENCE: memory corruption in {{FUNC}}',
    title: 'KFENCE: memory corruption in {{FUNC}}',
    kind: 'kasan',
    stack: KFENCE_STACK,
    noTrace: true,
  },
  {
    header:
      'BUG: (?:unable to handle kernel paging request|unable to handle page fault for address' +
      '|Unable to handle kernel data access)',
    title: 'BUG: unable to handle kernel paging request in {{FUNC}}',
    kind: 'oops',
    stack: OOPS_STACK,
  },
  {
    header:
      'BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference' +
      '|Kernel NULL pointer dereference)',
    title: 'BUG: unable to handle kernel NULL pointer dereference in {{FUNC}}',
    kind: 'oops',
    stack: OOPS_STACK,
  },
  // The kernel prints the rest of this header separately; sometimes it is lost.
  {
    header: 'BUG: (?:unable to handle kernel|Unable to handle kernel)',
    title: 'BUG: unable to handle kernel',
    kind: 'oops',
    corrupted: true,
  },
  {
    header:
      'BUG: (?<lock>spinlock|rwlock) (?<what>lockup suspected|already unlocked|recursion|cpu recursion|bad magic' +
      '|wrong owner|wrong CPU|trylock failure on UP)',
    title: 'BUG: {{lock}} {{what}} in {{FUNC}}',
    stack: CALL_STACK,
    skip: ['spin_', '_lock', '_unlock'],
  },
  {
    header: 'BUG: soft lockup',
    title: 'BUG: soft lockup in {{FUNC}}',
    kind: 'soft-lockup',
    stack: OOPS_STACK,
    pick: 'stall',
  },
  {
    header: 'BUG: .*still has locks held!',
    detail: `BUG: .*still has locks held!${THEN}{{PC}} +${WARNING_FUNC}`,
    title: 'BUG: still has locks held in {{func}}',
    kind: 'lockdep',
  },
  {
    header: 'BUG: scheduling while atomic',
    title: 'BUG: scheduling while atomic in {{FUNC}}',
    stack: CALL_STACK,
    skip: ['schedule'],
  },
  lockHeldOnReturn('BUG'),
  badUnlockBalance('BUG'),
  {
    header: 'BUG: held lock freed!',
    detail: `BUG: held lock freed!${THEN}{{PC}} +${WARNING_FUNC}`,
    title: 'BUG: held lock freed in {{func}}',
    kind: 'lockdep',
  },
  { header: 'BUG: Bad rss-counter state', title: 'BUG: Bad rss-counter state', noTrace: true },
  { header: 'BUG: non-zero nr_ptes on freeing mm', title: 'BUG: non-zero nr_ptes on freeing mm', noTrace: true },
  { header: 'BUG: non-zero nr_pmds on freeing mm', title: 'BUG: non-zero nr_pmds on freeing mm', noTrace: true },
  // The filesystem and block device in this header would split one bug into many.
  {
    header: 'BUG: Dentry .* still in use',
    detail: 'BUG: Dentry .* still in use \\(\\d+\\) \\[unmount of [^\\]]+\\]',
    title: 'BUG: Dentry still in use in unmount',
  },
  {
    header: 'BUG: Bad page (?<what>state|cache)',
    title: 'BUG: Bad page {{what}} in {{FUNC}}',
    stack: ['page last allocated', TRACE],
    skip: [
      '(?:free|put|get|update|release)_page',
      'free_unref',
      '^_*folio',
      'truncate_inode_pages',
      'page_frag_free',
      'alloc',
      'vmap',
      'page_owner',
    ],
  },
  { header: 'BUG: Bad page map', title: 'BUG: Bad page map' },
  { header: 'BUG: workqueue lockup', title: 'BUG: workqueue lockup', noTrace: true },
  {
    header: 'BUG: sleeping function called from invalid context at .*',
    title: 'BUG: sleeping function called from invalid context in {{FUNC}}',
    stack: CALL_STACK,
  },
  {
    header: 'BUG: using (?<what>[a-z_]+)\\(\\) in preemptible',
    title: 'BUG: using {{what}}() in preemptible code in {{FUNC}}',
    stack: CALL_STACK,
    skip: ['dump_stack', 'preemption', 'preempt', 'debug_', 'processor_id', 'this_cpu'],
  },
  {
    header: 'BUG: workqueue leaked lock or atomic',
    detail: `BUG: workqueue leaked lock or atomic${THEN}last function: (?<func>\\w+)\\n`,
    title: 'BUG: workqueue leaked lock or atomic in {{func}}',
    noTrace: true,
  },
  {
    header: 'BUG: memory leak',
    title: 'memory leak in {{FUNC}}',
    kind: 'memory-leak',
    stack: ['backtrace(?: \\(crc [0-9a-fA-F]*\\))?:', TRACE],
    skip: [
      'kmemleak',
      'mmap',
      'kmem',
      'slab',
      'alloc',
      'create_object',
      'idr_get',
      'list_lru_init',
      'kasprintf',
      'kvasprintf',
      'pcpu_create',
      'strdup',
      'strndup',
      'memdup',
    ],
  },
  {
    header: 'BUG: .*stack guard page was hit at',
    title: 'BUG: stack guard page was hit in {{FUNC}}',
    kind: 'oops',
    stack: OOPS_STACK,
    pick: 'stall',
  },
  // arm64's report of what x86 reports as "WARNING: ... lockdep.c ... lock_".
  {
    header: 'BUG: Invalid wait context',
    title: 'WARNING: locking bug in {{FUNC}}',
    kind: 'lockdep',
    stack: CALL_STACK,
    skip: ['lock_sock', 'release_sock'],
  },
  { header: 'BUG:\\s*(?:\\n|$)', title: 'BUG: corrupted', corrupted: true },
];

function warningIn(file: string, func: string, title: string, skip: string[]): ReportFormat {
  return { header: `WARNING: .*${file}.* (?:${func}|at)`, title, fallback: WARNING_FALLBACK, ...WARNING_STACK, skip };
}

const WARNING: ReportFormat[] = [
  warningIn('lib/debugobjects\\.c', 'debug_print|debug_check', 'WARNING: ODEBUG bug in {{FUNC}}', ODEBUG_SKIP),
  warningIn('mm/usercopy\\.c', 'usercopy_warn', 'WARNING: bad usercopy in {{FUNC}}', ['usercopy', '__check']),
  warningIn('lib/kobject\\.c', 'kobject_', 'WARNING: kobject bug in {{FUNC}}', ['kobject_']),
  warningIn('fs/proc/generic\\.c', 'proc_register', 'WARNING: proc registration bug in {{FUNC}}', ['proc_']),
  warningIn('lib/refcount\\.c', 'refcount_', 'WARNING: refcount bug in {{FUNC}}', ['refcount', 'kobject_']),
  {
    header: 'WARNING: .*kernel/locking/lockdep\\.c.*lock_',
    title: 'WARNING: locking bug in {{FUNC}}',
    kind: 'lockdep',
    ...WARNING_STACK,
    skip: ['lock_sock', 'release_sock'],
  },
  {
    header: 'WARNING: .*still has locks held!',
    detail: `WARNING: .*still has locks held!${THEN}at: ${WARNING_FUNC}`,
    title: 'WARNING: still has locks held in {{func}}',
    kind: 'lockdep',
  },
  {
    header: 'WARNING: Nested lock was not taken',
    title: 'WARNING: nested lock was not taken in {{FUNC}}',
    kind: 'lockdep',
    ...WARNING_STACK,
  },
  lockHeldOnReturn('WARNING'),
  {
    header: 'WARNING: .*mm/.*\\.c.* k?.?malloc',
    title: 'WARNING: kmalloc bug in {{FUNC}}',
    ...WARNING_STACK,
    skip: ['kmalloc', 'krealloc', 'slab', 'kmem'],
  },
  {
    header: 'WARNING: .*mm/vmalloc.c.*__vmalloc_node',
    title: 'WARNING: zero-size vmalloc in {{FUNC}}',
    ...WARNING_STACK,
  },
  {
    header: 'WARNING: .* usb_submit_urb',
    title: 'WARNING in {{FUNC}}/usb_submit_urb',
    ...WARNING_STACK,
    skip: USB_SUBMIT,
  },
  // The header format of Linux 6.19 on.
  { header: 'WARNING: {{SRC}} at 0x\\d+, CPU#\\d+', title: 'WARNING in {{FUNC}}', ...WARNING_STACK },
  {
    header: `WARNING: .* at {{SRC}} ${WARNING_FUNC}`,
    title: 'WARNING in {{FUNC}}',
    fallback: WARNING_FALLBACK,
    ...WARNING_STACK,
  },
  {
    header: `WARNING: {{SRC}} at ${WARNING_FUNC}`,
    title: 'WARNING in {{FUNC}}',
    fallback: WARNING_FALLBACK,
    ...WARNING_STACK,
  },
  {
    header: `WARNING: \\[.*\\] {{SRC}} at ${WARNING_FUNC}.*`,
    title: 'WARNING in {{FUNC}}',
    fallback: WARNING_FALLBACK,
    ...WARNING_STACK,
  },
  {
    header: 'WARNING: possible circular locking dependency detected',
    detail: `WARNING: possible circular locking dependency detected${THEN}is trying to acquire lock`,
    title: 'possible deadlock in {{FUNC}}',
    kind: 'lockdep',
    stack: [`${LOCKDEP_AT}{{FUNC}}`, `${LOCKDEP_AT}{{FUNC}}`, TRACE],
    // Deadlocks seen in these take the locks of work items: the work subsystem's, not theirs.
    skip: ['process_one_work', 'flush_workqueue', 'drain_workqueue', 'destroy_workqueue'],
  },
  deadlock(
    'WARNING: possible irq lock inversion dependency detected',
    `WARNING: possible irq lock inversion dependency detected${THEN}just changed the state of lock${THEN}` +
      `${LOCKDEP_AT}${WARNING_FUNC}`,
  ),
  {
    header: 'WARNING: .*-safe -> .*-unsafe lock order detected',
    title: 'possible deadlock in {{FUNC}}',
    kind: 'lockdep',
    stack: ['which became .* at:', TRACE],
  },
  deadlock(
    'WARNING: possible recursive locking detected',
    `WARNING: possible recursive locking detected${THEN}is trying to acquire lock${THEN}${LOCKDEP_AT}${WARNING_FUNC}`,
  ),
  {
    header: 'WARNING: inconsistent lock state',
    detail: `WARNING: inconsistent lock state${THEN}takes${THEN}${LOCKDEP_AT}{{FUNC}}`,
    title: 'inconsistent lock state in {{FUNC}}',
    kind: 'lockdep',
    stack: CALL_STACK,
  },
  {
    header: 'WARNING: suspicious RCU usage',
    detail: `WARNING: suspicious RCU usage(?:.*\\n)+?.*?{{SRC}}`,
    title: 'WARNING: suspicious RCU usage in {{FUNC}}',
    kind: 'lockdep',
    stack: CALL_STACK,
    skip: ['rcu', 'kmem', 'slab'],
  },
  {
    header: "WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '(?<reg>[^']+)' value",
    title: "WARNING: kernel stack regs has bad '{{reg}}' value",
    noTrace: true,
  },
  {
    header: 'WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value',
    title: 'WARNING: kernel stack frame pointer has bad value',
    noTrace: true,
  },
  badUnlockBalance('WARNING'),
  {
    header: 'WARNING: held lock freed!',
    detail: `WARNING: held lock freed!${THEN}at:(?: {{PC}})? +${WARNING_FUNC}`,
    title: 'WARNING: held lock freed in {{func}}',
    kind: 'lockdep',
  },
  {
    header: "WARNING: kernel stack regs .* has bad 'bp' value",
    title: 'WARNING: kernel stack regs has bad value',
    noTrace: true,
  },
  {
    header: 'WARNING: kernel stack frame pointer .* has bad value',
    title: 'WARNING: kernel stack regs has bad value',
    noTrace: true,
  },
  { header: 'WARNING:\\s*(?:\\n|$)', title: 'WARNING: corrupted', corrupted: true },
];

function oldLockdep(header: string, then: string): ReportFormat {
  const what = header.startsWith('inconsistent') ? 'inconsistent lock state' : 'possible deadlock';
  const title = `${what} in {{func}}`;
  const detail = `INFO: ${header} \\]${THEN}${then}${THEN}at: {{PC}} +${WARNING_FUNC}`;
  return { header: `INFO: ${header}`, detail, title, kind: 'lockdep' };
}

const INFO: ReportFormat[] = [
  oldLockdep('possible circular locking dependency detected', 'is trying to acquire lock'),
  oldLockdep('possible irq lock inversion dependency detected', 'just changed the state of lock'),
  oldLockdep('SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected', 'is trying to acquire'),
  oldLockdep('possible recursive locking detected', 'is trying to acquire lock'),
  oldLockdep('inconsistent lock state', 'takes'),
  {
    header: 'INFO: rcu_(?:preempt|sched|bh|tasks) (?:self-)?detected(?: expedited)? stall',
    title: 'INFO: rcu detected stall in {{FUNC}}',
    kind: 'rcu-stall',
    stack: ['apic_timer_interrupt', RIP, TRACE],
    stack2: ['(?:apic_timer_interrupt|Exception stack|el1h_64_irq)', TRACE],
    skip: ['apic_timer_interrupt', 'rcu'],
    pick: 'stall',
  },
  {
    header: 'INFO: trying to register non-static key',
    title: 'INFO: trying to register non-static key in {{FUNC}}',
    kind: 'lockdep',
    stack: CALL_STACK,
    skip: ['stack', 'lock', 'IRQ'],
  },
  {
    header: 'INFO: suspicious RCU usage',
    detail: 'INFO: suspicious RCU usage(?:.*\\n)+?.*?{{SRC}}',
    title: 'INFO: suspicious RCU usage in {{FUNC}}',
    kind: 'lockdep',
    stack: CALL_STACK,
    skip: ['rcu', 'kmem', 'slab'],
  },
  {
    header: 'INFO: task {{TASK}} blocked (?:in I/O wait )?for more than \\d+ seconds',
    title: 'INFO: task hung in {{FUNC}}',
    kind: 'hung-task',
    stack: CALL_STACK,
    pick: 'hang',
  },
  {
    header: "INFO: task {{TASK}} can't die for more than .* seconds",
    title: "INFO: task can't die in {{FUNC}}",
    kind: 'hung-task',
    stack: CALL_STACK,
    skip: ['schedule'],
  },
  // What is left of an old-style KASAN report.
  {
    header: 'INFO: (?<what>Freed|Allocated) in (?<where>.*)',
    title: 'INFO: {{what}} in {{where}}',
    kind: 'kasan',
    corrupted: true,
  },
  { header: 'INFO:\\s*(?:\\n|$)', title: 'INFO: corrupted', corrupted: true },
];

const PANICKED = 'Kernel panic - not syncing: ';

const PANIC: ReportFormat[] = [
  // A corrupted stack may lose the symbol or the unwind.
  {
    header: 'Kernel panic - not syncing: stack-protector:',
    detail: `stack-protector: Kernel stack is corrupted in: ${WARNING_FUNC}`,
    title: `${PANICKED}stack is corrupted in {{func}}`,
    noTrace: true,
  },
  {
    header: 'Kernel panic - not syncing: stack-protector:',
    detail: 'stack-protector: Kernel stack is corrupted in: [a-f0-9]+',
    title: `${PANICKED}stack is corrupted in {{FUNC}}`,
    stack: CALL_STACK,
    skip: ['stack_chk'],
  },
  {
    header: 'Kernel panic - not syncing: corrupted stack end',
    detail: 'Kernel panic - not syncing: corrupted stack end detected inside scheduler',
    title: `${PANICKED}corrupted stack end in {{FUNC}}`,
    stack: CALL_STACK,
    skip: ['schedule', 'retint_kernel'],
    pick: 'stall',
  },
  {
    header: 'Kernel panic - not syncing: kernel stack overflow',
    title: 'kernel stack overflow in {{FUNC}}',
    stack: CALL_STACK,
    skip: ['bad_stack'],
    pick: 'stall',
  },
  { header: 'Kernel panic - not syncing: Attempted to kill init!', title: `${PANICKED}Attempted to kill init!` },
  {
    header: "Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -\\d+",
    title: `${PANICKED}Couldn't open N_TTY ldisc`,
  },
  // These follow another report: alone, they are what is left of it.
  { header: 'Kernel panic - not syncing: Fatal exception', title: `${PANICKED}Fatal exception`, corrupted: true },
  { header: 'Kernel panic - not syncing: panic_on_warn set', title: `${PANICKED}panic_on_warn set`, corrupted: true },
  {
    header: 'Kernel panic - not syncing: hung_task: blocked tasks',
    title: `${PANICKED}hung_task: blocked tasks`,
    corrupted: true,
  },
  { header: 'Kernel panic - not syncing: (?<why>.*)', title: `${PANICKED}{{why}}` },
];

const KERNEL_BUG: ReportFormat[] = [
  {
    header: 'kernel BUG at mm/usercopy.c',
    title: 'BUG: bad usercopy in {{FUNC}}',
    stack: CALL_STACK,
    skip: ['usercopy', '__check'],
  },
  { header: 'kernel BUG at lib/list_debug.c', title: 'BUG: corrupted list in {{FUNC}}', stack: CALL_STACK },
  // Many skb helpers BUG_ON() what their caller got wrong.
  {
    header: 'kernel BUG at (?<src>[^\\s!]*)',
    title: 'kernel BUG in {{FUNC}}',
    fallback: 'kernel BUG at {{src}}',
    stack: OOPS_STACK,
    skip: ['^skb_'],
  },
];

function trap(header: string, title: string, stack: string[] = [RIP]): ReportFormat[] {
  return [{ header, title: `${title} in {{FUNC}}`, stack }];
}

/** The report formats, by the text that marks a report's first line; the first group that matches a line wins. */
export const GROUPS: ReportGroup[] = [
  {
    marker: 'BUG:',
    kind: 'bug',
    formats: BUG,
    ignore: ['ODEBUG:', 'Boot_DEBUG:', 'xlog_status:', 'DEBUG:', 'BUG: no syscalls can create resource'],
  },
  {
    marker: 'WARNING:',
    kind: 'warning',
    formats: WARNING,
    // Printed by user space, by boot-time checks and by filesystems about themselves.
    ignore: [
      'WARNING: /etc/ssh/moduli does not exist, using fixed modulus',
      'WARNING: workqueue cpumask: online intersect > possible intersect',
      'WARNING: [Tt]he mand mount option',
      'WARNING: Unsupported flag value\\(s\\) of 0x%x in DT_FLAGS_1',
      'WARNING: Unprivileged eBPF is enabled with eIBRS',
      "WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size \\(\\d+x\\d+ vs\\. \\d+x\\d+\\)",
      'WARNING: See https.* for mitigation options.',
      'WARNING: kernel not compiled with CPU_SRSO',
      'EXT4-[Ff][Ss](?: \\(.*\\))?:',
      '(?i)warning: .* uses (?:deprecated v2 capabilities|wireless extensions)',
      'XFS \\(\\w+\\): WARNING',
      // x86 CPU-bug mitigation notes at boot, which depend on the host's CPU.
      '(?:Spectre V[12] |RETBleed|Speculative Store Bypass|MDS|TAA|MMIO Stale Data|SRBDS|GDS' +
        '|Register File Data Sampling|Speculative Return Stack Overflow|L1TF|BHI|ITS|Transient Scheduler Attacks' +
        '|VMSCAPE): WARNING:',
    ],
  },
  {
    marker: 'INFO:',
    kind: 'bug',
    formats: INFO,
    ignore: [
      'INFO: lockdep is turned off',
      'INFO: Stall ended before state dump start',
      'INFO: NMI handler',
      'INFO: recovery required on readonly filesystem',
      '(?:handler|interrupt).*took too long',
      'INFO: sys_.* is not present in /proc/kallsyms',
      'INFO: no syscalls can create resource',
      'rmt_storage:INFO:',
      '_INFO:',
    ],
  },
  {
    marker: 'Unable to handle kernel',
    kind: 'oops',
    formats: [
      {
        header: 'Unable to handle kernel (?<what>paging request|NULL pointer dereference|access to user memory)',
        title: 'BUG: unable to handle kernel {{what}} in {{FUNC}}',
        stack: OOPS_STACK,
      },
    ],
  },
  {
    marker: 'general protection fault',
    kind: 'gpf',
    formats: trap('general protection fault.*:', 'general protection fault', OOPS_STACK),
    ignore: ['general protection fault .* error:\\d+ in '],
  },
  { marker: 'stack segment: ', kind: 'trap', formats: trap('stack segment: ', 'stack segment fault', OOPS_STACK) },
  { marker: 'Kernel panic', kind: 'panic', formats: PANIC },
  { marker: 'PANIC: double fault', kind: 'trap', formats: trap('PANIC: double fault', 'PANIC: double fault') },
  {
    marker: 'rust_kernel: panicked',
    kind: 'kernel-bug',
    formats: [
      {
        header: 'rust_kernel: panicked',
        detail: 'rust_kernel: panicked at [^\\n]*?\\n(?<what>.+?)\\n',
        title: '{{what}} in {{FUNC}}',
        stack: CALL_STACK,
        skip: ['__rustc::rust_begin_unwind'],
      },
    ],
  },
  { marker: 'kernel BUG', kind: 'kernel-bug', formats: KERNEL_BUG },
  {
    marker: 'Kernel BUG',
    kind: 'kernel-bug',
    formats: [{ header: 'Kernel BUG (?<what>.*)', title: 'kernel BUG {{what}}' }],
  },
  {
    marker: 'BUG kmalloc-',
    kind: 'bug',
    formats: [{ header: 'BUG kmalloc-.*: Object already free', title: 'BUG: Object already free' }],
  },
  { marker: 'divide error:', kind: 'trap', formats: trap('divide error: ', 'divide error') },
  // Misspelt so from 9d06c4027f21 ("x86/entry: Convert Divide Error to IDTENTRY") on.
  { marker: 'divide_error:', kind: 'trap', formats: trap('divide_error: ', 'divide error') },
  { marker: 'invalid opcode:', kind: 'trap', formats: trap('invalid opcode: ', 'invalid opcode') },
  { marker: 'int3:', kind: 'trap', formats: trap('int3: ', 'int3', OOPS_STACK) },
  {
    marker: 'UBSAN:',
    kind: 'ubsan',
    formats: [
      {
        header: 'UBSAN:',
        detail: 'UBSAN: Undefined behaviour in',
        title: 'UBSAN: undefined-behaviour in {{FUNC}}',
        stack: CALL_STACK,
        skip: ['ubsan', 'overflow'],
      },
      {
        header: 'UBSAN: array-index-out-of-bounds in',
        title: 'UBSAN: array-index-out-of-bounds in {{FUNC}}',
        stack: CALL_STACK,
        skip: ['ubsan', 'overflow'],
      },
      {
        header: 'UBSAN:',
        detail: 'UBSAN: (?<what>.*?) in',
        title: 'UBSAN: {{what}} in {{FUNC}}',
        stack: CALL_STACK,
        skip: ['ubsan', 'overflow'],
      },
    ],
  },
  {
    marker: 'Booting the kernel.',
    kind: 'reboot',
    afterKernel: true,
    formats: [{ header: '^Booting the kernel', title: 'unexpected kernel reboot', noTrace: true }],
    // Boot messages read back by a program and printed again, e.g. as a bad mount option.
    ignore: ["Parsing ELF|Decompressing Linux|Unknown parameter '"],
  },
  {
    marker: 'unregister_netdevice: waiting for',
    kind: 'bug',
    formats: [
      {
        header: 'unregister_netdevice: waiting for (?:.*) to become free',
        title: 'unregister_netdevice: waiting for DEV to become free',
        noTrace: true,
      },
    ],
  },
  {
    marker: 'VFS: Close: file count is 0',
    kind: 'bug',
    formats: [
      {
        header: 'VFS: Close: file count is 0',
        title: 'VFS: Close: file count is zero (use-after-free)',
        noTrace: true,
      },
    ],
  },
  {
    marker: 'VFS: Busy inodes after unmount',
    kind: 'bug',
    formats: [
      {
        header: 'VFS: Busy inodes after unmount',
        title: 'VFS: Busy inodes after unmount (use-after-free)',
        noTrace: true,
      },
    ],
  },
  { marker: 'Internal error:', kind: 'oops', formats: trap('Internal error:', 'Internal error', OOPS_STACK) },
  { marker: 'Unhandled fault:', kind: 'oops', formats: trap('Unhandled fault:', 'Unhandled fault', OOPS_STACK) },
  { marker: 'Alignment trap:', kind: 'oops', formats: trap('Alignment trap:', 'Alignment trap', OOPS_STACK) },
  {
    marker: 'trusty: panic',
    kind: 'panic',
    formats: [
      {
        header: 'trusty: panic.* ASSERT FAILED',
        detail: 'trusty: panic \\(.*?\\):(?: DEBUG)? ASSERT FAILED at \\(.*?\\): (?<what>.+)',
        title: 'trusty: ASSERT FAILED: {{what}}',
        noTrace: true,
      },
      {
        header: 'trusty: panic.* ASSERT FAILED.*: *(?<what>.*)',
        title: 'trusty: ASSERT FAILED: {{what}}',
        corrupted: true,
      },
      {
        header: 'trusty: panic',
        detail: 'trusty: panic \\(.*?\\): (?<what>.+)',
        title: 'trusty: panic: {{what}}',
        noTrace: true,
      },
    ],
  },
  // Go programs and syzkaller's own executor, when they are what prints on the console.
  {
    marker: 'fatal error:',
    kind: 'user-space',
    formats: [{ header: 'fatal error:', title: 'go runtime error', noTrace: true }],
    ignore: ['ALSA', 'fatal error: cannot create timer'],
  },
  {
    marker: 'SYZFAIL:',
    kind: 'user-space',
    formats: [{ header: 'SYZFAIL:(?<what>.*)', title: 'SYZFAIL:{{what}}', noTrace: true }],
  },
  {
    marker: 'SYZFATAL:',
    kind: 'user-space',
    formats: [{ header: 'SYZFATAL:(?<what>.*)', title: 'SYZFATAL:{{what}}', noTrace: true }],
  },
  {
    marker: 'panic:',
    kind: 'user-space',
    formats: [
      { header: 'panic: Sentry detected .* stuck task', title: 'panic: Sentry detected stuck tasks', noTrace: true },
      { header: 'panic:(?<what>.*)', title: 'panic:{{what}}', noTrace: true },
    ],
    ignore: ['_panic:', 'xlog_status:', 'ddb\\.onpanic:', 'evtlog_status:'],
  },
];

/** Headers that continue the report they appear in rather than start another. */
export const CONTINUATIONS = new RegExp(
  'invalid opcode: 0000|Kernel panic - not syncing|unregister_netdevice: waiting for|PANIC: double fault' +
    '|Internal error:',
);
/** Reports of these start a report of their own inside the one they continue. */
export const NESTED = /Kernel panic - not syncing/;
/** Not reports, but their stack traces end the text a report is titled from. */
export const STACK_NOISE = new RegExp(
  'vmalloc: allocation failure:|FAULT_INJECTION: forcing a failure|FAULT_FLAG_ALLOW_RETRY missing',
);

/** Where our titles deliberately differ from syzkaller's: `theirs` rewritten by `ours` (a regex
 *  source with $1 for their groups) matches ours; `ours` null: we find no report. The bench counts
 *  these as agreement. */
export const TITLE_DIFFERENCES: { rule: string; why: string; theirs: RegExp; ours: string | null }[] = [
  {
    rule: 'a panic keeps the kernel\'s words: "Kernel panic - not syncing: X", not "kernel panic: X"',
    why: 'the CRASH reason reads as the console line, and the verdicts and bisect signatures recorded so far use it',
    theirs: /^kernel panic: (.*)$/,
    ours: '^Kernel panic - not syncing: $1$',
  },
  {
    rule: 'a report with no frame to blame drops " in corrupted", or names what its header names',
    why:
      '"corrupted" names no function (the `corrupted` field says what is wrong); a function or source line ' +
      'the header names is a better signature than none',
    theirs: /^(.*) in corrupted$/,
    ours: '^$1(?: (?:in|at) \\S+)?$',
  },
  {
    rule: '"Booting the kernel." before the kernel has printed anything is the first boot, not an unexpected reboot',
    why: "our consoles start with the machine; syzkaller's start after the boot",
    theirs: /^unexpected kernel reboot$/,
    ours: null,
  },
];

export const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The rule of TITLE_DIFFERENCES by which our title (undefined: no report) stands for syzkaller's. */
export function titleDifference(theirs: string, ours: string | undefined): string | undefined {
  return TITLE_DIFFERENCES.find((d) => {
    const m = d.theirs.exec(theirs);
    if (!m || (d.ours === null) !== (ours === undefined)) return false;
    return d.ours === null || new RegExp(d.ours.replace(/\$(\d)/g, (_, i: string) => escape(m[Number(i)]))).test(ours!);
  })?.rule;
}
