// npm run bench: medians of the pipeline's phases under this machine's accelerator.
//   --runs N        repro runs, each cold (--no-snapshot) and restored in turn (default 5; 0 skips them)
//   --step-pairs N  bisect steps (bisect --runs R, --step-runs R, default 5), each beside one cold run
//                   (default 3; 0 skips them)
//   --image-runs N  cold image builds (default 3; 0 skips them, they take ~40 s each)
//   --build-runs N  kernel builds of linux-source: full (no ccache), incremental, cache hit
//                   (default 0: a full build takes ~7 min here); --build-line 6.12 for that line
//   --reports DIR   only the console parser against syzkaller's corpus (see reports.ts); -v lists
//                   the titles that differ; --write-manifest SHA rewrites the corpus manifest
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkArtifact, readStamp } from '../../orchestrator/adapters/stamp.js';
import { kernelStoreDir } from '../../orchestrator/paths.js';
import { Phases, prepare } from '../../orchestrator/engine/pipeline.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { ensureImage } from '../../orchestrator/adapters/rootfs.js';
import { runCli } from '../cli.js';
import { newestTwo61 } from '../debian-kernels.js';
import { forgetSnapshot } from '../snapshots.js';
import { kernelBuilds } from './kbuild.js';
import { reportsBench } from './reports.js';
import { median } from '../../orchestrator/core/median.js';
import { tempDir } from '../temp.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function flag(name: string, fallback: number): number {
  const value = option(name);
  return value === undefined ? fallback : Number(value);
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const value = await work();
  return [(performance.now() - t) / 1000, value];
}

async function imageBuilds(runs: number): Promise<{ cold: number[]; warm: number[] }> {
  const cold: number[] = [];
  for (let i = 0; i < runs; i++) cold.push((await timed(() => ensureImage({ rebuild: true })))[0]);
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push((await timed(() => ensureImage()))[0]);
  return { cold, warm };
}

/** What the stat checks of every cached artifact's stamp cost a run (they run before each use). */
async function stampChecks(): Promise<{ seconds: number; files: number }> {
  const phases = new Phases();
  const p = await prepare({ accel: 'auto', install: false, log: () => {} }, phases);
  const stamps: [string, string][] = [
    [join(dirname(p.image.path), 'stamp.json'), dirname(p.image.path)],
    [join(kernelStoreDir(), p.kernel.id, 'stamp.json'), join(kernelStoreDir(), p.kernel.id)],
    [`${p.initramfs.path}.stamp.json`, dirname(p.initramfs.path)],
    [`${p.workloads.dir}.stamp.json`, p.workloads.dir],
  ];
  const files = stamps.reduce((n, [f]) => n + (readStamp(f)?.files.length ?? 0), 0);
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const [s] = await timed(async () => stamps.forEach(([f, root]) => checkArtifact(f, root)));
    times.push(s);
  }
  return { seconds: median(times), files };
}

type Row = { wall: number; result: RunResult };

/** Cold repros (--no-snapshot) and restored ones, interleaved: the ratio holds while the machine drifts. */
async function repros(runs: number): Promise<{ cold: Row[]; restored: Row[] }> {
  const out = tempDir('orchestrate-bench-');
  const rows = { cold: [] as Row[], restored: [] as Row[] };
  await runCli(['repro', '--no-snapshot', '--results', out]);
  await runCli(['repro', '--snapshot', '--results', out]);
  for (let i = 0; i < runs; i++) {
    for (const [kind, extra] of [
      ['cold', ['--no-snapshot']],
      ['restored', []],
    ] as const) {
      const json = join(out, `${kind}-${i}.json`);
      const [wall, r] = await timed(() => runCli(['repro', ...extra, '--results', out, '--json', json]));
      if (r.code !== 0) throw new Error(`repro failed:\n${r.stdout}\n${r.stderr}`);
      rows[kind].push({ wall, result: JSON.parse(readFileSync(json, 'utf8')) as RunResult });
    }
  }
  if (!rows.restored.every((r) => r.result.run.snapshot?.restored))
    throw new Error('a repro after the save did not restore');
  return rows;
}

/** What the runs in DIR said of their snapshots. */
function snapshotsIn(dir: string): NonNullable<RunResult['run']['snapshot']>[] {
  return readdirSync(dir)
    .map((d) => join(dir, d, 'results.json'))
    .filter((f) => existsSync(f))
    .map((f) => (JSON.parse(readFileSync(f, 'utf8')) as RunResult).run.snapshot!);
}

/**
 * Flaky-aware bisect steps (`bisect --runs N` over two Debian 6.1 packages whose bad end passes:
 * one step of N runs on the newest, which is in the store), each beside one cold run of the same
 * test and kernel. The step's first run boots and saves; the others restore, --jobs at a time.
 */
async function bisectSteps(pairs: number, runs: number): Promise<{ one: number[]; step: number[] }> {
  const out = tempDir('orchestrate-bench-');
  const json = join(out, 'r.json');
  const one = async (extra: string[]) => {
    const r = await runCli(['run', '--test', 'ib-reg-refusal', ...extra, '--results', out, '--json', json]);
    if (r.code !== 0) throw new Error(`run failed:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(readFileSync(json, 'utf8')) as RunResult;
  };
  const key = (await one(['--snapshot'])).run.snapshot!.key;
  const { older, newest } = await newestTwo61();
  const times = { one: [] as number[], step: [] as number[] };
  for (let i = 0; i < pairs; i++) {
    times.one.push((await timed(() => one(['--no-snapshot'])))[0]);
    forgetSnapshot(key);
    const dir = tempDir('orchestrate-bench-step-');
    const argv = ['bisect', '--kernels', `debian:${older}..${newest}`, '--test', 'ib-reg-refusal'];
    const [seconds, r] = await timed(() => runCli([...argv, '--runs', String(runs), '--results', dir]));
    if (r.code !== 1 || !/^the bad end .* passes/m.test(r.stdout)) throw new Error(`bisect:\n${r.stdout}\n${r.stderr}`);
    const restored = snapshotsIn(dir).filter((s) => s.key === key && s.restored).length;
    if (restored !== runs - 1) throw new Error(`a step restored ${restored} of its ${runs - 1} later runs`);
    times.step.push(seconds);
  }
  return times;
}

/** Restored against cold, side by side: restore to SSH against boot with modules, and the whole repro. */
function restoredLines(both: { cold: Row[]; restored: Row[] }, repro: number): string[] {
  const coldReady = median(both.cold.map((r) => r.result.run.durations.boot + r.result.run.durations.modules));
  const toSsh = median(both.restored.map((r) => r.result.run.durations.boot));
  const restored = median(both.restored.map((r) => r.wall));
  return [
    `restore to SSH-ready        ${fmt(toSsh)}   ratio to cold boot-to-SSH with modules (${fmt(coldReady)}) ${(toSsh / coldReady).toFixed(2)} (target <= 0.15)`,
    `restored repro              ${fmt(restored)}   ratio to the cold repro ${(restored / repro).toFixed(2)} (target <= 0.4)`,
  ];
}

async function stepLines(pairs: number, runs: number): Promise<string[]> {
  if (!pairs) return [];
  const { one, step } = await bisectSteps(pairs, runs);
  const ratio = median(step) / median(one);
  return [
    `bisect step, --runs ${runs}      ${fmt(median(step))}   ratio to one cold run (${fmt(median(one))}) ${ratio.toFixed(2)} (target <= 2)`,
  ];
}

const fmt = (s: number) => (s < 0.01 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);

async function main() {
  const reports = option('reports');
  if (reports) {
    const verbose = process.argv.includes('-v');
    const lines = reportsBench(reports, { verbose, writeManifest: option('write-manifest') });
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const buildRuns = flag('build-runs', 0);
  if (buildRuns) process.stdout.write(`${(await kernelBuilds(buildRuns, option('build-line'))).join('\n')}\n`);
  const runs = flag('runs', 5);
  if (!runs) return;
  const image = await imageBuilds(flag('image-runs', 3));
  const both = await repros(runs);
  const rows = both.cold;
  const checks = await stampChecks();
  const toInit = median(rows.map((r) => r.result.run.boot.init ?? NaN));
  const toSsh = median(rows.map((r) => r.result.run.durations.boot));
  const repro = median(rows.map((r) => r.wall));
  const accel = rows[0].result.run.accel.toUpperCase();
  const lines = [
    `orchestrate bench (${accel}, ${runs} repro runs, medians)`,
    `image build, cold           ${image.cold.length ? fmt(median(image.cold)) : 'skipped'}`,
    `image build, warm (cached)  ${fmt(median(image.warm))}`,
    `QEMU start to kernel banner ${fmt(median(rows.map((r) => r.result.run.boot.banner ?? NaN)))}`,
    `kernel-to-init              ${fmt(toInit)}   (QEMU start to "Run /init")`,
    `boot-to-SSH-ready           ${fmt(toSsh)}   ratio to kernel-to-init ${(toSsh / toInit).toFixed(2)} (target <= 1.5)`,
    `late modules ready          ${fmt(median(rows.map((r) => r.result.run.boot.modulesReady ?? NaN)))}`,
    `tests phase                 ${fmt(median(rows.map((r) => r.result.run.durations.tests)))}`,
    `whole repro, command start to exit ${fmt(repro)}   ratio to target 15 s ${(repro / 15).toFixed(2)}`,
    ...restoredLines(both, repro),
    ...(await stepLines(flag('step-pairs', 3), flag('step-runs', 5))),
    `cache stamp checks per run  ${fmt(checks.seconds)}   (stat of ${checks.files} stamped files; ${((100 * checks.seconds) / repro).toFixed(2)} % of the repro)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
