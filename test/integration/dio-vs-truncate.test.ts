// The seed's race for real, both directions: O_DIRECT between a dm-delay disk and a DAX mmap,
// truncate or punch mid-I/O, reallocate the blocks, check the new file (and what the write wrote).
// Debian's 6.1.192 has the lost wakeup (configs/known): every case is KNOWN with its cause, and
// raw (--no-known) the same runs FAIL on truncate_woke_by_itself alone. With dm-delay at 0 ms the
// same workload races nothing, and the suite's precondition makes that an ERROR.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadExpectations } from '../../orchestrator/adapters/config.js';
import { expectationFor } from '../../orchestrator/core/expectations.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { judge } from '../../orchestrator/core/verdict.js';
import { DELAY_MS, dioVsTruncate } from '../../orchestrator/suites/dio-vs-truncate.js';
import { parseObservation } from '../../orchestrator/suites/suite.js';
import { runCli } from '../cli.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-race-');
const json = join(out, 'r.json');
const run = await runCli([
  'run',
  '--test',
  'dio-vs-truncate',
  'dio-write-vs-truncate',
  '--results',
  out,
  '--json',
  json,
  '--tap',
]);
const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;

const CASES = ['ext4-truncate', 'ext4-punch', 'xfs-truncate', 'xfs-punch'];
const names = ['dio-vs-truncate', 'dio-write-vs-truncate'].flatMap((s) => CASES.map((c) => `${s}/${c}`));

t.test('all eight races are the known 6.1 lost wakeup, with its cause; exit 0', async (t) => {
  t.equal(run.code, 0, run.stdout + run.stderr);
  t.same(
    result.tests.map((r) => [r.name, r.verdict]),
    names.map((n) => [n, 'KNOWN']),
  );
  for (const r of result.tests) {
    t.equal(r.known?.id, 'dax-dio-lost-wakeup-6.1', r.name);
    t.same(
      r.raw,
      { verdict: 'FAIL', reason: 'truncate_woke_by_itself: expected true, observed false' },
      `${r.name}: only the wakeup deviates`,
    );
  }
  t.match(
    run.stdout,
    /^not ok 1 - dio-vs-truncate\/ext4-truncate # TODO __bio_release_pages\(\) releases O_DIRECT pages/m,
    'TAP: a TODO with the cause',
  );
  t.equal(result.passed, true);
});

t.test('truncate started mid-I/O, waited for the 1 s I/O, and the reallocated blocks are intact', async (t) => {
  for (const r of result.tests) {
    const o = r.observed!;
    const [io, start] = [o.io_ms as number, o.truncate_start_ms as number];
    t.equal(o.dax, true, `${r.name}: DAX`);
    t.ok(io >= 0.9 * DELAY_MS, `${r.name}: the I/O took the dm-delay second (${io} ms)`);
    t.ok(
      start > 0 && io - start >= DELAY_MS / 2,
      `${r.name}: truncate started at ${start} ms, the I/O ended ${io - start} ms later`,
    );
    t.ok((o.truncate_ms as number) >= io, `${r.name}: truncate returned after the I/O`);
    t.equal(o.mismatched_bytes, 0, `${r.name}: new file intact`);
    t.equal(o.blocks_reused, o.victim_blocks, `${r.name}: the new file took every block truncate freed`);
    if (o.direction === 'write') {
      t.equal(o.written_data_is_old, true, `${r.name}: the device got the old file's bytes`);
      t.equal(o.leaked_new_bytes, 0, `${r.name}: none of the new file's`);
    }
  }
});

t.test('--no-known: the raw verdicts, FAIL', async (t) => {
  const raw = await runCli(['run', '--test', 'dio-vs-truncate/xfs-punch', '--no-known', '--results', out]);
  t.equal(raw.code, 1);
  t.match(raw.stdout, /^dio-vs-truncate\/xfs-punch\s+FAIL/m);
  t.match(raw.stdout, /reason:   truncate_woke_by_itself: expected true, observed false/);
});

// The race case's own commands in one guest, the delay device set to 0 ms instead of the suite's
// delay: bash runs each argv list (separated by ";" arguments) in turn, stopping at a failure.
const SEQUENCE =
  'cmd=(); for a; do if [ "$a" = ";" ]; then "${cmd[@]}" || exit; cmd=(); else cmd+=("$a"); fi; done; "${cmd[@]}"';

t.test('dm-delay at 0 ms: the workload races nothing, and the case is ERROR "the race did not happen"', async (t) => {
  const tc = dioVsTruncate.cases.find((c) => c.name === 'ext4-truncate')!;
  const slow = dioVsTruncate.setup.find((s) => s.argv[0].endsWith('/slow-disk.sh'))!.argv;
  t.ok(slow.includes(String(DELAY_MS)), `the suite sets the delay on the command line: ${slow.join(' ')}`);
  const undelayed = slow.map((a) => (a === String(DELAY_MS) ? '0' : a));
  // --setup fsdax makes namespace0 /dev/pmem0 as the suite's setup does; slow-disk.sh names its device.
  const steps = [undelayed, ...tc.run({ fsdax: '/dev/pmem0', slowdisk: '/dev/mapper/slow' }).map((s) => s.argv)];
  const args = steps.flatMap((argv, i) => (i ? [';', ...argv] : argv));
  const r = await runCli(['run', '--setup', 'fsdax', '--results', out, '--', 'bash', '-c', SEQUENCE, 'bash', ...args]);
  t.equal(r.code, 0, r.stderr.slice(-1500));
  t.match(r.stdout, /^slowdisk=\/dev\/mapper\/slow$/m, 'the delay device was made');
  const observed = parseObservation(r.stdout)!;
  const [io, start] = [observed.io_ms as number, observed.truncate_start_ms as number];
  t.ok(io < start, `the I/O ended (${io} ms) before truncate started (${start} ms)`);
  t.equal(observed.truncate_waited_for_io, false, 'nothing for truncate to wait for');
  t.equal(observed.blocks_reused, observed.victim_blocks, 'every freed block reused: only the race is missing');
  const unmet = tc.precondition!(observed);
  t.match(
    unmet,
    new RegExp(
      `^the race did not happen: the I/O took ${io} ms of the ${DELAY_MS} ms delay .*; ` +
        `truncate started at ${start} ms and the I/O ended before it`,
    ),
  );
  const rule = expectationFor(loadExpectations(dioVsTruncate), tc.name, result.run.kernel.version);
  const judged = judge(rule, { observed, error: `precondition: ${unmet}` }, []);
  t.same(
    [judged.verdict, judged.reason],
    ['ERROR', `precondition: ${unmet}`],
    'judged as the runner judges an unmet precondition',
  );
});
