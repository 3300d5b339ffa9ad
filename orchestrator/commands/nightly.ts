import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { githubActions, kubernetes } from '../core/emit.js';
import { renderSummary } from '../core/nightly-report.js';
import { seriesTitle } from '../core/series.js';
import { openDb } from '../adapters/db.js';
import { intake } from '../workflows/intake.js';
import { loadPlan, runNight } from '../workflows/nightly.js';
import { qemuTester } from '../engine/tester.js';
import { loadNights, writeReports } from '../workflows/report.js';
import { command, log, machineOptions } from './common.js';

function sinceDate(since?: string): Date | undefined {
  if (!since) return undefined;
  const d = new Date(since);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`--since ${since}: not a date (e.g. 2026-11-24 or 2026-11-24T18:00Z)`);
  return d;
}

export const nightlyCommand = command({
  command: 'nightly',
  describe: 'test every series that arrived against the base: build, boot, test, classify, report',
  builder: (y) =>
    machineOptions(y)
      .option('plan', { type: 'string', demandOption: true, describe: 'the plan (configs/nightly/*.yaml)' })
      .option('since', { type: 'string', describe: 'only series whose files changed since this date' })
      .option('night', { type: 'string', describe: "the night's name (default: today, UTC)" })
      .option('db', { type: 'string', default: 'results/nightly.db', describe: 'the SQLite history' })
      .option('reports', {
        type: 'string',
        default: 'reports',
        describe: 'where the HTML, mail, JUnit and KCIDB reports go',
      })
      .option('results', { type: 'string', default: 'results', describe: 'run results go here' })
      .option('only-series', {
        type: 'string',
        describe: 'test only the series with this id (one job of a scaled-out night)',
      })
      .option('emit', {
        choices: ['github-actions', 'k8s'] as const,
        describe: 'print the job matrix for a scheduler instead of running',
      }),
  handler: async (args) => {
    const since = sinceDate(args.since);
    const loaded = loadPlan(args.plan);
    const { plan, resolvePath } = loaded;
    if (args.emit) {
      const jobs = intake(plan, resolvePath, since).map((a) => ({ series: a.series.id, title: seriesTitle(a.series) }));
      process.stdout.write(
        args.emit === 'k8s' ? kubernetes(plan, args.plan, jobs) : githubActions(plan, args.plan, jobs),
      );
      return;
    }
    const db = openDb(resolve(args.db));
    try {
      const night = args.night ?? new Date().toISOString().slice(0, 10);
      const summary = await runNight({ ...args, loaded, db, night, since, resultsDir: args.results, log }, qemuTester);
      const nights = loadNights(db, summary.plan.name);
      const written = writeReports(resolve(args.reports), nights);
      const tonight = nights.find((n) => n.night === night);
      if (tonight) process.stdout.write(`${renderSummary(tonight)}\n`);
      log(`reports: ${written[0]} and ${written.length - 1} more`);
    } finally {
      db.close();
    }
  },
});
