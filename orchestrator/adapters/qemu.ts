// Running QEMU: under `setpriv --pdeathsig KILL` so it dies with us, serial console to a
// per-run log (and to listeners, with host timestamps), killed on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:net';
import { PEER_MACS, type PeerLink } from '../core/machine.js';
import { WriteError } from '../errors.js';
import { exec } from './exec.js';
import { track } from './lifecycle.js';

export const QEMU = 'qemu-system-x86_64';

export interface ConsoleLine {
  /** Seconds since QEMU was started. */
  at: number;
  text: string;
}

export interface QemuExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export class QemuProcess {
  readonly lines: ConsoleLine[] = [];
  readonly exited: Promise<QemuExit>;
  private exit?: QemuExit;
  private partial = '';
  private stderr = '';
  private readonly started = performance.now();
  private lastOutput = performance.now();
  private readonly watchers = new Set<(line: ConsoleLine) => void>();
  private readonly log: WriteStream;
  /** Writing the console log failed (full or read-only disk): QEMU is stopped, the caller says so. */
  logError?: WriteError;

  constructor(
    readonly argv: string[],
    readonly consolePath: string,
  ) {
    this.log = createWriteStream(consolePath);
    this.log.on('error', (err) => {
      this.logError ??= new WriteError(consolePath, 'the console log', (err as NodeJS.ErrnoException).code ?? 'EIO');
      this.child.kill('SIGKILL');
    });
    const child: ChildProcess = track(
      spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }),
    );
    child.stdout!.on('data', (b: Buffer) => this.onConsole(b));
    child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.exited = new Promise((resolve) => {
      child.on('error', (err) => {
        this.stderr += err.message;
      });
      child.on('close', (code, signal) => {
        if (this.partial) this.pushLine(this.partial);
        this.log.end();
        this.exit = { code, signal, stderr: this.stderr };
        resolve(this.exit);
      });
    });
    this.child = child;
  }

  private readonly child: ChildProcess;

  get running(): boolean {
    return !this.exit;
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  private onConsole(chunk: Buffer): void {
    this.lastOutput = performance.now();
    this.log.write(chunk);
    const text = this.partial + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) this.pushLine(part.replace(/\r$/, ''));
  }

  private pushLine(text: string): void {
    const line = { at: this.seconds, text };
    this.lines.push(line);
    for (const watcher of this.watchers) watcher(line);
  }

  consoleText(): string {
    return this.lines.map((l) => l.text).join('\n') + (this.partial ? `\n${this.partial}` : '');
  }

  /** The first console line matching re (already seen or yet to come), or undefined on exit. */
  waitFor(re: RegExp): Promise<ConsoleLine | undefined> {
    const seen = this.lines.find((l) => re.test(l.text));
    if (seen || this.exit) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const watcher = (line: ConsoleLine) => {
        if (!re.test(line.text)) return;
        this.watchers.delete(watcher);
        resolve(line);
      };
      this.watchers.add(watcher);
      void this.exited.then(() => {
        this.watchers.delete(watcher);
        resolve(undefined);
      });
    });
  }

  /** Resolves once the console has been silent for SECONDS (a guest hung in boot), or QEMU exited. */
  silence(seconds: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (!this.exit && performance.now() - this.lastOutput < seconds * 1000) return;
        clearInterval(timer);
        resolve();
      }, 250);
      timer.unref();
    });
  }

  firstAt(re: RegExp): number | undefined {
    return this.lines.find((l) => re.test(l.text))?.at;
  }

  async kill(): Promise<QemuExit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** A free TCP port on 127.0.0.1 (QEMU binds it again right after; a lost race is retried). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** An unused UDP socket on 127.0.0.1; the caller closes it before handing the port to QEMU. */
function udpSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve(socket));
  });
}

/** Both ends of a guest-to-guest link: each guest sends to the port the other listens on. */
export async function peerLinks(): Promise<[PeerLink, PeerLink]> {
  const sockets = [await udpSocket(), await udpSocket()];
  const [a, b] = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(resolve))));
  return [
    { mac: PEER_MACS[0], localPort: a, remotePort: b },
    { mac: PEER_MACS[1], localPort: b, remotePort: a },
  ];
}

let version: Promise<string> | undefined;

/** The QEMU version, asked once per process (the accel probe cache and results.json both want it). */
export function qemuVersion(): Promise<string> {
  version ??= exec([QEMU, '--version']).then(
    (out) => /version (\S+)/.exec(out.stdout)?.[1] ?? out.stdout.split('\n')[0],
  );
  return version;
}
