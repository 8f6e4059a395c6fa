import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import { openDatabase, type Migration } from '../store/sqlite-open';
import { fingerprintOf, type HostKey } from './host-key';

/**
 * Host keys the user trusted in Baleen (TOFU or an explicit replacement), kept apart from the user's
 * ~/.ssh/known_hosts, which Baleen only reads. One key per (host, port, key type): trusting a new key
 * of a type replaces the old one of that type.
 */
export interface HostKeyPin {
  host: string;
  port: number;
  key: HostKey;
  fingerprint: string;
  pinnedAt: number;
}

export interface HostKeyPinStore {
  pinsFor(host: string, port: number): HostKeyPin[];
  put(pin: HostKeyPin): void;
  /** Removes the pins of a host (one key type, or all); returns how many went. */
  remove(host: string, port: number, keyType?: string): number;
  close(): void;
}

/** Pins for one session only (tests; a profile whose user declined persistence). */
export class MemoryHostKeyStore implements HostKeyPinStore {
  private readonly pins = new Map<string, HostKeyPin>();
  private static key(host: string, port: number, type: string) {
    return JSON.stringify([host.toLowerCase(), port, type]);
  }
  pinsFor(host: string, port: number): HostKeyPin[] {
    const h = host.toLowerCase();
    return [...this.pins.values()].filter((p) => p.host === h && p.port === port);
  }
  put(pin: HostKeyPin): void {
    this.pins.set(MemoryHostKeyStore.key(pin.host, pin.port, pin.key.type), { ...pin, host: pin.host.toLowerCase() });
  }
  remove(host: string, port: number, keyType?: string): number {
    let n = 0;
    for (const p of this.pinsFor(host, port)) {
      if (keyType === undefined || p.key.type === keyType) n += this.pins.delete(MemoryHostKeyStore.key(p.host, p.port, p.key.type)) ? 1 : 0;
    }
    return n;
  }
  close(): void {}
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'ssh host key pins',
    up: `
      CREATE TABLE ssh_host_key (
        host TEXT NOT NULL,
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
        key_type TEXT NOT NULL,
        key_blob BLOB NOT NULL,
        fingerprint TEXT NOT NULL,
        pinned_at INTEGER NOT NULL,
        PRIMARY KEY (host, port, key_type)
      );
    `,
  },
];

type Row = { host: string; port: number; key_type: string; key_blob: Buffer; fingerprint: string; pinned_at: number };

/** Pins in a SQLite file the caller names (synchronous=FULL: a trust decision must survive a power cut). */
export class SqliteHostKeyStore implements HostKeyPinStore {
  private readonly db: SqliteDatabase;

  constructor(driver: SqliteDriver, path: string) {
    this.db = openDatabase(driver, path, { synchronous: 'FULL', migrations: MIGRATIONS });
  }

  pinsFor(host: string, port: number): HostKeyPin[] {
    return this.db
      .prepare<[string, number], Row>('SELECT * FROM ssh_host_key WHERE host = ? AND port = ? ORDER BY key_type')
      .all(host.toLowerCase(), port)
      .map((r) => ({
        host: r.host,
        port: r.port,
        key: { type: r.key_type, blob: Buffer.from(r.key_blob) },
        // Recomputed rather than trusted from the row: the blob is what gets compared.
        fingerprint: fingerprintOf(Buffer.from(r.key_blob)),
        pinnedAt: r.pinned_at,
      }));
  }

  put(pin: HostKeyPin): void {
    this.db
      .prepare('INSERT OR REPLACE INTO ssh_host_key (host, port, key_type, key_blob, fingerprint, pinned_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(pin.host.toLowerCase(), pin.port, pin.key.type, pin.key.blob, fingerprintOf(pin.key.blob), pin.pinnedAt);
  }

  remove(host: string, port: number, keyType?: string): number {
    const r = this.db
      .prepare<[string, number, string | null, string | null]>('DELETE FROM ssh_host_key WHERE host = ? AND port = ? AND (? IS NULL OR key_type = ?)')
      .run(host.toLowerCase(), port, keyType ?? null, keyType ?? null);
    return r.changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
