// Every error a user can cause or meet, rendered once at the top as one line.

export class OrchestrateError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: an unknown test, a missing path, an unknown kernel version. */
export class UsageError extends OrchestrateError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** The host lacks a tool or package we need. */
export class MissingToolError extends OrchestrateError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A tool we ran failed; keeps argv, exit status and the tail of its stderr. */
export class ToolError extends OrchestrateError {
  constructor(
    readonly argv: readonly string[],
    readonly status: number | string,
    readonly stderrTail: string,
  ) {
    const tail = stderrTail.trim().split('\n').slice(-3).join(' | ');
    super(`${argv[0]} failed (${status})${tail ? `: ${tail}` : ''}`, 1);
  }
}

const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** A file we had to write could not be: the disk is full, read-only, or not ours. */
export class WriteError extends OrchestrateError {
  constructor(readonly path: string, readonly what: string, readonly code: string, detail = '') {
    super(`cannot write ${what} (${path}): ${WRITE_ERRORS[code] ?? code}${detail}`, 2);
  }
}

export function isWriteErrno(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException)?.code;
  return !!code && code in WRITE_ERRORS;
}

/** ERR as a WriteError naming PATH and WHAT when it is one (ENOSPC, EROFS, …); else ERR. */
export function asWriteError(err: unknown, path: string, what: string): unknown {
  if (err instanceof OrchestrateError || !isWriteErrno(err)) return err;
  return new WriteError(path, what, err.code!);
}

/** The shell's convention: 128 + the signal number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
}

/** The user interrupted us; QEMU and temp files are already gone when this is shown. */
export class InterruptedError extends OrchestrateError {
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`, signalExitCode(signal));
  }
}

/** One line, whatever the message: yargs and tools like to spread theirs over several. */
export function errorLine(err: unknown): string {
  // A file error no adapter named: the path, the call and the reason (the call says read or write).
  if (!(err instanceof OrchestrateError) && isWriteErrno(err)) {
    return `error: ${err.path ?? 'a file'}${err.syscall ? ` (${err.syscall})` : ''}: ${WRITE_ERRORS[err.code!]}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
}

export function exitCodeOf(err: unknown): number {
  if (!(err instanceof OrchestrateError) && isWriteErrno(err)) return 2;
  return err instanceof OrchestrateError ? err.exitCode : 1;
}
