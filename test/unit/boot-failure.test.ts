// Why a boot failed, read once into a type: golden QEMU stderr (test/fixtures/qemu/) and our init's lines.
import t from 'tap';
import { bootFailure, RETRIED } from '../../orchestrator/core/boot-failure.js';
import { fixture } from '../fixtures.js';

const base = { initLines: [], bootSeconds: 120 };
const exited = (stderr: string) => ({ ...base, exit: { code: 1, signal: null, stderr } });

t.test("QEMU's own words for a taken port: a cause worth booting again", async (t) => {
  const ssh = bootFailure(exited(fixture('qemu', 'hostfwd-port-taken.stderr')));
  t.same(ssh, {
    cause: 'ssh-port-taken',
    message:
      "QEMU exited (1): qemu-system-x86_64: -netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:37553-:22: Could not set up host forwarding rule 'tcp:127.0.0.1:37553-:22'",
  });
  t.equal(bootFailure(exited(fixture('qemu', 'link-port-taken.stderr'))).cause, 'link-port-taken');
  t.ok(RETRIED.includes('ssh-port-taken') && RETRIED.includes('link-port-taken'));
  const bad = bootFailure(
    exited("qemu-system-x86_64: -kernel /nope: Could not open '/nope': No such file or directory\n"),
  );
  t.equal(bad.cause, 'qemu-exited', 'any other exit is not retried');
  t.notOk(RETRIED.includes(bad.cause));
});

t.test('a crash, an init that powered off, a guest that never answered', async (t) => {
  t.same(bootFailure({ ...base, crash: 'Kernel panic - not syncing: VFS: Unable to mount root fs' }), {
    cause: 'crashed',
    message: 'guest crashed: Kernel panic - not syncing: VFS: Unable to mount root fs',
  });
  t.same(
    bootFailure({
      ...base,
      initLines: ['init failed: cannot mount /dev/vda'],
      exit: { code: 0, signal: null, stderr: '' },
    }),
    { cause: 'root-not-mounted', message: 'guest powered off: init failed: cannot mount /dev/vda' },
  );
  t.equal(bootFailure({ ...base, initLines: ['switching root', 'sshd failed: no host key'] }).cause, 'sshd-failed');
  t.same(
    bootFailure({
      ...base,
      initLines: ['switching root'],
      exit: { code: null, signal: 'SIGKILL', stderr: '' },
      waitError: 'sshd never started',
    }),
    { cause: 'no-ssh', message: 'no SSH within 120 s (sshd never started)' },
    'killed by us: not an exit of its own',
  );
});
