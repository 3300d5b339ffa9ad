// Every error a user can cause or meet, rendered once at the top as one line.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';

export class OrchestrateError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
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

/** The guest's dmesg failed: the kernel lines of its window are unknown, not none. */
export class DmesgError extends OrchestrateError {
  constructor(
    readonly status: number | null,
    readonly timedOut: boolean,
    detail: string,
  ) {
    const tail = detail.trim().split('\n').slice(-2).join(' | ');
    super(`dmesg ${timedOut ? 'timed out' : `exited ${status}`}${tail ? `: ${tail}` : ''}`, 1);
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
  constructor(
    readonly path: string,
    readonly what: string,
    readonly code: string,
    detail = '',
  ) {
    super(`cannot write ${what} (${path}): ${WRITE_ERRORS[code] ?? code}${detail}`, 2);
  }
}

function isWriteErrno(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException)?.code;
  return !!code && code in WRITE_ERRORS;
}

/** Why a directory cannot be made at a path: an errno code, or undefined when nothing refuses. */
type Refuses = (path: string) => string | undefined;

/** Why the nearest existing directory above PATH refuses a new entry (EROFS, EACCES); undefined when it does not. */
export const ancestorRefuses: Refuses = (path) => {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
};

/**
 * ERR with the errno a recursive mkdir hid: Node reports ENOENT when the first directory it has to
 * make lies on a read-only file system (nodejs/node#47098); REFUSES says why that parent refuses.
 */
export function unmasked(err: unknown, refuses: Refuses = ancestorRefuses): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e?.code !== 'ENOENT' || e.syscall !== 'mkdir' || !e.path) return err;
  const code = refuses(e.path);
  if (!code || !(code in WRITE_ERRORS)) return err;
  const real = new Error(`${code}: ${WRITE_ERRORS[code]}, mkdir '${e.path}'`);
  return Object.assign(real, { code, syscall: 'mkdir', path: e.path });
}

/** ERR as a WriteError naming PATH and WHAT when it is one (ENOSPC, EROFS, …); else ERR. */
export function asWriteError(err: unknown, path: string, what: string, refuses?: Refuses): unknown {
  const real = unmasked(err, refuses);
  if (real instanceof OrchestrateError || !isWriteErrno(real)) return err;
  return new WriteError(path, what, real.code!);
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

/** A lock's live holder held it longer than we wait. */
export class LockWaitError extends OrchestrateError {
  constructor(path: string, holder: string, waited: string) {
    super(`gave up after ${waited} waiting for ${holder} (lock ${path})`, 1);
  }
}

/** One line, whatever the message: yargs and tools like to spread theirs over several. */
export function errorLine(thrown: unknown): string {
  const err = unmasked(thrown);
  // A file error no adapter named: the path, the call and the reason (the call says read or write).
  if (!(err instanceof OrchestrateError) && isWriteErrno(err)) {
    return `error: ${err.path ?? 'a file'}${err.syscall ? ` (${err.syscall})` : ''}: ${WRITE_ERRORS[err.code!]}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
}

export function exitCodeOf(thrown: unknown): number {
  const err = unmasked(thrown);
  if (!(err instanceof OrchestrateError) && isWriteErrno(err)) return 2;
  return err instanceof OrchestrateError ? err.exitCode : 1;
}
