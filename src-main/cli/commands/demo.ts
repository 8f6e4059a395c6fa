import { APP_VERSION } from '../../../src-shared/domain/version';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { rendererDir } from '../../app-paths';
import { startBridge } from '../../bridge';
import { createCore } from '../../core/create-core';
import { jsonLineLogger } from '../../core/ports/logger';
import { MemorySecretStore } from '../../core/ports/secret-store';
import { betterSqliteDriver, checkSqliteDriver } from '../../core/store/better-sqlite3.driver';
import { Dispatcher } from '../../rpc';
import { UsageError, type CliCommand } from '../io';

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Start a simulated three-member replica set and serve the console on it (no cluster needed)',
  usage: `Usage: baleen demo [--port N] [--data-dir DIR] [--election-every SECONDS]

Starts Baleen's MongoDB simulator as a three-member replica set on this machine
(loopback only) under a workload that rises and falls, with a secondary that
lags and an election every few minutes, adds it as a connection and serves the
console on http://127.0.0.1:PORT/. Open the printed URL once. Stop with Ctrl-C.

The demo keeps its data apart from yours: in a temporary folder, removed when
it stops, unless --data-dir is given.

  --port N                port to listen on (default: a free port)
  --data-dir DIR          keep the demo's databases here (kept after it stops)
  --election-every SECS   seconds between elections (default 180)
`,
  async run(args, io, signal) {
    const { values } = parseArgs({ args, options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'election-every': { type: 'string' } }, strict: true });
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}"`);
    const every = values['election-every'] === undefined ? 180 : Number(values['election-every']);
    if (!(Number.isFinite(every) && every >= 5 && every <= 86_400)) throw new UsageError(`--election-every must be a number of seconds from 5 to 86400, not "${values['election-every']}"`);
    const temporary = values['data-dir'] === undefined;
    const dataDir = temporary ? mkdtempSync(join(tmpdir(), 'baleen-demo-')) : resolve(io.cwd, values['data-dir']!);
    const log = jsonLineLogger((l) => io.stderr(l));
    const sqlite = betterSqliteDriver();
    checkSqliteDriver(sqlite);
    // The demo asks for no password: nothing needs the OS keychain.
    const core = createCore({ dataDir, sqlite, shell: 'web', logger: log, secrets: new MemorySecretStore(), demoElectionEveryMs: every * 1000 });
    let bridge;
    try {
      const demo = await core.startDemo('cli:demo');
      bridge = await startBridge({ dispatcher: new Dispatcher(core.handlers, core.events, log.child('rpc')), staticDir: rendererDir(), port, log: log.child('bridge') });
      io.stdout(`Baleen ${APP_VERSION} demo: replica set ${demo.setName} (${demo.members.join(', ')}), simulated on this machine.\n`);
      io.stdout(`Open the console at ${bridge.url}#/cluster/${encodeURIComponent(demo.connectionId)}\n`);
      io.stdout(`Data folder: ${dataDir}${temporary ? ' (removed when the demo stops)' : ''}\n`);
      if (rendererDir() === null) io.stdout('The console is not built: run `npm run build` (the API is up).\n');
      await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
      io.stderr('Stopping the demo…\n');
      return 0;
    } finally {
      await bridge?.close();
      await core.dispose();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
