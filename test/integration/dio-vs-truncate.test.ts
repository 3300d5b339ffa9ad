// The seed's race for real, both directions: O_DIRECT between a dm-delay disk and a DAX mmap,
// truncate or punch mid-I/O, reallocate the blocks, check the new file (and what the write wrote).
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { runCli } from '../cli.js';

const out = mkdtempSync(join(tmpdir(), 'orchestrate-race-'));
const json = join(out, 'r.json');
const run = await runCli(['run', '--test', 'dio-vs-truncate', 'dio-write-vs-truncate', '--results', out, '--json', json]);
const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;

const CASES = ['ext4-truncate', 'ext4-punch', 'xfs-truncate', 'xfs-punch'];

t.test('all eight races pass against the 6.1 expectations', async (t) => {
  t.equal(run.code, 0, run.stdout + run.stderr);
  t.same(result.tests.map((r) => [r.name, r.verdict]), ['dio-vs-truncate', 'dio-write-vs-truncate'].flatMap((s) => CASES.map((c) => [`${s}/${c}`, 'PASS'])));
});

t.test('truncate waited for the 1 s I/O and the reallocated blocks are intact', async (t) => {
  for (const r of result.tests) {
    const o = r.observed!;
    t.equal(o.dax, true, `${r.name}: DAX`);
    t.ok((o.io_ms as number) >= 900, `${r.name}: the I/O took the dm-delay second (${o.io_ms} ms)`);
    t.ok((o.truncate_ms as number) >= (o.io_ms as number), `${r.name}: truncate returned after the I/O`);
    t.equal(o.mismatched_bytes, 0, `${r.name}: new file intact`);
    if (o.direction === 'write') {
      t.equal(o.written_data_is_old, true, `${r.name}: the device got the old file's bytes`);
      t.equal(o.leaked_new_bytes, 0, `${r.name}: none of the new file's`);
    }
  }
});
