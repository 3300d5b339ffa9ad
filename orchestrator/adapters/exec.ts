// Running host tools: argument arrays only, never a shell; a result object per finished process.
import { spawn, type SpawnOptions } from 'node:child_process';
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
  /** Stream stderr lines here as they come (long builds). */
  onStderr?: (chunk: string) => void;
  encoding?: BufferEncoding;
}

export function exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  const spawnOpts: SpawnOptions = { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true };
  return new Promise((resolve, reject) => {
    const child = track(spawn(argv[0], argv.slice(1), spawnOpts));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => {
      err.push(b);
      opts.onStderr?.(b.toString());
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new ToolError(argv, (e as NodeJS.ErrnoException).code ?? 'spawn error', e.message));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: ExecResult = {
        argv, code, signal,
        stdout: Buffer.concat(out).toString(opts.encoding ?? 'utf8'),
        stderr: Buffer.concat(err).toString(),
        seconds: (performance.now() - started) / 1000,
      };
      if ((opts.check ?? true) && code !== 0) reject(new ToolError(argv, code ?? signal ?? 'killed', result.stderr));
      else resolve(result);
    });
    child.stdin!.on('error', () => {});
    child.stdin!.end(opts.input ?? '');
  });
}

/** Like exec but returns stdout as a Buffer (binary payloads such as a decompressed vmlinux). */
export function execBuffer(argv: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true }));
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e) => reject(new ToolError(argv, 'spawn error', e.message)));
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new ToolError(argv, code ?? 'killed', err))));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
