import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core, type CoreDeps } from '../../src-main/core/create-core';
import { silentLogger } from '../../src-main/core/ports/logger';
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import { Dispatcher, memoryTransport } from '../../src-main/rpc';
import { BaleenClient } from '../../src-shared/contract/client';

export interface TestCore {
  core: Core;
  client: BaleenClient;
  dataDir: string;
  /** Stop the core but keep its data folder (to reopen it). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** A real core (real SQLite, real audit log) on a temp data folder, reached through the memory transport. */
export function startTestCore(opts: Partial<CoreDeps> & { dataDir?: string } = {}): TestCore {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'baleen-core-'));
  const core = createCore({ sqlite: betterSqliteDriver(), shell: 'memory', logger: silentLogger, ...opts, dataDir });
  const transport = memoryTransport(new Dispatcher(core.handlers, core.events, silentLogger));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    transport.dispose();
    await core.dispose();
  };
  return {
    core,
    client: new BaleenClient(transport),
    dataDir,
    stop,
    async close() {
      await stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
