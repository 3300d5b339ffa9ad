// npm run bench: medians of the pipeline's phases under this machine's accelerator.
//   --runs N        repro runs (default 5; 0 skips the pipeline figures)
//   --image-runs N  cold image builds (default 3; 0 skips them, they take ~40 s each)
//   --build-runs N  kernel builds of linux-source: full (no ccache), incremental, cache hit
//                   (default 0: a full build takes ~7 min here); --build-line 6.12 for that line
//   --reports DIR   only the console parser against syzkaller's corpus (see reports.ts); -v lists
//                   the titles that differ; --write-manifest SHA rewrites the corpus manifest
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkArtifact, readStamp } from '../../orchestrator/adapters/stamp.js';
import { kernelStoreDir } from '../../orchestrator/paths.js';
import { Phases, prepare } from '../../orchestrator/engine/pipeline.js';
import type { RunResult } from '../../orchestrator/core/results.js';
import { ensureImage } from '../../orchestrator/adapters/rootfs.js';
import { runCli } from '../cli.js';
import { kernelBuilds } from './kbuild.js';
import { reportsBench } from './reports.js';
import { median } from '../../orchestrator/core/median.js';

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

async function repros(runs: number) {
  const out = mkdtempSync(join(tmpdir(), 'orchestrate-bench-'));
  const rows: { wall: number; result: RunResult }[] = [];
  await runCli(['repro', '--results', out]);
  for (let i = 0; i < runs; i++) {
    const json = join(out, `run-${i}.json`);
    const [wall, r] = await timed(() => runCli(['repro', '--results', out, '--json', json]));
    if (r.code !== 0) throw new Error(`repro failed:\n${r.stdout}\n${r.stderr}`);
    rows.push({ wall, result: JSON.parse(readFileSync(json, 'utf8')) as RunResult });
  }
  return rows;
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
  const rows = await repros(runs);
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
    `cache stamp checks per run  ${fmt(checks.seconds)}   (stat of ${checks.files} stamped files; ${((100 * checks.seconds) / repro).toFixed(2)} % of the repro)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
