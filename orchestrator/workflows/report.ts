// Reading nights back from the database, and writing their reports (atomically) to a directory;
// the HTML pages with what each run's directory holds (results.json, the logs).
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { UsageError } from '../errors.js';
import type { RunFiles } from '../core/html.js';
import { matrixHtml } from '../core/matrix-html.js';
import type { Matrix } from '../core/matrix.js';
import { knownFromColumn, type NightlyClass } from '../core/nightly.js';
import { htmlReport, junitXml, kcidb, mailFile, nightDir, renderMail, renderSummary } from '../core/nightly-report.js';
import type { CaseRow, NightView, SeriesView } from '../core/nightly-report.js';
import { BOOT_CONSOLE, type RunResult } from '../core/results.js';
import { seriesTitle } from '../core/series.js';
import type { Db } from '../adapters/db.js';
import {
  LOST_SHARD,
  nightsOf,
  patchcheckFor,
  replaceLostShardRows,
  resultsOfNight,
  seriesOf,
  shardJobsOf,
  warningsOf,
  type ResultRow,
  type StoredResult,
} from '../adapters/history.js';
import { lostUnits, type LostUnit } from '../core/shard.js';
import { covers } from '../suites/shards.js';
import { readJsonOr, writeAtomic, writeJson } from '../adapters/store.js';

function caseRow(db: Db, r: StoredResult): CaseRow {
  return {
    test: r.test,
    verdict: r.verdict,
    class: r.class as NightlyClass,
    detail: r.detail,
    known: knownFromColumn(r.known),
    kernel: r.kernel,
    buildSeconds: r.build_seconds ?? 0,
    bootSeconds: r.boot_seconds ?? 0,
    testSeconds: r.test_seconds ?? 0,
    reused: !!r.reused,
    runDir: r.run_dir,
    warnings: warningsOf(db, r.id),
  };
}

function patchcheckOf(db: Db, rows: StoredResult[]): SeriesView['patchcheck'] {
  const p = patchcheckFor(db, [...new Set(rows.map((r) => r.inputs))]);
  return p && { tests: JSON.parse(p.tests), patch: p.patch, title: p.title, verdict: p.verdict, detail: p.detail };
}

export function loadNights(db: Db, plan?: string): NightView[] {
  return nightsOf(db, plan).map((n) => {
    const rows = resultsOfNight(db, n.id);
    const seriesIds = [...new Set(rows.filter((r) => r.series_id).map((r) => r.series_id!))];
    return {
      plan: n.plan,
      night: n.night,
      started: n.started,
      finished: n.finished,
      baseCommit: n.base_commit ?? '',
      baseVersion: n.base_version,
      base: rows.filter((r) => !r.series_id).map((r) => caseRow(db, r)),
      series: seriesIds.map((id) => {
        const s = seriesOf(db, id)!;
        const subjects: string[] = JSON.parse(s.subjects);
        return {
          // A night recorded before seriesTitle() may hold git's placeholder cover subject.
          id,
          version: s.version,
          title: seriesTitle({ cover: { title: s.title }, patches: subjects.map((title) => ({ title })) }),
          messageId: s.message_id,
          subjects,
          source: s.source,
          cases: rows.filter((r) => r.series_id === id).map((r) => caseRow(db, r)),
          patchcheck: patchcheckOf(
            db,
            rows.filter((r) => r.series_id === id),
          ),
        };
      }),
    };
  });
}

/**
 * After a merge of sharded jobs' databases: each unit of a night's split that no row covers is an
 * INFRA row naming its shard (core/shard.ts lostUnits), as if one machine had lost it; the lines said.
 */
export function recordLostShards(db: Db): string[] {
  return nightsOf(db).flatMap((n) => {
    const jobs = shardJobsOf(db, n.id);
    if (!jobs.length) return [];
    const rows = resultsOfNight(db, n.id).filter((r) => r.inputs !== LOST_SHARD);
    const found = rows.map((r) => ({ series: r.series_id, test: r.test }));
    const lost = lostUnits(jobs, found, covers);
    // A series no merged job got as far as storing has no row to hang its cases on: said, not reported.
    const stored = (l: LostUnit) => l.series === null || !!seriesOf(db, l.series);
    replaceLostShardRows(
      db,
      n.id,
      lost.filter(stored).map((l) => lostRow(n.id, l)),
    );
    const who = (l: LostUnit) => (l.series ? `series ${l.series}${stored(l) ? '' : ' (never stored)'}` : 'base');
    return lost.map((l) => `${n.night} ${who(l)}: ${l.pattern} INFRA, ${l.detail}`);
  });
}

function lostRow(nightId: number, l: LostUnit): ResultRow {
  return {
    night_id: nightId,
    series_id: l.series,
    inputs: LOST_SHARD,
    test: l.pattern,
    verdict: 'INFRA',
    class: 'INFRA',
    detail: l.detail,
    known: null,
    kernel: null,
    build_seconds: 0,
    boot_seconds: 0,
    test_seconds: 0,
    reused: 0,
    run_dir: null,
  };
}

/** reports/index.html over every night; per night: summary.txt, junit.xml, kcidb.json, mail/<series>.txt. */
export function writeReports(dir: string, nights: NightView[]): string[] {
  const written: string[] = [];
  const put = (path: string, data: string) => {
    writeAtomic(path, data);
    written.push(path);
  };
  put(join(dir, 'index.html'), htmlReport(nights, runsOf(nights, dir)));
  for (const n of nights) {
    const base = join(dir, nightDir(n));
    put(join(base, 'summary.txt'), `${renderSummary(n)}\n`);
    put(join(base, 'junit.xml'), junitXml(n));
    writeJson(join(base, 'kcidb.json'), kcidb(n));
    written.push(join(base, 'kcidb.json'));
    for (const s of n.series) put(join(dir, mailFile(n, s)), renderMail(n, s));
  }
  return written;
}

const LOGS = ['console.log', BOOT_CONSOLE, 'dmesg.txt', 'peer-console.log', 'peer-dmesg.txt'];

/** A link from a page in PAGE_DIR to the file at PATH, wherever the two are. */
function hrefFrom(pageDir: string, path: string): string {
  return relative(pageDir, path).split(sep).map(encodeURIComponent).join('/');
}

/** What RUN_DIR holds, as a page in PAGE_DIR links to it. */
function readRunFiles(runDir: string, pageDir: string): RunFiles {
  const logs = LOGS.filter((name) => existsSync(join(runDir, name))).map((name) => ({
    name,
    href: hrefFrom(pageDir, join(runDir, name)),
  }));
  if (!existsSync(runDir)) return { logs, result: null, missing: `the run directory ${runDir} is gone` };
  const result = readJsonOr<RunResult>(join(runDir, 'results.json'));
  const dirHref = hrefFrom(pageDir, runDir);
  return result?.tests
    ? { logs, dirHref, result }
    : { logs, result: null, missing: `no readable results.json in ${runDir}` };
}

function runsOf(nights: NightView[], pageDir: string): Map<string, RunFiles> {
  const cases = nights.flatMap((n) => [...n.base, ...n.series.flatMap((s) => s.cases)]);
  const dirs = new Set(cases.flatMap((c) => (c.runDir ? [c.runDir] : [])));
  return new Map([...dirs].map((d) => [d, readRunFiles(d, pageDir)]));
}

/** The matrix MATRIX_DIR holds (matrix.json, a run directory per kernel) as an HTML page at OUT. */
export function writeMatrixPage(matrixDir: string, out: string): void {
  const path = join(matrixDir, 'matrix.json');
  const bad = (why: string) => new UsageError(`--matrix ${matrixDir}: ${why}`);
  if (!existsSync(path)) throw bad('no matrix.json there (orchestrate run with several --kernel writes one)');
  const matrix = readJsonOr<Matrix>(path);
  if (matrix?.format !== 'orchestrate-matrix/1') throw bad('matrix.json is not an orchestrate-matrix/1 file');
  writeAtomic(
    out,
    matrixHtml(
      matrix,
      matrix.kernels.map((k) => readRunFiles(join(matrixDir, k.dir), dirname(out))),
    ),
  );
}
