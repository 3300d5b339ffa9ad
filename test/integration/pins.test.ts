// The other long-term pin paths on fs-DAX: ODP registration (SKIP without device ODP) and
// io_uring fixed buffers, in one boot.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { runCli } from '../cli.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-pins-');
const json = join(out, 'r.json');
const run = await runCli([
  'run',
  '--test',
  'odp-fsdax',
  '--test',
  'longterm-pin-fsdax',
  '--results',
  out,
  '--json',
  json,
]);
const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
const byName = Object.fromEntries(result.tests.map((r) => [r.name, r]));

t.test('the run passes: a SKIP beside cases that ran is no failure', async (t) => {
  t.equal(run.code, 0, run.stdout + run.stderr);
  t.same(
    result.tests.map((r) => r.name),
    [
      'odp-fsdax/fsdax-ext4',
      'odp-fsdax/fsdax-xfs',
      'longterm-pin-fsdax/fsdax-ext4',
      'longterm-pin-fsdax/fsdax-xfs',
      'longterm-pin-fsdax/anon',
    ],
  );
});

t.test('rxe on 6.1 has no ODP: SKIP with the reason, after DAX was checked', async (t) => {
  for (const name of ['odp-fsdax/fsdax-ext4', 'odp-fsdax/fsdax-xfs']) {
    t.equal(byName[name].verdict, 'SKIP', name);
    t.equal(byName[name].reason, 'rxe0 reports no ODP support');
    t.equal(byName[name].observed?.dax, true);
  }
});

t.test('io_uring fixed buffers: fs-DAX refused with EOPNOTSUPP, anonymous memory registers', async (t) => {
  for (const name of ['longterm-pin-fsdax/fsdax-ext4', 'longterm-pin-fsdax/fsdax-xfs']) {
    t.same(
      [byName[name].verdict, byName[name].observed],
      ['PASS', { kind: 'file', dax: true, registered: false, errno: 95 }],
      name,
    );
  }
  t.same(
    [byName['longterm-pin-fsdax/anon'].verdict, byName['longterm-pin-fsdax/anon'].observed],
    ['PASS', { kind: 'anon', dax: null, registered: true, errno: null }],
  );
});

t.test('a run in which every case SKIPs tested nothing: exit 1, unless --allow-nothing-tested', async (t) => {
  const skipped = await runCli(['run', '--test', 'odp-fsdax', '--results', out]);
  t.equal(skipped.code, 1, skipped.stdout + skipped.stderr);
  t.match(skipped.stdout, /^2 SKIP in [\d.]+ s: nothing was tested$/m);
  t.match(skipped.stderr, /^nothing was tested: every case SKIPped$/m);
  const allowed = await runCli(['run', '--test', 'odp-fsdax', '--allow-nothing-tested', '--results', out]);
  t.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
  t.match(allowed.stderr, /^nothing was tested \(allowed\)$/m);
});
