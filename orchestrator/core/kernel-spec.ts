// What --kernel names, parsed once where it is read: a Debian package (the newest 6.1, or a
// version), a kernel of our store by id, or a bzImage/vmlinux path.
export type KernelSpec =
  { kind: 'debian'; version?: string } | { kind: 'stored'; id: string } | { kind: 'path'; path: string };

export function parseKernelSpec(text: string): KernelSpec {
  if (text === 'debian') return { kind: 'debian' };
  if (text.startsWith('debian:')) return { kind: 'debian', version: text.slice('debian:'.length) || undefined };
  // A store id never holds a slash; a bare file name that is no id is tried as a path (engine/kernels).
  return text.includes('/') ? { kind: 'path', path: text } : { kind: 'stored', id: text };
}

/** The spec as a user would write it. */
export function kernelSpecText(spec: KernelSpec): string {
  if (spec.kind === 'debian') return spec.version ? `debian:${spec.version}` : 'debian';
  return spec.kind === 'stored' ? spec.id : spec.path;
}
