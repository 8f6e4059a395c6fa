import { BaleenError } from '../../../src-shared/domain/errors';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';

/** One migration = one transaction that also bumps `user_version`: a crash leaves the old or the new version (REL-D11). */
export interface Migration {
  version: number;
  name: string;
  up: string | ((db: SqliteDatabase) => void);
}

export interface OpenOptions {
  /** NORMAL for evidence that can be re-polled; FULL for the audit log (REL-D2, AUD-6). */
  synchronous: 'NORMAL' | 'FULL';
  migrations: readonly Migration[];
  /** Free pages go back to the file system on `incremental_vacuum`, so a size cap can be met (REL-D7). */
  autoVacuum?: boolean;
  /** Bytes the WAL is truncated to after a checkpoint (default 64 MiB). */
  journalSizeLimit?: number;
}

export function openDatabase(driver: SqliteDriver, path: string, opts: OpenOptions): SqliteDatabase {
  const db = driver.open(path);
  try {
    // auto_vacuum must be chosen before the first table exists.
    if (opts.autoVacuum && userVersion(db) === 0) db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous}`);
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.pragma(`journal_size_limit = ${Math.floor(opts.journalSizeLimit ?? 67_108_864)}`);
    db.pragma('wal_autocheckpoint = 1000');
    migrate(db, opts.migrations);
    if (opts.autoVacuum && db.pragma('auto_vacuum', { simple: true }) !== 2) {
      // A database made before auto_vacuum was set (store v0) is rebuilt once to switch it on.
      db.pragma('auto_vacuum = INCREMENTAL');
      db.exec('VACUUM');
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof BaleenError) throw e;
    throw new BaleenError('E_STORE', `Cannot prepare the database ${path}: ${e instanceof Error ? e.message : String(e)}`, { path }, { cause: e });
  }
}

export function userVersion(db: SqliteDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: SqliteDatabase, migrations: readonly Migration[]): void {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 1..n without holes (got ${m.version} at ${i + 1})`);
  });
  const current = userVersion(db);
  if (current > sorted.length) {
    throw new BaleenError(
      'E_STORE',
      `The database ${db.name} was written by a newer Baleen (schema ${current}, this version knows ${sorted.length}). Upgrade Baleen to open it.`,
    );
  }
  for (const m of sorted.slice(current)) {
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
