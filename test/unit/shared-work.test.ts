// Work shared by key: concurrent callers get one run, a finished (or failed) run is not kept.
import t from 'tap';
import { sharedWork } from '../../orchestrator/core/shared-work.js';

t.test('callers while it runs share one run; the next caller after it ends starts another', async (t) => {
  const inFlight = new Map<string, Promise<number>>();
  let runs = 0;
  const work = async () => {
    runs++;
    await new Promise((r) => setTimeout(r, 10));
    return runs;
  };
  const [a, b] = await Promise.all([sharedWork(inFlight, 'k', work), sharedWork(inFlight, 'k', work)]);
  t.same([a, b, runs, inFlight.size], [1, 1, 1, 0]);
  t.equal(await sharedWork(inFlight, 'k', work), 2);
  t.equal(await sharedWork(inFlight, 'other', work), 3, 'another key is another run');
});

t.test('a failed run is forgotten: the next caller tries again', async (t) => {
  const inFlight = new Map<string, Promise<string>>();
  await t.rejects(
    sharedWork(inFlight, 'k', async () => {
      throw new Error('make failed');
    }),
    /make failed/,
  );
  t.equal(inFlight.size, 0);
  t.equal(await sharedWork(inFlight, 'k', async () => 'built'), 'built');
});
