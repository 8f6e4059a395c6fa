import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The server side of SCRAM-SHA-256 (RFC 5802 / 7677) as mongod runs it: a user is stored as salt,
 * iteration count, StoredKey and ServerKey, never as the password. Passwords are ASCII in the
 * simulator, so SASLprep is the identity.
 */
export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, data: string | Buffer) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

export function scramCredential(password: string, iterations = 4096, salt = randomBytes(28)): ScramCredential {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  return { salt, iterations, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

/** `a=b,c=d` → map (values may contain `=`). */
export function parseScramAttributes(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i), part.slice(i + 1));
  }
  return out;
}

export interface ScramConversation {
  user: string;
  clientFirstBare: string;
  serverFirst: string;
  nonce: string;
}

/** client-first → server-first; the username is returned for the lookup. */
export function scramStart(clientFirst: string): { user: string; clientFirstBare: string; clientNonce: string } | null {
  // gs2 header "n,," then the bare message "n=user,r=nonce".
  const m = /^n,[^,]*,(.*)$/.exec(clientFirst);
  if (!m) return null;
  const bare = m[1]!;
  const attrs = parseScramAttributes(bare);
  const user = attrs.get('n');
  const nonce = attrs.get('r');
  if (!user || !nonce) return null;
  return { user: user.replace(/=2C/g, ',').replace(/=3D/g, '='), clientFirstBare: bare, clientNonce: nonce };
}

export function scramServerFirst(clientNonce: string, cred: ScramCredential): { serverFirst: string; nonce: string } {
  const nonce = clientNonce + randomBytes(24).toString('base64');
  return { serverFirst: `r=${nonce},s=${cred.salt.toString('base64')},i=${cred.iterations}`, nonce };
}

/** client-final → server-final (`v=...`), or null when the proof is wrong. */
export function scramFinish(conv: ScramConversation, clientFinal: string, cred: ScramCredential): string | null {
  const i = clientFinal.lastIndexOf(',p=');
  if (i < 0) return null;
  const withoutProof = clientFinal.slice(0, i);
  const attrs = parseScramAttributes(clientFinal);
  if (attrs.get('r') !== conv.nonce) return null;
  const proof = Buffer.from(attrs.get('p') ?? '', 'base64');
  const authMessage = `${conv.clientFirstBare},${conv.serverFirst},${withoutProof}`;
  const clientSignature = hmac(cred.storedKey, authMessage);
  if (proof.length !== clientSignature.length) return null;
  const clientKey = Buffer.alloc(proof.length);
  for (let k = 0; k < proof.length; k++) clientKey[k] = proof[k]! ^ clientSignature[k]!;
  if (!timingSafeEqual(sha256(clientKey), cred.storedKey)) return null;
  return `v=${hmac(cred.serverKey, authMessage).toString('base64')}`;
}
