// Bad input: one line on stderr, exit 2, no stack trace, nothing started.
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli.js';
import { fixture } from '../fixtures.js';
import { userRepo } from '../git-repo.js';
import { fixturesDir } from '../../orchestrator/paths.js';
import { tempDir } from '../temp.js';

const scratch = tempDir('orchestrate-bad-');

async function oneLineError(t: Test, args: string[], message: RegExp, env?: NodeJS.ProcessEnv) {
  const r = await runCli(args, env);
  t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, `one line: ${r.stderr}`);
  t.match(lines[0], message);
  t.notMatch(r.stderr, /\bat .*\.js:\d+/, 'no stack trace');
}

t.test('an unknown test or case', async (t) => {
  await oneLineError(
    t,
    ['run', '--test', 'no-such-test'],
    /^error: unknown test "no-such-test" \(known: ib-reg-refusal, rdma-loopback, rdma-two-guests, dio-vs-truncate, dio-write-vs-truncate, odp-fsdax, longterm-pin-fsdax, rdma-core, kselftest-gup, fstests, ndctl, blktests, rdma-smoke\)$/,
  );
  await oneLineError(
    t,
    ['repro', 'ib-reg-refusal/nope'],
    /^error: unknown case "ib-reg-refusal\/nope" \(cases: fsdax-ext4, /,
  );
});

t.test('an unknown kernel version', async (t) => {
  await oneLineError(
    t,
    ['run', '--kernel', 'debian:9.9.9', '--test', 'ib-reg-refusal'],
    /^error: no Debian kernel matches "9\.9\.9" \(available: .*6\.1\./,
  );
  await oneLineError(
    t,
    ['kernel', 'fetch', 'fedora:40'],
    /^error: kernel fetch fedora:40: want debian or debian:VERSION$/,
  );
});

t.test('a --kernel path that does not exist, or is no kernel', async (t) => {
  await oneLineError(
    t,
    ['run', '--kernel', '/no/such/bzImage', '--test', 'ib-reg-refusal'],
    /^error: --kernel \/no\/such\/bzImage: no such file$/,
  );
  const junk = join(scratch, 'junk');
  writeFileSync(junk, 'not a kernel');
  await oneLineError(t, ['run', '--kernel', junk, '--test', 'ib-reg-refusal'], /not a bzImage or vmlinux/);
});

t.test('missing host tools, when not allowed to install them', async (t) => {
  const env = { ...process.env, PATH: '/nonexistent' };
  await oneLineError(
    t,
    ['repro', '--no-install'],
    /^error: missing host packages: qemu-system-x86 mmdebstrap .*\(orchestrate setup installs them\)$/,
    env,
  );
});

t.test('usage errors from the parser', async (t) => {
  await oneLineError(t, ['frobnicate'], /^error: Unknown argument: frobnicate$/);
  await oneLineError(
    t,
    ['run'],
    /^error: name a test \(--test T\) or a command to run in the guest \(run -- CMD ARGS…\)$/,
  );
  await oneLineError(t, ['run', '--test', 'ib-reg-refusal', '--accel', 'hvf'], /^error: Invalid values:/);
});

t.test('build: a tree, revision, series or fragment that is not there', async (t) => {
  const { dir, commits } = userRepo();
  const notRepo = tempDir('orchestrate-norepo-');
  await oneLineError(t, ['build', '--tree', '/no/such/tree'], /^error: --tree \/no\/such\/tree: no such directory$/);
  await oneLineError(t, ['build', '--tree', notRepo], /^error: --tree .*: not a git repository$/);
  await oneLineError(t, ['build', '--tree', dir, '--ref', 'v9.9'], /^error: unknown revision "v9\.9" in /);
  await oneLineError(
    t,
    ['build', '--tree', dir, '--series', '/no/such.mbox'],
    /^error: --series \/no\/such\.mbox: no such file or directory, and not a git range/,
  );
  const broken = join(scratch, 'broken.mbox');
  const mbox = fixture('series', 'gup-fsdax-v2.list.mbox')
    .split(/(?=^From \S+ )/m)
    .filter((m) => !/\[PATCH v2 2\/3\]/.test(m) || /^Subject: Re:/m.test(m));
  writeFileSync(broken, mbox.join(''));
  await oneLineError(
    t,
    ['build', '--tree', dir, '--series', broken],
    /^error: --series .*broken\.mbox: patch 2\/3 is missing$/,
  );
  await oneLineError(
    t,
    ['build', '--tree', dir, '--ref', commits[0], '--config', 'no-such-fragment'],
    /^error: --config no-such-fragment: no such fragment/,
  );
  const typo = join(scratch, 'typo.config');
  writeFileSync(typo, 'CONFIG_FS_DAX=y\nCONIFG_XFS_FS=y\n');
  await oneLineError(
    t,
    ['build', '--tree', dir, '--config', typo],
    /^error: typo\.config:2: not a config line: CONIFG_XFS_FS=y$/,
  );
  await oneLineError(
    t,
    ['run', '--series', broken, '--test', 'ib-reg-refusal'],
    /^error: --ref and --series need --tree$/,
  );
});

t.test('nightly and report: a plan or history that is not there or not right', async (t) => {
  await oneLineError(
    t,
    ['nightly', '--plan', '/no/such/plan.yaml'],
    /^error: --plan \/no\/such\/plan\.yaml: no such file$/,
  );
  const plan = join(scratch, 'plan.yaml');
  writeFileSync(plan, 'base: { tree: linux-source }\nseries: { dir: s }\ntests: []\n');
  await oneLineError(t, ['nightly', '--plan', plan], /^error: .*plan\.yaml: tests must be a non-empty list$/);
  await oneLineError(
    t,
    ['nightly', '--plan', plan, '--since', 'yesterday-ish'],
    /^error: --since yesterday-ish: not a date/,
  );
  await oneLineError(
    t,
    ['report', '--db', join(scratch, 'none.db')],
    /^error: --db .*none\.db: no such file \(run orchestrate nightly first\)$/,
  );
  await oneLineError(t, ['report', '--merge', '/no/job.db'], /^error: --merge \/no\/job\.db: no such file$/);
});

t.test('shards: a --shard that is no I/N, --shard on a command, --shards without --emit', async (t) => {
  for (const shard of ['0/2', '3/2', 'half'])
    await oneLineError(
      t,
      ['run', '--test', 'ib-reg-refusal', '--shard', shard],
      new RegExp(`^error: --shard ${shard}: want I/N with 1 <= I <= N`),
    );
  await oneLineError(t, ['run', '--shard', '1/2', '--', 'true'], /^error: --shard splits the cases of --test/);
  const plan = 'configs/nightly/dax-rdma.yaml';
  await oneLineError(t, ['nightly', '--plan', plan, '--shards', '2'], /^error: --image and --shards shape what --emit/);
  await oneLineError(t, ['nightly', '--plan', plan, '--emit', 'k8s', '--shards', '0'], /^error: --shards must be/);
  await oneLineError(t, ['nightly', '--plan', plan, '--emit', 'k8s', '--shard', '1/2'], /^error: --shard I\/N is what/);
});

t.test('a bug report or a retest of something that is not there', async (t) => {
  await oneLineError(
    t,
    ['report', '--bug', join(scratch, 'no-run')],
    /^error: .*no-run: no run there \(a directory with results\.json, or a run id in results\)$/,
  );
  const passing = join(fixturesDir, 'bug-report', 'build-fix-bio-release-dio-pass');
  await oneLineError(
    t,
    ['report', '--bug', passing, '--out', join(scratch, 'r')],
    /^error: no FAIL, CRASH or KNOWN case in run 20261204T034646-9i02 \(8 PASS\)$/,
  );
  await oneLineError(
    t,
    ['retest', scratch, '--series', '/no/fix.mbox'],
    /^error: .*: no report\.json \(write one with orchestrate report --bug\)$/,
  );
});
