import type { SecretKind } from '../../../src-shared/contract';

/**
 * Secrets live behind this port (DESIGN §2): the OS keychain in the product, or the session's memory when
 * no keychain is available (SEC-C2). Secrets never reach the renderer, SQLite, logs, audit rows or
 * exports. Accounts are `<profileId>/<kind>` and a stored value names its profile (SEC-C6).
 */
export type { SecretKind };

export type SecretPersistence = { persistent: true } | { persistent: false; reason: string };

/** What reading one secret found. `unreadable` means: connect without it and ask the user again (SEC-C3). */
export type SecretRead = { state: 'set'; value: string; persistent: boolean } | { state: 'missing' } | { state: 'unreadable'; reason: string };

export interface SecretStore {
  /** Whether secrets set now survive a restart, and if not, why (shown to the user, SEC-C2). */
  readonly persistence: SecretPersistence;
  read(profileId: string, kind: SecretKind): Promise<SecretRead>;
  /** Where the value went: the keychain, or this session only (with the reason). */
  set(profileId: string, kind: SecretKind, value: string): Promise<SecretPersistence>;
  delete(profileId: string, kind: SecretKind): Promise<void>;
  /** Persistence lost at run time (the keychain started failing): the core audits it. */
  onPersistenceLost?(listener: (reason: string) => void): () => void;
  dispose?(): void;
}

export async function readSecret(store: SecretStore, profileId: string, kind: SecretKind): Promise<string | undefined> {
  const r = await store.read(profileId, kind);
  return r.state === 'set' ? r.value : undefined;
}

export const accountOf = (profileId: string, kind: SecretKind): string => `${profileId}/${kind}`;

/** Session-only secrets: nothing is written anywhere. */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, string>();
  constructor(readonly persistence: SecretPersistence = { persistent: false, reason: 'secrets are kept for this session only' }) {}

  async read(profileId: string, kind: SecretKind): Promise<SecretRead> {
    const value = this.secrets.get(accountOf(profileId, kind));
    return value === undefined ? { state: 'missing' } : { state: 'set', value, persistent: false };
  }
  async set(profileId: string, kind: SecretKind, value: string): Promise<SecretPersistence> {
    this.secrets.set(accountOf(profileId, kind), value);
    return this.persistence;
  }
  async delete(profileId: string, kind: SecretKind): Promise<void> {
    this.secrets.delete(accountOf(profileId, kind));
  }
  has(profileId: string, kind: SecretKind): boolean {
    return this.secrets.has(accountOf(profileId, kind));
  }
}
