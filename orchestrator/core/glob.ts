// Case names and globs ("rdma-core/test_qp*"), as --test, known-bug records and overrides spell them.

export function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** Does NAME match one of PATTERNS (every name does when there are none)? */
export function matchesAny(name: string, patterns: string[] | undefined): boolean {
  return !patterns || patterns.some((p) => globToRegExp(p).test(name));
}

/** A pattern's first part and the rest ("*" when it has one part): ext4/generic/413 → ext4, generic/413. */
export function splitFirst(pattern: string): [first: string, rest: string] {
  const slash = pattern.indexOf('/');
  return slash < 0 ? [pattern, '*'] : [pattern.slice(0, slash), pattern.slice(slash + 1)];
}
