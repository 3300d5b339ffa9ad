// The kernel's own GUP selftests, built on the host from the tree of the kernel under test (or
// orchestrate source's tree of its version): gup_test (needs CONFIG_GUP_TEST, which the
// `selftests` fragment adds to a build when this suite is selected) and, from 6.12 trees,
// gup_longterm, run with its working directory on an fs-DAX mount, on tmpfs and on the (non-DAX)
// ext4 root, so the kernel's own test states the long-term-pin rule on each kind of memory.
import { FSDAX_NAMESPACE } from './memory.js';
import type { Need } from '../core/needs.js';
import { extDir, setupScript, type ExternalRun, type ExternalSuite, type SetupFacts } from './suite.js';

const NAME = 'kselftest-gup';
const bin = (program: string) => `${extDir(NAME)}/${program}`;
const GUP_TEST: Need[] = ['config:GUP_TEST', 'file:/sys/kernel/debug/gup_test', `file:${bin('gup_test')}`];
const FSDAX_MNT = '/mnt/gup-fsdax';

/** gup_test as tools/testing/selftests' run_vmtests.sh runs it, judged by its exit status. */
const gupTest = (name: string, ...args: string[]): ExternalRun => ({
  name,
  prefix: 'gup_test',
  format: 'status',
  needs: GUP_TEST,
  command: { argv: [bin('gup_test'), ...args], timeoutSeconds: 120 },
});

/** gup_longterm with its working directory (its "local tmpfile") on PLACE. */
function gupLongterm(place: string, dir: string, facts: SetupFacts, fs?: string): ExternalRun {
  return {
    name: 'gup_longterm',
    prefix: `gup_longterm/${place}`,
    byRun: true,
    needs: [`file:${bin('gup_longterm')}`],
    setup: fs ? [{ argv: [setupScript('dax-mount.sh'), fs, facts.fsdax, dir], timeoutSeconds: 60 }] : [],
    command: { argv: ['env', '-C', dir, bin('gup_longterm')], timeoutSeconds: 300 },
    cleanup: fs ? [{ argv: ['umount', dir], timeoutSeconds: 30 }] : [],
  };
}

export const kselftestGup: ExternalSuite = {
  kind: 'external',
  name: NAME,
  summary:
    "the kernel's gup selftests: gup_test (CONFIG_GUP_TEST), and gup_longterm (6.12 trees) on fs-DAX, tmpfs and ext4",
  needs: ['nvdimm:fsdax', 'fs:ext4'],
  setup: [FSDAX_NAMESPACE],
  fragments: ['selftests'],
  bring: { mmSelftests: ['gup_test', 'gup_longterm'] },
  runs: (facts) => [
    gupTest('get-user-pages-fast', '-u'),
    gupTest('pin-user-pages-fast', '-a'),
    gupTest('dump-pages', '-ct', '-F', '0x1', '0', '19', '0x1000'),
    gupLongterm('fsdax-ext4', FSDAX_MNT, facts, 'ext4'),
    gupLongterm('tmpfs', '/tmp', facts),
    gupLongterm('ext4', '/var/tmp', facts),
  ],
  format: 'ktap',
  // gup_longterm runs all its cases of a place in one program run: a shard takes the run whole.
  shardUnit: (name) => (name.startsWith('gup_longterm/') ? `${name.split('/').slice(0, 2).join('/')}/*` : name),
  caseSeconds: 120,
  suiteSeconds: 600,
};
