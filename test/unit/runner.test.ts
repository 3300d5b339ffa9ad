// The runner over a scripted guest: what each guest answer turns into.
import t from 'tap';
import { runSuites } from '../../orchestrator/engine/runner.js';
import { GuestLost } from '../../orchestrator/engine/guest.js';
import { FakeGuest, runs, type Answer, type Rule } from '../fake-guest.js';
import { fixture } from '../fixtures.js';

/** A guest answering by RULES, its dmesg reads DMESG, its console CONSOLETEXT. */
const fakeGuest = (rules: Rule[], dmesg: string[] = [], consoleText = '', label?: string) =>
  new FakeGuest(rules, { reads: dmesg, console: consoleText, label });

const SETUP: Rule[] = [
  [/namespace\.sh namespace0\.0/, { stdout: 'fsdax=/dev/pmem0\n' }],
  [/namespace\.sh namespace1\.0/, { stdout: 'devdax=/dev/dax1.0\n' }],
];
const refused = { stdout: '{"device":"rxe0","kind":"file","dax":true,"registered":false,"errno":95}\n' };

t.test('a refused fs-DAX registration with its dmesg evidence passes', async (t) => {
  const s = fakeGuest(
    [...SETUP, [/ib-reg file/, refused]],
    ['', '', '[ 9.1] rdma_rxe: rxe_mr_init_user: Unable to pin memory region err = -95\n'],
  );
  const { results } = await runSuites({ session: s }, runs('ib-reg-refusal/fsdax-ext4'), '6.1.192');
  t.same(
    results.map((r) => [r.verdict, r.evidence]),
    [['PASS', ['rdma_rxe: rxe_mr_init_user: Unable to pin memory region err = -95']]],
  );
});

t.test('a warning in the case window fails it with the title', async (t) => {
  const warn = fixture('console', 'warn-mm-page-alloc-from-v9fs.log').split('\n\n').slice(1).join('\n\n');
  const s = fakeGuest([...SETUP, [/ib-reg file/, refused]], ['', '', warn]);
  const [r] = (await runSuites({ session: s }, runs('ib-reg-refusal/fsdax-ext4'), '6.1.192')).results;
  t.equal(r.verdict, 'FAIL');
  t.equal(r.reason, 'warning: WARNING in v9fs_fid_get_acl');
});

t.test('DAX not really on: ERROR, not PASS', async (t) => {
  const s = fakeGuest([
    ...SETUP,
    [/ib-reg file/, { stdout: '{"kind":"file","dax":false,"registered":false,"errno":95}\n' }],
  ]);
  const [r] = (await runSuites({ session: s }, runs('ib-reg-refusal/fsdax-xfs'), '6.1.192')).results;
  t.equal(r.verdict, 'ERROR');
  t.match(r.reason, /^precondition: the file is not in DAX mode/);
});

t.test('a failed cleanup is reported on the case', async (t) => {
  const s = fakeGuest([...SETUP, [/ib-reg file/, refused], [/umount/, { code: 32, stderr: 'umount: target is busy' }]]);
  const [r] = (await runSuites({ session: s }, runs('ib-reg-refusal/fsdax-ext4'), '6.1.192')).results;
  t.same([r.verdict, r.reason], ['ERROR', 'cleanup: umount exited 32: umount: target is busy']);
});

t.test('setup failing: every case ERROR with the reason', async (t) => {
  const s = fakeGuest([[/rxe\.sh/, { code: 1, stderr: 'Failed to open NETLINK_RDMA socket' }]]);
  const { results } = await runSuites({ session: s }, runs('ib-reg-refusal'), '6.1.192');
  t.equal(results.length, 5);
  t.ok(
    results.every(
      (r) => r.verdict === 'ERROR' && r.reason === 'setup: rxe.sh exited 1: Failed to open NETLINK_RDMA socket',
    ),
  );
});

t.test('a workload timing out is an ERROR', async (t) => {
  const s = fakeGuest([...SETUP, [/ib-reg anon/, { code: 124, timedOut: true }]]);
  const [r] = (await runSuites({ session: s }, runs('ib-reg-refusal/anon'), '6.1.192')).results;
  t.same([r.verdict, r.reason], ['ERROR', 'ib-reg timed out after 60 s']);
});

t.test('the guest lost mid-suite: CRASH with the console title, the rest not run', async (t) => {
  const panic = fixture('console', 'gpf-null-ptr-deref-nl802154.log').split('\n\n').slice(1).join('\n\n');
  const s = fakeGuest([...SETUP, [/ib-reg file/, refused], [/ib-reg dev/, new GuestLost('QEMU exited')]], [], panic);
  const { results } = await runSuites({ session: s }, runs('ib-reg-refusal'), '6.1.192');
  t.same(
    results.map((r) => r.verdict),
    ['PASS', 'PASS', 'CRASH', 'ERROR', 'ERROR'],
  );
  t.equal(results[2].reason, 'general protection fault in nl802154_add_llsec_key');
  t.equal(results[3].reason, 'not run: the guest was lost during ib-reg-refusal/devdax');
});

t.test('a guest lost with no kernel report: its unjudged cases are named for a retry; a crash never is', async (t) => {
  const rules: Rule[] = [...SETUP, [/ib-reg file/, refused], [/ib-reg dev/, new GuestLost('QEMU exited')]];
  const silent = await runSuites({ session: fakeGuest(rules) }, runs('ib-reg-refusal'), '6.1.192');
  t.same(
    silent.results.map((r) => r.verdict),
    ['PASS', 'PASS', 'ERROR', 'ERROR', 'ERROR'],
  );
  t.same(silent.lost, {
    cases: ['ib-reg-refusal/devdax', 'ib-reg-refusal/pagecache', 'ib-reg-refusal/anon'],
    reason: 'guest lost: QEMU exited',
  });
  const panic = fixture('console', 'gpf-null-ptr-deref-nl802154.log').split('\n\n').slice(1).join('\n\n');
  const crashed = await runSuites({ session: fakeGuest(rules, [], panic) }, runs('ib-reg-refusal'), '6.1.192');
  t.equal(crashed.lost, undefined, 'a kernel crash is a verdict, never retried');
});

t.test('other errors are not swallowed', async (t) => {
  const s = fakeGuest([[/rxe\.sh/, new TypeError('bug')]]);
  await t.rejects(runSuites({ session: s }, runs('ib-reg-refusal'), '6.1.192'), TypeError);
});

const LINKS: Rule[] = [[/peer-link\.sh/, { stdout: 'link=eth1\nrdma=rxe1\n' }]];
const served = {
  stdout: '{"kind":"anon","dax":null,"registered":true,"errno":null,"write":"ok","read":"ok","bytes":2097152}\n',
};
const client = {
  stdout: '{"role":"client","remote_registered":true,"write":"completed","read":"ok","bytes":2097152}\n',
};

t.test("two guests: the server and the client run together; the client's observation is kept", async (t) => {
  const server = fakeGuest([...LINKS, ...SETUP, [/rdma-pair server/, served]]);
  const peer = fakeGuest([...LINKS, [/rdma-pair client/, client]]);
  const [r] = (await runSuites({ session: server, peer }, runs('rdma-two-guests/anon'), '6.1.192')).results;
  const started = peer.asked.map((argv) => argv.join(' ')).filter((c) => !c.startsWith('dmesg'));
  t.equal(r.verdict, 'PASS');
  t.same((r.observed as { peer: unknown }).peer, JSON.parse(client.stdout));
  t.equal(started.length, 2);
  t.match(started, [
    /peer-link\.sh 52:54:00:77:00:02 10\.77\.0\.2\/24 rxe1/,
    /rdma-pair client --device rxe1 10\.77\.0\.1 7471/,
  ]);
});

t.test("two guests: a client failure is the case's error, named as the peer's", async (t) => {
  const server = fakeGuest([
    ...LINKS,
    ...SETUP,
    [/rdma-pair/, { stdout: '{"error":"no client within 30 s","errno":11}\n', code: 1 }],
  ]);
  const peer = fakeGuest([
    ...LINKS,
    [/rdma-pair client/, { stdout: '{"error":"no server within 30 s","errno":113}\n', code: 1 }],
  ]);
  const [r] = (await runSuites({ session: server, peer }, runs('rdma-two-guests/anon'), '6.1.192')).results;
  t.same([r.verdict, r.reason], ['ERROR', 'rdma-pair: no client within 30 s; peer: rdma-pair: no server within 30 s']);
});

t.test("two guests: a warning in the peer's dmesg fails the case", async (t) => {
  const warn = fixture('console', 'warn-mm-page-alloc-from-v9fs.log').split('\n\n').slice(1).join('\n\n');
  const server = fakeGuest([...LINKS, ...SETUP, [/rdma-pair/, served]]);
  const peer = fakeGuest([...LINKS, [/rdma-pair client/, client]], ['', '', warn]);
  const [r] = (await runSuites({ session: server, peer }, runs('rdma-two-guests/anon'), '6.1.192')).results;
  t.same([r.verdict, r.reason], ['FAIL', 'warning: WARNING in v9fs_fid_get_acl']);
  t.same(
    r.warnings.map((w) => w.source),
    ['peer-dmesg'],
  );
});

t.test("two guests: the second one lost is a CRASH with its own console's title, and named", async (t) => {
  const panic = fixture('console', 'gpf-null-ptr-deref-nl802154.log').split('\n\n').slice(1).join('\n\n');
  const server = fakeGuest([...LINKS, ...SETUP, [/rdma-pair/, served]]);
  const rules: Rule[] = [...LINKS];
  const peer = fakeGuest(rules, [], panic, 'second guest');
  rules.push([/rdma-pair client/, new GuestLost('QEMU exited', peer)]);
  const { results } = await runSuites({ session: server, peer }, runs('rdma-two-guests'), '6.1.192');
  t.same(
    results.map((r) => r.verdict),
    ['CRASH', 'ERROR', 'ERROR', 'ERROR', 'ERROR'],
  );
  t.equal(results[0].reason, 'second guest: general protection fault in nl802154_add_llsec_key');
  t.equal(results[1].reason, 'not run: the second guest was lost during rdma-two-guests/anon');
});

t.test('a two-guest suite without a second guest is an ERROR, not a hang', async (t) => {
  const { results } = await runSuites({ session: fakeGuest(SETUP) }, runs('rdma-two-guests'), '6.1.192');
  t.equal(results.length, 5);
  t.ok(
    results.every(
      (r) => r.verdict === 'ERROR' && r.reason === 'setup: the suite needs a second guest, and none was booted',
    ),
  );
});

t.test(
  'a workload that will not run points at the cached workloads (and the image); one that reports its own failure does not',
  async (t) => {
    const cases: [Answer, string[] | undefined][] = [
      [{ code: 126, stderr: 'timeout: failed to run command: Exec format error' }, ['workloads', 'image']],
      [{ code: 2, stderr: 'ib-reg: 1: Syntax error: Unterminated quoted string' }, ['workloads']],
      [{ code: 139 }, ['workloads', 'image']],
      [{ code: 0, stdout: 'garbage\n' }, ['workloads']],
      [{ code: 1, stdout: '{"error":"ibv_open_device: No such device","errno":19}\n' }, undefined],
    ];
    for (const [answer, suspects] of cases) {
      const s = fakeGuest([...SETUP, [/ib-reg anon/, answer]]);
      const [r] = (await runSuites({ session: s }, runs('ib-reg-refusal/anon'), '6.1.192')).results;
      t.equal(r.verdict, 'ERROR', JSON.stringify(answer));
      t.same(r.suspects, suspects, JSON.stringify(answer));
    }
  },
);

t.test('a setup script that cannot run points at the image', async (t) => {
  const s = fakeGuest([[/rxe\.sh/, { code: 127, stderr: 'rdma: not found' }]]);
  const out = await runSuites({ session: s }, runs('ib-reg-refusal/anon'), '6.1.192');
  t.equal(out.results[0].verdict, 'ERROR');
  t.same(out.suspects, ['image']);
});

t.test('every need of every suite, case and run is one a gate knows', async (t) => {
  const { SUITES } = await import('../../orchestrator/suites/index.js');
  const { isExternal } = await import('../../orchestrator/suites/suite.js');
  const { knownNeed } = await import('../../orchestrator/core/needs.js');
  const needs = SUITES.flatMap((s) => [
    ...s.needs,
    ...(isExternal(s)
      ? s.runs({ fsdax: '/dev/pmem0', tests: '/t', gid: '1' }).flatMap((r) => r.needs ?? [])
      : s.cases.flatMap((c) => c.needs)),
  ]);
  t.same(
    needs.filter((n) => !knownNeed(n)),
    [],
  );
});
