// A failure as bisect and patchcheck compare it: the case, its verdict, and the kernel report's
// title when one made it fail. Kept in logs as "case:VERDICT[:title]".

/** The case name of a kernel report seen outside every case's window. */
export const OUTSIDE_CASES = '(run)';

export interface Failure {
  /** A case name, or OUTSIDE_CASES. */
  test: string;
  /** FAIL, CRASH, or the report's kind for one outside the cases. */
  verdict: string;
  title?: string;
}

export function signature(f: Failure): string {
  return f.title ? `${f.test}:${f.verdict}:${f.title}` : `${f.test}:${f.verdict}`;
}

/** The case a signature names. */
export function signatureCase(s: string): string {
  return s.split(':')[0];
}
