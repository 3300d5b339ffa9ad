// The exit status when the work settles, and an error (never a silent 0) when Node runs out of things
// to wait on before it does: what a poll on an unref'd timer did while QEMU died under a save.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { repoRoot } from '../../orchestrator/paths.js';

const lifecycle = pathToFileURL(join(repoRoot, 'dist', 'orchestrator', 'adapters', 'lifecycle.js')).href;

function exitOf(work: string) {
  const script = `import { delay, exitWith, sleep } from '${lifecycle}';\nexitWith((async () => { ${work} })());`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

t.test('the status of work that settles', async (t) => {
  t.same(exitOf('return 3;'), { code: 3, stderr: '' });
  t.same(exitOf('await sleep(50); return 0;'), { code: 0, stderr: '' }, 'a sleep keeps the process alive');
});

t.test('work left waiting on nothing is an error, said once', async (t) => {
  const stranded = exitOf('await new Promise(() => {}); return 0;');
  t.equal(stranded.code, 1);
  t.match(stranded.stderr, /^error: internal: orchestrate stopped with its work unfinished/);
  t.equal(stranded.stderr.trim().split('\n').length, 1);
  t.equal(exitOf('await delay(50); return 0;').code, 1, 'a deadline alone holds nothing: never await it alone');
});
