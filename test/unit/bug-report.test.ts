// orchestrate report --bug's core on real runs (test/fixtures/bug-report/README.md): the subject,
// recipients, kernel, expected and observed, why, the kernel's lines, stack, bisection and tags.
import t from 'tap';
import { renderBugReport } from '../../orchestrator/core/bug-mail.js';
import {
  kernelFacts,
  pickCase,
  splitRunTarget,
  stableLine,
  summaryOf,
  taintOf,
  type BisectFacts,
} from '../../orchestrator/core/bug-report.js';
import { parseMaintainers } from '../../orchestrator/core/maintainers.js';
import { fixture } from '../fixtures.js';
import { BUG, CONTROL_FAIL, DEBIAN_KNOWN, GUP_FAIL, inputsOf, runOf } from '../bug-fixtures.js';

const maintainers = parseMaintainers(fixture(BUG, 'get-maintainer-6.1.192-bio-mm.txt'));
/** Prose is wrapped at 72 columns: compared with its whitespace flattened. */
const flat = (text: string) => text.replace(/\s+/g, ' ');
const bisect = JSON.parse(fixture(BUG, 'bisect-gup-regression.json')) as BisectFacts;

t.test('a range inside one stable line, starting after .0, makes a stable-only bug', async (t) => {
  t.equal(stableLine('>=6.1.75 <6.2'), '6.1.y');
  t.equal(stableLine('>=6.12.3 <6.13'), '6.12.y');
  t.equal(stableLine('>=6.1 <6.2'), undefined, 'the whole line: not stable-only');
  t.equal(stableLine('>=6.1.0 <6.2'), undefined);
  t.equal(stableLine('>=6.1.75 <6.13'), undefined, 'spans lines');
  t.equal(stableLine('>=4.17'), undefined);
  t.equal(stableLine(undefined), undefined);
});

t.test('RUN[/CASE]: the longest prefix that is a run, the rest the case', async (t) => {
  const runs = new Set(['results/20261204T035856-krz5']);
  const isRun = (p: string) => runs.has(p);
  t.same(splitRunTarget('results/20261204T035856-krz5/dio-vs-truncate/ext4-truncate', isRun), {
    run: 'results/20261204T035856-krz5',
    caseName: 'dio-vs-truncate/ext4-truncate',
  });
  t.same(splitRunTarget('results/20261204T035856-krz5/', isRun), {
    run: 'results/20261204T035856-krz5',
    caseName: undefined,
  });
  t.equal(splitRunTarget('results/nope/x', isRun), undefined);
});

t.test('the case reported: the one named, else the first FAIL, CRASH or KNOWN', async (t) => {
  const known = runOf(DEBIAN_KNOWN);
  t.equal(
    (pickCase(known, 'dio-write-vs-truncate/xfs-punch') as { name: string }).name,
    'dio-write-vs-truncate/xfs-punch',
  );
  t.equal((pickCase(known) as { name: string }).name, 'dio-vs-truncate/ext4-truncate');
  t.match(
    pickCase(known, 'dio-vs-truncate/nope'),
    /no case dio-vs-truncate\/nope in run 20261204T035856-krz5 \(cases: dio-vs-truncate\/ext4-truncate,/,
  );
  const passing = runOf('build-fix-bio-release-dio-pass');
  t.equal(pickCase(passing), 'no FAIL, CRASH or KNOWN case in run 20261204T034646-9i02 (8 PASS)');
  t.equal(
    pickCase(passing, 'dio-vs-truncate/xfs-punch'),
    'dio-vs-truncate/xfs-punch is PASS in run 20261204T034646-9i02: nothing to report',
  );
});

t.test("a stored kernel's facts keep everything but the host's path to its tree", async (t) => {
  const record = JSON.parse(fixture(BUG, CONTROL_FAIL, 'kernel.json'));
  const facts = kernelFacts(runOf(CONTROL_FAIL).run.kernel, record);
  t.equal(facts.build?.commit, '59b68e00b6f2a4f12422e15c9e42ea84ee085439');
  t.same(facts.build?.series?.subjects, ['ext4, xfs: do not wait for busy DAX pages in break-layouts']);
  t.notMatch(JSON.stringify(facts), /HOST|trees/);
});

t.test('taint: as the kernel says it, or that it said nothing', async (t) => {
  t.equal(
    taintOf(fixture(BUG, DEBIAN_KNOWN, 'console.log'), fixture(BUG, DEBIAN_KNOWN, 'dmesg.txt')),
    'none shown (no "Tainted:" line or taint message in the console or dmesg)',
  );
  t.equal(taintOf(fixture(BUG, CONTROL_FAIL, 'dmesg.txt')), 'not tainted (its report says "Not tainted")');
  t.equal(
    taintOf(
      '[    5.1] CPU: 1 PID: 7 Comm: x Tainted: G        W          6.1.0 #1\n[ 1.0] nfit_test: loading out-of-tree module taints kernel.',
    ),
    'Tainted: G        W; nfit_test: loading out-of-tree module taints kernel.',
  );
});

t.test("the 6.1 lost wakeup (KNOWN on Debian 6.1.192): a stable-only [BUG] with the record's cause", async (t) => {
  const r = renderBugReport(inputsOf(DEBIAN_KNOWN, 'dio-vs-truncate/ext4-truncate', { recipients: maintainers }));
  t.equal(
    r.subject,
    '[BUG] 6.1.y: fs-DAX truncate waiting for O_DIRECT is never woken: __bio_release_pages() skips the devmap release',
  );
  t.match(
    r.mail,
    /^To: Jens Axboe <axboe@kernel\.dk>,\n {4}Andrew Morton <akpm@linux-foundation\.org>\nCc: linux-block@vger\.kernel\.org,/,
  );
  t.match(r.mail, /\n {4}stable@vger\.kernel\.org\nSubject: /, 'the stable list, last');
  t.notMatch(r.mail, /regressions@lists\.linux\.dev|#regzbot/, 'not bisected: no regression claimed');
  t.match(r.mail, /package: {2}linux-image-6\.1\.0-57-amd64 6\.1\.192-3 \(Debian/);
  t.match(
    r.mail,
    /Expected \(configs\/expectations\/dio-vs-truncate\.yaml, kernels >=4\.17\)\n {2}truncate_waited_for_io=true truncate_woke_by_itself=true new_file_intact=true/,
  );
  t.match(
    r.mail,
    /Observed \(verdict KNOWN; without known-bug records FAIL: truncate_woke_by_itself: expected true, observed false\)\n {2}truncate_woke_by_itself=false\n/,
  );
  t.match(
    r.mail,
    /Why \(known bug dax-dio-lost-wakeup-6\.1, configs\/known\/dax-dio-lost-wakeup\.yaml\)\n {2}__bio_release_pages\(\) releases O_DIRECT pages with folio_put_refs\(\),/,
  );
  t.match(r.mail, /The same in this run: dio-vs-truncate\/ext4-punch,[\s\S]*dio-write-vs-truncate\/xfs-punch\./);
  t.match(r.mail, /No kernel report \(WARNING, BUG, Oops, hung task, \.\.\.\) during the case/);
  t.notMatch(r.mail, /Decoded stack/, 'no report, no stack');
  t.match(r.mail, /Fixes: 1b151e2435fc \("block: Remove special-casing of compound pages"\)/);
  t.match(r.mail, /Reported-by: NAME <ADDRESS>/, 'a placeholder unless --reported-by');
  t.equal(r.record.stable, '6.1.y');
  t.same(r.record.deviates, { truncate_woke_by_itself: false });
  t.same(r.record.correct, { truncate_woke_by_itself: true });
});

t.test('the summary is one sentence naming the kernel, the case and the deviation', async (t) => {
  const s = summaryOf(inputsOf(DEBIAN_KNOWN, 'dio-vs-truncate/ext4-truncate'));
  t.equal(
    s,
    "On Debian's 6.1.192 (6.1.0-57-amd64, linux-image-6.1.0-57-amd64 6.1.192-3), dio-vs-truncate/ext4-truncate (O_DIRECT read into a DAX mmap on ext4, truncate the file mid-I/O, reallocate its blocks) observes truncate_woke_by_itself=false where truncate_woke_by_itself=true is correct.",
  );
});

t.test("the no-break-layouts control: the WARNING's own lines, and why its stack is not decoded", async (t) => {
  const i = inputsOf(CONTROL_FAIL, 'dio-vs-truncate/ext4-truncate', { config: 'CONFIG_DEBUG_INFO_NONE=y\n' });
  const r = renderBugReport(i);
  t.equal(r.subject, '[BUG] WARNING in dax_disassociate_entry');
  t.match(
    r.mail,
    /The kernel's lines\n {2}WARNING: CPU: 0 PID: 116 at \.\.\/src\/fs\/dax\.c:398 dax_disassociate_entry\+0x3b\/0x76\n/,
  );
  t.match(r.mail, / {2}CPU: 0 PID: 116 Comm: dio-vs-truncate Not tainted 6\.1\.192\+ #12/);
  t.match(r.mail, /Not decoded: the build has no debug info \(CONFIG_DEBUG_INFO_NONE=y\)/);
  t.match(
    r.mail,
    /commit: {3}59b68e00b6f2 \(debian-6\.1\.192-3: "Linux 6\.1\.192 \(Debian linux-source-6\.1 6\.1\.192-3\)"\), Debian's linux-source-6\.1 6\.1\.192-3\n {2}series: {3}ext4, xfs: do not wait for busy DAX pages in break-layouts \(1 patch\)/,
  );
  t.match(
    flat(r.mail),
    /observes truncate_waited_for_io=false new_file_intact=false where truncate_waited_for_io=true new_file_intact=true is correct, and the kernel reports WARNING in dax_disassociate_entry\./,
  );
  t.match(r.mail, /Why\n {2}Not known yet/);
  t.notMatch(r.mail, /stable@|Fixes:/, 'no record: no stable line, no Fixes');
  t.match(r.mail, /Recipients: no kernel tree was given/);
  const decoded = renderBugReport({ ...i, decoded: 'dax_disassociate_entry (fs/dax.c:398)\n' });
  t.match(
    decoded.mail,
    /Decoded stack \(scripts\/decode_stacktrace\.sh\)\n {2}dax_disassociate_entry \(fs\/dax\.c:398\)/,
  );
  const debian = renderBugReport({ ...i, kernel: inputsOf(DEBIAN_KNOWN, 'dio-vs-truncate/ext4-truncate').kernel });
  t.match(
    flat(debian.mail),
    /linux-image-6\.1\.0-57-amd64-dbg; with it installed, scripts\/decode_stacktrace\.sh \/usr\/lib\/debug\/boot\/vmlinux-6\.1\.0-57-amd64/,
  );
});

t.test("a bisected FAIL is a [REGRESSION] with regzbot's line and the culprit as Fixes", async (t) => {
  const r = renderBugReport(
    inputsOf(GUP_FAIL, 'ib-reg-refusal/fsdax-ext4', { bisect, reportedBy: 'Ada Tester <ada@example.org>' }),
  );
  t.equal(
    r.subject,
    '[REGRESSION] ib-reg-refusal/fsdax-ext4: registered=true errno=null (expected registered=false errno=95 (EOPNOTSUPP))',
  );
  t.match(r.mail, /Cc: regressions@lists\.linux\.dev\n/);
  t.match(
    r.mail,
    /first bad commit: 913094a6d213 \("mm\/gup: let FOLL_LONGTERM pin fs-DAX pages"\)\n {2}Author: Ada Tester <ada@example\.org>/,
  );
  t.match(r.mail, / {4}59b68e00b6f2 {2}good {2}0\/1 failed {2}Linux 6\.1\.192/);
  t.match(r.mail, /\n\n#regzbot introduced: 913094a6d213\n/);
  t.match(
    r.mail,
    /Reported-by: Ada Tester <ada@example\.org>\n {2}Fixes: 913094a6d213 \("mm\/gup: let FOLL_LONGTERM pin fs-DAX pages"\)/,
  );
  const fix = renderBugReport(inputsOf(GUP_FAIL, 'ib-reg-refusal/fsdax-ext4', { bisect: { ...bisect, mode: 'fix' } }));
  t.match(fix.subject, /^\[BUG\]/, 'a fix bisection is no regression');
  t.notMatch(fix.mail, /#regzbot|Fixes:/);
});

t.test('no reproducer: the mail says why', async (t) => {
  const r = renderBugReport(
    inputsOf(DEBIAN_KNOWN, 'dio-vs-truncate/ext4-truncate', { reproducer: { none: 'fstests is an external suite' } }),
  );
  t.match(r.mail, /Reproducer\n {2}None: fstests is an external suite\./);
  t.equal(r.record.reproducer, false);
});

t.test("a restored run's console starts at the restore: the mail says where its boot is", async (t) => {
  const cold = inputsOf(DEBIAN_KNOWN, 'dio-vs-truncate/ext4-truncate');
  t.notMatch(renderBugReport(cold).mail, /restored from a snapshot/, 'a cold boot: nothing to say');
  const snapshot = { key: 'e78c544b71f67b21', restored: true };
  const restored = { ...cold, result: { ...cold.result, run: { ...cold.result.run, snapshot } } };
  const boot =
    '[    0.000000] Linux version 6.1.0-57-amd64\n[    2.1] nfit_test: loading out-of-tree module taints kernel.\n';
  const withBoot = renderBugReport({ ...restored, bootConsole: boot }).mail;
  t.match(
    flat(withBoot),
    /guest: restored from a snapshot saved after boot and setup: console\.log starts at the restore; its boot up to the save is in boot-console\.log/,
  );
  t.match(withBoot, /taint: {4}tainted; nfit_test: loading out-of-tree module taints kernel\./, 'the boot taints too');
  t.match(flat(renderBugReport(restored).mail), /its boot is not attached \(run again with --no-snapshot/);
});
