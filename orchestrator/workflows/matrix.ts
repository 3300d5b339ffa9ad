// orchestrate run with several kernels: each kernel fetched or found first (one after another, so
// the store, the image and the workloads are made once), then booted and tested, --jobs at a time,
// each run in its own directory under the matrix's; then the table of cases × kernels.
import { join, relative, resolve } from 'node:path';
import { errorLine, OrchestrateError, UsageError } from '../errors.js';
import type { RunResult } from '../core/results.js';
import { kernelSpecText, type KernelSpec } from '../core/kernel-spec.js';
import type { Kernel } from '../adapters/kernel-store.js';
import { buildMatrix, matrixJunit, matrixTap, type Matrix, type MatrixKernel } from '../core/matrix.js';
import { writeAtomic, writeJson } from '../adapters/store.js';
import { resolveKernel } from '../engine/kernels.js';
import { newRunId, prepareShared, runTests, type RunOptions } from '../engine/pipeline.js';

export interface MatrixOptions extends Omit<RunOptions, 'kernel'> {
  kernels: KernelSpec[];
  /** Kernels booted at once (1 on a 2-core machine). */
  jobs: number;
}

/** Runs WORK over ITEMS, at most N at a time, every item settled, in order. */
async function pool<T, R>(items: T[], n: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        out[i] = { status: 'fulfilled', value: await work(items[i]) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, lane));
  return out;
}

/** Each kernel asked for, found or fetched one after another; the same kernel asked for twice is one column. */
async function columns(o: MatrixOptions): Promise<{ spec: KernelSpec; kernel: Kernel }[]> {
  const paths = o.kernels.filter((k) => k.kind === 'path' || (k.kind === 'stored' && !/^(debian|build)-/.test(k.id)));
  if (o.modules && paths.length > 1) {
    throw new UsageError('--modules belongs to one --kernel PATH: give a matrix one path kernel at most');
  }
  const kernels: { spec: KernelSpec; kernel: Kernel }[] = [];
  for (const spec of o.kernels) {
    const kernel = await resolveKernel({ kernel: spec, modules: o.modules, log: o.log });
    if (!kernels.some((k) => k.kernel.id === kernel.id)) kernels.push({ spec, kernel });
  }
  return kernels;
}

/** One column's run, in its own directory under the matrix's. */
async function column(o: MatrixOptions, dir: string, spec: KernelSpec, kernel: Kernel) {
  const log = (line: string) => o.log(`${kernel.release}: ${line}`);
  const target: KernelSpec = kernel.source === 'path' ? spec : { kind: 'stored', id: kernel.id };
  const { result, dir: runDir } = await runTests({ ...o, kernel: target, resultsDir: dir, log });
  const { id, release, version, source } = kernel;
  const k: MatrixKernel = { spec: kernelSpecText(spec), id, release, version, source, dir: relative(dir, runDir) };
  return { kernel: k, result };
}

export async function runMatrix(o: MatrixOptions): Promise<{ matrix: Matrix; dir: string }> {
  const id = newRunId();
  const started = new Date().toISOString();
  const dir = resolve(o.resultsDir, `matrix-${id}`);
  const kernels = await columns(o);
  await prepareShared(o.log);
  const runs = await pool(kernels, o.jobs, ({ spec, kernel }) => column(o, dir, spec, kernel));
  const failed = runs.flatMap((r, i) =>
    r.status === 'rejected'
      ? [`${kernelSpecText(kernels[i].spec)}: ${errorLine(r.reason).replace(/^error: /, '')}`]
      : [],
  );
  if (failed.length) throw new OrchestrateError(`the matrix stopped: ${failed.join('; ')}`, 1);
  const done = runs.map((r) => (r as PromiseFulfilledResult<{ kernel: MatrixKernel; result: RunResult }>).value);
  const matrix = buildMatrix(id, started, done);
  writeJson(join(dir, 'matrix.json'), matrix);
  writeAtomic(join(dir, 'matrix.tap'), `${matrixTap(matrix)}\n`);
  writeAtomic(join(dir, 'matrix.junit.xml'), matrixJunit(matrix));
  return { matrix, dir };
}
