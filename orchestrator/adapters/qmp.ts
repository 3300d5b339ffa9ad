// QEMU's machine protocol over its unix socket: one command at a time, events skipped. What a
// snapshot needs: stop, migrate to a file, wait, continue; restore: wait for the incoming state.
import { connect, type Socket } from 'node:net';
import { sleep, throwIfInterrupted } from './lifecycle.js';

export class QmpError extends Error {}

export class Qmp {
  private buffer = '';
  private waiting?: { resolve: (v: any) => void; reject: (e: Error) => void };
  private closed?: Error;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    const end = (err?: Error) => {
      this.closed = err ?? new QmpError('QMP socket closed');
      this.waiting?.reject(this.closed);
      this.waiting = undefined;
    };
    socket.on('error', end);
    socket.on('close', () => end());
  }

  /** Connects once QEMU has made the socket (it does so early in its start), then negotiates. */
  static async open(path: string, timeoutMs = 10_000): Promise<Qmp> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(path, () => resolve(s));
          s.once('error', reject);
        });
        const qmp = new Qmp(socket);
        await qmp.reply();
        await qmp.command('qmp_capabilities');
        return qmp;
      } catch (err) {
        throwIfInterrupted();
        if (Date.now() > until) throw new QmpError(`QMP at ${path}: ${(err as Error).message}`);
        await sleep(20);
      }
    }
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.event) continue;
      const w = this.waiting;
      this.waiting = undefined;
      if (!w) continue;
      if (msg.error) w.reject(new QmpError(`${msg.error.class}: ${msg.error.desc}`));
      else w.resolve(msg.return ?? msg.QMP);
    }
  }

  private reply(): Promise<any> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  async command(name: string, args?: Record<string, unknown>): Promise<any> {
    const answer = this.reply();
    this.socket.write(`${JSON.stringify({ execute: name, ...(args ? { arguments: args } : {}) })}\n`);
    return answer;
  }

  /**
   * Share=on RAM (the NVDIMMs' backing files) stays out of the stream: the files are copied as they
   * are, holes kept, instead of a restore reading and writing every page of them. Both ends set it.
   */
  async ignoreShared(): Promise<void> {
    await this.command('migrate-set-capabilities', {
      capabilities: [{ capability: 'x-ignore-shared', state: true }],
    });
  }

  /** Polls query-migrate until the migration (out or in) completes; a failure is a QmpError. */
  async migrated(timeoutMs: number): Promise<{ seconds: number; bytes: number }> {
    const started = performance.now();
    for (;;) {
      const m = await this.command('query-migrate');
      if (m.status === 'completed')
        return { seconds: (performance.now() - started) / 1000, bytes: m.ram?.transferred ?? 0 };
      if (m.status === 'failed' || m.status === 'cancelled')
        throw new QmpError(`migration ${m.status}${m['error-desc'] ? `: ${m['error-desc']}` : ''}`);
      if (performance.now() - started > timeoutMs) throw new QmpError(`migration not done in ${timeoutMs / 1000} s`);
      throwIfInterrupted();
      await sleep(20);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
