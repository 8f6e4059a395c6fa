import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { MAX_SSH_HOPS, SECRET_KINDS, sshSecretKind, type SecretKind } from '../../../../src-shared/contract';
import { errorMessage } from '../../../../src-shared/domain/errors';
import type { Logger } from '../../ports/logger';
import { silentLogger } from '../../ports/logger';
import { MemorySecretStore, accountOf, type SecretPersistence, type SecretRead, type SecretStore } from '../../ports/secret-store';

/**
 * The OS keychain behind the SecretStore port (SEC-C1..C3, C6), through @napi-rs/keyring: one entry per
 * profile and secret kind, account `<profileId>/<kind>`. The stored value is a small envelope naming
 * its profile and kind, checked on read, so an entry copied to another profile's account is refused.
 * Where the keychain cannot be used, secrets live in this session's memory only, and the reason is kept
 * for the UI and the audit log; nothing is ever written to a file instead.
 */
export interface KeyringBackend {
  get(service: string, account: string): Promise<string | null>;
  set(service: string, account: string, value: string): Promise<void>;
  delete(service: string, account: string): Promise<boolean>;
}

interface NapiEntry {
  setPassword(v: string): Promise<void>;
  getPassword(): Promise<string | null>;
  deletePassword(): Promise<boolean>;
}
type NapiModule = { AsyncEntry: new (service: string, account: string, options?: { linux?: { store?: 'secret-service' | 'keyutils' } }) => NapiEntry };

/**
 * @napi-rs/keyring's async entries. On Linux they are pinned to the Secret Service: its fallback, the
 * kernel keyring, is lost at logout, and claiming it persists would be a lie.
 */
export function napiKeyringBackend(): KeyringBackend {
  // Loaded lazily so that a missing or broken native module is one "keychain unavailable" reason.
  const mod = createRequire(import.meta.url)('@napi-rs/keyring') as NapiModule;
  const entry = (service: string, account: string) => new mod.AsyncEntry(service, account, { linux: { store: 'secret-service' } });
  return {
    get: (service, account) => entry(service, account).getPassword(),
    set: (service, account, value) => entry(service, account).setPassword(value),
    delete: (service, account) => entry(service, account).deletePassword(),
  };
}

const ENVELOPE_VERSION = 1;

/** The stored form: the secret travels with the profile and kind it belongs to (SEC-C6). */
export function sealEnvelope(profileId: string, kind: SecretKind, secret: string): string {
  return JSON.stringify({ baleen: ENVELOPE_VERSION, profile: profileId, kind, secret });
}

export function openEnvelope(stored: string, profileId: string, kind: SecretKind): SecretRead {
  let v: unknown;
  try {
    v = JSON.parse(stored);
  } catch {
    return { state: 'unreadable', reason: 'the stored secret is not in Baleen’s format' };
  }
  if (typeof v !== 'object' || v === null) return { state: 'unreadable', reason: 'the stored secret is not in Baleen’s format' };
  const e = v as Record<string, unknown>;
  if (e.baleen !== ENVELOPE_VERSION || typeof e.secret !== 'string' || typeof e.profile !== 'string' || typeof e.kind !== 'string') {
    return { state: 'unreadable', reason: 'the stored secret is not in Baleen’s format' };
  }
  if (e.profile !== profileId || e.kind !== kind) {
    return { state: 'unreadable', reason: 'the keychain entry belongs to another connection; it was not used' };
  }
  return { state: 'set', value: e.secret, persistent: true };
}

/** Keeps a keychain error short and free of anything but the platform's own words. */
function shortReason(e: unknown): string {
  const m = errorMessage(e).replace(/\s+/g, ' ').trim();
  return m.length > 200 ? `${m.slice(0, 200)}…` : m;
}

export interface KeychainSecretStoreOptions {
  backend?: KeyringBackend | (() => KeyringBackend);
  /** Keychain "service" name; tests use their own so they never touch a user's entries. */
  service?: string;
  log?: Logger;
}

export class KeychainSecretStore implements SecretStore {
  private state: SecretPersistence;
  private readonly session = new MemorySecretStore();
  private readonly listeners = new Set<(reason: string) => void>();

  private constructor(
    private readonly backend: KeyringBackend | null,
    private readonly service: string,
    private readonly log: Logger,
    state: SecretPersistence,
  ) {
    this.state = state;
  }

  /**
   * Opens the keychain and proves it works with a probe entry (write, read back, delete). Never throws:
   * a keychain that fails is a session-only store with the reason.
   */
  static async open(opts: KeychainSecretStoreOptions = {}): Promise<KeychainSecretStore> {
    const service = opts.service ?? 'baleen';
    const log = opts.log ?? silentLogger;
    let backend: KeyringBackend;
    try {
      backend = typeof opts.backend === 'function' ? opts.backend() : (opts.backend ?? napiKeyringBackend());
    } catch (e) {
      const reason = `the OS keychain module could not be loaded (${shortReason(e)})`;
      log.warn('secrets kept for this session only', { reason });
      return new KeychainSecretStore(null, service, log, { persistent: false, reason });
    }
    const account = `probe/${randomUUID()}`;
    const probe = `probe-${randomUUID()}`;
    try {
      await backend.set(service, account, probe);
      const back = await backend.get(service, account);
      await backend.delete(service, account);
      if (back !== probe) throw new Error('a value written could not be read back');
      return new KeychainSecretStore(backend, service, log, { persistent: true });
    } catch (e) {
      const reason = `the OS keychain is unavailable (${shortReason(e)})`;
      log.warn('secrets kept for this session only', { reason });
      return new KeychainSecretStore(null, service, log, { persistent: false, reason });
    }
  }

  get persistence(): SecretPersistence {
    return this.state;
  }

  onPersistenceLost(listener: (reason: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private lose(e: unknown, what: string): void {
    if (!this.state.persistent) return;
    const reason = `the OS keychain failed while ${what} (${shortReason(e)})`;
    this.state = { persistent: false, reason };
    this.log.warn('secrets kept for this session only from now on', { reason });
    for (const l of this.listeners) {
      try {
        l(reason);
      } catch {
        // A listener's failure must not stop the secret from being kept for the session.
      }
    }
  }

  async read(profileId: string, kind: SecretKind): Promise<SecretRead> {
    // What this session was given takes precedence: it is what the user entered last.
    const fromSession = await this.session.read(profileId, kind);
    if (fromSession.state === 'set' || !this.backend) return fromSession;
    let stored: string | null;
    try {
      stored = await this.backend.get(this.service, accountOf(profileId, kind));
    } catch (e) {
      // One line, without the value: the user is asked for the secret again (SEC-C3).
      this.log.warn('a stored secret could not be read', { account: accountOf(profileId, kind), error: shortReason(e) });
      return { state: 'unreadable', reason: `the OS keychain could not be read (${shortReason(e)})` };
    }
    if (stored === null) return { state: 'missing' };
    const r = openEnvelope(stored, profileId, kind);
    if (r.state === 'unreadable') this.log.warn('a stored secret was refused', { account: accountOf(profileId, kind), reason: r.reason });
    return r;
  }

  async set(profileId: string, kind: SecretKind, value: string): Promise<SecretPersistence> {
    if (this.backend && this.state.persistent) {
      try {
        await this.backend.set(this.service, accountOf(profileId, kind), sealEnvelope(profileId, kind, value));
        await this.session.delete(profileId, kind);
        return { persistent: true };
      } catch (e) {
        this.lose(e, 'saving a secret');
      }
    }
    await this.session.set(profileId, kind, value);
    return this.state;
  }

  async delete(profileId: string, kind: SecretKind): Promise<void> {
    await this.session.delete(profileId, kind);
    if (!this.backend) return;
    try {
      await this.backend.delete(this.service, accountOf(profileId, kind));
    } catch (e) {
      this.log.warn('a stored secret could not be deleted', { account: accountOf(profileId, kind), error: shortReason(e) });
      throw e;
    }
  }

  /** Every kind of one profile (removing a connection). */
  async deleteAll(profileId: string): Promise<void> {
    const ssh = Array.from({ length: MAX_SSH_HOPS }, (_, i) => [sshSecretKind('password', i + 1), sshSecretKind('passphrase', i + 1)]).flat();
    for (const kind of [...SECRET_KINDS, ...ssh]) await this.delete(profileId, kind).catch(() => undefined);
  }
}
