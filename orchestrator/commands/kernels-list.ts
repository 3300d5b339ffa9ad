import { gcPlan, listRecords, storeDir } from '../adapters/kernel-store.js';
import { snapshotGcPlan } from '../adapters/snapshot-store.js';
import { removeTree } from '../adapters/lifecycle.js';
import { command } from './common.js';

interface Args {
  action: 'list' | 'gc';
  olderThan: number;
  debian: boolean;
  dryRun: boolean;
}

function list(): void {
  const records = listRecords();
  if (!records.length) process.stderr.write(`no kernels in ${storeDir()}\n`);
  for (const r of records) {
    const what = r.build
      ? `${r.build.describe}${r.build.series ? ` + v${r.build.series.version} ${r.build.series.subjects.length} patches` : ''}`
      : r.source;
    process.stdout.write(`${r.id}\t${r.release}\t${r.version}\t${what}\t${r.added}\n`);
  }
}

function gc(args: Args): void {
  const going = gcPlan(args.olderThan, args.debian);
  const kept = new Set(listRecords().map((r) => r.id));
  for (const p of going) kept.delete(p.path.split('/').pop()!);
  const plan = [...going, ...snapshotGcPlan(kept, args.olderThan)];
  for (const p of plan) {
    if (!args.dryRun) removeTree(p.path);
    process.stdout.write(
      `${args.dryRun ? 'would remove' : 'removed'} ${p.path} (${p.why}, ${(p.bytes / 2 ** 20).toFixed(1)} MiB)\n`,
    );
  }
  const total = plan.reduce((sum, p) => sum + p.bytes, 0);
  process.stderr.write(
    `${plan.length} entries, ${(total / 2 ** 20).toFixed(1)} MiB${args.dryRun ? ' (dry run)' : ' freed'}\n`,
  );
}

export const kernelsCommand = command({
  command: 'kernels <action>',
  describe:
    'list the kernel store, or gc it (leftovers, failed builds, kernels unused for --older-than days, their snapshots)',
  builder: (y) =>
    y
      .positional('action', { choices: ['list', 'gc'] as const, demandOption: true })
      .option('older-than', { type: 'number', default: 30, describe: 'gc: days since a kernel was last used' })
      .option('debian', { type: 'boolean', default: false, describe: 'gc: Debian kernels too' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'gc: only say what would go' }),
  handler: (args) => (args.action === 'gc' ? gc(args) : list()),
});
