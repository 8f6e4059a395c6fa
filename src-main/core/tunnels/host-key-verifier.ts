import { readFile } from 'node:fs/promises';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import type { AuditLog } from '../audit/audit-log';
import type { Clock } from '../ports/clock';
import { fingerprintOf, hostKeyAlgorithmsPreferring, keyTypeOf, type HostKey } from './host-key';
import type { HostKeyPin, HostKeyPinStore } from './host-key-store';
import { describeEntry, knownKeyTypes, lookupKnownHost, parseKnownHosts, type KnownHostsEntry } from './known-hosts.parser';

/**
 * Decides whether a presented host key is the one we expect (SEC-S1..S3). Sources: the user's
 * known_hosts files (read-only) and Baleen's own pins. A revoked key is refused whatever else says; a
 * key either source vouches for is trusted; a host that is known with other keys only has CHANGED its
 * key and is refused under every setting; otherwise the key is unknown and the user decides, through
 * `trust()` — never a prompt racing a handshake timer.
 */
export type AuditPort = Pick<AuditLog, 'run' | 'record'>;

/** What the UI shows and hands back to trust a key: the key itself travels, so nothing is looked up twice. */
export interface HostKeyChallenge {
  /** The name the key is checked under: the hop's host (or its HostKeyAlias) and port. */
  host: string;
  port: number;
  keyType: string;
  /** The public key blob, base64. Public data; never a secret. */
  key: string;
  fingerprint: string;
}

export interface KnownKeyInfo {
  keyType: string;
  fingerprint: string;
  /** `~/.ssh/known_hosts:12` or `baleen`. */
  source: string;
}

export type HostKeyDecision =
  | { verdict: 'trusted'; via: 'known_hosts' | 'pinned'; fingerprint: string }
  | { verdict: 'unknown'; challenge: HostKeyChallenge }
  | { verdict: 'changed'; challenge: HostKeyChallenge; previous: KnownKeyInfo[] }
  | { verdict: 'revoked'; challenge: HostKeyChallenge; source: string };

export interface HostKeyTarget {
  host: string;
  port: number;
}

export interface HostKeyVerifierOptions {
  /** Read-only OpenSSH files, e.g. ~/.ssh/known_hosts. A missing file is empty; an unreadable one fails closed. */
  knownHostsFiles: readonly string[];
  pins: HostKeyPinStore;
  audit: AuditPort;
  clock: Clock;
  readText?: (path: string) => Promise<string>;
}

export class HostKeyVerifier {
  private readonly readText: (path: string) => Promise<string>;

  constructor(private readonly o: HostKeyVerifierOptions) {
    this.readText = o.readText ?? ((p) => readFile(p, 'utf8'));
  }

  private async knownHosts(): Promise<KnownHostsEntry[]> {
    const all: KnownHostsEntry[] = [];
    for (const file of this.o.knownHostsFiles) {
      let text: string;
      try {
        text = await this.readText(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new BaleenError(
          'E_PARSE',
          `Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}). Baleen will not connect without checking host keys: fix the file's permissions or remove it from the list.`,
          { source: file, sshKind: 'known-hosts-unreadable' },
        );
      }
      all.push(...parseKnownHosts(text, file));
    }
    return all;
  }

  /** Host-key algorithms to offer this target: the types we can check first (as OpenSSH does). */
  async preferredAlgorithms(t: HostKeyTarget): Promise<string[]> {
    const types = new Set(knownKeyTypes(await this.knownHosts(), t.host, t.port));
    for (const p of this.o.pins.pinsFor(t.host, t.port)) types.add(p.key.type);
    return hostKeyAlgorithmsPreferring(types);
  }

  async check(t: HostKeyTarget, presented: HostKey): Promise<HostKeyDecision> {
    const fingerprint = fingerprintOf(presented.blob);
    const challenge: HostKeyChallenge = { host: t.host.toLowerCase(), port: t.port, keyType: presented.type, key: presented.blob.toString('base64'), fingerprint };
    const known = lookupKnownHost(await this.knownHosts(), t.host, t.port, presented);
    if (known.status === 'revoked') return { verdict: 'revoked', challenge, source: describeEntry(known.entry) };
    const pins = this.o.pins.pinsFor(t.host, t.port);
    if (pins.some((p) => p.key.type === presented.type && p.key.blob.equals(presented.blob))) return { verdict: 'trusted', via: 'pinned', fingerprint };
    if (known.status === 'match') return { verdict: 'trusted', via: 'known_hosts', fingerprint };
    const previous: KnownKeyInfo[] = [
      ...(known.status === 'mismatch' ? known.known.map((e) => ({ keyType: e.key.type, fingerprint: fingerprintOf(e.key.blob), source: `${e.source}:${e.line}` })) : []),
      ...pins.map((p) => ({ keyType: p.key.type, fingerprint: p.fingerprint, source: 'baleen' })),
    ];
    if (previous.length > 0) {
      // Same-type keys first: that is the comparison a person can make sense of.
      previous.sort((a, b) => Number(b.keyType === presented.type) - Number(a.keyType === presented.type));
      return { verdict: 'changed', challenge, previous };
    }
    return { verdict: 'unknown', challenge };
  }

  /** SEC-S1: the user accepted an UNKNOWN key. Refused if the host meanwhile has other keys (that is `replace`). */
  async trust(challenge: HostKeyChallenge, actor: string): Promise<HostKeyPin> {
    const key = validateChallenge(challenge);
    const decision = await this.check(challenge, key);
    if (decision.verdict === 'trusted') return this.o.pins.pinsFor(challenge.host, challenge.port).find((p) => p.key.blob.equals(key.blob)) ?? this.pin(challenge, key);
    if (decision.verdict !== 'unknown') {
      throw new BaleenError(
        'E_CONFLICT',
        decision.verdict === 'revoked'
          ? `The host key ${challenge.fingerprint} of ${target(challenge)} is revoked (${decision.source}); it cannot be trusted.`
          : `${target(challenge)} already has a different trusted key (${decision.previous[0]!.fingerprint}); replacing it is a separate, explicit action.`,
        { host: challenge.host, port: challenge.port, sshKind: decision.verdict === 'revoked' ? 'host-key-revoked' : 'host-key-changed' },
      );
    }
    return this.o.audit.run(
      { action: 'ssh.hostkey.trust', target: target(challenge), actor, details: { keyType: key.type, fingerprint: challenge.fingerprint } },
      async () => this.pin(challenge, key),
    );
  }

  /**
   * SEC-S2: the user, having seen both fingerprints, replaces a CHANGED key. `previousFingerprint` must
   * name a key we know for the host, so a stale dialog cannot replace a key it never showed.
   */
  async replace(challenge: HostKeyChallenge & { previousFingerprint: string }, actor: string): Promise<HostKeyPin> {
    const key = validateChallenge(challenge);
    const decision = await this.check(challenge, key);
    if (decision.verdict === 'revoked') {
      throw new BaleenError('E_CONFLICT', `The host key ${challenge.fingerprint} of ${target(challenge)} is revoked (${decision.source}); it cannot be trusted.`, {
        host: challenge.host,
        port: challenge.port,
        sshKind: 'host-key-revoked',
      });
    }
    if (decision.verdict !== 'changed' || !decision.previous.some((p) => p.fingerprint === challenge.previousFingerprint)) {
      throw new BaleenError('E_CONFLICT', `The keys known for ${target(challenge)} are not the ones this request was made for; check the host again.`, {
        host: challenge.host,
        port: challenge.port,
      });
    }
    return this.o.audit.run(
      {
        action: 'ssh.hostkey.replace',
        target: target(challenge),
        actor,
        details: { keyType: key.type, fingerprint: challenge.fingerprint, previous: decision.previous.map((p) => `${p.keyType} ${p.fingerprint} (${p.source})`) },
      },
      async () => this.pin(challenge, key),
    );
  }

  /** Forget Baleen's pins for a host (the user's known_hosts is untouched). Audited. */
  async forget(t: HostKeyTarget, actor: string): Promise<number> {
    return this.o.audit.run({ action: 'ssh.hostkey.forget', target: target(t), actor }, async () => this.o.pins.remove(t.host, t.port));
  }

  private pin(c: HostKeyChallenge, key: HostKey): HostKeyPin {
    const pin: HostKeyPin = { host: c.host.toLowerCase(), port: c.port, key, fingerprint: fingerprintOf(key.blob), pinnedAt: this.o.clock.now() };
    this.o.pins.put(pin);
    return pin;
  }
}

const target = (t: HostKeyTarget) => (t.port === 22 ? t.host : `[${t.host}]:${t.port}`);

/** A challenge comes back from the UI: untrusted. The fingerprint must be the key's own. */
function validateChallenge(c: HostKeyChallenge): HostKey {
  const bad = (why: string) => new BaleenError('E_INVALID_INPUT', `Invalid host key request: ${why}.`);
  if (typeof c.host !== 'string' || c.host === '' || c.host.length > 255 || /[\s,]/.test(c.host)) throw bad('bad host');
  if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535) throw bad('bad port');
  if (typeof c.key !== 'string' || c.key.length > 16384 || !/^[A-Za-z0-9+/]+={0,2}$/.test(c.key)) throw bad('the key is not base64');
  const blob = Buffer.from(c.key, 'base64');
  const type = keyTypeOf(blob);
  if (type === null || type !== c.keyType) throw bad('the key does not match its type');
  if (fingerprintOf(blob) !== c.fingerprint) throw bad('the fingerprint does not match the key');
  return { type, blob };
}
