import type BetterSqlite3 from 'better-sqlite3';

/**
 * The SQLite driver port. The store and the audit log see only this narrow slice of a database, so
 * the engine (better-sqlite3 built for Node, or for Electron's ABI) is chosen by the composition root.
 */
export type SqliteDatabase = Pick<
  BetterSqlite3.Database,
  'exec' | 'prepare' | 'pragma' | 'transaction' | 'close' | 'backup' | 'open' | 'name' | 'inTransaction'
>;

export interface SqliteDriver {
  open(path: string, opts?: { readonly?: boolean }): SqliteDatabase;
}
