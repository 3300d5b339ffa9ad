// The per-tree build lock: a dead holder's lock is taken over, a live one is waited for.
import t from 'tap';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../orchestrator/adapters/store.js';

const dir = mkdtempSync(join(tmpdir(), 'orchestrate-lock-'));

t.test('a lock left by a dead process is taken over', async (t) => {
  const lock = join(dir, 'dead.lock');
  writeFileSync(lock, '999999999');
  t.equal(await withLock(lock, async () => 'ran'), 'ran');
  t.notOk(existsSync(lock), 'released');
});

t.test('a live holder is waited for, and told about', async (t) => {
  const lock = join(dir, 'live.lock');
  const order: string[] = [];
  let told = 0;
  const first = withLock(lock, async () => {
    order.push('first in');
    await new Promise((r) => setTimeout(r, 1500));
    order.push('first out');
  });
  await new Promise((r) => setTimeout(r, 100));
  const second = withLock(
    lock,
    async () => order.push('second in'),
    () => told++,
  );
  await Promise.all([first, second]);
  t.same(order, ['first in', 'first out', 'second in']);
  t.equal(told, 1);
});
