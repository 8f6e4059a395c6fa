import Database from 'better-sqlite3';
import { BaleenError } from '../../../src-shared/domain/errors';
import type { SqliteDriver } from '../ports/sqlite';

/**
 * better-sqlite3 behind the driver port. `nativeBinding` points at a build for another ABI (Electron's,
 * made by `npm start`); the default is the Node build in node_modules.
 */
export function betterSqliteDriver(opts: { nativeBinding?: string } = {}): SqliteDriver {
  return {
    open(path, o = {}) {
      try {
        return new Database(path, {
          readonly: o.readonly ?? false,
          fileMustExist: o.readonly ?? false,
          ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
        });
      } catch (e) {
        throw classifyOpenError(e, path);
      }
    },
  };
}

/** Turn a native-module load failure into one clear message instead of a crash (DESIGN §1). */
export function classifyOpenError(e: unknown, path: string): BaleenError {
  const msg = e instanceof Error ? e.message : String(e);
  const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*?requires[\s\S]*?NODE_MODULE_VERSION (\d+)/.exec(msg);
  if (abi || /ERR_DLOPEN_FAILED|invalid ELF header|was compiled against a different Node\.js version|Could not locate the bindings file/.test(msg)) {
    return new BaleenError(
      'E_NATIVE',
      abi
        ? `Baleen's SQLite module was built for ABI ${abi[1]}, but this runtime needs ABI ${abi[2]}. ` +
            'For the desktop app run `npm start` again (it rebuilds native modules for Electron); for the CLI or `npm run web` run `npm rebuild better-sqlite3`.'
        : `Baleen's SQLite module could not be loaded (${msg.split('\n')[0]}). Run \`npm rebuild better-sqlite3\`, or \`npm start\` for the desktop app.`,
      { path },
      { cause: e },
    );
  }
  return new BaleenError('E_STORE', `Cannot open the database ${path}: ${msg}`, { path }, { cause: e });
}

/** Start-up check: can this runtime load the SQLite module at all? */
export function checkSqliteDriver(driver: SqliteDriver): void {
  const db = driver.open(':memory:');
  try {
    db.prepare('select sqlite_version()').pluck().get();
  } finally {
    db.close();
  }
}
