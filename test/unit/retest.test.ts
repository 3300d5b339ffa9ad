// orchestrate retest's judgement and reply, on the observations of real runs
// (test/fixtures/bug-report/): the lost wakeup as packaged, with the fix, and the control without
// break-layouts' wait.
import t from 'tap';
import { renderBugReport } from '../../orchestrator/core/bug-mail.js';
import {
  judgeRun,
  parseBugRecord,
  renderReply,
  renderUnbuilt,
  verdictOf,
  type BugRecord,
} from '../../orchestrator/core/retest.js';
import { dioVsTruncate } from '../../orchestrator/suites/dio-vs-truncate.js';
import { CONTROL_FAIL, DEBIAN_KNOWN, FIXED_PASS, inputsOf, runOf } from '../bug-fixtures.js';

const CASE = 'dio-vs-truncate/ext4-truncate';
const bug = parseBugRecord(
  JSON.parse(JSON.stringify(renderBugReport(inputsOf(DEBIAN_KNOWN, CASE)).record)),
) as BugRecord;
const observed = (fixture: string) => runOf(fixture).tests.find((c) => c.name === CASE)!.observed!;
const precondition = dioVsTruncate.cases.find((c) => c.name === 'ext4-truncate')!.precondition!;

t.test("report.json is read back as the bug's signature", async (t) => {
  t.equal(typeof bug, 'object');
  t.same(bug.deviates, { truncate_woke_by_itself: false });
  t.equal(parseBugRecord({ format: 'x' }), 'not an orchestrate bug report (report.json format)');
  t.equal(parseBugRecord({ ...bug, reproducer: false }), 'the report has no reproducer (repro/)');
});

t.test('as packaged the lost wakeup reproduces; with the fix it is gone', async (t) => {
  const asPackaged = judgeRun(bug, { code: 0, observed: observed(DEBIAN_KNOWN), reports: [] });
  t.same(asPackaged, { outcome: 'reproduces', reason: 'truncate_woke_by_itself=false again' });
  const fixed = observed(FIXED_PASS);
  t.equal(precondition(fixed), undefined, 'the fixed run did race');
  const judged = judgeRun(bug, { code: 0, observed: fixed, reports: [] });
  t.equal(judged.outcome, 'gone');
  t.match(judged.reason, /truncate_woke_by_itself=true kicks=0/);
});

t.test('another deviation, a new kernel report or no race is not "gone"', async (t) => {
  const noWait = judgeRun(bug, {
    code: 0,
    observed: observed(CONTROL_FAIL),
    reports: ['WARNING in dax_disassociate_entry'],
  });
  t.equal(noWait.outcome, 'changed', 'woken, but the late DMA corrupted the new file');
  t.match(
    noWait.reason,
    /truncate_waited_for_io: expected true, observed false; new_file_intact: expected true, observed false; kernel report: WARNING in dax_disassociate_entry/,
  );
  const warned = judgeRun(bug, { code: 0, observed: observed(FIXED_PASS), reports: ['WARNING in foo'] });
  t.same(warned, { outcome: 'changed', reason: 'kernel report: WARNING in foo' });
  const missed = { ...observed(FIXED_PASS), io_ms: 300 };
  const raced = judgeRun(bug, { code: 0, observed: missed, reports: [], notTested: precondition(missed) });
  t.equal(raced.outcome, 'inconclusive');
  t.match(raced.reason, /the race did not happen: the I\/O took 300 ms/);
  t.same(judgeRun(bug, { code: 124, reports: [] }), {
    outcome: 'inconclusive',
    reason: 'repro.sh printed no observation (exit status 124)',
  });
});

t.test('gone only when the control still reproduces it', async (t) => {
  const gone = { outcome: 'gone' as const, reason: '' };
  const reproduces = { outcome: 'reproduces' as const, reason: '' };
  t.same(verdictOf(gone, reproduces), { gone: true, line: 'the bug is gone with the patch' });
  t.same(verdictOf(gone), { gone: true, line: 'the bug is gone with the patch' });
  t.equal(verdictOf(gone, gone).gone, false, 'a control that does not reproduce proves nothing');
  t.match(verdictOf(gone, gone).line, /^inconclusive: without the patch the same build does not reproduce it either/);
  t.same(verdictOf(reproduces, reproduces), { gone: false, line: 'the bug is not gone: reproduces' });
});

t.test('the reply: the patch, the kernel built, the result with and without it', async (t) => {
  const reply = renderReply({
    bug,
    series: { title: 'block: release fs-DAX pages in __bio_release_pages() through the devmap path', subjects: ['x'] },
    built: ["source: Debian's linux-source of 6.1.192-3", 'built: 6.1.192+ (build-59b68e00b6f2-8b23cc8e928c)'],
    patched: { judged: judgeRun(bug, { code: 0, observed: observed(FIXED_PASS), reports: [] }), kernel: 'build-fixed' },
    control: {
      judged: judgeRun(bug, { code: 0, observed: observed(DEBIAN_KNOWN), reports: [] }),
      kernel: 'build-base',
    },
    testedBy: 'Ada Tester <ada@example.org>',
  });
  t.match(reply, /^Subject: Re: \[BUG\] 6\.1\.y: fs-DAX truncate waiting for O_DIRECT is never woken/);
  t.match(
    reply,
    /with the patch "block: release fs-DAX pages in __bio_release_pages\(\) through the devmap path":\n {2}source: /,
  );
  t.match(reply, /\nResult: the bug is gone with the patch\.\n {2}with the patch \(build-fixed\): gone: /);
  t.match(
    reply.replace(/\s+/g, ' '),
    /without it \(build-base, the control\): reproduces: truncate_woke_by_itself=false again/,
  );
  t.match(reply, /\nTested-by: Ada Tester <ada@example\.org>\n/);
});

t.test('a patch that does not apply or build is answered, not thrown', async (t) => {
  const reply = renderUnbuilt(
    bug,
    { title: 'block: fix' },
    'APPLY-FAIL: patch 1/1 "block: fix" does not apply: block/bio.c: patch does not apply',
  );
  t.match(reply, /could not test the patch "block: fix" on this report's kernel:\n {2}APPLY-FAIL: patch 1\/1/);
  t.match(reply, /\nResult: not tested; the bug is not known to be gone\.\n/);
});
