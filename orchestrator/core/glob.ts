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
