// --kernel PATH: any bzImage (+ --modules DIR) plugs in; here the store's Debian bzImage booted
// as a plain bzImage through firmware, not through the PVH vmlinux the store would pick.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { listRecords, storeDir } from '../../orchestrator/adapters/kernel-store.js';
import { runCli } from '../cli.js';
import { tempDir } from '../temp.js';

const record = listRecords().find((r) => r.source === 'debian');

t.test(
  'a bzImage path with its modules directory runs a case like the store kernel',
  { skip: !record && 'no Debian kernel in the store (orchestrate setup fetches one)' },
  async (t) => {
    if (!record) return;
    const dir = join(storeDir(), record.id);
    const out = tempDir('orchestrate-kpath-');
    const json = join(out, 'r.json');
    const r = await runCli([
      'run',
      '--kernel',
      join(dir, 'bzImage'),
      '--modules',
      join(dir, 'modules'),
      '--test',
      'ib-reg-refusal/fsdax-ext4',
      '--results',
      out,
      '--json',
      json,
    ]);
    const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
    t.equal(r.code, 0, r.stderr);
    t.equal(result.run.kernel.source, 'path');
    t.equal(result.run.kernel.release, record.release, 'release read from the bzImage header');
    t.equal(result.run.kernel.version, record.version, 'upstream version from the banner');
    t.same(
      result.tests.map((x) => [x.name, x.verdict, x.observed?.errno]),
      [['ib-reg-refusal/fsdax-ext4', 'PASS', 95]],
    );
    t.ok(result.run.qemu.argv.includes(join(dir, 'bzImage')));
  },
);
