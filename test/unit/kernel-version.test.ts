import t from 'tap';
import {
  bzImageBanner,
  compareVersions,
  identityFromBanner,
  inRange,
  validRange,
} from '../../orchestrator/core/kernel-version.js';
import { bzImagePayload, configEnabled, elfBanner } from '../../orchestrator/core/vmlinux.js';
import { fixtureBytes, fixture } from '../fixtures.js';

t.test('identity from the banner of a Debian kernel and of a self-built one', async (t) => {
  const banner = fixture('console', 'boot-debian-6.1-clean.log')
    .split('\n')
    .find((l) => l.includes('Linux version'))!;
  t.same(identityFromBanner(banner.replace(/^\[[^\]]*\]\s*/, '')), { release: '6.1.0-56-amd64', version: '6.1.192' });
  t.same(identityFromBanner('6.1.158-dax+ (root@host) #3 SMP PREEMPT_DYNAMIC Tue Nov 25'), {
    release: '6.1.158-dax+',
    version: '6.1.158',
  });
  t.equal(identityFromBanner('no banner here'), undefined);
});

t.test('bzImage header of the real Debian 6.1 kernel', async (t) => {
  const head = fixtureBytes('kernel', 'debian-6.1.0-56-bzImage-head.bin');
  t.match(bzImageBanner(head), /^6\.1\.0-56-amd64 \(debian-kernel@lists\.debian\.org\)/);
  t.equal(bzImageBanner(Buffer.alloc(1024)), undefined);
  t.equal(bzImagePayload(head), undefined, 'payload extends past the 32 KiB head: refused, not misread');
});

t.test('banner inside an uncompressed vmlinux', async (t) => {
  const elf = Buffer.concat([
    Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
    Buffer.alloc(100),
    Buffer.from('Linux version 6.1.192 (me@host) (gcc 12) #1 SMP\n\0'),
  ]);
  t.equal(elfBanner(elf), 'Linux version 6.1.192 (me@host) (gcc 12) #1 SMP');
});

t.test('comparisons and ranges', async (t) => {
  t.equal(compareVersions('6.1.192', '6.1.20'), 1);
  t.equal(compareVersions('6.1', '6.1.0'), 0);
  t.equal(compareVersions('4.15.18', '4.16'), -1);
  t.ok(inRange('6.1.192', '>=4.16'));
  t.notOk(inRange('4.15.18', '>=4.16'));
  t.ok(inRange('6.1.192', '>=5.2 <6.15'));
  t.notOk(inRange('6.15.1', '>=5.2 <6.15'));
  t.ok(inRange('3.10', '*'));
  t.notOk(validRange('~6.1'));
  t.ok(configEnabled('CONFIG_PVH=y\nCONFIG_X=m\n', 'PVH'));
  t.notOk(configEnabled('CONFIG_PVH=m\n', 'PVH'));
});
