// The metrics store: bytes per stored sample (live serverStatus from the simulator's varying workload
// at 1 s, and real FTDC from ../shared/corpus), ingest rate on one core, flush cost of a live load,
// and chart queries over 30 days of 1 s data at 1,000 points.
// Run: npx tsx bench/store.bench.ts [--quick]   (--quick: 7 days instead of 30 for the query part)
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Document } from '../src-main/core/bson/bson';
import { CATALOGUE } from '../src-shared/domain/metrics/catalogue';
import { readFtdc } from '../src-main/core/ftdc';
import { queryMetrics } from '../src-main/core/metrics/metrics-query';
import { toNumber } from '../src-main/core/metrics/server-status.collector';
import type { Clock } from '../src-main/core/ports/clock';
import { systemClock } from '../src-main/core/ports/clock';
import { generateServerStatus, ManualClock, SimNode } from '../src-main/core/sim';
import { betterSqliteDriver } from '../src-main/core/store/better-sqlite3.driver';
import { ChunkStore } from '../src-main/core/store/chunk.store';

const driver = betterSqliteDriver();
const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'baleen-store-bench-'));
const CORPUS = resolve(process.cwd(), '../shared/corpus');
const FTDC_FILES = [
  'b1ron-ftdc/files/diagnostic.data/metrics.2024-04-16T11-34-42Z-00000',
  'b1ron-ftdc/files/diagnostic.data/metrics.2025-07-10T15-58-48Z-00000',
  'b1ron-ftdc/files/diagnostic.data/metrics.interim',
  'suitcase-mongo/diagnostic.data/metrics.2019-02-14T19-38-43Z-00000',
  'suitcase-mongo/diagnostic.data/metrics.2019-02-14T19-39-23Z-00000',
  'suitcase-mongo/diagnostic.data/metrics.interim',
].map((f) => resolve(CORPUS, f));

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const fixedClock = (now: number): Clock => ({ ...systemClock, now: () => now });

function flatten(doc: Document, prefix: string, out: Record<string, number>): void {
  for (const [k, v] of Object.entries(doc)) {
    const path = `${prefix}.${k}`;
    const n = toNumber(v);
    if (n !== undefined) out[path] = n;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !('_bsontype' in v)) flatten(v as Document, path, out);
  }
}

/** Disk bytes of a closed store: the file, and the pages in use. */
function onDisk(path: string): { file: number; used: number } {
  const db = driver.open(path, { readonly: true });
  try {
    const page = db.pragma('page_size', { simple: true }) as number;
    const used = ((db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number)) * page;
    return { file: statSync(path).size, used };
  } finally {
    db.close();
  }
}

async function simTicks(hours: number): Promise<Array<{ ts: number; values: Record<string, number> }>> {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const node = new SimNode({ me: 'bench-a.example.net:27017', version: '7.0.14', seed: 11, clock });
  const ticks: Array<{ ts: number; values: Record<string, number> }> = [];
  for (let s = 0; s < hours * 3600; s++) {
    // A varying workload: rates follow a slow daily-like wave and a burst every 40 minutes.
    if (s % 600 === 0) {
      const f = 1 + 0.8 * Math.sin((s / 3600) * 0.9) + (s % 2400 === 0 ? 2 : 0);
      node.setRates({ insert: 200 * f, query: 900 * f, update: 120 * f, delete: 15 * f, getmore: 40 * f, command: 500 * f });
    }
    await clock.advance(1000);
    const values: Record<string, number> = {};
    flatten(generateServerStatus(node), 'serverStatus', values);
    ticks.push({ ts: clock.now(), values });
  }
  return ticks;
}

async function main(): Promise<void> {
  console.log(`machine: 2 cores shared with other work; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  // ---- 1. live serverStatus from the simulator, 1 s --------------------------------------------
  const hours = quick ? 1 : 4;
  let t = performance.now();
  const ticks = await simTicks(hours);
  const metricsPerTick = Object.keys(ticks[0]!.values).length;
  console.log(`\nsimulator: ${fmt(ticks.length)} ticks × ${metricsPerTick} numeric serverStatus fields generated in ${fmt(performance.now() - t)} ms`);
  const catalogueIds = new Set(CATALOGUE.map((m) => m.id));
  for (const [name, pick] of [
    ['all serverStatus fields', (v: Record<string, number>) => v],
    ['catalogue metrics (charts)', (v: Record<string, number>) => Object.fromEntries(Object.entries(v).filter(([k]) => catalogueIds.has(k)))],
  ] as const) {
    const path = join(dir, `live-${name.length}.db`);
    const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0, clock: fixedClock(ticks.at(-1)!.ts + 3_600_000) });
    const b = store.openBatch('live');
    const rows = ticks.map((x) => ({ ts: x.ts, values: pick(x.values) }));
    let samples = 0;
    t = performance.now();
    for (const r of rows) {
      store.append(b, 'node:bench/a:27017', r.ts, r.values);
      samples += Object.keys(r.values).length;
    }
    store.flush();
    const ingestMs = performance.now() - t;
    store.close();
    const raw = onDisk(path);
    const s2 = new ChunkStore(driver, path, { maintenanceIntervalMs: 0, clock: fixedClock(ticks.at(-1)!.ts + 3_600_000) });
    await s2.runMaintenance();
    s2.close();
    const tiers = onDisk(path);
    console.log(
      `live, ${name}: ${fmt(samples)} samples (${hours} h at 1 s); raw ${fmt(raw.used / samples, 3)} B/sample in use (file ${fmt(raw.file / samples, 3)}); with 1-min + 1-h tiers ${fmt(tiers.used / samples, 3)} B/sample; append+flush ${fmt(samples / (ingestMs / 1000))} samples/s`,
    );
  }

  // ---- 2. FTDC from the corpus ------------------------------------------------------------------
  const files = FTDC_FILES.filter((f) => existsSync(f));
  if (files.length === 0) console.log(`\nnotice: ${CORPUS} not found; FTDC figures skipped`);
  else {
    const chunks: Array<{ ts: Float64Array; columns: { metric: string; values: Float64Array }[] }> = [];
    for await (const ev of readFtdc(files)) {
      if (ev.kind !== 'chunk') continue;
      chunks.push({ ts: ev.ts, columns: ev.names.map((metric, i) => ({ metric, values: ev.columns[i]! })) });
    }
    const path = join(dir, 'ftdc.db');
    const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0, clock: fixedClock(Date.UTC(2026, 0, 1)) });
    const b = store.openBatch('ftdc', 'corpus');
    let samples = 0;
    t = performance.now();
    for (const c of chunks) samples += store.appendColumns(b, 'node:ftdc/corpus:27017', c.ts, c.columns).samples;
    const ingestMs = performance.now() - t;
    store.close();
    const raw = onDisk(path);
    const inputBytes = files.reduce((a, f) => a + statSync(f).size, 0);
    const s2 = new ChunkStore(driver, path, { maintenanceIntervalMs: 0, clock: fixedClock(Date.UTC(2026, 0, 1)) });
    await s2.runMaintenance();
    s2.close();
    const tiers = onDisk(path);
    console.log(
      `\nFTDC corpus (${files.length} files, ${fmt(inputBytes / 1e6, 1)} MB of FTDC, ${chunks.length} chunks): ${fmt(samples)} samples; raw ${fmt(raw.used / samples, 3)} B/sample in use (FTDC itself: ${fmt(inputBytes / samples, 3)}); with tiers ${fmt(tiers.used / samples, 3)}; appendColumns ${fmt(samples / (ingestMs / 1000))} samples/s`,
    );
  }

  // ---- 3. flush cost of a live load ---------------------------------------------------------------
  {
    const path = join(dir, 'flush.db');
    const store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0, flushTicks: 1_000_000, flushSamples: 100_000_000 });
    const b = store.openBatch('live');
    const nodes = 10;
    const per = 100;
    const durations: number[] = [];
    const keys = Array.from({ length: per }, (_, m) => `serverStatus.flush.m${m}`);
    for (let s = 0; s < 1200; s++) {
      for (let n = 0; n < nodes; n++) {
        const values: Record<string, number> = {};
        keys.forEach((k, m) => (values[k] = m % 4 === 0 ? 20 + ((s * 7 + m) % 13) : s * (m + 1) * 10 + ((s * 7919 + m) % 97)));
        store.append(b, `node:bench/n${n}:27017`, Date.UTC(2026, 0, 1) + s * 1000, values);
      }
      const f0 = performance.now();
      store.flush();
      durations.push(performance.now() - f0);
    }
    store.close();
    durations.sort((a, c) => a - c);
    const q = (p: number) => durations[Math.min(durations.length - 1, Math.floor(p * durations.length))]!;
    console.log(`\nlive flush, ${nodes} nodes × ${per} metrics, one flush per second over 20 min: p50 ${fmt(q(0.5), 2)} ms, p99 ${fmt(q(0.99), 2)} ms, max ${fmt(q(1), 2)} ms`);
  }

  // ---- 4. queries over 30 days of 1 s data --------------------------------------------------------
  {
    const days = quick ? 7 : 30;
    const series = 20;
    const names = [
      ...CATALOGUE.filter((m) => m.kind === 'counter').map((m) => m.id),
      ...CATALOGUE.filter((m) => m.kind === 'gauge').map((m) => m.id),
      ...Array.from({ length: 20 }, (_, i) => `serverStatus.extra.g${i}`),
    ].slice(0, series);
    const t0 = Date.UTC(2026, 1, 1);
    const end = t0 + days * 86_400_000;
    const now = end + 60_000;
    const path = join(dir, 'query.db');
    const entity = 'node:bench/q:27017';
    // Raw kept for all 30 days (default retention would drop 16 of them): the figures below then
    // describe the full data set, and queries still have every tier and raw to choose from.
    const retention = { rawMs: (days + 1) * 86_400_000 };
    let store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0, clock: fixedClock(now), retention });
    const b = store.openBatch('live');
    t = performance.now();
    const n = 86_400;
    const ts = new Float64Array(n);
    const cols = names.map((metric) => ({ metric, values: new Float64Array(n) }));
    const counters = new Float64Array(series);
    for (let d = 0; d < days; d++) {
      for (let i = 0; i < n; i++) ts[i] = t0 + d * 86_400_000 + i * 1000;
      cols.forEach((c, k) => {
        const counter = k < 8;
        for (let i = 0; i < n; i++) {
          const x = d * n + i;
          if (counter) c.values[i] = counters[k]! += 50 + ((x * 7919 + k) % 61) + (x % 3600 < 300 ? 400 : 0);
          else c.values[i] = k === 8 || k === 9 ? x + 1000 : 100 + Math.round(40 * Math.sin(x / 5000 + k)) + ((x * 31 + k) % 7);
        }
      });
      store.appendColumns(b, entity, ts, cols);
    }
    const writeMs = performance.now() - t;
    t = performance.now();
    const report = await store.runMaintenance();
    const rollMs = performance.now() - t;
    store.close();
    const samples = days * n * series;
    const disk = onDisk(path);
    console.log(
      `\n${days} days × ${series} series at 1 s = ${fmt(samples)} samples: appendColumns ${fmt(samples / (writeMs / 1000))} samples/s; rollups ${fmt(rollMs)} ms (${fmt(report.rolledWindows)} windows); ${fmt(disk.used / samples, 3)} B/sample with tiers`,
    );
    store = new ChunkStore(driver, path, { maintenanceIntervalMs: 0, clock: fixedClock(now), retention });
    const time = (fn: () => unknown, runs = 15) => {
      fn();
      const xs: number[] = [];
      for (let r = 0; r < runs; r++) {
        const a = performance.now();
        fn();
        xs.push(performance.now() - a);
      }
      xs.sort((a, c) => a - c);
      return { median: xs[Math.floor(xs.length / 2)]!, max: xs.at(-1)! };
    };
    const one = time(() => queryMetrics(store, { entity, metrics: [names[0]!], from: t0, to: now, maxPoints: 1000 }, now));
    const oneGauge = time(() => queryMetrics(store, { entity, metrics: [names[10]!], from: t0, to: now, maxPoints: 1000 }, now));
    const twenty = time(() => queryMetrics(store, { entity, metrics: names, from: t0, to: now, maxPoints: 1000 }, now));
    const fiveMin = time(() => queryMetrics(store, { entity, metrics: [names[0]!], from: end - 300_000, to: end, maxPoints: 1000 }, now));
    const day = time(() => queryMetrics(store, { entity, metrics: [names[0]!], from: end - 86_400_000, to: end, maxPoints: 1000 }, now));
    const pts = queryMetrics(store, { entity, metrics: [names[0]!], from: t0, to: now, maxPoints: 1000 }, now).series[0]!.points.length;
    console.log(`query ${days} days at 1,000 points: 1 counter ${fmt(one.median, 2)} ms (max ${fmt(one.max, 2)}), 1 gauge ${fmt(oneGauge.median, 2)} ms, ${series} series ${fmt(twenty.median, 2)} ms (max ${fmt(twenty.max, 2)}); ${pts} points returned`);
    console.log(`query 5 minutes (raw) ${fmt(fiveMin.median, 2)} ms; 1 day at 1,000 points ${fmt(day.median, 2)} ms`);
    store.close();
  }
  console.log(`\nload average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
