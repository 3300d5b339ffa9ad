// orchestrate retest REPORT --series fix.mbox: the report's kernel built with the patch (and, as a
// control, without it) by the build engine, the report's repro.sh run on each in a guest set up
// by nothing but repro.sh itself (repro/ shared over 9p), and a reply saying whether the bug is gone.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { KernelSpec } from '../core/kernel-spec.js';
import {
  judgeRun,
  parseBugRecord,
  renderReply,
  renderUnbuilt,
  verdictOf,
  type BugRecord,
  type Judged,
} from '../core/retest.js';
import { seriesTitle, type Series } from '../core/series.js';
import { ensureLinuxSource } from '../adapters/linux-source.js';
import { releaseDir, removeTree } from '../adapters/lifecycle.js';
import { writeAtomic } from '../adapters/store.js';
import { buildReproducer } from '../adapters/workloads.js';
import { buildKernel, isBuilt, type BuildOutcome, type Built } from '../engine/build.js';
import type { AccelRequest } from '../adapters/accel.js';
import { selectTests } from '../suites/index.js';
import { parseObservation } from '../suites/suite.js';
import { runInGuest } from './command.js';
import { loadSeries } from './series.js';

export interface RetestOptions {
  report: string;
  series: string;
  tree?: string;
  ref?: string;
  control: boolean;
  testedBy?: string;
  out?: string;
  accel: AccelRequest;
  install: boolean;
  bootTimeout?: number;
  stallTimeout?: number;
  append?: string[];
  resultsDir: string;
  log: (line: string) => void;
}

const DEFAULT_FRAGMENTS = ['base', 'dax-rdma'];
const REPRO_SECONDS = 600;

function readBug(dir: string): BugRecord {
  const path = join(dir, 'report.json');
  if (!existsSync(path)) throw new UsageError(`${dir}: no report.json (write one with orchestrate report --bug)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UsageError(`${path}: not JSON`);
  }
  const bug = parseBugRecord(raw);
  if (typeof bug === 'string') throw new UsageError(`${dir}: ${bug}`);
  if (!existsSync(join(dir, 'repro', 'repro.sh'))) throw new UsageError(`${dir}: no repro/repro.sh`);
  return bug;
}

/** The tree and revision the report's kernel came from: --tree/--ref, else Debian's linux-source of its version. */
async function sourceOf(bug: BugRecord, o: RetestOptions): Promise<{ tree: string; ref?: string }> {
  const k = bug.kernel;
  if (k.build?.series && !o.ref)
    throw new UsageError(
      `the report's kernel carries a series ("${k.build.series.title}"): give --tree and --ref of a tree with it applied`,
    );
  if (o.tree) return { tree: resolve(o.tree), ref: o.ref ?? k.build?.commit };
  const revision = k.debian?.debVersion ?? k.build?.source?.revision;
  if (!revision)
    throw new UsageError(
      `the report's kernel (${k.release}) did not come from a tree orchestrate can fetch: give --tree`,
    );
  return { tree: await ensureLinuxSource(o.log, revision), ref: o.ref ?? k.build?.commit };
}

async function build(
  bug: BugRecord,
  src: { tree: string; ref?: string },
  series: Series | undefined,
  o: RetestOptions,
): Promise<BuildOutcome> {
  const fragments = (bug.kernel.build?.fragments ?? []).filter((f) => !DEFAULT_FRAGMENTS.includes(f));
  const out = await buildKernel({ tree: src.tree, ref: src.ref, series, configs: fragments, log: o.log });
  o.log(
    `${series ? 'patched' : 'control'} kernel: ${isBuilt(out) ? `${out.id} (${out.kernel.release})` : `${out.kind}: ${out.reason}`}`,
  );
  return out;
}

/** repro.sh on KERNEL, its observation judged against the bug. */
async function reproduce(bug: BugRecord, kernel: KernelSpec, repro: string, o: RetestOptions): Promise<Judged> {
  let stdout = '';
  const run = await runInGuest({
    ...o,
    kernel,
    argv: ['sh', join(repro, 'repro.sh')],
    setup: [],
    share: repro,
    allowWarnings: true,
    timeoutSeconds: REPRO_SECONDS,
    onStdout: (chunk) => (stdout += chunk.toString()),
  });
  const observed = parseObservation(stdout);
  const [selected] = selectTests([bug.case]);
  const precondition = selected?.cases[0]?.precondition;
  const notTested = observed && precondition ? precondition(observed) : undefined;
  return judgeRun(bug, { code: run.code, observed, reports: run.reports, notTested });
}

function builtLines(bug: BugRecord, b: Built, src: { tree: string }): string[] {
  const m = b.kernel;
  const from = bug.kernel.debian
    ? `Debian's linux-source of ${bug.kernel.debian.debVersion} (the source of ${bug.kernel.debian.pkg})`
    : `commit ${bug.kernel.build?.commit.slice(0, 12) ?? '?'} (${bug.kernel.build?.describe ?? src.tree.split('/').pop()})`;
  return [
    `source: ${from}`,
    `config: tinyconfig + orchestrate's fragments (base, dax-rdma${(bug.kernel.build?.fragments ?? [])
      .filter((f) => !DEFAULT_FRAGMENTS.includes(f))
      .map((f) => `, ${f}`)
      .join('')}), not ${bug.kernel.debian ? "Debian's" : "the report kernel's own, if it differs"}`,
    `built: ${m.release} (${b.id})`,
  ];
}

/** Builds, runs, judges; the reply and whether the bug is gone. */
export async function retest(o: RetestOptions): Promise<{ reply: string; gone: boolean }> {
  const dir = resolve(o.report);
  const bug = readBug(dir);
  const src = await sourceOf(bug, o);
  const series = await loadSeries(o.series, src.tree, o.log);
  const patched = await build(bug, src, series, o);
  const title = { title: seriesTitle(series), subjects: series.patches.map((p) => p.title) };
  if (!isBuilt(patched)) return { reply: renderUnbuilt(bug, title, `${patched.kind}: ${patched.reason}`), gone: false };
  const control = o.control ? await build(bug, src, undefined, o) : undefined;
  if (control && !isBuilt(control))
    throw new UsageError(
      `the control (the report's kernel without the patch) did not build: ${control.kind}: ${control.reason}`,
    );
  const repro = await buildReproducer(join(dir, 'repro'));
  try {
    const onPatched = await reproduce(bug, { kind: 'stored', id: patched.id }, repro, o);
    const onControl = control && (await reproduce(bug, { kind: 'stored', id: control.id }, repro, o));
    const reply = renderReply({
      bug,
      series: title,
      built: builtLines(bug, patched, src),
      patched: { judged: onPatched, kernel: patched.id },
      control: control && onControl && { judged: onControl, kernel: control.id },
      testedBy: o.testedBy,
    });
    if (o.out) writeAtomic(resolve(o.out), reply);
    return { reply, gone: verdictOf(onPatched, onControl).gone };
  } finally {
    removeTree(repro);
    releaseDir(repro);
  }
}
