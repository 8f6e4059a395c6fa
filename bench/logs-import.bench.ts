// Log import into the event store (events.db): events/s and bytes/event for two inputs, each into a
// fresh store in a temp dir (deleted after):
//  - "slow-query heavy": Hatchet's 6.0 sample log (99 % slow queries, ~810 B a line) repeated;
//  - "mixed": a generated logv2 log in a busy mongod's proportions (connections accepted / metadata /
//    ended, slow queries, replication and storage chatter; ~330 B a line).
// Each is also parsed without the store (the same reader) to show the store's share; then the views'
// queries are timed on the full store (a keyset page at the end, counts, per-minute buckets, a
// full-text search, shapes of a window).
//
//   npx tsx bench/logs-import.bench.ts     (BENCH_IMPORT_EVENTS=600000 by default)
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { countEvents, eventBuckets, EventStore, importInputs, searchEvents, shapeStats } from '../src-main/core/events/index';
import { expandInputs, readLogEvents } from '../src-main/core/logs';
import { systemClock } from '../src-main/core/ports/clock';
import { betterSqliteDriver } from '../src-main/core/store/better-sqlite3.driver';

const SAMPLE = resolve(process.cwd(), '../shared/corpus/hatchet/logs/sample-mongod.log.gz');
const EVENTS = Number(process.env.BENCH_IMPORT_EVENTS ?? 600_000);
const dir = mkdtempSync(join(tmpdir(), 'baleen-bench-import-'));

function out(name: string, fields: Record<string, string | number>): void {
  process.stdout.write(`${name} ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}

/** A busy mongod's log, generated: what the mix looks like in support bundles (connection churn dominates). */
function writeMixed(path: string, n: number): number {
  const fd = openSync(path, 'w');
  const t0 = Date.UTC(2025, 0, 6, 0, 0, 0);
  let bytes = 0;
  let buf: string[] = [];
  const flush = () => {
    const s = buf.join('');
    bytes += Buffer.byteLength(s);
    writeSync(fd, s);
    buf = [];
  };
  const L = (ts: number, s: string, c: string, id: number, ctx: string, msg: string, attr: unknown) =>
    `${JSON.stringify({ t: { $date: new Date(ts).toISOString() }, s, c, id, ctx, msg, attr })}\n`;
  buf.push(L(t0, 'I', 'CONTROL', 4615611, 'initandlisten', 'MongoDB starting', { pid: 4242, port: 27017, dbPath: '/var/lib/mongodb', architecture: '64-bit', host: 'db1.example.net' }));
  let conn = 0;
  for (let i = 1; i < n; i++) {
    const ts = t0 + i * 40;
    const k = i % 10;
    if (k < 2) {
      conn++;
      buf.push(L(ts, 'I', 'NETWORK', 22943, 'listener', 'Connection accepted', { remote: `10.0.${conn % 250}.${conn % 200}:${40000 + (conn % 20000)}`, uuid: { uuid: { $uuid: '6b3c3b1e-6a5f-4d1c-8f0e-2a9c0f4e1b7a' } }, connectionId: conn, connectionCount: 120 }));
    } else if (k < 4) {
      buf.push(
        L(ts, 'I', 'NETWORK', 51800, `conn${conn}`, 'client metadata', {
          remote: `10.0.${conn % 250}.${conn % 200}:${40000 + (conn % 20000)}`,
          client: `conn${conn}`,
          doc: { application: { name: `svc-${conn % 7}` }, driver: { name: 'nodejs', version: '6.9.0' }, os: { type: 'Linux', name: 'linux', architecture: 'x64', version: '6.1.0' }, platform: 'Node.js v20.11.0, LE' },
        }),
      );
    } else if (k < 6) {
      buf.push(L(ts, 'I', 'NETWORK', 22944, `conn${conn}`, 'Connection ended', { remote: `10.0.${conn % 250}.${conn % 200}:${40000 + (conn % 20000)}`, uuid: { uuid: { $uuid: '6b3c3b1e-6a5f-4d1c-8f0e-2a9c0f4e1b7a' } }, connectionId: conn, connectionCount: 119 }));
    } else if (k < 8) {
      buf.push(
        L(ts, 'I', 'COMMAND', 51803, `conn${conn}`, 'Slow query', {
          type: 'command',
          ns: `shop.orders${i % 5}`,
          appName: `svc-${conn % 7}`,
          command: { find: `orders${i % 5}`, filter: { status: 'open', customer: i % 997 }, sort: { ts: -1 }, limit: 20, lsid: { id: { $uuid: '0d3e2a8c-0000-4000-8000-000000000001' } }, $db: 'shop' },
          planSummary: i % 3 === 0 ? 'COLLSCAN' : 'IXSCAN { status: 1, ts: -1 }',
          keysExamined: 120,
          docsExamined: 120,
          nreturned: 20,
          queryHash: `${(i % 5).toString(16).padStart(8, '0')}`,
          remote: `10.0.${conn % 250}.${conn % 200}:${40000 + (conn % 20000)}`,
          durationMillis: 100 + (i % 400),
        }),
      );
    } else if (k < 9) {
      buf.push(L(ts, 'I', 'STORAGE', 22430, 'WTCheckpointThread', 'WiredTiger message', { message: { ts_sec: Math.floor(ts / 1000), ts_usec: 0, thread: '1:0x7f', session_name: 'WT_SESSION.checkpoint', category: 'WT_VERB_CHECKPOINT_PROGRESS', category_id: 6, verbose_level: 'DEBUG_1', verbose_level_id: 1, msg: `saving checkpoint snapshot min: ${i}` } }));
    } else {
      buf.push(L(ts, 'W', 'REPL', 21767, 'ReplCoord-1', 'Took a long time to acquire a lock', { timeMillis: 400 + (i % 50), lockType: 'ReplicationStateTransition' }));
    }
    if (buf.length >= 5000) flush();
  }
  flush();
  closeSync(fd);
  return bytes;
}

function repeatSample(path: string, n: number): number {
  const text = gunzipSync(readFileSync(SAMPLE));
  const lines = text.toString('utf8').split('\n').filter((l) => l.trim() !== '').length;
  const fd = openSync(path, 'w');
  let bytes = 0;
  for (let got = 0; got < n; got += lines) {
    writeSync(fd, text);
    bytes += text.length;
  }
  closeSync(fd);
  return bytes;
}

async function parseOnly(path: string): Promise<{ events: number; ms: number }> {
  const { inputs } = await expandInputs([path], '/');
  const t0 = performance.now();
  let events = 0;
  for (const input of inputs) for await (const b of readLogEvents(input, { batchSize: 5000 })) events += b.records.length;
  return { events, ms: performance.now() - t0 };
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const v = fn();
  return [v, performance.now() - t0];
}

async function run(name: string, path: string, inputBytes: number): Promise<void> {
  const parse = await parseOnly(path);
  const dbPath = join(dir, `${name}.db`);
  const store = new EventStore(betterSqliteDriver(), dbPath, { clock: systemClock });
  try {
    const { inputs } = await expandInputs([path], '/');
    const id = store.createSource('file', name);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const w = await importInputs(store, id, inputs);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const fileBytes = statSync(dbPath).size;
    out(`logs.import.${name}`, {
      events: w.events,
      ops: w.ops,
      input_mb: (inputBytes / 1e6).toFixed(1),
      bytes_per_line_in: Math.round(inputBytes / w.events),
      events_per_s: Math.round(w.events / (ms / 1000)),
      events_per_cpu_s: Math.round(w.events / ((cpu.user + cpu.system) / 1e6)),
      mb_per_s: (inputBytes / 1e6 / (ms / 1000)).toFixed(1),
      parse_only_events_per_s: Math.round(parse.events / (parse.ms / 1000)),
      store_share: `${Math.round((1 - parse.ms / ms) * 100)}%`,
      bytes_per_event: Math.round(fileBytes / w.events),
      db_mb: (fileBytes / 1e6).toFixed(1),
      wall_ms: Math.round(ms),
      load: loadavg()[0]!.toFixed(1),
    });
    store.db.pragma('optimize');
    const last = store.db.prepare<[], { ts: number; id: number }>('SELECT ts, id FROM events ORDER BY ts DESC, id DESC LIMIT 1').get()!;
    const [, pageEnd] = time(() => searchEvents(store, { filter: {}, cursor: { ts: last.ts - 1, id: 0 }, direction: 'after', limit: 200 }));
    const [, pageBack] = time(() => searchEvents(store, { filter: {}, cursor: { ts: last.ts, id: last.id }, direction: 'before', limit: 200 }));
    const [, pageFiltered] = time(() => searchEvents(store, { filter: { severities: ['W'], components: ['REPL'] }, cursor: { ts: last.ts - 3_600_000, id: 0 }, direction: 'after', limit: 200 }));
    const [c, count] = time(() => countEvents(store, {}));
    const first = store.db.prepare<[], { ts: number }>('SELECT min(ts) AS ts FROM events').get()!.ts;
    const [, buckets] = time(() => eventBuckets(store, { from: first, to: last.ts, by: 'severity' }));
    const [hits, fts] = time(() => searchEvents(store, { filter: { text: 'COLLSCAN shop' }, cursor: null, direction: 'after', limit: 200 }));
    const [, ftsRare] = time(() => searchEvents(store, { filter: { text: '"saving checkpoint snapshot min: 4242"' }, cursor: null, direction: 'after', limit: 200 }));
    const [, shapes] = time(() => shapeStats(store, { from: last.ts - 600_000, to: last.ts, sortBy: 'totalMs', limit: 20 }));
    out(`logs.views.${name}`, {
      events: c.count,
      page_at_end_ms: pageEnd.toFixed(1),
      page_back_from_end_ms: pageBack.toFixed(1),
      page_filtered_ms: pageFiltered.toFixed(1),
      count_ms: count.toFixed(1),
      buckets_ms: buckets.toFixed(1),
      fts_common_first_page_ms: fts.toFixed(1),
      fts_common_rows: hits.rows.length,
      fts_phrase_ms: ftsRare.toFixed(1),
      shapes_10min_ms: shapes.toFixed(1),
    });
  } finally {
    store.close();
  }
}

async function main(): Promise<void> {
  try {
    const mixed = join(dir, 'mixed.log');
    const mixedBytes = writeMixed(mixed, EVENTS);
    await run('mixed', mixed, mixedBytes);
    rmSync(mixed);
    if (existsSync(SAMPLE)) {
      const heavy = join(dir, 'slowquery-heavy.log');
      const heavyBytes = repeatSample(heavy, Math.round(EVENTS / 3));
      await run('slowquery-heavy', heavy, heavyBytes);
    } else out('logs.import.slowquery-heavy', { skipped: `${SAMPLE} not found` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
