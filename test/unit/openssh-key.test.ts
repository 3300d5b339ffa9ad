// OpenSSH's key formats, golden: a key ssh-keygen made whose public key starts with a zero byte.
import t from 'tap';
import { ed25519Blob, privateKeyFile, publicLine } from '../../orchestrator/core/openssh-key.js';
import { fixture } from '../fixtures.js';

const FILE = fixture('ssh', 'ed25519-leading-zero');
const PUB = fixture('ssh', 'ed25519-leading-zero.pub').trim();

/** The fields of ssh-keygen's private key section: checkint, pub, seed, comment. */
function fields(file: string) {
  const b = Buffer.from(
    file
      .split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .join(''),
    'base64',
  );
  let at = 'openssh-key-v1\0'.length;
  const next = () => {
    const n = b.readUInt32BE(at);
    at += 4 + n;
    return b.subarray(at - n, at);
  };
  for (let i = 0; i < 3; i++) next();
  at += 4;
  next();
  const priv = next();
  let p = 8;
  const take = () => {
    const n = priv.readUInt32BE(p);
    p += 4 + n;
    return priv.subarray(p - n, p);
  };
  take();
  const pub = take();
  const secret = take();
  return { checkint: priv.readUInt32BE(0), pub, seed: secret.subarray(0, 32), comment: take().toString() };
}

t.test('the private key file is byte for byte what ssh-keygen wrote', async (t) => {
  const f = fields(FILE);
  t.equal(f.pub[0], 0, "the fixture's public key starts with a zero byte");
  t.equal(privateKeyFile(f.seed, f.pub, f.comment, f.checkint), FILE);
});

t.test('the public line keeps all 32 bytes', async (t) => {
  const f = fields(FILE);
  t.equal(publicLine(f.pub, f.comment), PUB);
  t.equal(ed25519Blob(f.pub).length, 4 + 11 + 4 + 32);
});

t.test('wrong lengths are refused, not encoded', async (t) => {
  t.throws(() => ed25519Blob(Buffer.alloc(31)), /32 bytes, not 31/);
  t.throws(() => privateKeyFile(Buffer.alloc(31), Buffer.alloc(32), 'c', 1), /seed has 32 bytes, not 31/);
});
