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
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message.replace(/\s*\n\s*/g, ' ').trim()}`;
}

export function exitCodeOf(err: unknown): number {
  return err instanceof OrchestrateError ? err.exitCode : 1;
}
