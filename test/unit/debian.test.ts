import t from 'tap';
import {
  compareVersions,
  debianRange,
  lineOf,
  parseAptShow,
  parseMadison,
  pickDebianKernel,
  pickSourceRevision,
  storeIdOf,
} from '../../orchestrator/core/debian.js';
import { fixture } from '../fixtures.js';

const kernels = parseAptShow(fixture('apt', 'apt-cache-show-linux-image.txt'));

t.test('apt-cache show: signed package preferred, versions parsed', async (t) => {
  t.same(kernels.map((k) => k.pkg).sort(), [
    'linux-image-6.1.0-55-amd64',
    'linux-image-6.1.0-56-amd64',
    'linux-image-6.12.107+deb12-amd64-unsigned',
  ]);
  const k56 = kernels.find((k) => k.release === '6.1.0-56-amd64')!;
  t.same(k56, {
    pkg: 'linux-image-6.1.0-56-amd64',
    release: '6.1.0-56-amd64',
    debVersion: '6.1.192-2',
    version: '6.1.192',
  });
  t.equal(storeIdOf(k56), 'debian-6.1.192-2');
});

t.test('which kernel a query names', async (t) => {
  t.equal(pickDebianKernel(kernels)?.release, '6.1.0-56-amd64', 'default: newest 6.1');
  t.equal(pickDebianKernel(kernels, '6.1.192')?.debVersion, '6.1.192-2', 'upstream version: newest package of it');
  t.equal(pickDebianKernel(kernels, '6.1.192-1')?.release, '6.1.0-55-amd64', 'exact package version');
  t.equal(pickDebianKernel(kernels, '6.1.0-55')?.release, '6.1.0-55-amd64', 'ABI name');
  t.equal(pickDebianKernel(kernels, '6.12')?.version, '6.12.107', 'series');
  t.equal(pickDebianKernel(kernels, '5.10'), undefined);
  t.equal(pickDebianKernel(kernels, '6.1.1'), undefined, 'no prefix match inside a version number');
});

t.test('a range of packaged kernels, oldest first', async (t) => {
  t.same(
    debianRange(kernels, '6.1.0-55', '6.1.0-56')?.map((k) => k.debVersion),
    ['6.1.192-1', '6.1.192-2'],
  );
  t.same(
    debianRange(kernels, '6.1.0-56', '6.1.0-55')?.map((k) => k.debVersion),
    ['6.1.192-1', '6.1.192-2'],
    'ends in either order',
  );
  t.same(
    debianRange(kernels, '6.1.192-1', '6.12')?.map((k) => k.version),
    ['6.1.192', '6.1.192', '6.12.107'],
  );
  t.equal(debianRange(kernels, '5.10', '6.1'), undefined);
});

// `apt-cache madison linux-source-6.1 linux-source-6.12` on a Debian 12 machine, 2026-12-01.
const sources = parseMadison(fixture('apt', 'apt-cache-madison-linux-source.txt'));

t.test('linux-source revisions from apt-cache madison, newest first per line', async (t) => {
  t.same(
    sources.filter((r) => r.line === '6.1').map((r) => r.revision),
    ['6.1.192-3', '6.1.192-2', '6.1.192-1', '6.1.190-1', '6.1.187-1', '6.1.176-1', '6.1.170-3'],
  );
  t.same(
    sources.filter((r) => r.line === '6.12').map((r) => r.revision),
    ['6.12.117-1~deb12u1', '6.12.115-2~deb12u1', '6.12.113-1~deb12u1', '6.12.111-1~deb12u1', '6.12.107-1~deb12u1'],
  );
  t.same(
    sources.find((r) => r.revision === '6.12.115-2~deb12u1'),
    { pkg: 'linux-source-6.12', line: '6.12', revision: '6.12.115-2~deb12u1', version: '6.12.115' },
  );
});

t.test('which source revision a query names', async (t) => {
  t.equal(pickSourceRevision(sources)?.revision, '6.1.192-3', 'default: the newest 6.1');
  t.equal(pickSourceRevision(sources, '6.12')?.revision, '6.12.117-1~deb12u1', 'a line: its newest');
  t.equal(pickSourceRevision(sources, '6.1.192')?.revision, '6.1.192-3', 'an upstream version: its newest revision');
  t.equal(pickSourceRevision(sources, '6.1.192-2')?.revision, '6.1.192-2', 'a pinned revision');
  t.equal(pickSourceRevision(sources, '6.1.100-1'), undefined, 'one the archive no longer has');
  t.equal(lineOf('6.12.117-1~deb12u1'), '6.12');
  t.equal(lineOf('6.1.100-1'), '6.1');
  t.equal(lineOf(undefined), '6.1');
});

// `apt-cache show --no-all-versions` of the 6.12 meta package, three 6.12 kernels and 6.1.0-57, 2026-12-01.
const with612 = parseAptShow(fixture('apt', 'apt-cache-show-linux-image-6.12.txt'));

t.test('6.12: the meta package is no kernel; "6.12" is the newest 6.12 kernel', async (t) => {
  t.same(with612.map((k) => k.pkg).sort(), [
    'linux-image-6.1.0-57-amd64',
    'linux-image-6.12.107+deb12-amd64',
    'linux-image-6.12.115+deb12-amd64',
    'linux-image-6.12.117+deb12-amd64',
  ]);
  t.same(pickDebianKernel(with612, '6.12'), {
    pkg: 'linux-image-6.12.117+deb12-amd64',
    release: '6.12.117+deb12-amd64',
    debVersion: '6.12.117-1~deb12u1',
    version: '6.12.117',
  });
  t.equal(pickDebianKernel(with612, '6.12.107')?.release, '6.12.107+deb12-amd64');
  t.equal(pickDebianKernel(with612, '6.12.115-2~deb12u1')?.version, '6.12.115');
  t.equal(pickDebianKernel(with612)?.release, '6.1.0-57-amd64', 'the default stays the newest 6.1');
  t.same(
    debianRange(with612, '6.12.107', '6.12.117')?.map((k) => k.version),
    ['6.12.107', '6.12.115', '6.12.117'],
  );
});

t.test('Debian versions in dpkg order', async (t) => {
  const cmp = (a: string, b: string) => Math.sign(compareVersions(a, b));
  t.equal(cmp('6.12.117-1~deb12u1', '6.12.117-1'), -1, '~ sorts before the end');
  t.equal(cmp('6.12.117-1~deb12u2', '6.12.117-1~deb12u1'), 1, 'deb12u2 after deb12u1');
  t.equal(cmp('6.1.192-10', '6.1.192-9'), 1, 'numbers as numbers');
  t.equal(cmp('6.1.192-3', '6.1.192-3'), 0);
  t.equal(cmp('1:1.0', '9.9'), 1, 'the epoch first');
  t.equal(cmp('6.1.192a-1', '6.1.192-1'), 1, 'a letter after the end');
});
