// Ed25519 keys in OpenSSH's own formats. ssh2's generateKeyPairSync strips leading zero bytes
// from the public key, so 1 key in 256 comes out 31 bytes long and sshd refuses it ("error in
// libcrypto"; mscdex/ssh2#1390): the boot then fails at random. This encodes the 32 bytes as they are.

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function str(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([u32(bytes.length), bytes]);
}

const TYPE = 'ssh-ed25519';

/** The public key blob: string "ssh-ed25519", string pub. */
export function ed25519Blob(pub: Buffer): Buffer {
  if (pub.length !== 32) throw new Error(`an Ed25519 public key has 32 bytes, not ${pub.length}`);
  return Buffer.concat([str(TYPE), str(pub)]);
}

/** `ssh-ed25519 AAAA… comment`, an authorized_keys / .pub line. */
export function publicLine(pub: Buffer, comment: string): string {
  return `${TYPE} ${ed25519Blob(pub).toString('base64')} ${comment}`;
}

/** An unencrypted "openssh-key-v1" private key file; checkint is any 32-bit value (it only guards decryption). */
export function privateKeyFile(seed: Buffer, pub: Buffer, comment: string, checkint: number): string {
  if (seed.length !== 32) throw new Error(`an Ed25519 seed has 32 bytes, not ${seed.length}`);
  const unpadded = Buffer.concat([
    u32(checkint),
    u32(checkint),
    str(TYPE),
    str(pub),
    str(Buffer.concat([seed, pub])),
    str(comment),
  ]);
  const pad = Buffer.from(Array.from({ length: (8 - (unpadded.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    str('none'),
    str('none'),
    str(''),
    u32(1),
    str(ed25519Blob(pub)),
    str(Buffer.concat([unpadded, pad])),
  ]).toString('base64');
  const lines = body.match(/.{1,70}/g) ?? [];
  return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n');
}
