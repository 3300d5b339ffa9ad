// Golden tests for the console parser, over real kernel logs in test/fixtures/console.
//
// Fixture format: a header of "TITLE: ..." / "KIND: ..." pairs (one per expected report, in
// order), each optionally followed by "CORRUPTED: <reason>"; "#" lines are comments (provenance:
// "# source:", for syzkaller's corpus also "# commit:" and "# syzkaller title:"); then a blank line
// and the raw log. A file whose first line starts with "[" has no header: it is a raw captured log
// and must yield no report. UPDATE=1 rewrites the headers from the parser's output (headerless
// files are never rewritten).
import t from 'tap';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cleanFunctionName,
  fatal,
  matchEvidence,
  parseConsole,
  stripTimestamp,
  titleDifference,
  TITLE_DIFFERENCES,
  type KernelReport,
} from '../../orchestrator/core/console.js';
import { demangle } from '../../orchestrator/core/demangle.js';
import { parseFixture, type Expected } from '../console-fixtures.js';

function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'orchestrate') return dir;
    if (dir === dirname(dir)) throw new Error('package.json of "orchestrate" not found above the test');
  }
}

const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'console');

function summary(w: KernelReport): Expected {
  return w.corrupted ? { title: w.title, kind: w.kind, corrupted: w.corrupted } : { title: w.title, kind: w.kind };
}

function headerFor(comments: string[], warnings: KernelReport[]): string {
  const entries = warnings.flatMap((w) => [
    `TITLE: ${w.title}`,
    `KIND: ${w.kind}`,
    ...(w.corrupted ? [`CORRUPTED: ${w.corrupted}`] : []),
  ]);
  return [...comments, ...entries].join('\n');
}

function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

function fixtureLog(name: string): string {
  return parseFixture(fixtureText(name)).log;
}

t.test('golden fixtures', async (t) => {
  const names = readdirSync(FIXTURES)
    .filter((n) => /\.(log|txt)$/.test(n))
    .sort();
  t.ok(names.length >= 12, 'enough fixtures');
  for (const name of names) {
    let fixture = parseFixture(fixtureText(name));
    const warnings = parseConsole(fixture.log);
    if (process.env.UPDATE && !fixture.headerless) {
      writeFileSync(join(FIXTURES, name), `${headerFor(fixture.comments, warnings)}\n\n${fixture.log}`);
      fixture = parseFixture(fixtureText(name));
    }
    t.same(warnings.map(summary), fixture.expected, name);
  }
});

t.test('fixtures name their source', async (t) => {
  for (const name of readdirSync(FIXTURES).filter((n) => /\.(log|txt)$/.test(n))) {
    const fixture = parseFixture(fixtureText(name));
    if (fixture.headerless) continue;
    t.match(
      fixture.comments.join('\n'),
      /^# source: (google\/syzkaller pkg\/report\/testdata\/linux\/report\/\d+|orchestrate, test\/slow\/.+)$/m,
      name,
    );
  }
});

function syzkallerTitle(comments: string[]): { path: string; title?: string } | undefined {
  const path = comments.map((c) => /^# source: google\/syzkaller (\S+)$/.exec(c)?.[1]).find(Boolean);
  const title = comments.map((c) => /^# syzkaller title: (.*)$/.exec(c)?.[1]).find(Boolean);
  return path ? { path, title: title === 'none (no report)' ? undefined : title } : undefined;
}

t.test("fixtures from syzkaller's corpus: its title, or a listed difference, and in the manifest", async (t) => {
  const manifest = readFileSync(join(FIXTURES, 'syzkaller-corpus.manifest'), 'utf8');
  const commit = /^# syzkaller-commit: (\w+)$/m.exec(manifest)?.[1];
  const listed = new Map(
    manifest
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.split('\t')[0], l.split('\t')[3]]),
  );
  for (const name of readdirSync(FIXTURES).filter((n) => /\.(log|txt)$/.test(n))) {
    const fixture = parseFixture(fixtureText(name));
    const theirs = syzkallerTitle(fixture.comments);
    if (!theirs) continue;
    t.ok(fixture.comments.includes(`# commit: ${commit}`), `${name}: the manifest's commit`);
    t.equal(listed.get(theirs.path), theirs.title ?? '', `${name}: the manifest's title`);
    const ours = parseConsole(fixture.log)[0]?.title;
    if (theirs.title === undefined) t.equal(ours, undefined, `${name}: no report`);
    else t.ok(ours === theirs.title || titleDifference(theirs.title, ours), `${name}: "${ours}" for "${theirs.title}"`);
  }
});

t.test('each listed difference from syzkaller is exercised by a fixture', async (t) => {
  const used = new Set<string>();
  for (const name of readdirSync(FIXTURES).filter((n) => /\.(log|txt)$/.test(n))) {
    const fixture = parseFixture(fixtureText(name));
    const theirs = syzkallerTitle(fixture.comments)?.title;
    const rule = theirs && titleDifference(theirs, parseConsole(fixture.log)[0]?.title);
    if (rule && parseConsole(fixture.log)[0]?.title !== theirs) used.add(rule);
  }
  t.same([...used].sort(), TITLE_DIFFERENCES.map((d) => d.rule).sort());
});

t.test('stripTimestamp', async (t) => {
  t.equal(stripTimestamp('[   12.345678] EXT4-fs (vda): mounted'), 'EXT4-fs (vda): mounted');
  t.equal(stripTimestamp('[   30.021137][   T81] usb 1-1: new device'), 'usb 1-1: new device');
  t.equal(stripTimestamp('[  175.968362][T13309] UBSAN: shift'), 'UBSAN: shift');
  t.equal(stripTimestamp('[  T123] init: started'), 'init: started');
  t.equal(stripTimestamp('<6>[   85.501187] WARNING: foo'), 'WARNING: foo');
  t.equal(
    stripTimestamp('[   56.067707]  dump_stack+0x194/0x257'),
    ' dump_stack+0x194/0x257',
    'frame indentation kept',
  );
  t.equal(
    stripTimestamp('[ INFO: possible circular locking dependency detected ]'),
    '[ INFO: possible circular locking dependency detected ]',
  );
  t.equal(stripTimestamp('mount: mounting proc on /proc failed'), 'mount: mounting proc on /proc failed');
});

t.test('function names lose offsets, modules and compiler suffixes', async (t) => {
  t.equal(cleanFunctionName('dax_disassociate_entry+0x12/0x34 [dax]'), 'dax_disassociate_entry');
  t.equal(cleanFunctionName('tick_sched_handle.isra.16'), 'tick_sched_handle');
  t.equal(cleanFunctionName('rcu_check_callbacks.cold.76+0xbfa/0xc77'), 'rcu_check_callbacks');
  t.equal(cleanFunctionName('__reiserfs_panic.cold'), '__reiserfs_panic');
  t.equal(cleanFunctionName('find_check_entry.constprop.0'), 'find_check_entry');
  t.equal(cleanFunctionName('perf_event_alloc.part.0'), 'perf_event_alloc');
});

t.test('a report cut after its header is titled from the header, and corrupted', async (t) => {
  const cases: [string, string][] = [
    [
      'WARNING: CPU: 0 PID: 1 at fs/dax.c:123 dax_disassociate_entry.constprop.0+0x12/0x34 [dax]',
      'WARNING in dax_disassociate_entry',
    ],
    ['WARNING: fs/dax.c:123 at dax_insert_entry+0x36e/0x380, CPU#0: swapper/0/1', 'WARNING in dax_insert_entry'],
    ['kernel BUG at fs/dax.c:123!', 'kernel BUG at fs/dax.c:LINE'],
    [
      'BUG: unable to handle kernel NULL pointer dereference at 0000000000000008',
      'BUG: unable to handle kernel NULL pointer dereference',
    ],
  ];
  for (const [line, title] of cases) {
    const [w] = parseConsole(`[    2.031496] ${line}\n`);
    t.equal(w?.title, title, line);
    t.equal(w?.corrupted, 'no frame to blame', `${line}: corrupted`);
  }
});

t.test('titles lose what varies between two reports of one bug', async (t) => {
  const [w] = parseConsole('[    1.000000] BUG: MAX_LOCKDEP_KEYS too low! 8192 at ffff888012345678\n');
  t.equal(w.title, 'BUG: MAX_LOCKDEP_KEYS too low! NUM at ADDR');
  const [panic] = parseConsole(
    '[    1.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n',
  );
  t.equal(panic.title, 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(NUM,NUM)');
});

t.test('a header anywhere in a kernel line', async (t) => {
  const [w] = parseConsole('[   12.000000] dax: WARNING: CPU: 0 PID: 1 at fs/dax.c:123 dax_insert_entry+0x1/0x2\n');
  t.equal(w?.title, 'WARNING in dax_insert_entry');
});

t.test('unexpected kernel reboot: only once the kernel has printed', async (t) => {
  const boot = 'Decompressing Linux... Parsing ELF... done.\nBooting the kernel.\n[    0.000000] Linux version 6.1.0\n';
  t.same(parseConsole(boot), [], 'the first boot');
  t.same(
    parseConsole(`[  500.1] EXT4-fs (vda): mounted\n${boot}`).map((w) => w.title),
    ['unexpected kernel reboot'],
  );
});

t.test('frames the unwinder is unsure of are never blamed, yet make a call trace', async (t) => {
  const [w] = parseConsole(fixtureLog('warn-dax-disassociate-entry-truncate-without-wait.log'));
  t.equal(w.title, 'WARNING in dax_disassociate_entry');
  t.equal(w.corrupted, undefined);
  t.match(w.report, /^ \? __dax_invalidate_entry\+0x73\/0xe6$/m, 'they stay in the report');
});

t.test("a report printed with its task id is titled from its task's lines after another header", async (t) => {
  const [w] = parseConsole(fixtureLog('warn-nested-lock-evict-past-an-oops.log'));
  t.equal(w.title, 'WARNING: nested lock was not taken in evict');
  t.notMatch(w.report, /Internal error: Oops/, 'the oops is a report of its own');
});

t.test('mangled Rust and C++ frames are demangled', async (t) => {
  t.equal(
    demangle('_RNvMs3_NtCshgDM7dBCdno_11rust_binder7processNtB5_7Process10update_ref'),
    '<rust_binder::process::Process>::update_ref',
  );
  t.equal(
    demangle('_RNvXs1_CscPPBqWtAqum_11ashmem_rustNtB5_6AshmemNtNtCs43vyB533jt3_6kernel10miscdevice10MiscDevice4mmap'),
    '<ashmem_rust::Ashmem as kernel::miscdevice::MiscDevice>::mmap',
  );
  t.equal(demangle('_RNvCscSpY9Juk0HT_7___rustc17rust_begin_unwind'), '__rustc::rust_begin_unwind');
  t.equal(demangle('_Z8fakeNameiii'), 'fakeName');
  t.equal(demangle('_ZN4core3ptr4read17h0123456789abcdefE'), 'core::ptr::read');
  t.equal(demangle('_Rnot_mangled'), '_Rnot_mangled');
  t.equal(demangle('dax_insert_entry'), 'dax_insert_entry');
});

t.test('ordinary lines that mention warnings are not reports', async (t) => {
  const lines = [
    '[    9.456142] XFS (pmem0): DAX enabled. Warning: EXPERIMENTAL, use at your own risk',
    '[   32.490915] eth0 speed is unknown, defaulting to 1000',
    '[   32.654432] rdma_rxe: rxe_mr_init_user: Unable to pin memory region err = -95',
    '[    1.124574] PCI: Using host bridge windows from ACPI; if necessary, use "pci=nocrs" and report a bug',
    '[901320.960000] INFO: lockdep is turned off.',
    '[    0.1] RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable to RETBleed attacks, data leaks possible!',
    '[    0.1] Spectre V2 : WARNING: Unprivileged eBPF is enabled with eIBRS on, data leaks possible via Spectre v2 BHB attacks!',
    "[    2.3] CAPABILITY: warning: `foo' uses deprecated v2 capabilities in a way that may be insecure",
    '[    5.6] general protection fault ip:7f0000 sp:7ffd0000 error:0 in libc.so.6[7f0000+1000]',
    '[    1.2] ODEBUG: Out of memory. ODEBUG disabled',
  ];
  t.same(parseConsole(lines.join('\n')), []);
});

t.test('matchEvidence returns matching lines without timestamps', async (t) => {
  const log = fixtureLog('dmesg-debian-6.1-ib-reg-refusal.txt');
  const expected = Array(2).fill('rdma_rxe: rxe_mr_init_user: Unable to pin memory region err = -95');
  t.same(matchEvidence(log, /rxe_mr_init_user: Unable to pin memory region err = -95/), expected);
  t.same(matchEvidence(log, /Unable to pin memory region/g), expected, 'a global regex does not skip lines');
  t.same(matchEvidence(log, /no such line/), []);
});

t.test('fatal: the guest died', async (t) => {
  const bug = parseConsole(fixtureLog('kernel-bug-reiserfs-prints.log'));
  t.same(bug.map(fatal), [false, true], 'the oops is not fatal, the panic after it is');
  const warn = parseConsole(fixtureLog('warn-fs-inode-drop-nlink-panic-on-warn.log'));
  t.same(warn.map(fatal), [true, true], 'panic_on_warn panics inside the WARNING report');
  t.same(parseConsole(fixtureLog('warn-mm-page-alloc-from-v9fs.log')).map(fatal), [false]);
});

t.test('interleaved output stays out of a report', async (t) => {
  const [first] = parseConsole(fixtureLog('arm64-paging-request-two-tasks-interleaved.log'));
  t.equal(first.report.split('\n').filter((l) => l === 'Mem abort info:').length, 1, 'the other task is left out');
  t.match(first.report, /^Internal error: Oops/m, 'the Oops line belongs to the report it follows');
  const [kasan] = parseConsole(fixtureLog('kasan-use-after-free-bcsp-close-interleaved.log'));
  t.notMatch(kasan.report, /executing program/, 'user-space lines are dropped from a timestamped log');
  t.notMatch(kasan.report, /kobject:/, 'lines of other tasks are dropped');
  t.equal(kasan.line, 2, 'line of the report header, 1-based');
});
