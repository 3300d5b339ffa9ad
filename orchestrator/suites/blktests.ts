// blktests, as the RDMA storage maintainers run it: nvme/ with NVMe-oF over soft-RoCE
// (NVMET_TRTYPES=rdma, USE_RXE=1) and over loop for comparison, and srp/ over rxe. The source is
// the user's (ORCHESTRATE_BLKTESTS: a checkout or `git archive` of it), built on the host. Cases are
// blktests/GROUP/NNN[/CONDITIONS] as blktests names its results (blktests/nvme/006/tr_rdma_bd_device).
import { matchesAny, splitFirst } from '../core/glob.js';
import { UDEV } from './memory.js';
import { setupScript, unpackTree, type ExternalRun, type ExternalSuite, type SetupFacts } from './suite.js';

const NAME = 'blktests';
export const GROUPS = ['nvme', 'srp'] as const;
const CONFIG = '/var/tmp/blktests.config';
const results = (facts: SetupFacts, group: string) => `${facts.blktests_out}/results-${group}`;

/**
 * check's config: rxe rather than siw; NVMe-oF over RDMA and loop; the targets' backing files
 * (NVME_IMG_SIZE) fit the scratch disk with room for results (nvme/012 wants 350 MiB at least);
 * TIMEOUT caps the fio runs of the timed tests, which otherwise write the whole image under TCG.
 */
export const CHECK_CONFIG = ['USE_RXE=1', 'NVMET_TRTYPES=rdma loop', 'NVME_IMG_SIZE=512m', 'TIMEOUT=20'];

/**
 * check's arguments for GROUP: named tests, or the group; undefined when no pattern is about it. A
 * glob on the test (nvme/04*) takes the tests of KNOWN (GROUP/NNN, as the tree has them) it matches.
 */
export function checkTests(group: string, patterns?: string[], known?: string[]): string[] | undefined {
  if (!patterns) return [group];
  const mine = patterns.map(splitFirst).filter(([g]) => matchesAny(group, [g]));
  if (!mine.length) return undefined;
  const tests = mine.map(([, rest]) => rest.split('/')[0]);
  if (tests.includes('*') || (!known && tests.some((t) => t.includes('*')))) return [group];
  const ours = (known ?? []).filter((n) => n.startsWith(`${group}/`)).map((n) => n.slice(group.length + 1));
  const named = tests.flatMap((t) => (t.includes('*') ? ours.filter((n) => matchesAny(n, [t])) : [t]));
  return named.length ? [...new Set(named)].map((t) => `${group}/${t}`) : undefined;
}

/** Does case NAME (GROUP/NNN[/CONDITIONS]) fall under PATTERN? A test's pattern takes all its conditions. */
export function blktestsMatch(name: string, pattern: string): boolean {
  const [[group, rest], [wantGroup, want]] = [splitFirst(name), splitFirst(pattern)];
  if (!matchesAny(group, [wantGroup])) return false;
  const test = rest.split('/')[0];
  return matchesAny(rest, [want]) || (!want.includes('/') && matchesAny(test, [want]));
}

/** A case's kept files: results/DIR/GROUP/NNN (its status) and .full, .out.bad, .dmesg beside it. */
export function blktestsFiles(name: string, files: string[]): string[] {
  const [group, test, ...conditions] = name.split('/');
  const cond = conditions.join('/');
  const dirs = cond ? [`nodev_${cond}`, cond] : ['nodev'];
  const bases = dirs.map((d) => `/${d}/${group}/${test}`);
  return files.filter((f) => bases.some((b) => f.endsWith(b) || f.includes(`${b}.`)));
}

function checkRun(group: (typeof GROUPS)[number], facts: SetupFacts, tests: string[]): ExternalRun {
  return {
    name: group,
    // The SRP tests find their multipath devices by udev's /dev/disk/by-id links.
    setup: group === 'srp' ? [UDEV] : [],
    command: { argv: [setupScript('blktests.sh'), 'check', CONFIG, results(facts, group), ...tests] },
    collect: results(facts, group),
  };
}

export const blktests: ExternalSuite = {
  kind: 'external',
  name: NAME,
  summary: 'blktests: nvme/ over NVMe-oF RDMA (rxe) and loop, srp/ over rxe; default: both groups',
  needs: [],
  setup: [
    unpackTree(NAME, '/var/tmp/blktests'),
    // Debian's release strings (6.12.118+deb12-amd64) break _have_kver: see blktests.sh kver.
    { argv: [setupScript('blktests.sh'), 'kver'], timeoutSeconds: 30 },
    { argv: [setupScript('blktests.sh'), 'disk', '/dev/vdb'], timeoutSeconds: 120 },
    { argv: [setupScript('blktests.sh'), 'configfs'], timeoutSeconds: 30 },
    { argv: [setupScript('blktests.sh'), 'config', CONFIG, ...CHECK_CONFIG], timeoutSeconds: 30 },
    // The tree's tests, for --test globs (check itself takes only names).
    { argv: [setupScript('blktests.sh'), 'list', ...GROUPS], timeoutSeconds: 30 },
  ],
  // nvme/047 and 051 take a loop device without asking blktests for the driver (_have_loop), as on
  // a machine whose kmod static nodes load loop on first open: loaded, as such a machine would have it.
  modules: ['loop'],
  // blktests loads and unloads these itself (and checks they are modules): shipped, never loaded by us.
  shipModules: [
    ...['configfs', 'nvme_loop', 'nvme_rdma', 'nvmet_rdma', 'nvmet', 'null_blk'],
    ...['ib_srp', 'ib_srpt', 'ib_ipoib', 'ib_umad', 'rdma_cm', 'scsi_debug', 'target_core_iblock', 'target_core_mod'],
    ...['dm_multipath', 'dm_queue_length', 'dm_service_time', 'sd_mod', 'sg'],
    ...['scsi_dh_alua', 'scsi_dh_emc', 'scsi_dh_rdac'],
  ],
  fragments: ['blktests'],
  bring: {
    source: {
      name: NAME,
      env: 'ORCHESTRATE_BLKTESTS',
      upstream: 'https://github.com/osandov/blktests',
      build: [['make', '-j2']],
      hostNeeds: [
        { probe: 'gcc', pkg: 'gcc' },
        { probe: 'g++', pkg: 'g++' },
        { probe: 'make', pkg: 'make' },
      ],
    },
  },
  runs: (facts, selected) =>
    GROUPS.flatMap((group) => {
      const tests = checkTests(group, selected, facts.blktests_tests?.split(' ').filter(Boolean));
      return tests ? [checkRun(group, facts, tests)] : [];
    }),
  matches: blktestsMatch,
  filesOf: blktestsFiles,
  // check runs a test once for all its transports: a shard takes nvme/006 whole.
  shardUnit: (name) => name.split('/').slice(0, 2).join('/'),
  format: 'blktests',
  caseSeconds: 1800,
  suiteSeconds: 6 * 3600,
};
