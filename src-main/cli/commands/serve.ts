import { APP_VERSION } from '../../../src-shared/domain/version';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir, rendererDir } from '../../app-paths';
import { startServer } from '../../server';
import { UsageError, type CliCommand } from '../io';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the console to a browser on 127.0.0.1 (prints the URL with its access token)',
  usage: `Usage: baleen serve [--port N] [--data-dir DIR]

Starts Baleen's core and serves the console on http://127.0.0.1:PORT/ only.
Open the printed URL once: it carries a random access token, which the page
swaps for a cookie. Stop with Ctrl-C.

  --port N        port to listen on (default: a free port)
  --data-dir DIR  where Baleen keeps its databases (default: $BALEEN_DATA_DIR,
                  else the desktop app's data folder)
`,
  async run(args, io, signal) {
    const { values } = parseArgs({ args, options: { port: { type: 'string' }, 'data-dir': { type: 'string' } }, strict: true });
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}"`);
    const dataDir = resolve(io.cwd, values['data-dir'] ?? io.env.BALEEN_DATA_DIR ?? defaultDataDir(io.env));
    const staticDir = rendererDir();
    const server = await startServer({ dataDir, staticDir, port });
    io.stdout(`Baleen ${APP_VERSION} is serving the console at ${server.bridge.url}\n`);
    io.stdout(`Data folder: ${dataDir}\n`);
    if (staticDir === null) io.stdout('The console is not built: run `npm run build` (the API is up).\n');
    await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
    io.stderr('Stopping…\n');
    await server.close();
    return 0;
  },
};
