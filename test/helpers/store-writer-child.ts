// A child process for the store's crash tests: the parent SIGKILLs it at random moments.
//   write   DB START [HEAD_MS] — writes batch after batch (live ticks + a bulk import chunk), flushes, and
//                        prints `ack N` only after batch N is committed (REL-D1). HEAD_MS: headCheckpointMs.
//   rollup  DB NOW     — runs maintenance (rollups) to the end with the clock fixed at NOW (REL-D8).
//   open    DB         — opens the store (runs migrations) and prints `open` (REL-D11).
// Run: node --import tsx test/helpers/store-writer-child.ts MODE ...
import { betterSqliteDriver } from '../../src-main/core/store/better-sqlite3.driver';
import { ChunkStore } from '../../src-main/core/store/chunk.store';
import type { Clock } from '../../src-main/core/ports/clock';
import { systemClock } from '../../src-main/core/ports/clock';

export const WRITER = {
  base: Date.UTC(2026, 0, 1),
  ticksPerBatch: 20,
  entities: ['node:d/a:1', 'node:d/b:1', 'node:d/c:1'],
  metrics: 30,
  bulkEntity: 'node:d/bulk:1',
  bulkMetrics: 10,
} as const;

/** Tick time of batch k, tick i. */
export const tickTs = (k: number, i: number): number => WRITER.base + (k * WRITER.ticksPerBatch + i) * 1000;

/** What batch k wrote for entity e, metric m at tick i: counters, and floats for every third metric. */
export function tickValue(k: number, i: number, e: number, m: number): number {
  const t = k * WRITER.ticksPerBatch + i;
  return m % 3 === 0 ? t * 0.1 + m / 7 + e : t * (m + 1) + e * 1000 + ((t * 7919) % 13);
}

export const metricName = (m: number): string => `serverStatus.test.m${m}`;

/** The bulk (FTDC-like) chunk batch k imports: 60 samples at 250 ms. */
export function bulkChunk(k: number): { ts: Float64Array; columns: { metric: string; values: Float64Array }[] } {
  const n = 60;
  const ts = Float64Array.from({ length: n }, (_, i) => WRITER.base + k * 15_000 + i * 250);
  const columns = Array.from({ length: WRITER.bulkMetrics }, (_, m) => ({
    metric: `ftdc.m${m}`,
    values: Float64Array.from({ length: n }, (_, i) => (m === 0 ? 42 : (k * n + i) * (m + 3))),
  }));
  return { ts, columns };
}

function fixedClock(now: number): Clock {
  return { ...systemClock, now: () => now };
}

async function main(): Promise<void> {
  const [mode, db, arg] = process.argv.slice(2);
  if (!mode || !db) throw new Error('usage: store-writer-child MODE DB [ARG]');
  const driver = betterSqliteDriver();
  if (mode === 'write') {
    // ARG2: how soon an open head is rewritten in its row (0: at every flush; large: samples stay in the tail journal).
    const headCheckpointMs = Number(process.argv[5] ?? 60_000);
    const store = new ChunkStore(driver, db, { maintenanceIntervalMs: 0, flushIntervalMs: 60_000, flushTicks: 1_000_000, flushSamples: 10_000_000, headCheckpointMs });
    const live = store.openBatch('live');
    const bulk = store.openBatch('ftdc', 'crash test');
    process.stdout.write(`ready ${live} ${bulk}\n`);
    for (let k = Number(arg ?? 0); ; k++) {
      for (let i = 0; i < WRITER.ticksPerBatch; i++) {
        WRITER.entities.forEach((entity, e) => {
          const values: Record<string, number> = {};
          for (let m = 0; m < WRITER.metrics; m++) values[metricName(m)] = tickValue(k, i, e, m);
          store.append(live, entity, tickTs(k, i), values);
        });
      }
      const { ts, columns } = bulkChunk(k);
      store.appendColumns(bulk, WRITER.bulkEntity, ts, columns);
      if (!store.flush()) throw new Error('flush did not commit');
      // Written only after the commit returned: the parent may count every acked batch as durable.
      process.stdout.write(`ack ${k}\n`);
    }
  } else if (mode === 'rollup') {
    const store = new ChunkStore(driver, db, { maintenanceIntervalMs: 0, clock: fixedClock(Number(arg)), sliceBudgetMs: 5 });
    process.stdout.write('ready\n');
    const r = await store.runMaintenance();
    store.close();
    process.stdout.write(`done ${r.rolledWindows}\n`);
  } else if (mode === 'open') {
    const store = new ChunkStore(driver, db, { maintenanceIntervalMs: 0 });
    process.stdout.write('open\n');
    store.close();
  } else throw new Error(`unknown mode ${mode}`);
}

// Imported by the tests for the data it writes; runs only as the child's entry point.
if (process.argv[1]?.endsWith('store-writer-child.ts')) {
  main().catch((e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
