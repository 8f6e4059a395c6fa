import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';

import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './net';

/**
 * A real FerretDB (MongoDB wire protocol over SQLite) for integration tests, started by PID and stopped
 * by PID. Built and cached by scripts/install-ferretdb.sh (`npm run test:setup`).
 */
export const FERRETDB_VERSION = 'v1.24.2';

export function ferretdbBinary(): string {
  const candidates = [process.env.FERRETDB_BIN, join(process.env.BALEEN_CACHE_DIR ?? join(homedir(), '.cache', 'baleen'), 'bin', `ferretdb-${FERRETDB_VERSION}`)];
  const bin = candidates.find((c): c is string => !!c && existsSync(c));
  if (!bin) throw new Error('FerretDB is not installed: run `npm run test:setup` (it builds FerretDB with Go via scripts/install-ferretdb.sh), or set FERRETDB_BIN.');
  return bin;
}

export interface FerretDb {
  port: number;
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

export interface FerretDbOptions {
  /** Extra flags; a function is called again for each attempt (so ports it picks are fresh ones). */
  extraArgs?: string[] | (() => Promise<string[]>);
}

/**
 * A port found free can be taken by another test before FerretDB binds it: a start that fails with
 * "address already in use" is tried again on fresh ports.
 */
export async function startFerretDb(opts: FerretDbOptions = {}): Promise<FerretDb> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(typeof opts.extraArgs === 'function' ? await opts.extraArgs() : (opts.extraArgs ?? []));
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test(e instanceof Error ? e.message : String(e))) throw e;
    }
  }
}

async function startOnce(extraArgs: string[]): Promise<FerretDb> {
  const bin = ferretdbBinary();
  const dir = mkdtempSync(join(tmpdir(), 'baleen-ferretdb-'));
  const port = await freePort();
  let stderr = '';
  const child: ChildProcess = spawn(
    bin,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
      ...extraArgs,
    ],
    { env: { ...process.env, DO_NOT_TRACK: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitForPort(port, 15_000, () => (child.exitCode !== null ? `ferretdb exited (${child.exitCode}): ${stderr}` : null));
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    pid: child.pid!,
    uri: `mongodb://127.0.0.1:${port}/`,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

