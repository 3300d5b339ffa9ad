// Run results as the HTML pages read them, made up for the tests (no guest booted): the nightly's
// base and its regressing series, and a matrix of two kernels; and writing them as run directories.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMatrix, type Matrix, type MatrixKernel } from '../orchestrator/core/matrix.js';
import {
  finishRun,
  type RunInfo,
  type RunResult,
  type TestResult,
  type WarningRef,
} from '../orchestrator/core/results.js';
import { SYNTHETIC } from './night.js';

/** A run's header as the pipeline writes it, for a made-up run. */
export const info = (id: string, release: string, version: string, source: string): RunInfo => ({
  id,
  started: '2026-11-25T01:00:00.000Z',
  kernel: { id, release, version, source },
  accel: 'tcg',
  accelReason: 'no /dev/kvm',
  qemu: { version: '7.2.19', argv: [] },
  image: 'img',
  durations: { total: 40 },
  boot: {},
});

const EXT4 = 'ib-reg-refusal/fsdax-ext4';
const XFS = 'ib-reg-refusal/fsdax-xfs';
export const DAX_WARNING: WarningRef = { title: 'WARNING in dax_disassociate_entry', kind: 'warning', source: 'dmesg' };

const refused = (name: string): TestResult => ({
  name,
  verdict: 'PASS',
  reason: 'registration refused as expected',
  expected: { registered: false, errno: 95 },
  observed: { device: 'rxe0', kind: 'file', dax: true, registered: false, errno: 95 },
  warnings: [],
  evidence: ['rdma_rxe: rxe_mr_init_user: Unable to pin memory region err = -95'],
  seconds: 1.2,
});

const registered = (name: string, warnings: WarningRef[] = []): TestResult => ({
  ...refused(name),
  verdict: 'FAIL',
  reason: 'registered: expected false, observed true; errno: expected 95, observed null',
  observed: { device: 'rxe0', kind: 'file', dax: true, registered: true, errno: null },
  warnings,
  evidence: [],
});

const known = (name: string): TestResult => ({
  ...registered(name),
  verdict: 'KNOWN',
  reason: SYNTHETIC.cause,
  known: SYNTHETIC,
  raw: { verdict: 'FAIL', reason: 'registered: expected false, observed true' },
});

/** The night's base run and its first series' run (test/night.ts: a regression with a warning, and a known failure). */
export const BASE_RUN = finishRun(info('build-base', '6.1.192', '6.1.192', 'build'), [refused(EXT4), refused(XFS)], []);
export const SERIES_RUN = finishRun(
  info('build-aaaa', '6.1.192', '6.1.192', 'build'),
  [registered(EXT4, [DAX_WARNING]), known(XFS)],
  [],
);

/** The console log each fake run writes: the page's link must load exactly this. */
export const consoleText = (r: RunResult) =>
  `[    0.000000] Linux version ${r.run.kernel.release} (fake console of ${r.run.kernel.id})\n`;

export function writeRun(dir: string, r: RunResult): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), JSON.stringify(r, null, 2));
  writeFileSync(join(dir, 'console.log'), consoleText(r));
  writeFileSync(
    join(dir, 'dmesg.txt'),
    `[    1.000000] ${r.tests.flatMap((t) => t.warnings.map((w) => w.title)).join('\n') || 'quiet'}\n`,
  );
  return dir;
}

const kernel = (r: RunResult, spec: string, dir: string): MatrixKernel => ({ spec, ...r.run.kernel, dir });

/** Debian 6.1 refuses on ext4 and has the known bug on xfs; 6.12 registers on ext4 (FAIL), with a warning outside the cases. */
const DEBIAN_61 = info('debian-6.1.192-2', '6.1.0-56-amd64', '6.1.192', 'debian');
const DEBIAN_612 = info('debian-6.12.117-1', '6.12.117-amd64', '6.12.117', 'debian');
const OUTSIDE: WarningRef = { title: 'WARNING in rxe_cleanup', kind: 'warning', source: 'console' };
export const MATRIX_RUNS = [
  { kernel: 'debian:6.1', result: finishRun(DEBIAN_61, [refused(EXT4), known(XFS)], []) },
  { kernel: 'debian:6.12', result: finishRun(DEBIAN_612, [registered(EXT4, [DAX_WARNING]), refused(XFS)], [OUTSIDE]) },
];

export function matrixOf(runs = MATRIX_RUNS): Matrix {
  const kernels = runs.map((r) => ({ kernel: kernel(r.result, r.kernel, r.result.run.id), result: r.result }));
  return buildMatrix('20261125-010000', '2026-11-25T01:00:00.000Z', kernels);
}
