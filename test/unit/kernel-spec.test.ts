import t from 'tap';
import { kernelSpecText, parseKernelSpec } from '../../orchestrator/core/kernel-spec.js';

t.test('--kernel: a Debian package, a store id or a path, parsed once', async (t) => {
  t.same(parseKernelSpec('debian'), { kind: 'debian' });
  t.same(parseKernelSpec('debian:6.12'), { kind: 'debian', version: '6.12' });
  t.same(parseKernelSpec('debian:'), { kind: 'debian' }, 'no version: the newest, as before');
  t.same(parseKernelSpec('build-1a2b3c4d5e6f'), { kind: 'stored', id: 'build-1a2b3c4d5e6f' });
  t.same(
    parseKernelSpec('debian-6.1.0-56-amd64'),
    { kind: 'stored', id: 'debian-6.1.0-56-amd64' },
    'a store id of a Debian kernel',
  );
  t.same(parseKernelSpec('./arch/x86/boot/bzImage'), { kind: 'path', path: './arch/x86/boot/bzImage' });
  for (const text of ['debian', 'debian:6.1.192', 'build-x', '/boot/vmlinuz-6.1.0-56-amd64']) {
    t.equal(kernelSpecText(parseKernelSpec(text)), text, `${text} round-trips`);
  }
});
