// The RDMA data path over rxe, for real: WRITE and READ through a looped-back RC QP, data checked.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { runCli } from '../cli.js';
import { tempDir } from '../temp.js';

const out = tempDir('orchestrate-loop-');
const json = join(out, 'r.json');
const run = await runCli(['run', '--test', 'rdma-loopback', '--results', out, '--json', json]);
const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
const observed = Object.fromEntries(result.tests.map((r) => [r.name.split('/')[1], r.observed]));

t.test('every case passes', async (t) => {
  t.equal(run.code, 0, run.stdout + run.stderr);
  t.same(
    result.tests.map((r) => r.verdict),
    ['PASS', 'PASS', 'PASS', 'PASS', 'PASS'],
  );
});

t.test('data moved both ways into anonymous, page-cache and device-DAX memory', async (t) => {
  for (const [name, dax] of [
    ['anon', null],
    ['pagecache', false],
    ['devdax', true],
  ] as const) {
    t.same(
      observed[name],
      {
        kind: name === 'anon' ? 'anon' : name === 'devdax' ? 'dev' : 'file',
        dax,
        registered: true,
        errno: null,
        write: 'ok',
        read: 'ok',
        bytes: 65536,
      },
      name,
    );
  }
});

t.test(
  "writes into a truncated page-cache file's MR complete and never reach the new file on its blocks",
  async (t) => {
    t.same(
      observed['pagecache-truncate'],
      {
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
      },
      'the new file took all 512 blocks of the 2 MiB file; intact in the page cache and on the device',
    );
  },
);

t.test('the fs-DAX MR is refused, so nothing moves', async (t) => {
  t.same(observed['fsdax-ext4'], { kind: 'file', dax: true, registered: false, errno: 95 });
});
