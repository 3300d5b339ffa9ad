// fstests (xfstests), as the pmem community runs it on fs-DAX: ext4 mounted -o dax and xfs mounted
// -o dax=always, TEST_DEV and SCRATCH_DEV on the two NVDIMMs' fs-DAX namespaces. The source is the
// user's (ORCHESTRATE_FSTESTS: a checkout or `git archive` of it), built on the host. Cases are
// fstests/FS/TEST (fstests/ext4/generic/413); the default is the dax group on both file systems;
// FS/@GROUP runs a group of fstests' own (fstests/xfs/@quick, fstests/*/@quick).
import { matchesAny, splitFirst } from '../core/glob.js';
import { FSDAX2_NAMESPACE, FSDAX_NAMESPACE } from './memory.js';
import { setupScript, unpackTree, type ExternalRun, type ExternalSuite, type SetupFacts } from './suite.js';

const NAME = 'fstests';
export const FILE_SYSTEMS = ['ext4', 'xfs'] as const;
const DEFAULT_GROUP = 'dax';
const resultsDir = (fs: string) => `/var/tmp/fstests-results/${fs}`;
const configFile = (fs: string) => `/var/tmp/fstests-${fs}.config`;

/** check's arguments for FS: groups (-g) and tests; undefined when no pattern is about FS. */
export function checkArgs(fs: string, patterns?: string[]): string[] | undefined {
  if (!patterns) return ['-g', DEFAULT_GROUP];
  const tests = patterns.map(splitFirst).filter(([f]) => matchesAny(fs, [f]));
  if (!tests.length) return undefined;
  const groups = tests.filter(([, t]) => t.startsWith('@')).map(([, t]) => t.slice(1));
  // A glob selects among the default group's tests: fstests has no glob of its own.
  if (tests.some(([, t]) => !t.startsWith('@') && t.includes('*'))) groups.push(DEFAULT_GROUP);
  const named = tests.filter(([, t]) => !t.startsWith('@') && !t.includes('*')).map(([, t]) => t);
  return [...[...new Set(groups)].flatMap((g) => ['-g', g]), ...named];
}

/** Does case NAME (FS/DIR/NUM) fall under PATTERN? FS/@GROUP takes whatever check ran for it. */
export function fstestsMatch(name: string, pattern: string): boolean {
  const [[fs, test], [wantFs, want]] = [splitFirst(name), splitFirst(pattern)];
  return matchesAny(fs, [wantFs]) && (want.startsWith('@') || matchesAny(test, [want]));
}

function checkRun(fs: (typeof FILE_SYSTEMS)[number], facts: SetupFacts, args: string[]): ExternalRun {
  return {
    name: 'check',
    prefix: fs,
    needs: [`fs:${fs}`],
    setup: [
      {
        argv: [setupScript('fstests.sh'), 'config', fs, facts.fsdax, facts.fsdax2, resultsDir(fs), configFile(fs)],
        timeoutSeconds: 120,
      },
    ],
    command: { argv: ['env', '-C', facts.fstests, `HOST_OPTIONS=${configFile(fs)}`, './check', ...args] },
    collect: resultsDir(fs),
  };
}

export const fstests: ExternalSuite = {
  kind: 'external',
  name: NAME,
  summary: 'fstests on fs-DAX: ext4 -o dax and xfs -o dax=always on two NVDIMM namespaces; default: the dax group',
  needs: ['nvdimm:fsdax'],
  setup: [FSDAX_NAMESPACE, FSDAX2_NAMESPACE, unpackTree(NAME, '/var/tmp/fstests')],
  fragments: ['fstests'],
  bring: {
    source: {
      name: NAME,
      env: 'ORCHESTRATE_FSTESTS',
      upstream: 'https://git.kernel.org/pub/scm/fs/xfs/xfstests-dev.git',
      build: [['make', '-j2']],
      hostNeeds: [
        { probe: 'gcc', pkg: 'gcc' },
        { probe: 'make', pkg: 'make' },
        { probe: 'autoconf', pkg: 'autoconf' },
        { probe: 'automake', pkg: 'automake' },
        { probe: 'libtool', pkg: 'libtool-bin' },
        { probe: '/usr/include/xfs/xfs.h', pkg: 'xfslibs-dev' },
        { probe: '/usr/include/uuid/uuid.h', pkg: 'uuid-dev' },
        { probe: '/usr/include/sys/acl.h', pkg: 'libacl1-dev' },
        { probe: '/usr/include/libaio.h', pkg: 'libaio-dev' },
        { probe: '/usr/include/gdbm.h', pkg: 'libgdbm-dev' },
        { probe: '/usr/include/sys/capability.h', pkg: 'libcap-dev' },
        { probe: '/usr/include/liburing.h', pkg: 'liburing-dev' },
      ],
    },
  },
  runs: (facts, selected) =>
    FILE_SYSTEMS.flatMap((fs) => {
      const args = checkArgs(fs, selected);
      return args ? [checkRun(fs, facts, args)] : [];
    }),
  matches: fstestsMatch,
  format: 'fstests',
  // check prints a test's line when it ends: the longest dax-group test under TCG took 42 s.
  caseSeconds: 1800,
  suiteSeconds: 4 * 3600,
};
