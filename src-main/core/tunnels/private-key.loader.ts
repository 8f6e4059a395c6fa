import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';

/**
 * Private keys for ssh2: OpenSSH and PEM (PKCS#1, SEC1) as ssh2 reads them; PKCS#8 (plain or encrypted),
 * which ssh2 rejects, decrypted and converted through node:crypto first. A wrong passphrase is reported
 * here, before any connection is opened (SEC-S5). Passphrases never appear in errors.
 */
export interface KeyLoadContext {
  /** How messages name the key: its path or keychain label. */
  label: string;
  /** Asked only if the key is encrypted. */
  passphrase: () => Promise<string | undefined>;
}

const MAX_KEY_BYTES = 64 * 1024;

function badPassphrase(label: string): BaleenError {
  return new BaleenError('E_AUTH', `Bad passphrase for the private key ${label}.`, { sshKind: 'bad-passphrase', key: label });
}

function invalid(label: string, why: string): BaleenError {
  return new BaleenError('E_INVALID_INPUT', `The private key ${label} cannot be used: ${why}.`, { sshKind: 'key-invalid', key: label });
}

export async function loadPrivateKey(data: string | Buffer, ctx: KeyLoadContext): Promise<ParsedKey> {
  if (data.length > MAX_KEY_BYTES) throw invalid(ctx.label, 'the file is larger than 64 KiB');
  const text = (typeof data === 'string' ? data : data.toString('utf8')).trim();
  if (/^-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(text)) return fromPkcs8(text, ctx);
  let parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error && /no passphrase given/i.test(parsed.message)) {
    const pass = await ctx.passphrase();
    if (pass === undefined || pass === '') {
      throw new BaleenError('E_AUTH', `The private key ${ctx.label} is encrypted and no passphrase was given.`, { sshKind: 'passphrase-missing', key: ctx.label });
    }
    parsed = ssh2.utils.parseKey(text, pass);
    if (parsed instanceof Error) {
      if (/bad passphrase|integrity check failed|decrypt|bad decrypt/i.test(parsed.message)) throw badPassphrase(ctx.label);
      throw invalid(ctx.label, parsed.message);
    }
  }
  if (parsed instanceof Error) throw invalid(ctx.label, /Unsupported key format/.test(parsed.message) ? 'not an OpenSSH, PEM or PKCS#8 private key' : parsed.message);
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (!key) throw invalid(ctx.label, 'the file holds no key');
  if (!key.isPrivateKey()) throw invalid(ctx.label, 'it is a public key');
  return key;
}

async function fromPkcs8(text: string, ctx: KeyLoadContext): Promise<ParsedKey> {
  let ko: KeyObject;
  const encrypted = text.startsWith('-----BEGIN ENCRYPTED');
  let pass: string | undefined;
  if (encrypted) {
    pass = await ctx.passphrase();
    if (pass === undefined || pass === '') {
      throw new BaleenError('E_AUTH', `The private key ${ctx.label} is encrypted and no passphrase was given.`, { sshKind: 'passphrase-missing', key: ctx.label });
    }
  }
  try {
    ko = createPrivateKey(encrypted ? { key: text, format: 'pem', passphrase: pass! } : { key: text, format: 'pem' });
  } catch (e) {
    if (encrypted && /bad decrypt|BAD_DECRYPT|decrypt|passphrase/i.test(`${(e as { code?: string }).code ?? ''} ${errorMessage(e)}`)) throw badPassphrase(ctx.label);
    throw invalid(ctx.label, `node:crypto cannot read it (${(e as { code?: string }).code ?? errorMessage(e)})`);
  }
  const converted = toSsh2Format(ko, ctx.label);
  const parsed = ssh2.utils.parseKey(converted);
  if (parsed instanceof Error) throw invalid(ctx.label, parsed.message);
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
  if (!key?.isPrivateKey()) throw invalid(ctx.label, 'the converted key is not private');
  return key;
}

/** RSA → PKCS#1 PEM, EC → SEC1 PEM, Ed25519 → an unencrypted openssh-key-v1 (ssh2 has no PEM reader for it). */
function toSsh2Format(ko: KeyObject, label: string): string {
  switch (ko.asymmetricKeyType) {
    case 'rsa':
      return ko.export({ type: 'pkcs1', format: 'pem' }) as string;
    case 'ec':
      return ko.export({ type: 'sec1', format: 'pem' }) as string;
    case 'ed25519': {
      const jwk = ko.export({ format: 'jwk' });
      if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw invalid(label, 'incomplete Ed25519 key');
      return openSshEd25519(Buffer.from(jwk.d, 'base64url'), Buffer.from(jwk.x, 'base64url'));
    }
    default:
      throw invalid(label, `key type ${ko.asymmetricKeyType ?? 'unknown'} is not supported for SSH`);
  }
}

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** PROTOCOL.key from OpenSSH: one key, cipher "none", padded to 8 bytes. */
function openSshEd25519(seed: Buffer, pub: Buffer): string {
  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4).readUInt32BE(0);
  let priv = Buffer.concat([u32(check), u32(check), sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString('')]);
  const pad: number[] = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), sshString('none'), sshString('none'), sshString(''), u32(1), sshString(pubBlob), sshString(priv)]);
  const b64 = body.toString('base64').replace(/(.{70})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}\n-----END OPENSSH PRIVATE KEY-----`;
}
