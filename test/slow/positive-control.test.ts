// Verdict fidelity for the seed's race: dio-vs-truncate must FAIL on a kernel whose ext4 and xfs
// break-layouts no longer wait for busy DAX pages, and PASS, run after run, on the same tree
// without that change.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../orchestrator/core/results.js';
import { cacheDir } from '../../orchestrator/paths.js';
import { runCli } from '../cli.js';
import { onBase, sourceTree } from '../source-tree.js';

const results = join(cacheDir(), 'slow-results');
const CLEAN_RUNS = 3;

async function kernel(series?: string): Promise<string> {
  const { dir, head } = await sourceTree();
  const r = await runCli(['build', '--tree', dir, ...(series ? ['--series', onBase(join('series', series), head)] : [])]);
  if (r.code !== 0) throw new Error(`build failed: ${r.stdout}${r.stderr.slice(-2000)}`);
  return r.stdout.trim();
}

async function race(id: string, n: number): Promise<RunResult> {
  const json = join(results, `positive-control-${id}-${n}.json`);
  await runCli(['run', '--kernel', id, '--test', 'dio-vs-truncate', '--results', results, '--json', json]);
  return JSON.parse(readFileSync(json, 'utf8')) as RunResult;
}

t.test('without the break-layouts wait, every case fails', async (t) => {
  const result = await race(await kernel('no-break-layouts-wait.patch'), 0);
  t.equal(result.tests.length, 4);
  for (const c of result.tests) {
    t.equal(c.verdict, 'FAIL', `${c.name}: ${c.reason}`);
    t.equal(c.observed?.truncate_waited_for_io, false, `${c.name}: truncate no longer waits for the I/O`);
  }
  // WARN_ON_ONCE: the seed's "dax: warn if dma collides with truncate" fires in one case per boot.
  const daxWarnings = result.tests.flatMap((c) => c.warnings.map((w) => w.title)).filter((title) => /dax/.test(title));
  t.same(daxWarnings, ['WARNING in dax_disassociate_entry']);
});

t.test(`with it, every case passes, ${CLEAN_RUNS} runs in a row`, async (t) => {
  const id = await kernel();
  for (let n = 1; n <= CLEAN_RUNS; n++) {
    const result = await race(id, n);
    t.same(result.tests.map((c) => c.verdict), ['PASS', 'PASS', 'PASS', 'PASS'], `run ${n}: ${result.tests.map((c) => `${c.name} ${c.reason}`).join('; ')}`);
    t.same(result.warnings, [], `run ${n}: no warning outside the cases`);
  }
});
