// SSH to the guest with ssh2: per-run keys, the guest's host key pinned, readiness with
// backoff, exec with timeout and streamed output, upload over SFTP.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import ssh2, { type Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { privateKeyFile, publicLine } from '../core/openssh-key.js';
import { shellJoin } from '../core/shell.js';
import { sleep, throwIfInterrupted } from './lifecycle.js';

const { utils } = ssh2;

export interface KeyPair {
  private: string;
  public: string;
}

export interface RunKeys {
  client: KeyPair;
  host: KeyPair;
}

/** A fresh Ed25519 pair from node's crypto, in OpenSSH's formats. */
export function generateKeyPair(comment: string): KeyPair {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d!, 'base64url');
  const pub = Buffer.from(jwk.x!, 'base64url');
  return {
    private: privateKeyFile(seed, pub, comment, randomBytes(4).readUInt32BE()),
    public: publicLine(pub, comment),
  };
}

export function generateRunKeys(): RunKeys {
  return { client: generateKeyPair('orchestrate-client'), host: generateKeyPair('orchestrate-guest') };
}

function publicBlob(openssh: string): Buffer {
  const parsed = utils.parseKey(openssh);
  if (parsed instanceof Error) throw parsed;
  return parsed.getPublicSSH();
}

export interface Target {
  host: string;
  port: number;
  keys: RunKeys;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  seconds: number;
  timedOut: boolean;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** The guest shell writes its pid here first: the command's process group (sshd makes it a session leader). */
  pidFile?: string;
  /** Output as it arrives, raw (a streamed command's output goes straight through). */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Keep stdout and stderr in the result (default); a long streamed command does not. */
  collect?: boolean;
}

export class SshError extends Error {}

function connectOnce(target: Target, timeoutMs: number): Promise<Client> {
  const pinned = publicBlob(target.keys.host.public);
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    // ssh2 may only emit 'close' (no 'error') when the peer hangs up mid-handshake.
    const fail = (err: Error) => {
      client.end();
      reject(err);
    };
    client
      .on('ready', () => resolve(client))
      .on('error', fail)
      .on('close', () => fail(new Error('connection closed during the handshake')))
      .connect({
        host: target.host,
        port: target.port,
        username: 'root',
        privateKey: target.keys.client.private,
        readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer) => key.equals(pinned),
        keepaliveInterval: 5000,
      });
  });
}

/** Connects, retrying with backoff until the deadline; `alive` stops early (QEMU exited). */
export async function connect(target: Target, deadline: number, alive: () => boolean): Promise<Connection> {
  let delay = 50;
  let last: unknown;
  while (Date.now() < deadline && alive()) {
    throwIfInterrupted();
    try {
      return new Connection(await connectOnce(target, Math.min(5000, Math.max(500, deadline - Date.now()))));
    } catch (err) {
      last = err;
      if (/host key|verification/i.test(String((err as Error).message)))
        throw new SshError(`guest host key does not match the pinned key: ${(err as Error).message}`);
    }
    await sleep(delay);
    delay = Math.min(delay * 1.5, 500);
  }
  const why =
    (last as Error | undefined)?.message ?? (alive() ? 'timed out before the first attempt' : 'guest stopped');
  throw new SshError(`no SSH connection: ${why}`);
}

export class Connection {
  private sftpSession?: Promise<SFTPWrapper>;

  constructor(private readonly client: Client) {}

  exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const command = opts.pidFile ? `echo $$ >${shellJoin([opts.pidFile])}; ${shellJoin(argv)}` : shellJoin(argv);
      this.client.exec(command, (err, stream: ClientChannel) => {
        if (err) return reject(new SshError(`exec ${argv[0]}: ${err.message}`));
        const out: Buffer[] = [];
        const err2: Buffer[] = [];
        const collect = opts.collect ?? true;
        let timedOut = false;
        const timer = opts.timeoutMs
          ? setTimeout(() => {
              timedOut = true;
              stream.signal('KILL');
              stream.close();
            }, opts.timeoutMs)
          : undefined;
        stream.on('data', (b: Buffer) => {
          if (collect) out.push(b);
          opts.onStdout?.(b);
        });
        stream.stderr.on('data', (b: Buffer) => {
          if (collect) err2.push(b);
          opts.onStderr?.(b);
        });
        stream.on('close', (code: number | null, signal: string | null) => {
          clearTimeout(timer);
          // Decoded whole: a multibyte character split between two chunks stays one character.
          const [stdout, stderr] = [Buffer.concat(out).toString('utf8'), Buffer.concat(err2).toString('utf8')];
          resolve({
            code: code ?? null,
            signal: signal ?? null,
            stdout,
            stderr,
            timedOut,
            seconds: (performance.now() - started) / 1000,
          });
        });
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise((resolve, reject) =>
      this.client.sftp((err, sftp) => (err ? reject(new SshError(`sftp: ${err.message}`)) : resolve(sftp))),
    );
    return this.sftpSession;
  }

  async upload(local: string, remote: string, mode = 0o755): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.fastPut(local, remote, { mode }, (err) =>
        err ? reject(new SshError(`upload ${local}: ${err.message}`)) : resolve(),
      ),
    );
  }

  close(): void {
    this.client.end();
  }
}
