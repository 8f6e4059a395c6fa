import { createHash } from 'node:crypto';

/**
 * A server's host key as the SSH wire carries it: the raw public-key blob (RFC 4253 §6.6). Everything
 * that compares keys compares these bytes; fingerprints are for people.
 */
export interface HostKey {
  /** The algorithm name embedded in the blob, e.g. `ssh-ed25519`. */
  type: string;
  blob: Buffer;
}

/** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a blob announces (its first SSH string), or null if the blob is not a key. */
export function keyTypeOf(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) return null;
  const type = blob.subarray(4, 4 + n).toString('latin1');
  return /^[A-Za-z0-9@._+-]+$/.test(type) ? type : null;
}

export function hostKeyFromBlob(blob: Buffer): HostKey | null {
  const type = keyTypeOf(blob);
  return type === null ? null : { type, blob };
}

/** The `host` / `[host]:port` name OpenSSH looks a target up by: a non-default port is never a bare host. */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/**
 * Host-key algorithms to offer for a key type, strongest first. Offering the types we already know first
 * is what OpenSSH does, so a server with several keys shows the one we can check, and any other
 * type from a host we know means the host changed.
 */
const ALGORITHMS_FOR_TYPE: Record<string, readonly string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** ssh2's default order (lib/protocol/constants.js, with Ed25519 available on Node 20). */
export const DEFAULT_HOST_KEY_ALGORITHMS: readonly string[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

export function hostKeyAlgorithmsPreferring(knownTypes: Iterable<string>): string[] {
  const first: string[] = [];
  for (const t of knownTypes) for (const a of ALGORITHMS_FOR_TYPE[t] ?? []) if (!first.includes(a)) first.push(a);
  return [...first, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !first.includes(a))];
}
