import t from 'tap';
import { debianRange, parseAptShow, pickDebianKernel, storeIdOf } from '../../orchestrator/core/debian.js';
import { fixture } from '../fixtures.js';

const kernels = parseAptShow(fixture('apt', 'apt-cache-show-linux-image.txt'));

t.test('apt-cache show: signed package preferred, versions parsed', async (t) => {
  t.same(kernels.map((k) => k.pkg).sort(), ['linux-image-6.1.0-55-amd64', 'linux-image-6.1.0-56-amd64', 'linux-image-6.12.107+deb12-amd64-unsigned']);
  const k56 = kernels.find((k) => k.release === '6.1.0-56-amd64')!;
  t.same(k56, { pkg: 'linux-image-6.1.0-56-amd64', release: '6.1.0-56-amd64', debVersion: '6.1.192-2', version: '6.1.192' });
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
  t.same(debianRange(kernels, '6.1.0-55', '6.1.0-56')?.map((k) => k.debVersion), ['6.1.192-1', '6.1.192-2']);
  t.same(debianRange(kernels, '6.1.0-56', '6.1.0-55')?.map((k) => k.debVersion), ['6.1.192-1', '6.1.192-2'], 'ends in either order');
  t.same(debianRange(kernels, '6.1.192-1', '6.12')?.map((k) => k.version), ['6.1.192', '6.1.192', '6.12.107']);
  t.equal(debianRange(kernels, '5.10', '6.1'), undefined);
});
