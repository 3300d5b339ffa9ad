// Splitting a suite run across jobs: the planner on the durations fstests' check printed for the
// dax group on Debian 6.1.192 (ext4 and xfs), the units of each kind of suite, the history a
// results directory holds, and what a merge names as lost.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  caseSeconds,
  DEFAULT_CASE_SECONDS,
  historyCutoff,
  lostUnits,
  makespan,
  parseShard,
  planShards,
  unitSeconds,
  type PastRun,
  type ShardJob,
} from '../../orchestrator/core/shard.js';
import { pastRuns } from '../../orchestrator/adapters/run-history.js';
import { covers, shardUnits } from '../../orchestrator/suites/shards.js';
import { fixture } from '../fixtures.js';
import { tempDir } from '../temp.js';

/** fstests/FS/TEST and check's seconds for it (undefined: not run, no time), in run order. */
function daxGroup(): { name: string; seconds?: number }[] {
  return (['ext4', 'xfs'] as const).flatMap((fs) =>
    fixture('external', `fstests-63a29724-${fs}-dax-debian-6.1.192.out`)
      .split('\n')
      .flatMap((line) => {
        const m = /^([a-z0-9]+\/\d+)\s+(?:(\d+)s$|\[not run\]|-)/.exec(line);
        return m ? [{ name: `fstests/${fs}/${m[1]}`, seconds: m[2] ? Number(m[2]) : undefined }] : [];
      }),
  );
}

const DAX = daxGroup();
const KNOWN = new Map(DAX.flatMap((c) => (c.seconds ? [[c.name, c.seconds] as const] : [])));
const UNITS = DAX.map((c) => ({ patterns: [c.name], cases: [c.name] }));
const SECONDS = unitSeconds(UNITS, KNOWN);

/** Case I to shard I % N, in run order: what a split that ignores durations does. */
const roundRobin = (n: number, count: number) =>
  Array.from({ length: count }, (_, s) => Array.from({ length: n }, (_, i) => i).filter((i) => i % count === s));

t.test('--shard I/N: 1 <= I <= N, nothing else', async (t) => {
  t.same(parseShard('2/4'), { index: 2, count: 4 });
  t.same(parseShard(' 1/1 '), { index: 1, count: 1 });
  for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2', '1.5/2', ''])
    t.equal(parseShard(bad), undefined, `"${bad}"`);
});

t.test('the fixture is the dax group as check ran it: 28 cases, 23 timed, skewed', async (t) => {
  t.equal(DAX.length, 28);
  t.equal(KNOWN.size, 23);
  t.same([Math.min(...KNOWN.values()), Math.max(...KNOWN.values())], [4, 42]);
  t.equal(
    SECONDS[DAX.findIndex((c) => c.name === 'fstests/ext4/ext4/047')],
    9,
    'a case with no time counts the median',
  );
});

t.test('every case in exactly one shard, the same split every time, better balanced than round robin', async (t) => {
  const all = DAX.map((_, i) => i);
  const total = SECONDS.reduce((a, b) => a + b, 0);
  for (const n of [1, 2, 3, 4, 5, 8, 28, 40]) {
    const split = planShards(SECONDS, n);
    t.equal(split.length, n);
    t.same(
      split.flat().sort((a, b) => a - b),
      all,
      `${n} shards: each case once`,
    );
    t.ok(
      split.every((s) => s.every((i, k) => k === 0 || s[k - 1] < i)),
      'each shard in run order',
    );
    t.same(planShards([...SECONDS], n), split, 'the same inputs, the same split');
    const lpt = makespan(SECONDS, split);
    const rr = makespan(SECONDS, roundRobin(all.length, n));
    t.ok(lpt <= rr, `${n}: ${lpt} s <= ${rr} s round robin`);
    t.ok(lpt <= Math.max(total / n, Math.max(...SECONDS)) * (4 / 3), `${n}: within 4/3 of the bound`);
  }
  for (const n of [2, 3, 4]) {
    const [lpt, rr] = [makespan(SECONDS, planShards(SECONDS, n)), makespan(SECONDS, roundRobin(all.length, n))];
    t.ok(lpt < rr, `${n} shards: ${lpt} s against ${rr} s round robin`);
  }
  const two = planShards(SECONDS, 2);
  t.same(
    two.map((s) => s.map((i) => DAX[i].name.slice('fstests/'.length))),
    [
      [
        'ext4/generic/413',
        'ext4/generic/428',
        'ext4/generic/437',
        'ext4/generic/452',
        'ext4/generic/462',
        'ext4/generic/470',
        'ext4/generic/503',
        'ext4/generic/605',
        'ext4/generic/607',
        'ext4/generic/608',
        'xfs/generic/428',
        'xfs/generic/462',
        'xfs/generic/503',
        'xfs/generic/606',
        'xfs/xfs/551',
      ],
      [
        'ext4/ext4/030',
        'ext4/ext4/031',
        'ext4/ext4/047',
        'ext4/generic/606',
        'xfs/generic/413',
        'xfs/generic/437',
        'xfs/generic/452',
        'xfs/generic/470',
        'xfs/generic/605',
        'xfs/generic/607',
        'xfs/generic/608',
        'xfs/xfs/550',
        'xfs/xfs/552',
      ],
    ],
    'the split of two, golden',
  );
  t.same(
    two.map((s) => s.reduce((sum, i) => sum + SECONDS[i], 0)),
    [183, 179],
    'its seconds: 362 in all',
  );
  t.same(
    planShards([5, 5, 5, 5], 2),
    [
      [0, 2],
      [1, 3],
    ],
    'equal units: alternate, the lower shard first',
  );
  t.same(planShards([], 3), [[], [], []], 'nothing to split');
});

t.test("estimates: a case's median of its newest five runs; unknown cases the median case", async (t) => {
  const runs: PastRun[] = [10, 1, 2, 3, 4, 5].map((s, i) => ({
    id: `2026120${i}T000000-aaaa`,
    cases: [{ name: 'a', seconds: s }],
  }));
  t.equal(caseSeconds([...runs].reverse()).get('a'), 3, 'the oldest (10 s) has aged out, whatever the order given');
  const units = [
    { patterns: ['a'], cases: ['a', 'b'] },
    { patterns: ['c'], cases: ['c'] },
    { patterns: ['whole'], cases: [] },
  ];
  t.same(
    unitSeconds(
      units,
      new Map([
        ['a', 3],
        ['c', 7],
      ]),
    ),
    [8, 7, 5],
    'b and the whole suite count the median, 5',
  );
  t.same(
    unitSeconds(units, new Map()),
    [2, 1, 1].map((n) => n * DEFAULT_CASE_SECONDS),
    'no history: by count',
  );
});

const past = (id: string, selection: string[], names: string[], shard?: PastRun['shard']): PastRun => ({
  id,
  selection,
  ...(shard ? { shard } : {}),
  cases: names.map((name) => ({ name, seconds: 10 })),
});

t.test(
  'units: our cases one by one; an external suite by what its newest unsharded run of the same selection reported',
  async (t) => {
    t.same(shardUnits(['ib-reg-refusal/fsdax-*'], []), [
      { patterns: ['ib-reg-refusal/fsdax-ext4'], cases: ['ib-reg-refusal/fsdax-ext4'] },
      { patterns: ['ib-reg-refusal/fsdax-xfs'], cases: ['ib-reg-refusal/fsdax-xfs'] },
    ]);
    t.same(shardUnits(['fstests'], []), [{ patterns: ['fstests'], cases: [] }], 'never run: whole, in one shard');
    const history = [
      past(
        '20261201T010000-aaaa',
        ['fstests'],
        ['fstests/ext4/generic/413', 'fstests/ext4/check:timeout', 'fstests/xfs/check'],
      ),
      past('20261202T010000-bbbb', ['fstests/xfs/@quick'], ['fstests/xfs/generic/001']),
      past('20261203T010000-cccc', ['fstests'], ['fstests/ext4/generic/999'], { index: 1, count: 2 }),
    ];
    t.same(
      shardUnits(['fstests'], history),
      [{ patterns: ['fstests/ext4/generic/413'], cases: ['fstests/ext4/generic/413'] }],
      "another selection's run and a shard's are not the list; a run's own errors are no cases",
    );
    const blk = past(
      '20261201T010000-dddd',
      ['blktests'],
      ['blktests/nvme/006/tr_rdma_bd_file', 'blktests/nvme/006/tr_loop_bd_file', 'blktests/srp/001', 'blktests/nvme'],
    );
    t.same(
      shardUnits(['blktests'], [blk]),
      [
        {
          patterns: ['blktests/nvme/006'],
          cases: ['blktests/nvme/006/tr_rdma_bd_file', 'blktests/nvme/006/tr_loop_bd_file'],
        },
        { patterns: ['blktests/srp/001'], cases: ['blktests/srp/001'] },
      ],
      "blktests: a test's transports run together, one unit",
    );
    const gup = past(
      '20261201T010000-eeee',
      ['kselftest-gup'],
      [
        'kselftest-gup/gup_test/get-user-pages-fast',
        'kselftest-gup/gup_longterm/tmpfs/ftruncate',
        'kselftest-gup/gup_longterm/tmpfs/io_uring',
      ],
    );
    t.same(
      shardUnits(['kselftest-gup'], [gup]).map((u) => u.patterns[0]),
      ['kselftest-gup/gup_test/get-user-pages-fast', 'kselftest-gup/gup_longterm/tmpfs/*'],
      'a status run is its own case; gup_longterm runs whole per place',
    );
    const rdma = past('20261201T010000-ffff', ['rdma-core'], ['rdma-core/test_qpex.QpExTestCase.test_qp_ex_rc_send']);
    t.same(
      shardUnits(['rdma-core'], [rdma]),
      [{ patterns: ['rdma-core'], cases: ['rdma-core/test_qpex.QpExTestCase.test_qp_ex_rc_send'] }],
      'rdma-core, whose -k matches by substring, stays whole',
    );
  },
);

t.test('covers: what asking for a unit gives back', async (t) => {
  t.ok(covers('blktests/nvme/006', 'blktests/nvme/006/tr_rdma_bd_file'));
  t.ok(covers('fstests/ext4/generic/413', 'fstests/ext4/generic/413'));
  t.ok(covers('fstests', 'fstests/xfs/generic/413'));
  t.ok(covers('kselftest-gup/gup_longterm/tmpfs/*', 'kselftest-gup/gup_longterm/tmpfs/io_uring'));
  t.ok(covers('ib-reg-refusal/devdax', 'ib-reg-refusal/devdax'));
  t.notOk(covers('ib-reg-refusal/devdax', 'ib-reg-refusal/fsdax-ext4'));
  t.notOk(covers('fstests/ext4/generic/413', 'fstests/xfs/generic/413'));
  t.notOk(covers('blktests/nvme/006', 'blktests/nvme/0060'));
});

t.test('the history: run directories that started before the cutoff, their timed cases', async (t) => {
  const dir = tempDir('orchestrate-history-');
  const run = (id: string, tests: unknown[], extra: object = {}) => {
    mkdirSync(join(dir, id));
    writeFileSync(join(dir, id, 'results.json'), JSON.stringify({ run: { selection: ['x'], ...extra }, tests }));
  };
  run('20261130T230000-aaaa', [
    { name: 'x/a', seconds: 3 },
    { name: 'x/b', seconds: 0 },
  ]);
  run('20261130T235959-bbbb', [{ name: 'x/a', seconds: 5 }], { bootFailure: { reason: 'lost' } });
  run('20261201T000000-cccc', [{ name: 'x/a', seconds: 7 }]);
  run('matrix-20261130T000000-dddd', [{ name: 'x/a', seconds: 9 }]);
  mkdirSync(join(dir, '20261130T000000-eeee'));
  t.same(pastRuns(dir, historyCutoff('2026-12-01')), [
    { id: '20261130T230000-aaaa', selection: ['x'], shard: undefined, cases: [{ name: 'x/a', seconds: 3 }] },
  ]);
  t.same(pastRuns(join(dir, 'none'), new Date()), []);
  t.same(historyCutoff('2026-12-01'), new Date('2026-12-01T00:00:00Z'));
  t.same(historyCutoff('tonight', new Date('2026-12-05T13:14:15Z')), new Date('2026-12-05T00:00:00Z'));
});

t.test('lost units: what no merged row covers, its shard named, and why', async (t) => {
  const split = [['t/a', 't/b'], ['t/c']];
  const job = (j: string, shard: number, finished = true): ShardJob => ({ job: j, shard, split, finished });
  const eq = (p: string, name: string) => p === name;
  const rows = (series: string | null, tests: string[]) => tests.map((test) => ({ series, test }));
  const complete = [...rows(null, ['t/a', 't/b', 't/c']), ...rows('s1', ['t/a', 't/b', 't/c'])];
  t.same(lostUnits([job('s1', 1), job('s1', 2)], complete, eq), [], 'all shards merged: nothing lost');
  t.same(lostUnits([], [], eq), [], 'no shards: nothing to say');
  t.same(lostUnits([job('s1', 1)], [...rows(null, ['t/a', 't/b']), ...rows('s1', ['t/a', 't/b'])], eq), [
    {
      series: null,
      pattern: 't/c',
      detail: 'shard 2/2: no database of its job (the job never ran, or its database was lost)',
    },
    {
      series: 's1',
      pattern: 't/c',
      detail: 'shard 2/2: no database of its job (the job never ran, or its database was lost)',
    },
  ]);
  t.same(
    lostUnits([job('s1', 1), job('s1', 2, false)], [...rows(null, ['t/a', 't/b', 't/c']), ...rows('s1', ['t/a'])], eq),
    [
      { series: 's1', pattern: 't/b', detail: 'shard 1/2: its job finished without a result for this' },
      { series: 's1', pattern: 't/c', detail: 'shard 2/2: its job did not finish' },
    ],
    "a finished job's gap; the base's shard 2 came from the unfinished job",
  );
  t.same(
    lostUnits(
      [job('s1', 1), job('s1', 2, false)],
      [...rows(null, ['t/a', 't/b']), ...rows('s1', ['t/a', 't/b'])],
      eq,
    ).map((l) => l.detail),
    ['shard 2/2: its job did not finish', 'shard 2/2: its job did not finish'],
  );
});
