import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where `npm start` puts better-sqlite3 rebuilt for Electron's ABI (scripts/start-electron.mjs), so the
 * Node build in node_modules stays usable for tests, the CLI and `npm run web`.
 */
export function electronSqliteBinding(appRoot: string, env: Record<string, string | undefined> = process.env): string | undefined {
  const candidates = [env.BALEEN_ELECTRON_SQLITE, join(appRoot, '.electron-native', 'better_sqlite3.node'), join(process.resourcesPath ?? '', 'native', 'better_sqlite3.node')];
  return candidates.find((c): c is string => !!c && existsSync(c));
}
