// A night stored by the writers the nightly uses (adapters/db.ts), for tests that read it back.
import { openDb } from '../orchestrator/adapters/db.js';
import {
  insertPatchcheck,
  insertResult,
  insertSeries,
  openNight,
  setNightBase,
} from '../orchestrator/adapters/history.js';
import type { CaseRow, NightView } from '../orchestrator/core/nightly-report.js';

/** NIGHT in a new database at PATH, its run directories as CaseRow.runDir says; the database, open. */
export function storeNight(path: string, night: NightView) {
  const db = openDb(path);
  const n = openNight(db, night.plan, night.night, night.started);
  setNightBase(db, n, { commit: night.baseCommit, kernel: null, version: night.baseVersion });
  for (const s of night.series) {
    insertSeries(db, {
      id: s.id,
      version: s.version,
      title: s.title,
      message_id: s.messageId,
      base_commit: null,
      subjects: JSON.stringify(s.subjects),
      source: s.source,
      first_seen: night.started,
    });
    const p = s.patchcheck;
    if (p)
      insertPatchcheck(db, {
        inputs: `in-${s.id}`,
        series_id: s.id,
        tests: JSON.stringify(p.tests),
        patch: p.patch,
        title: p.title,
        verdict: p.verdict,
        detail: p.detail,
        steps: '[]',
        finished: night.started,
      });
  }
  const groups: [string | null, CaseRow[]][] = [
    [null, night.base],
    ...night.series.map((s): [string, CaseRow[]] => [s.id, s.cases]),
  ];
  for (const [sid, cases] of groups) {
    for (const c of cases) {
      insertResult(
        db,
        {
          night_id: n,
          series_id: sid,
          inputs: `in-${sid}`,
          test: c.test,
          verdict: c.verdict,
          class: c.class,
          detail: c.detail,
          known: c.known && JSON.stringify(c.known),
          kernel: c.kernel,
          build_seconds: c.buildSeconds,
          boot_seconds: c.bootSeconds,
          test_seconds: c.testSeconds,
          reused: c.reused ? 1 : 0,
          run_dir: c.runDir ?? null,
        },
        c.warnings,
      );
    }
  }
  return db;
}
