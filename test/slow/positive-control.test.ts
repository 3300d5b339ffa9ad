// Verdict fidelity for the seed's race, both directions, on three builds of the same 6.1 tree:
// as packaged (the lost wakeup: KNOWN, with its cause), with the fix of __bio_release_pages()
// (PASS: truncate wakes by itself), and with ext4's and xfs' break-layouts wait removed (FAIL,
// with the corruption itself as evidence: the new file on the truncated blocks is overwritten by
// the late DMA, or the device gets the new file's bytes).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult, TestResult } from '../../orchestrator/core/results.js';
import { cacheDir } from '../../orchestrator/paths.js';
import { runCli } from '../cli.js';
import { onBase, sourceTree } from '../source-tree.js';

const results = join(cacheDir(), 'slow-results');
const RACES = ['dio-vs-truncate', 'dio-write-vs-truncate'];

async function kernel(series?: string): Promise<string> {
  const { dir, head } = await sourceTree();
  const r = await runCli([
    'build',
    '--tree',
    dir,
    ...(series ? ['--series', onBase(join('series', series), head)] : []),
  ]);
  if (r.code !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr.slice(-2000)}`);
  return r.stdout.trim();
}

async function race(id: string): Promise<{ code: number | null; result: RunResult }> {
  const json = join(results, `positive-control-${id}.json`);
  const r = await runCli([
    'run',
    '--kernel',
    id,
    ...RACES.flatMap((s) => ['--test', s]),
    '--results',
    results,
    '--json',
    json,
  ]);
  return { code: r.code, result: JSON.parse(readFileSync(json, 'utf8')) as RunResult };
}

const isRead = (c: TestResult) => c.name.startsWith('dio-vs-truncate/');

t.test('as packaged: all eight cases KNOWN, the lost wakeup with its cause; exit 0', async (t) => {
  const { code, result } = await race(await kernel());
  t.equal(code, 0);
  t.equal(result.tests.length, 8);
  for (const c of result.tests) {
    t.equal(c.verdict, 'KNOWN', `${c.name}: ${c.reason}`);
    t.equal(c.known?.id, 'dax-dio-lost-wakeup-6.1');
    t.match(
      c.observed,
      { truncate_waited_for_io: true, truncate_woke_by_itself: false, new_file_intact: true },
      c.name,
    );
    t.equal(
      c.observed?.blocks_reused,
      c.observed?.victim_blocks,
      `${c.name}: the new file is on every truncated block`,
    );
  }
});

t.test('with the fix of __bio_release_pages(): all eight PASS, truncate woken without a signal', async (t) => {
  const { code, result } = await race(await kernel('fix-bio-release-devmap.patch'));
  t.equal(code, 0);
  t.equal(result.tests.length, 8);
  for (const c of result.tests) {
    t.equal(c.verdict, 'PASS', `${c.name}: ${c.reason}`);
    t.match(
      c.observed,
      { truncate_waited_for_io: true, truncate_woke_by_itself: true, kicks: 0, new_file_intact: true },
      c.name,
    );
    t.match(
      c.note,
      /known bug dax-dio-lost-wakeup-6\.1 did not show/,
      'in the range, behaving correctly: PASS with a note',
    );
    t.equal(
      c.observed?.blocks_reused,
      c.observed?.victim_blocks,
      `${c.name}: the new file is on every truncated block`,
    );
  }
  t.same(result.warnings, []);
});

t.test('without the break-layouts wait: all eight FAIL with the corruption as evidence', async (t) => {
  const { code, result } = await race(await kernel('no-break-layouts-wait.patch'));
  t.equal(code, 1);
  t.equal(result.tests.length, 8);
  for (const c of result.tests) {
    const o = c.observed ?? {};
    t.equal(c.verdict, 'FAIL', `${c.name}: ${c.reason}`);
    t.equal(o.truncate_waited_for_io, false, `${c.name}: truncate no longer waits (the timing witness)`);
    t.equal(o.blocks_reused, o.victim_blocks, `${c.name}: blocks_reused ${o.blocks_reused} of ${o.victim_blocks}`);
    if (isRead(c)) {
      t.equal(o.new_file_intact, false, `${c.name}: the late DMA overwrote the new file`);
      t.ok((o.mismatched_bytes as number) > 0, `${c.name}: ${o.mismatched_bytes} bytes of the new file changed`);
    } else {
      t.equal(o.written_data_is_old, false, `${c.name}: the device got what the blocks held after the truncate`);
      t.ok(
        (o.leaked_new_bytes as number) > 0,
        `${c.name}: ${o.leaked_new_bytes} of the new file's bytes leaked to the device`,
      );
    }
  }
  // WARN_ON_ONCE: the seed's "dax: warn if dma collides with truncate" fires in one case per boot.
  const daxWarnings = result.tests.flatMap((c) => c.warnings.map((w) => w.title)).filter((title) => /dax/.test(title));
  t.same(daxWarnings, ['WARNING in dax_disassociate_entry']);
});
