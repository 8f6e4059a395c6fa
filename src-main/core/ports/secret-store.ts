/**
 * Secrets live behind this port (DESIGN §2): the OS keychain in the product (issue 3), or the session's
 * memory when no keychain is available. Secrets never reach the renderer, SQLite, logs, audit rows or
 * exports. Accounts are `<profileId>/<kind>` (SEC-C6).
 */
export type SecretKind = 'mongodb-password' | 'ssh-password' | 'ssh-passphrase' | 'tls-key-password';

export interface SecretStore {
  /** Whether secrets survive a restart, and if not, why (shown to the user, SEC-C2). */
  readonly persistence: { persistent: true } | { persistent: false; reason: string };
  get(profileId: string, kind: SecretKind): Promise<string | undefined>;
  set(profileId: string, kind: SecretKind, value: string): Promise<void>;
  delete(profileId: string, kind: SecretKind): Promise<void>;
}

/** Session-only secrets: nothing is written anywhere. */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, string>();
  constructor(readonly persistence: SecretStore['persistence'] = { persistent: false, reason: 'secrets are kept for this session only' }) {}

  async get(profileId: string, kind: SecretKind) {
    return this.secrets.get(`${profileId}/${kind}`);
  }
  async set(profileId: string, kind: SecretKind, value: string) {
    this.secrets.set(`${profileId}/${kind}`, value);
  }
  async delete(profileId: string, kind: SecretKind) {
    this.secrets.delete(`${profileId}/${kind}`);
  }
}
