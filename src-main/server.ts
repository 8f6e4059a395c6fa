import { startBridge, type Bridge } from './bridge';
import { KeychainSecretStore } from './core/connections';
import { createCore, type Core, type CoreDeps } from './core/create-core';
import { jsonLineLogger, type Logger } from './core/ports/logger';
import { betterSqliteDriver, checkSqliteDriver } from './core/store/better-sqlite3.driver';
import { Dispatcher } from './rpc';

/**
 * Composition root for plain Node (`baleen serve`, `npm run web`, tests): the core, the dispatcher and
 * the loopback bridge. The Electron shell composes the same core with its IPC adapter instead.
 */
export interface ServerOptions {
  dataDir: string;
  staticDir: string | null;
  port?: number;
  token?: string;
  logger?: Logger;
  monitoring?: CoreDeps['monitoring'];
  secrets?: CoreDeps['secrets'];
}

export interface RunningServer {
  core: Core;
  dispatcher: Dispatcher;
  bridge: Bridge;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.logger ?? jsonLineLogger((l) => void process.stderr.write(l));
  const sqlite = betterSqliteDriver();
  checkSqliteDriver(sqlite); // one clear E_NATIVE message if the module was built for another ABI
  // The OS keychain when it works; otherwise session-only secrets with the reason (SEC-C2).
  const secrets = opts.secrets ?? (await KeychainSecretStore.open({ log: log.child('secrets'), service: process.env.BALEEN_KEYCHAIN_SERVICE || 'baleen' }));
  const core = createCore({ dataDir: opts.dataDir, sqlite, shell: 'web', logger: log, monitoring: opts.monitoring, secrets });
  const dispatcher = new Dispatcher(core.handlers, core.events, log.child('rpc'));
  let bridge: Bridge;
  try {
    bridge = await startBridge({ dispatcher, staticDir: opts.staticDir, port: opts.port, token: opts.token, log: log.child('bridge') });
  } catch (e) {
    await core.dispose();
    throw e;
  }
  return {
    core,
    dispatcher,
    bridge,
    async close() {
      await bridge.close();
      await core.dispose();
    },
  };
}
