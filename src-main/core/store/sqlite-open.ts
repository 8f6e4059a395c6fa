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
  /**
   * When the disk is full at start: `exclusive` (default) opens the file without its -shm and falls back
   * to memory; `memory` goes straight to memory (the metrics store: polling keeps working and charts
   * keep moving, where a file that cannot take writes would only buffer).
   */
  whenFull?: 'exclusive' | 'memory';
}

/**
 * How a database came to be open when the disk is full at start (REL-D4). `exclusive`: the file is open
 * without its -shm (WAL locking in process memory), so what is stored is readable and writes succeed
 * again once there is space; `memory`: the file could not be opened at all and an empty database in
 * memory stands in for it until Baleen restarts.
 */
export interface Degradation {
  mode: 'exclusive' | 'memory';
  path: string;
  /** SQLite's error code or the system's (SQLITE_IOERR_SHMSIZE, SQLITE_FULL, ENOSPC…). */
  code: string;
  message: string;
}

const degraded = new WeakMap<SqliteDatabase, Degradation>();

/** Set when the database was opened in a degraded mode (the disk was full at start). */
export function degradationOf(db: SqliteDatabase): Degradation | null {
  return degraded.get(db) ?? null;
}

/** The first error code along `e`'s cause chain (Baleen's errors wrap the driver's) that `pattern` matches. */
export function errorCodeOf(e: unknown, pattern: RegExp): string | null {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && pattern.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

const DISK_FULL = /^(SQLITE_FULL|SQLITE_IOERR_(SHMSIZE|SHMMAP|SHMOPEN|WRITE|TRUNCATE|FSYNC)|SQLITE_CANTOPEN|ENOSPC|EDQUOT)$/;

/** The error code when `e` says the disk is full or a file beside the database cannot be made (-shm, -wal, journal). */
export function diskFullCode(e: unknown): string | null {
  return errorCodeOf(e, DISK_FULL);
}

/**
 * Opens (or creates) a database in WAL mode and brings its schema up to date. When that fails because
 * the disk is full, the database is opened without its -shm instead, and failing that in memory
 * (`degradationOf` says which): Baleen starts either way and says why (REL-D4).
 */
export function openDatabase(driver: SqliteDriver, path: string, opts: OpenOptions): SqliteDatabase {
  try {
    return prepareDatabase(driver, path, opts, 'normal');
  } catch (e) {
    const code = diskFullCode(e);
    if (code === null || path === ':memory:') throw e;
    const reason = e instanceof Error ? e.message : String(e);
    for (const mode of opts.whenFull === 'memory' ? (['memory'] as const) : (['exclusive', 'memory'] as const)) {
      try {
        const db = prepareDatabase(driver, mode === 'memory' ? ':memory:' : path, opts, mode);
        degraded.set(db, { mode, path, code, message: reason });
        return db;
      } catch (e2) {
        if (diskFullCode(e2) === null) throw e2;
      }
    }
    throw e;
  }
}

function prepareDatabase(driver: SqliteDriver, path: string, opts: OpenOptions, mode: 'normal' | 'exclusive' | 'memory'): SqliteDatabase {
  const db = driver.open(path);
  try {
    // Exclusive locking before the first read keeps WAL's index in process memory: no -shm file.
    if (mode === 'exclusive') db.pragma('locking_mode = EXCLUSIVE');
    // auto_vacuum must be chosen before the first table exists.
    if (opts.autoVacuum && userVersion(db) === 0) db.pragma('auto_vacuum = INCREMENTAL');
    if (mode === 'normal') db.pragma('journal_mode = WAL');
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
