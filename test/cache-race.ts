// Several real node processes asking for one cache entry at once (test/cache-child.ts): each
// waits for a GO file, so none has finished starting while another already works.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp.js';

/** The child next to this file, as this file runs: .ts under tap's loader, .js from dist/. */
const CHILD = fileURLToPath(new URL(`./cache-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export interface ChildRun {
  pid: number;
  code: number | null;
  logs: string[];
  result?: any;
  error?: string;
  stderr: string;
}

export interface Started {
  pid: number;
  /** Resolves once the child printed LINE. */
  printed(line: string): Promise<void>;
  done: Promise<ChildRun>;
}

function start(mode: string, go: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [...process.execArgv, CHILD, mode, go, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: [string, () => void][] = [];
  child.stdout.on('data', (b) => {
    stdout += b;
    for (const [line, resolve] of waiters) if (stdout.split('\n').includes(line)) resolve();
  });
  child.stderr.on('data', (b) => (stderr += b));
  const done = new Promise<ChildRun>((resolve) =>
    child.on('close', (code) => {
      const lines = stdout.split('\n');
      const after = (prefix: string) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
      const result = after('result: ');
      resolve({
        pid: child.pid!,
        code,
        logs: lines.filter((l) => l.startsWith('log: ')).map((l) => l.slice(5)),
        result: result === undefined ? undefined : JSON.parse(result),
        error: after('error: '),
        stderr,
      });
    }),
  );
  const printed = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (stdout.split('\n').includes(line)) resolve();
      else waiters.push([line, resolve]);
      done.then((r) => reject(new Error(`pid ${r.pid} exited (${r.code}) before "${line}": ${r.stderr.slice(-500)}`)));
    });
  return { pid: child.pid!, printed, done };
}

/** N children of MODE started together; resolves once all are ready and told to go. */
export async function startTogether(
  mode: string,
  n: number,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Started[]> {
  const go = join(tempDir('orchestrate-go-'), 'go');
  const children = Array.from({ length: n }, () => start(mode, go, args, env));
  await Promise.all(children.map((c) => c.printed('ready')));
  writeFileSync(go, '');
  return children;
}

/** N children of MODE started together, to the end. */
export async function race(mode: string, n: number, args: string[], env?: NodeJS.ProcessEnv): Promise<ChildRun[]> {
  return Promise.all((await startTogether(mode, n, args, env)).map((c) => c.done));
}
