import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FtdcImportProgress } from '../../../src-shared/contract/ftdc.contract';
import { AuditLog } from '../audit/audit-log';
import { systemClock, type Clock } from '../ports/clock';
import { silentLogger, type Logger } from '../ports/logger';
import type { SqliteDriver } from '../ports/sqlite';
import { ChunkStore } from '../store/chunk.store';
import { ConfigStore } from '../store/config.store';
import { FtdcImportService } from './ftdc-import.service';
import { ImportRegistry } from './import-registry';

/**
 * The import service over a data folder's own databases, without the rest of the core (no
 * connections, no polling): what `baleen ftdc import` runs. Same files as the console's core, so
 * the console shows the import when it next opens the folder.
 */
export interface ImportEnvironment {
  service: FtdcImportService;
  close(): Promise<void>;
}

export function openImportEnvironment(o: { dataDir: string; sqlite: SqliteDriver; clock?: Clock; log?: Logger; onProgress?: (p: FtdcImportProgress) => void }): ImportEnvironment {
  const clock = o.clock ?? systemClock;
  const log = o.log ?? silentLogger;
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const opened: { close(): void }[] = [];
  try {
    const config = new ConfigStore(o.sqlite, join(o.dataDir, 'config.db'));
    opened.push(config);
    const audit = new AuditLog(o.sqlite, join(o.dataDir, 'audit.db'), clock);
    opened.push(audit);
    // No maintenance timer: rollups of the import are made by the console's maintenance later.
    const store = new ChunkStore(o.sqlite, join(o.dataDir, 'metrics.db'), { clock, log: log.child('store'), maintenanceIntervalMs: 0 });
    opened.push(store);
    const registry = new ImportRegistry(o.sqlite, join(o.dataDir, 'imports.db'));
    opened.push(registry);
    const service = new FtdcImportService({ store, nodes: config, audit, registry, clock, log, ...(o.onProgress ? { emit: o.onProgress } : {}) });
    return {
      service,
      async close() {
        await service.ready;
        for (const x of opened.reverse()) x.close();
      },
    };
  } catch (e) {
    for (const x of opened.reverse()) x.close();
    throw e;
  }
}
