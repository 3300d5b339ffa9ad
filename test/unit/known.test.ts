// Known kernel bugs as records: a case that deviates exactly as a record says is KNOWN; one in the
// range that behaves correctly passes with a note; any other deviation is a FAIL.
import t from 'tap';
import { expectationFor } from '../../orchestrator/core/expectations.js';
import {
  deviatesAs,
  parseExpunge,
  parseKnown,
  rangeOfExpungeFile,
  recordsFor,
  type KnownRecord,
} from '../../orchestrator/core/known.js';
import { judge } from '../../orchestrator/core/verdict.js';
import { KNOWN_DIR, loadExpectations, loadKnown } from '../../orchestrator/adapters/config.js';
import { dioVsTruncate, dioWriteVsTruncate } from '../../orchestrator/suites/dio-vs-truncate.js';
import { parseConsole } from '../../orchestrator/core/console.js';
import { consoleLog } from '../console-fixtures.js';
import { tempDir } from '../temp.js';

const records = loadKnown(KNOWN_DIR);
const wakeup = records.find((r) => r.id === 'dax-dio-lost-wakeup-6.1')!;
const rule = expectationFor(loadExpectations(dioVsTruncate), 'ext4-truncate', '6.1.192')!;
/** What dio-vs-truncate observed on Debian 6.1.192, on a 6.1 with the fix, and with break-layouts' wait removed. */
const seen = {
  debian: {
    dax: true,
    truncate_waited_for_io: true,
    truncate_woke_by_itself: false,
    kicks: 1,
    new_file_intact: true,
    mismatched_bytes: 0,
    blocks_reused: 256,
  },
  fixed: {
    dax: true,
    truncate_waited_for_io: true,
    truncate_woke_by_itself: true,
    kicks: 0,
    new_file_intact: true,
    mismatched_bytes: 0,
    blocks_reused: 256,
  },
  noWait: {
    dax: true,
    truncate_waited_for_io: false,
    truncate_woke_by_itself: true,
    kicks: 0,
    new_file_intact: false,
    mismatched_bytes: 1048576,
    blocks_reused: 256,
  },
};

t.test('the shipped records parse and cover what they say', async (t) => {
  t.ok(wakeup, 'the 6.1 lost wakeup is a record');
  t.same(wakeup.deviates, { truncate_woke_by_itself: false });
  const covered = (name: string, version: string) => recordsFor(records, name, version).map((r) => r.id);
  for (const suite of [dioVsTruncate, dioWriteVsTruncate]) {
    for (const c of suite.cases) t.same(covered(`${suite.name}/${c.name}`, '6.1.192'), ['dax-dio-lost-wakeup-6.1']);
  }
  t.same(covered('dio-vs-truncate/ext4-truncate', '6.1.74'), [], 'before the 6.1.75 backport');
  t.same(covered('dio-vs-truncate/ext4-truncate', '6.12.117'), [], '6.12 wakes the waiter');
  t.same(covered('ib-reg-refusal/fsdax-ext4', '6.1.192'), []);
});

t.test('KNOWN only for the deviation the record names; PASS with a note when the bug does not show', async (t) => {
  const known = recordsFor(records, 'dio-vs-truncate/ext4-truncate', '6.1.192');
  const debian = judge(rule, { observed: seen.debian }, [], known);
  t.equal(debian.verdict, 'KNOWN');
  t.equal(debian.reason, wakeup.cause);
  t.same(debian.known, { id: wakeup.id, cause: wakeup.cause, reference: wakeup.reference });
  t.same(debian.raw, { verdict: 'FAIL', reason: 'truncate_woke_by_itself: expected true, observed false' });
  const fixed = judge(rule, { observed: seen.fixed }, [], known);
  t.equal(fixed.verdict, 'PASS', 'a kernel in the range that behaves correctly is PASS, never FAIL');
  t.match(fixed.note, /^known bug dax-dio-lost-wakeup-6\.1 did not show/);
  const noWait = judge(rule, { observed: seen.noWait }, [], known);
  t.equal(noWait.verdict, 'FAIL', 'another deviation is not the known bug');
  t.equal(
    noWait.reason,
    'truncate_waited_for_io: expected true, observed false; new_file_intact: expected true, observed false',
  );
  t.equal(
    judge(rule, { observed: seen.debian }, ['WARNING in dax_disassociate_entry'], known).verdict,
    'FAIL',
    'a warning the record does not name',
  );
  t.equal(judge(rule, { observed: seen.debian }, [], []).verdict, 'FAIL', 'raw: without records the bug is a FAIL');
});

t.test("a record may pin what the expectation does not name: an external test's message", async (t) => {
  const atomic = records.find((x) => x.id === 'rxe-no-atomic-write-6.1')!;
  const rule = { kernels: '*', expect: { result: 'pass' } };
  const as = (message: string) => judge(rule, { observed: { result: 'error', message } }, [], [atomic]).verdict;
  t.equal(as('pyverbs.pyverbs_error.PyverbsRDMAError: Completion status is local QP operation error'), 'KNOWN');
  t.equal(
    as('pyverbs.pyverbs_error.PyverbsRDMAError: Failed to create QP'),
    'FAIL',
    'another error of the same test is not the known one',
  );
});

t.test('6.12 nvme/044 over rdma: the hung connect after a failed controller authentication is KNOWN', async (t) => {
  const name = 'blktests/nvme/044/tr_rdma';
  const hung = parseConsole(consoleLog('dmesg-debian-6.12.118-blktests-nvme-044-rdma.txt')).map((w) => w.title);
  t.same(hung, Array(2).fill('INFO: task hung in nvmf_connect_admin_queue'), "the run's own dmesg window");
  const rule = { kernels: '*', expect: { result: 'pass' } };
  const as = (warnings: string[], version = '6.12.118') =>
    judge(rule, { observed: { result: 'pass' } }, warnings, recordsFor(records, name, version));
  t.equal(as(hung).verdict, 'KNOWN');
  t.match(as(hung).known, { id: 'nvme-auth-failure2-lost-retried-6.12' });
  t.equal(as([]).verdict, 'PASS', 'the completion came through: a PASS');
  t.equal(as(hung, '6.1.192').verdict, 'FAIL', 'not a 6.1 record');
  t.equal(as([...hung, 'WARNING in nvmet_rdma_free_rsps']).verdict, 'FAIL', 'another report besides it');
  t.same(recordsFor(records, 'blktests/nvme/044/tr_loop', '6.12.118'), [], 'loop is not covered');
});

t.test('deviates exactly: every named value shows, nothing else deviates, warnings named', async (t) => {
  const r = { ...wakeup, warnings: ['WARNING in x'] };
  t.ok(
    deviatesAs(r, {
      fields: { truncate_woke_by_itself: false },
      warnings: ['WARNING in x'],
      observed: { truncate_woke_by_itself: false },
    }),
  );
  t.ok(
    deviatesAs(r, {
      fields: { truncate_woke_by_itself: false },
      warnings: [],
      observed: { truncate_woke_by_itself: false },
    }),
    'a warning the record names need not show',
  );
  t.notOk(
    deviatesAs(r, { fields: {}, warnings: ['WARNING in x'], observed: { truncate_woke_by_itself: true } }),
    'the named value must show',
  );
  t.notOk(
    deviatesAs(r, {
      fields: { truncate_woke_by_itself: false, new_file_intact: false },
      warnings: [],
      observed: { truncate_woke_by_itself: false, new_file_intact: false },
    }),
  );
  t.notOk(
    deviatesAs(r, {
      fields: { truncate_woke_by_itself: false },
      warnings: ['WARNING in y'],
      observed: { truncate_woke_by_itself: false },
    }),
  );
});

t.test('a record says what deviates, for which cases and kernels, and why', async (t) => {
  const ok = { id: 'b', cases: ['s/c'], kernels: '>=6.1 <6.2', deviates: { x: 1 }, cause: 'c', reference: 'r' };
  t.same(
    parseKnown([ok], 'k.yaml').map((r) => r.id),
    ['b'],
  );
  const bad = (r: Record<string, unknown>, re: RegExp) => t.throws(() => parseKnown([{ ...ok, ...r }], 'k.yaml'), re);
  bad({ deviates: undefined }, /record 1 \(b\): say what deviates/);
  bad({ kernels: '~6' }, /bad kernels range "~6"/);
  bad({ cases: ['nosuite'] }, /cases must list "suite\/case" or "suite\/\*"/);
  t.same(
    parseKnown([{ ...ok, cases: ['kselftest-gup/gup_longterm/fsdax-ext4/*'] }], 'k.yaml')[0].cases,
    ['kselftest-gup/gup_longterm/fsdax-ext4/*'],
    "an external case's own slashes",
  );
  bad({ cause: undefined }, /cause must be a string/);
  bad({ why: 'x' }, /unknown key "why"/);
  t.throws(() => parseKnown({ a: 1 }, 'k.yaml'), /k\.yaml: want a list/);
  t.same(parseKnown([{ ...ok, files: ['fs/dax.c'] }], 'k.yaml')[0].files, ['fs/dax.c'], 'the files it concerns');
  bad({ files: 'fs/dax.c' }, /files must list source files of the tree/);
  bad({ files: ['dax.c'] }, /files must list source files of the tree/);
});

t.test('old expunge files: each line any failure of the case, on the version the name says', async (t) => {
  t.same(
    [...parseExpunge('a/b\n  c/d   #  why \n# only a comment\n')],
    [
      ['a/b', 'known failure'],
      ['c/d', 'why'],
    ],
  );
  t.equal(rangeOfExpungeFile('6.1.txt'), '>=6.1 <6.2');
  t.equal(rangeOfExpungeFile('6.txt'), '>=6 <7');
  t.equal(rangeOfExpungeFile('6.1.192.txt'), '=6.1.192');
  t.equal(rangeOfExpungeFile('README'), undefined);
  const legacy: KnownRecord = {
    id: 'x',
    cases: ['s/c'],
    kernels: '*',
    deviates: {},
    warnings: [],
    cause: 'c',
    reference: 'r',
    source: 'f',
    legacy: true,
  };
  t.ok(deviatesAs(legacy, { fields: { anything: 1 }, warnings: ['W'], observed: { anything: 1 } }));
});

t.test('an old expunge directory is read, with one deprecation line', async (t) => {
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = tempDir('orchestrate-expunge-');
  writeFileSync(join(dir, '6.1.txt'), '# Known failures\nib-reg-refusal/fsdax-xfs  # tracked elsewhere\n');
  const said: string[] = [];
  const read = loadKnown(dir, (line) => said.push(line));
  loadKnown(dir, (line) => said.push(line));
  t.match(read, [
    { cases: ['ib-reg-refusal/fsdax-xfs'], kernels: '>=6.1 <6.2', cause: 'tracked elsewhere', legacy: true },
  ]);
  t.equal(said.length, 1, 'said once');
  t.match(said[0], /6\.1\.txt is an old expunge file: read as "any failure of each listed case on >=6\.1 <6\.2"/);
});
