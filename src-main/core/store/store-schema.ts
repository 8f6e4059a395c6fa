import type { SqliteDatabase } from '../ports/sqlite';
import { encodeRawChunk } from './chunk-codec';
import { TIER, windowOf } from './rollup';
import type { Migration } from './sqlite-open';

/** Live raw chunks close at this many samples (until then the head is rewritten in its row about once a minute). */
export const RAW_CHUNK_SAMPLES = 512;
/** No chunk spans more than this, so a range query can bound its index scan on t_min from both sides. */
export const MAX_CHUNK_SPAN_MS = 6 * 3_600_000;
/** The group of live samples; an imported batch is its own group (its batch id). */
export const LIVE_GROUP = 0;

const V0 = `
  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    metric TEXT NOT NULL,
    unavailable_reason TEXT,
    unavailable_since INTEGER,
    UNIQUE (entity, metric)
  );
  CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL CHECK (source IN ('live', 'ftdc', 'log')),
    label TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE samples (
    series_id INTEGER NOT NULL REFERENCES series(id),
    ts INTEGER NOT NULL,
    value REAL NOT NULL,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    PRIMARY KEY (series_id, ts)
  ) WITHOUT ROWID;
  CREATE TABLE gaps (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    from_ts INTEGER NOT NULL,
    to_ts INTEGER,
    reason TEXT NOT NULL
  );
  CREATE INDEX gaps_entity ON gaps (entity, from_ts);
`;

const CHUNKS = `
  ALTER TABLE series ADD COLUMN first_ts INTEGER;
  ALTER TABLE series ADD COLUMN last_ts INTEGER;
  ALTER TABLE series ADD COLUMN n INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX series_entity ON series (entity);
  ALTER TABLE batches ADD COLUMN deleted_at INTEGER;
  CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL,
    batch_id INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    t_min INTEGER NOT NULL,
    t_max INTEGER NOT NULL,
    n INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX chunks_series ON chunks (series_id, t_min);
  CREATE INDEX chunks_grp ON chunks (grp, t_min);
  CREATE TABLE rollups (
    series_id INTEGER NOT NULL,
    tier INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    n INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (series_id, tier, window_start, grp)
  ) WITHOUT ROWID;
  CREATE INDEX rollups_grp ON rollups (grp, tier, window_start);
  CREATE TABLE rollup_dirty (
    series_id INTEGER NOT NULL,
    tier INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    PRIMARY KEY (series_id, tier, window_start, grp)
  ) WITHOUT ROWID;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Store v0 kept a row per sample; this moves them into chunks, marks their windows for rollup, drops the table. */
function convertV0Samples(db: SqliteDatabase): void {
  db.exec(CHUNKS);
  const groups = new Map<number, number>();
  for (const b of db.prepare<[], { id: number; source: string }>('SELECT id, source FROM batches').iterate()) {
    groups.set(b.id, b.source === 'live' ? LIVE_GROUP : b.id);
  }
  const insert = db.prepare<[number, number, number, number, number, number, Uint8Array]>(
    'INSERT INTO chunks (series_id, batch_id, grp, t_min, t_max, n, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const dirty = db.prepare<[number, number, number, number]>('INSERT OR IGNORE INTO rollup_dirty (series_id, tier, window_start, grp) VALUES (?, ?, ?, ?)');
  const stats = db.prepare<[number, number, number, number]>('UPDATE series SET first_ts = ?, last_ts = ?, n = ? WHERE id = ?');
  const seriesIds = db.prepare<[], { id: number }>('SELECT id FROM series ORDER BY id').pluck().all() as unknown as number[];
  const samples = db.prepare<[number], { ts: number; value: number; batch_id: number }>('SELECT ts, value, batch_id FROM samples WHERE series_id = ? ORDER BY ts');
  for (const sid of seriesIds) {
    const rows = samples.all(sid);
    if (rows.length === 0) continue;
    let start = 0;
    const flushRun = (end: number) => {
      const run = rows.slice(start, end);
      const batch = run[0]!.batch_id;
      const grp = groups.get(batch) ?? LIVE_GROUP;
      const ts = run.map((r) => r.ts);
      insert.run(sid, batch, grp, ts[0]!, ts.at(-1)!, run.length, encodeRawChunk(ts, run.map((r) => r.value), run.length));
      for (let w = windowOf(1, ts[0]!); w <= ts.at(-1)!; w += TIER[1].windowMs) dirty.run(sid, 1, w, grp);
      for (let w = windowOf(2, ts[0]!); w <= ts.at(-1)!; w += TIER[2].windowMs) dirty.run(sid, 2, w, grp);
      start = end;
    };
    for (let i = 1; i <= rows.length; i++) {
      const r = rows[i];
      const s = rows[start]!;
      if (r === undefined || r.batch_id !== s.batch_id || i - start >= RAW_CHUNK_SAMPLES || r.ts - s.ts > MAX_CHUNK_SPAN_MS) flushRun(i);
    }
    stats.run(rows[0]!.ts, rows.at(-1)!.ts, rows.length, sid);
  }
  db.exec('DROP TABLE samples');
}

export const METRIC_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'series, samples, batches, gaps (store v0)', up: V0 },
  { version: 2, name: 'compressed chunks, rollup tiers, retention bookkeeping', up: convertV0Samples },
  {
    version: 3,
    name: 'tail journal: polled ticks not yet in their chunk rows',
    // AUTOINCREMENT: ids never come back once deleted, so `series.tail_upto` (every sample of the series
    // in tail rows up to this id is in a chunk row) stays true after the table empties.
    up: `
      CREATE TABLE tail (id INTEGER PRIMARY KEY AUTOINCREMENT, batch_id INTEGER NOT NULL, ts INTEGER NOT NULL, data BLOB NOT NULL);
      ALTER TABLE series ADD COLUMN tail_upto INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
