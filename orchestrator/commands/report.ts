import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { renderSummary } from '../core/nightly-report.js';
import { openDb } from '../adapters/db.js';
import { mergeInto } from '../adapters/history.js';
import { loadNights, recordLostShards, writeMatrixPage, writeReports } from '../workflows/report.js';
import { writeBugReport } from '../workflows/bug-report.js';
import { command, log } from './common.js';

interface Args {
  db: string;
  out?: string;
  plan?: string;
  merge?: string[];
  matrix?: string;
  bug?: string;
  results: string;
  tree?: string;
  bisect?: string;
  reportedBy?: string;
}

function nightlyReports(args: Args): void {
  for (const path of args.merge ?? []) if (!existsSync(path)) throw new UsageError(`--merge ${path}: no such file`);
  if (!args.merge?.length && !existsSync(args.db))
    throw new UsageError(`--db ${args.db}: no such file (run orchestrate nightly first)`);
  const db = openDb(resolve(args.db));
  try {
    for (const path of args.merge ?? []) {
      log(`merged ${mergeInto(db, resolve(path))} results from ${path}`);
    }
    if (args.merge?.length) for (const line of recordLostShards(db)) log(`lost: ${line}`);
    const nights = loadNights(db, args.plan);
    if (!nights.length) throw new UsageError(`no nights in ${args.db}`);
    const written = writeReports(resolve(args.out ?? 'reports'), nights);
    process.stdout.write(`${renderSummary(nights[nights.length - 1])}\n`);
    log(`reports: ${written[0]} and ${written.length - 1} more`);
  } finally {
    db.close();
  }
}

async function bugReport(args: Args & { bug: string }): Promise<void> {
  const r = await writeBugReport({
    target: args.bug,
    resultsDir: args.results,
    out: args.out,
    tree: args.tree,
    bisect: args.bisect,
    reportedBy: args.reportedBy,
    log,
  });
  for (const note of r.notes) log(`note: ${note}`);
  process.stdout.write(`${r.subject}\n`);
  log(`report: ${r.dir} (mail.txt, not sent)`);
}

export const reportCommand = command({
  command: 'report',
  describe:
    'print the latest night and write its reports (HTML, mails, JUnit, KCIDB) from the history; or a matrix as HTML; or a bug report',
  builder: (y) =>
    y
      .option('db', { type: 'string', default: 'results/nightly.db', describe: 'the SQLite history' })
      .option('out', {
        type: 'string',
        describe: 'where the reports go (default reports/); with --matrix the page (DIR/index.html)',
      })
      .option('plan', { type: 'string', describe: "only this plan's nights" })
      .option('merge', { type: 'string', array: true, describe: 'first fold these job databases into --db' })
      .option('matrix', {
        type: 'string',
        describe: 'instead, the matrix in DIR (run with several --kernel) as HTML',
      })
      .option('bug', {
        type: 'string',
        describe: 'instead, a bug report of RUN[/CASE] (a run directory or id) into --out (default reports/bug-…)',
      })
      .option('results', { type: 'string', default: 'results', describe: 'with --bug: where run ids are' })
      .option('tree', {
        type: 'string',
        describe:
          "with --bug: the kernel's tree, for get_maintainer.pl and decode_stacktrace.sh (default: one of ours)",
      })
      .option('bisect', { type: 'string', describe: 'with --bug: the bisection (orchestrate bisect --json FILE)' })
      .option('reported-by', { type: 'string', describe: 'with --bug: "Name <address>" for the Reported-by: tag' }),
  handler: async (args) => {
    if (args.bug) return bugReport({ ...args, bug: args.bug });
    if (!args.matrix) return nightlyReports(args);
    const out = resolve(args.out ?? join(args.matrix, 'index.html'));
    writeMatrixPage(resolve(args.matrix), out);
    log(`matrix: ${out}`);
  },
});
