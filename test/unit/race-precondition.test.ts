// The truncate-race cases judged the way the runner judges them: a real observation from Debian
// 6.1.192 (dio-vs-truncate/ext4-truncate, io_ms 1009, truncate started at 157 ms) and its edges.
// A case where the I/O did not outlive truncate's start, or the delay device did not delay it, or
// the new file did not get every freed block, tested nothing: ERROR, never PASS.
import t from 'tap';
import { runSuites, type SuiteRun } from '../../orchestrator/engine/runner.js';
import { FakeGuest } from '../fake-guest.js';
import { loadExpectations } from '../../orchestrator/adapters/config.js';
import { selectTests } from '../../orchestrator/suites/index.js';
import { DELAY_MS } from '../../orchestrator/suites/dio-vs-truncate.js';

/** A guest whose workload prints OBSERVED; every other command succeeds, the setup's printing its facts. */
function guest(workload: RegExp, observed: Record<string, unknown>): FakeGuest {
  const facts: [RegExp, string][] = [
    [/namespace\.sh namespace0\.0/, 'fsdax=/dev/pmem0\n'],
    [/namespace\.sh namespace1\.0/, 'devdax=/dev/dax1.0\n'],
    [/slow-disk\.sh/, 'slowdisk=/dev/mapper/slow\n'],
    [workload, `${JSON.stringify(observed)}\n`],
  ];
  return new FakeGuest(facts.map(([re, stdout]) => [re, { stdout }]));
}

const runs = (name: string): SuiteRun[] =>
  selectTests([name]).map((s) => ({ selection: s, expectations: loadExpectations(s.suite) }));

/** The second guest of rdma-two-guests: its client saw the exchange through. */
const CLIENT = {
  role: 'client',
  remote_registered: true,
  write: 'completed',
  read: 'ok',
  bytes: 2097152,
  write_after_truncate: 'ok',
};

async function judged(name: string, workload: RegExp, observed: Record<string, unknown>, version: string) {
  const peer = name.startsWith('rdma-two-guests/') ? guest(/rdma-pair client/, CLIENT) : undefined;
  const [r] = (await runSuites({ session: guest(workload, observed), peer }, runs(name), version)).results;
  return { verdict: r.verdict, reason: r.reason };
}

const race = (observed: Record<string, unknown>, version = '6.12.117') =>
  judged('dio-vs-truncate/ext4-truncate', /dio-vs-truncate truncate/, observed, version);

/** Debian 6.1.192's ext4-truncate as a kernel that wakes truncate by itself reports it (6.12, 6.1 with the fix). */
const RACED = {
  mode: 'truncate',
  direction: 'read',
  dax: true,
  io_ms: 1009,
  truncate_start_ms: 157,
  truncate_ms: 1012,
  truncate_wait_ms: 855,
  truncate_waited_for_io: true,
  truncate_woke_by_itself: true,
  kicks: 0,
  new_file_intact: true,
  mismatched_bytes: 0,
  victim_blocks: 256,
  blocks_reused: 256,
  free_bytes_before: 0,
};

t.test('the race as measured: judged by the expectation (PASS)', async (t) => {
  t.equal(DELAY_MS, 1000, "the figures below are for the suite's 1 s delay");
  t.equal((await race(RACED)).verdict, 'PASS');
});

t.test('the I/O ended before truncate started: ERROR, the race did not happen', async (t) => {
  // The times dm-delay at 0 ms gave on Debian 6.1.192 (the integration test); the workload before
  // truncate_start_ms said truncate_waited_for_io all the same.
  const r = await race({ ...RACED, io_ms: 8, truncate_start_ms: 153, truncate_ms: 154, truncate_wait_ms: 1 });
  t.equal(r.verdict, 'ERROR');
  t.equal(
    r.reason,
    'precondition: the race did not happen: the I/O took 8 ms of the 1000 ms delay (want ≥ 800 ms); ' +
      'truncate started at 153 ms and the I/O ended before it (want ≥ 500 ms after)',
  );
});

t.test('the I/O far shorter than the delay, though still in flight at truncate: ERROR', async (t) => {
  const r = await race({ ...RACED, io_ms: 700, truncate_start_ms: 150, truncate_ms: 705 });
  t.same(r, {
    verdict: 'ERROR',
    reason: 'precondition: the race did not happen: the I/O took 700 ms of the 1000 ms delay (want ≥ 800 ms)',
  });
});

t.test("truncate starting too close to the I/O's end: ERROR", async (t) => {
  const r = await race({ ...RACED, truncate_start_ms: 600 });
  t.same(r, {
    verdict: 'ERROR',
    reason:
      'precondition: the race did not happen: truncate started at 600 ms and the I/O ended 409 ms after it ' +
      '(want ≥ 500 ms after)',
  });
});

t.test('no times in the observation: ERROR, not taken as a race', async (t) => {
  const { truncate_start_ms: _, ...old } = RACED;
  const r = await race(old);
  t.equal(r.verdict, 'ERROR');
  t.equal(
    r.reason,
    'precondition: the race did not happen: no I/O or truncate times observed ' +
      '(io_ms 1009, truncate_start_ms undefined)',
  );
});

t.test('a partial block reuse is not reuse: ERROR naming how many were not reused', async (t) => {
  const r = await race({ ...RACED, blocks_reused: 200 });
  t.same(r, {
    verdict: 'ERROR',
    reason:
      'precondition: the new file did not get every block truncate freed: ' +
      '56 of 256 not reused (blocks_reused 200); late DMA into those would go unseen',
  });
  t.equal((await race({ ...RACED, blocks_reused: 0 })).verdict, 'ERROR');
  const nothing = await race({ ...RACED, victim_blocks: 0, blocks_reused: 0 });
  t.equal(nothing.verdict, 'ERROR', 'nothing freed, nothing to see');
});

t.test('the write direction is held to the same race', async (t) => {
  const write = { ...RACED, direction: 'write', written_data_is_old: true, leaked_new_bytes: 0 };
  const judge = (o: Record<string, unknown>) =>
    judged('dio-write-vs-truncate/xfs-punch', /dio-vs-truncate --write punch/, o, '6.12.117');
  t.equal((await judge(write)).verdict, 'PASS');
  t.match((await judge({ ...write, io_ms: 9 })).reason, /^precondition: the race did not happen/);
});

const PAGECACHE = {
  kind: 'file',
  dax: false,
  registered: true,
  errno: null,
  write: 'ok',
  read: 'ok',
  bytes: 65536,
  write_after_truncate: 'ok',
  new_file_intact: true,
  mismatched_bytes: 0,
  mismatched_on_device: 0,
  victim_blocks: 512,
  blocks_reused: 512,
};

for (const suite of ['rdma-loopback', 'rdma-two-guests']) {
  t.test(`${suite}/pagecache-truncate: the new file must be on every block truncate freed`, async (t) => {
    const name = `${suite}/pagecache-truncate`;
    const workload = /rdma-(loop|pair) .*--truncate/;
    t.equal((await judged(name, workload, PAGECACHE, '6.1.192')).verdict, 'PASS');
    t.same(await judged(name, workload, { ...PAGECACHE, blocks_reused: 0 }, '6.1.192'), {
      verdict: 'ERROR',
      reason:
        'precondition: the new file did not get every block truncate freed: 512 of 512 not reused ' +
        '(blocks_reused 0); late DMA into those would go unseen',
    });
    t.equal((await judged(name, workload, { ...PAGECACHE, blocks_reused: 511 }, '6.1.192')).verdict, 'ERROR');
    const refused = { kind: 'file', dax: false, registered: false, errno: 14 };
    t.equal(
      (await judged(name, workload, refused, '6.12.117')).verdict,
      'PASS',
      'refused on 6.12: no MR, nothing truncated under it, no reuse to ask for',
    );
  });
}
