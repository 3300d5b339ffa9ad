// RDMA between two real guests over rxe: the link is UDP between two loopback ports, the second
// guest writes and reads 2 MiB of the first guest's memory, and both sides check the data; in
// the same boot, the RDMA smoke tools (rdma-smoke) run between them.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { qemuGone, runCli, scratch } from '../cli.js';

const { dir: tmp, env } = scratch('orchestrate-pair-');
const json = join(tmp, 'r.json');
const run = await runCli(
  ['run', '--test', 'rdma-two-guests', '--test', 'rdma-smoke', '--results', tmp, '--json', json, '--snapshot'],
  env,
);
const all = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
const result = { ...all, tests: all.tests.filter((t) => t.name.startsWith('rdma-two-guests/')) };
const smoke = Object.fromEntries(
  all.tests.filter((t) => t.name.startsWith('rdma-smoke/')).map((r) => [r.name.split('/')[1], r]),
);
const observed = Object.fromEntries(result.tests.map((r) => [r.name.split('/')[1], r.observed]));
const resultDir = /results: (.*)/.exec(run.stdout + run.stderr)![1];

t.test('every case passes', async (t) => {
  t.equal(run.code, 0, run.stdout + run.stderr);
  t.match(run.stderr, /^snapshot: two-guest suites boot cold$/m, '--snapshot asked: why not, said');
  t.equal(all.run.snapshot, undefined, 'nothing saved or restored');
  t.same(
    result.tests.map((r) => [r.name, r.verdict]),
    [
      ['rdma-two-guests/anon', 'PASS'],
      ['rdma-two-guests/pagecache', 'PASS'],
      ['rdma-two-guests/pagecache-truncate', 'PASS'],
      ['rdma-two-guests/devdax', 'PASS'],
      ['rdma-two-guests/fsdax-ext4', 'PASS'],
    ],
  );
});

t.test('2 MiB crossed the link both ways into anonymous, page-cache and device-DAX memory', async (t) => {
  for (const [name, kind, dax] of [
    ['anon', 'anon', null],
    ['pagecache', 'file', false],
    ['devdax', 'dev', true],
  ] as const) {
    t.same(
      observed[name],
      {
        kind,
        dax,
        registered: true,
        errno: null,
        write: 'ok',
        read: 'ok',
        bytes: 2097152,
        peer: { role: 'client', remote_registered: true, write: 'completed', read: 'ok', bytes: 2097152 },
      },
      name,
    );
  }
});

t.test(
  "remote writes into a truncated page-cache file's MR complete and never reach the new file on its 512 blocks",
  async (t) => {
    t.same(observed['pagecache-truncate'], {
      kind: 'file',
      dax: false,
      registered: true,
      errno: null,
      write: 'ok',
      read: 'ok',
      bytes: 2097152,
      write_after_truncate: 'ok',
      new_file_intact: true,
      mismatched_bytes: 0,
      mismatched_on_device: 0,
      victim_blocks: 512,
      blocks_reused: 512,
      peer: {
        role: 'client',
        remote_registered: true,
        write: 'completed',
        read: 'ok',
        bytes: 2097152,
        write_after_truncate: 'ok',
      },
    });
  },
);

t.test('fs-DAX is refused on the serving guest, and the client is told', async (t) => {
  t.same(observed['fsdax-ext4'], {
    kind: 'file',
    dax: true,
    registered: false,
    errno: 95,
    peer: { role: 'client', remote_registered: false, remote_errno: 95 },
  });
});

t.test('the guests are wired to each other on loopback only, each with its own console and dmesg', async (t) => {
  const links = [result.run.qemu.argv, result.run.qemu.peerArgv ?? []].map((argv) =>
    argv.find((a) => a.startsWith('socket,id=net1')),
  );
  const ports = links.map((l) => /udp=127\.0\.0\.1:(\d+),localaddr=127\.0\.0\.1:(\d+)$/.exec(l ?? '')?.slice(1));
  t.ok(ports[0] && ports[1], `${links}`);
  t.same(ports[0], [...(ports[1] ?? [])].reverse(), 'each sends where the other listens');
  for (const f of ['console.log', 'peer-console.log', 'dmesg.txt', 'peer-dmesg.txt'])
    t.ok(existsSync(join(resultDir, f)), f);
  t.match(readFileSync(join(resultDir, 'peer-dmesg.txt'), 'utf8'), /rxe1/, 'the second guest brought up rxe1');
});

t.test('no QEMU is left behind', async (t) => {
  t.same(await qemuGone(tmp), []);
});

t.test('the smoke tools between the guests: each passes, and the figures are kept', async (t) => {
  t.same(
    Object.entries(smoke).map(([name, r]) => [name, r.verdict]),
    [
      ['ibv_rc_pingpong', 'PASS'],
      ['rping', 'PASS'],
      ['ib_write_bw', 'PASS'],
      ['ib_read_lat', 'PASS'],
    ],
  );
  const o = (name: string) => smoke[name].observed as Record<string, number | string | Record<string, unknown>>;
  t.match(o('ibv_rc_pingpong'), {
    role: 'client',
    exit: 0,
    mbit_s: Number,
    usec_per_iter: Number,
    peer: { role: 'server', result: 'ok' },
  });
  t.equal(o('rping').pings, 10, 'ten pings, data compared');
  t.ok((o('ib_write_bw').bw_avg_mb_s as number) > 0, `RDMA WRITE bandwidth ${o('ib_write_bw').bw_avg_mb_s} MB/s`);
  t.ok((o('ib_read_lat').lat_typical_us as number) > 0, `RDMA READ latency ${o('ib_read_lat').lat_typical_us} µs`);
  t.match(
    run.stdout,
    /^rdma-smoke\/ib_write_bw\s+PASS[\s\S]*?observed: .*bw_avg_mb_s=[\d.]+/m,
    'the figures are in the summary',
  );
});
