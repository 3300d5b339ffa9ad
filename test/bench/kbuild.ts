// Kernel build figures on linux-source-6.1 or -6.12 (tinyconfig + base + dax-rdma): a full build
// from an empty build directory without ccache, an incremental build after a one-file patch (a
// comment in fs/dax.c, committed in the bench's own clone), and a repeated build of identical
// inputs (a store hit). Its own kernel store and tree clone.
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ensureLinuxSource } from '../../orchestrator/adapters/linux-source.js';
import { buildDirs } from '../../orchestrator/engine/build.js';
import { runCli } from '../cli.js';
import { gitIn, sharedClone } from '../git-repo.js';
import { median } from '../../orchestrator/core/median.js';
import { tempDir } from '../temp.js';

const mmss = (s: number) => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;

async function build(
  args: string[],
  env: NodeJS.ProcessEnv,
  out: string,
): Promise<{ wall: number; seconds: number; objects: number; kind: string }> {
  const t = performance.now();
  const json = join(out, 'outcome.json');
  const r = await runCli(['build', ...args, '--json', json], env);
  const wall = (performance.now() - t) / 1000;
  if (r.code !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr.slice(-2000)}`);
  const outcome = JSON.parse(readFileSync(json, 'utf8'));
  const record = JSON.parse(readFileSync(join(env.ORCHESTRATE_KERNELS!, outcome.id, 'kernel.json'), 'utf8'));
  return { wall, seconds: outcome.seconds, objects: record.build.objects, kind: outcome.kind };
}

/** A one-file change on top of the tree's commit, as a git range the build applies. */
function onePatch(tree: string): { base: string; range: string } {
  const base = gitIn(tree, 'rev-parse', 'master');
  if (gitIn(tree, 'branch', '--list', 'bench-one-patch') === '') {
    gitIn(tree, 'checkout', '-q', '-b', 'bench-one-patch', base);
    appendFileSync(
      join(tree, 'fs', 'dax.c'),
      '/* orchestrate bench: an incremental build after a one-file change */\n',
    );
    gitIn(tree, 'commit', '-q', '-a', '-m', 'fs/dax: a comment (orchestrate bench)');
    gitIn(tree, 'checkout', '-q', 'master');
  }
  return { base, range: `${base}..bench-one-patch` };
}

export async function kernelBuilds(runs: number, line = '6.1'): Promise<string[]> {
  const source = await ensureLinuxSource(() => {}, line);
  const tree = sharedClone(source, `bench-${basename(source)}`);
  const out = tempDir('orchestrate-bench-kbuild-');
  const env = { ...process.env, ORCHESTRATE_KERNELS: join(out, 'kernels') };
  const { base, range } = onePatch(tree);
  const patch = ['--ref', base, '--series', range];
  const full = [];
  for (let i = 0; i < runs; i++) {
    rmSync(buildDirs(tree).base, { recursive: true, force: true });
    full.push(await build(['--tree', tree, '--ref', base, '--no-ccache', '--force'], env, out));
    process.stderr.write(`full build ${i + 1}: ${mmss(full[i].wall)}\n`);
  }
  const incremental = [];
  for (let i = 0; i < runs; i++) {
    incremental.push(await build(['--tree', tree, ...patch, '--no-ccache', '--force'], env, out));
    process.stderr.write(`incremental build ${i + 1}: ${mmss(incremental[i].wall)}\n`);
  }
  const hits = [];
  for (let i = 0; i < 5; i++) hits.push(await build(['--tree', tree, ...patch], env, out));
  if (hits.some((h) => h.kind !== 'cached')) throw new Error('a repeated build was not a cache hit');
  rmSync(out, { recursive: true, force: true });
  const f = median(full.map((b) => b.wall));
  const inc = median(incremental.map((b) => b.wall));
  const hit = median(hits.map((b) => b.wall));
  return [
    `kernel builds of ${basename(source)}, tinyconfig + base + dax-rdma (${runs} runs each, medians)`,
    `full build, empty build dir, no ccache  ${mmss(f)}  (${full[0].objects} objects; target 12 min: ${(f / 720).toFixed(2)} x)`,
    `incremental, one-file patch (fs/dax.c)  ${mmss(inc)}  (${incremental[0].objects} objects; target 2 min: ${(inc / 120).toFixed(2)} x)`,
    `identical inputs again (store hit)      ${hit.toFixed(2)} s  (command start to exit; target 5 s: ${(hit / 5).toFixed(2)} x)`,
  ];
}
