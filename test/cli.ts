// Running the real orchestrate CLI from tests, and spotting QEMU processes it leaves behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../orchestrator/paths.js';
import { tempDir } from './temp.js';

export const BIN = join(repoRoot, 'bin', 'orchestrate.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b) => (stdout += b));
  child.stderr!.on('data', (b) => (stderr += b));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

export function runCli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return finished(startCli(args, env));
}

/** Resolves with the first chunk of the child's output (stdout or stderr) matching re. */
export function waitForOutput(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${re} within ${timeoutMs} ms; saw: ${seen.slice(-500)}`)),
      timeoutMs,
    );
    const on = (b: Buffer) => {
      seen += b.toString();
      const m = re.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${re}; saw: ${seen.slice(-500)}`));
    });
  });
}

/** A private TMPDIR for one CLI run: every QEMU it starts names it on its command line
 *  (the NVDIMM backing files live there), which tells its QEMUs from anyone else's. */
export function scratch(prefix: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir(prefix);
  return { dir, env: { ...process.env, TMPDIR: dir } };
}

export function qemuPids(marker: string): number[] {
  const out = spawnSync('pgrep', ['-f', `qemu-system-x86_64 .*${marker}`], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map(Number);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until no QEMU of this marker is left, or the time is up; returns the leftovers. */
export async function qemuGone(marker: string, timeoutMs = 5000): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  let left = qemuPids(marker);
  while (left.length && Date.now() < until) {
    await sleep(100);
    left = qemuPids(marker);
  }
  return left;
}
