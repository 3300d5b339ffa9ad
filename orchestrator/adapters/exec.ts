// Running host tools: argument arrays only, never a shell; a result object per finished process.
import { spawn } from 'node:child_process';
import { ToolError } from '../errors.js';
import { track } from './lifecycle.js';

export interface ExecResult {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: Buffer | string;
  timeoutMs?: number;
  /** Throw a ToolError unless the exit code is 0 (default true). */
  check?: boolean;
  /** Sees stdout and stderr as they arrive (a build's progress). */
  onOutput?: (chunk: string) => void;
}

interface Finished extends Omit<ExecResult, 'stdout'> {
  stdout: Buffer;
}

function run(argv: string[], opts: ExecOptions): Promise<Finished> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true }),
    );
    const out: Buffer[] = [];
    let stderr = '';
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      opts.onOutput?.(b.toString());
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      opts.onOutput?.(b.toString());
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new ToolError(argv, (e as NodeJS.ErrnoException).code ?? 'spawn error', e.message));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = {
        argv,
        code,
        signal,
        stdout: Buffer.concat(out),
        stderr,
        seconds: (performance.now() - started) / 1000,
      };
      if ((opts.check ?? true) && code !== 0) reject(new ToolError(argv, code ?? signal ?? 'killed', stderr));
      else resolve(result);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export async function exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const r = await run(argv, opts);
  return { ...r, stdout: r.stdout.toString('utf8') };
}

/** Like exec, for binary output (a decompressed vmlinux). */
export async function execBuffer(argv: string[], input: Buffer): Promise<Buffer> {
  return (await run(argv, { input })).stdout;
}
