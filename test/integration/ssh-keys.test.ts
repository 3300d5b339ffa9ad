// Per-run keys against the real ssh-keygen (OpenSSH 9.2, as in the guest): every one loads.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureHost } from '../../orchestrator/adapters/host.js';
import { generateKeyPair } from '../../orchestrator/adapters/ssh.js';
import { tempDir } from '../temp.js';

const dir = tempDir('orchestrate-keys-');
await ensureHost([{ probe: 'ssh-keygen', pkg: 'openssh-client' }]);

t.test('ssh-keygen loads each generated private key and derives the same public line', async (t) => {
  // 600 keys: with the old ssh2 generator about 2 of them came out unloadable.
  const bad: string[] = [];
  for (let i = 0; i < 600; i++) {
    const k = generateKeyPair('orchestrate-test');
    const path = join(dir, 'key');
    writeFileSync(path, k.private, { mode: 0o600 });
    const derived = execFileSync('ssh-keygen', ['-y', '-f', path], { encoding: 'utf8' }).trim();
    if (derived !== k.public) bad.push(`${k.public} → ${derived}`);
  }
  t.same(bad, []);
});
