// Golden tests for the console parser, over real kernel logs in test/fixtures/console.
//
// Fixture format: a header of "TITLE: ..." / "KIND: ..." pairs (one per expected report, in
// order), each optionally followed by "CORRUPTED: <reason>"; "#" lines are comments (provenance);
// then a blank line and the raw log. A file whose first line starts with "[" has no header: it is
// a raw captured log and must yield no report. UPDATE=1 rewrites the headers from the parser's
// output (headerless files are never rewritten).
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
  type Warning,
} from '../../orchestrator/core/console.js';

function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'orchestrate') return dir;
    if (dir === dirname(dir)) throw new Error('package.json of "orchestrate" not found above the test');
  }
}

const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'console');

interface Expected {
  title: string;
  kind: string;
  corrupted?: string;
}

interface Fixture {
  comments: string[];
  expected: Expected[];
  log: string;
  headerless: boolean;
}

function parseFixture(text: string): Fixture {
  if (text.startsWith('[')) return { comments: [], expected: [], log: text, headerless: true };
  const split = text.indexOf('\n\n');
  const header = text.slice(0, split).split('\n');
  const expected: Expected[] = [];
  for (const line of header.filter((l) => !l.startsWith('#'))) {
    const [, key, value] = /^(TITLE|KIND|CORRUPTED): (.*)$/.exec(line) ?? [];
    if (key === 'TITLE') expected.push({ title: value, kind: '' });
    else if (key === 'KIND') expected[expected.length - 1].kind = value;
    else if (key === 'CORRUPTED') expected[expected.length - 1].corrupted = value;
    else throw new Error(`bad fixture header line: ${line}`);
  }
  return { comments: header.filter((l) => l.startsWith('#')), expected, log: text.slice(split + 2), headerless: false };
}

function summary(w: Warning): Expected {
  return w.corrupted ? { title: w.title, kind: w.kind, corrupted: w.corrupted } : { title: w.title, kind: w.kind };
}

function headerFor(comments: string[], warnings: Warning[]): string {
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
  const names = readdirSync(FIXTURES).filter((n) => /\.(log|txt)$/.test(n)).sort();
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
    t.match(fixture.comments.join('\n'), /^# source: (google\/syzkaller pkg\/report\/testdata\/linux\/report\/\d+|orchestrate, test\/slow\/.+)$/m, name);
  }
});

t.test('stripTimestamp', async (t) => {
  t.equal(stripTimestamp('[   12.345678] EXT4-fs (vda): mounted'), 'EXT4-fs (vda): mounted');
  t.equal(stripTimestamp('[   30.021137][   T81] usb 1-1: new device'), 'usb 1-1: new device');
  t.equal(stripTimestamp('[  175.968362][T13309] UBSAN: shift'), 'UBSAN: shift');
  t.equal(stripTimestamp('[  T123] init: started'), 'init: started');
  t.equal(stripTimestamp('<6>[   85.501187] WARNING: foo'), 'WARNING: foo');
  t.equal(stripTimestamp('[   56.067707]  dump_stack+0x194/0x257'), ' dump_stack+0x194/0x257', 'frame indentation kept');
  t.equal(stripTimestamp('[ INFO: possible circular locking dependency detected ]'), '[ INFO: possible circular locking dependency detected ]');
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

t.test('titles blame the function named on the WARNING line', async (t) => {
  const cases: [string, string][] = [
    ['WARNING: CPU: 0 PID: 1 at fs/dax.c:123 dax_disassociate_entry.constprop.0+0x12/0x34 [dax]', 'WARNING in dax_disassociate_entry'],
    ['WARNING: fs/dax.c:123 at dax_insert_entry+0x36e/0x380, CPU#0: swapper/0/1', 'WARNING in dax_insert_entry'],
    ['kernel BUG at fs/dax.c:123!', 'kernel BUG at fs/dax.c:123'],
  ];
  for (const [line, title] of cases) {
    const [w] = parseConsole(`[    2.031496] ${line}\n`);
    t.equal(w?.title, title, line);
    t.equal(w?.corrupted, undefined, `${line}: not corrupted`);
  }
});

t.test('ordinary lines that mention warnings are not reports', async (t) => {
  const lines = [
    '[    9.456142] XFS (pmem0): DAX enabled. Warning: EXPERIMENTAL, use at your own risk',
    '[   32.490915] eth0 speed is unknown, defaulting to 1000',
    '[   32.654432] rdma_rxe: rxe_mr_init_user: Unable to pin memory region err = -95',
    '[    1.124574] PCI: Using host bridge windows from ACPI; if necessary, use "pci=nocrs" and report a bug',
    '[901320.960000] INFO: lockdep is turned off.',
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
