// The snapshot store's bookkeeping on a real directory: a key's cold boots are remembered (its second
// boot saves), and gc drops snapshots of kernels gone, unused ones, drafts of the dead and old markers.
import t from 'tap';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bootedBefore,
  bootMarker,
  markUnsaveable,
  snapshotGcPlan,
  snapshotsDir,
  unsaveable,
} from '../../orchestrator/adapters/snapshot-store.js';
import { tempDir } from '../temp.js';

const cache = tempDir('orchestrate-snapstore-');
const before = process.env.ORCHESTRATE_CACHE;
process.env.ORCHESTRATE_CACHE = cache;
t.teardown(() => {
  if (before === undefined) delete process.env.ORCHESTRATE_CACHE;
  else process.env.ORCHESTRATE_CACHE = before;
  rmSync(cache, { recursive: true, force: true });
});

const DAY = 86_400_000;
const age = (path: string, days: number) => {
  const then = new Date(Date.now() - days * DAY);
  utimesSync(path, then, then);
};

function snapshot(key: string, kernel: string) {
  const dir = join(snapshotsDir(), key);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ kernel, nvdimms: 0, saved: '' }));
  writeFileSync(join(dir, 'state'), Buffer.alloc(8192, 1));
  return dir;
}

t.test('a key is booted before from its second boot on', async (t) => {
  t.equal(bootedBefore('aaaa'), false, 'first boot');
  t.equal(bootedBefore('aaaa'), true, 'second boot');
  t.equal(bootedBefore('bbbb'), false, 'another key is its own');
});

t.test('a key whose save was refused for good says why, and later boots keep that', async (t) => {
  t.equal(unsaveable('cccc'), undefined);
  bootedBefore('cccc');
  markUnsaveable('cccc', 'its disks were written before the save (scratch.img)');
  t.equal(bootedBefore('cccc'), true);
  t.equal(unsaveable('cccc'), 'its disks were written before the save (scratch.img)', 'a boot kept the reason');
  t.equal(unsaveable('aaaa'), undefined, 'a plain marker holds none');
});

t.test('gc: kernels gone, snapshots and markers unused for DAYS, drafts of dead processes', async (t) => {
  const kept = snapshot('1111', 'k1');
  const gone = snapshot('2222', 'k-gone');
  const old = snapshot('3333', 'k1');
  age(old, 40);
  const draft = join(snapshotsDir(), '.save-4444-999999999-1');
  mkdirSync(draft);
  age(bootMarker('aaaa'), 40);
  const plan = snapshotGcPlan(new Set(['k1']), 30);
  const why = Object.fromEntries(plan.map((p) => [p.path, p.why]));
  t.same(Object.keys(why).sort(), [gone, old, draft, bootMarker('aaaa')].sort());
  t.match(why[gone], /k-gone, gone from the store/);
  t.match(why[old], /unused for 30 days/);
  t.match(why[draft], /interrupted save/);
  t.match(why[bootMarker('aaaa')], /marker unused for 30 days/);
  t.notOk(kept in why, 'a used snapshot of a kept kernel stays');
  t.ok(plan.find((p) => p.path === gone)!.bytes >= 8192, 'its bytes are counted');
});
