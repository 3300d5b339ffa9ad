// The kernel store on disk: a kernel that is used (booted, or found for a build) is not garbage.
import t from 'tap';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcPlan, stage, storeDir, useKernel, type KernelRecord } from '../../orchestrator/adapters/kernel-store.js';
import { fetchDebianKernel } from '../../orchestrator/engine/kernels.js';
import { tempDir } from '../temp.js';

process.env.ORCHESTRATE_KERNELS = tempDir('orchestrate-store-');
const DAY = 86_400_000;

function storeOld(id: string, source: KernelRecord['source']): void {
  const { dir, commit } = stage(id);
  writeFileSync(join(dir, 'bzImage'), 'not a kernel');
  commit({
    id,
    source,
    release: '6.1.0-99-amd64',
    version: '6.1.999',
    files: { bzImage: 'bzImage' },
    added: new Date(0).toISOString(),
  });
  const then = new Date(Date.now() - 40 * DAY);
  utimesSync(join(storeDir(), id, 'kernel.json'), then, then);
}

const unused = () => gcPlan(30, true).map((p) => p.path.split('/').pop());

t.test('a built kernel found again is marked used', async (t) => {
  storeOld('build-aaaa', 'build');
  t.same(unused(), ['build-aaaa']);
  t.equal(useKernel('build-aaaa')?.release, '6.1.0-99-amd64');
  t.same(unused(), []);
});

t.test('a Debian kernel taken from the store is marked used too', async (t) => {
  storeOld('debian-6.1.999', 'debian');
  t.same(unused(), ['debian-6.1.999']);
  t.equal((await fetchDebianKernel('6.1.999')).release, '6.1.0-99-amd64');
  t.same(unused(), [], 'gc --debian would have deleted the kernel every run boots');
});
