import type { Gap, Point, SampleSource } from '../../../src-shared/domain/samples';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import type { MetricStore, SeriesInfo } from './metric-store';
import { openDatabase, type Migration } from './sqlite-open';

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'series, samples, batches, gaps',
    up: `
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
    `,
  },
];

/** Store v0: one row per sample in SQLite (WAL, synchronous=NORMAL). */
export class SamplesV0Store implements MetricStore {
  private readonly db: SqliteDatabase;
  private readonly seriesIds = new Map<string, number>();
  private readonly st;

  constructor(driver: SqliteDriver, path: string) {
    this.db = openDatabase(driver, path, { synchronous: 'NORMAL', migrations: MIGRATIONS });
    const db = this.db;
    this.st = {
      findSeries: db.prepare<[string, string], { id: number }>('SELECT id FROM series WHERE entity = ? AND metric = ?'),
      insertSeries: db.prepare<[string, string]>('INSERT INTO series (entity, metric) VALUES (?, ?)'),
      insertBatch: db.prepare<[string, string | null, number]>('INSERT INTO batches (source, label, created_at) VALUES (?, ?, ?)'),
      upsertSample: db.prepare<[number, number, number, number]>(
        'INSERT INTO samples (series_id, ts, value, batch_id) VALUES (?, ?, ?, ?) ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value, batch_id = excluded.batch_id',
      ),
      query: db.prepare<[number, number, number], Point>('SELECT ts, value FROM samples WHERE series_id = ? AND ts BETWEEN ? AND ? ORDER BY ts'),
      lastTs: db.prepare<[string], { ts: number | null }>(
        'SELECT max(s.ts) AS ts FROM samples s JOIN series r ON r.id = s.series_id WHERE r.entity = ?',
      ),
      openGap: db.prepare<[string, number, string]>('INSERT INTO gaps (entity, from_ts, to_ts, reason) VALUES (?, ?, NULL, ?)'),
      hasOpenGap: db.prepare<[string], { id: number }>('SELECT id FROM gaps WHERE entity = ? AND to_ts IS NULL'),
      closeGap: db.prepare<[number, string]>('UPDATE gaps SET to_ts = max(from_ts, ?) WHERE entity = ? AND to_ts IS NULL'),
      gaps: db.prepare<[string, number, number], { from_ts: number; to_ts: number | null; reason: string }>(
        'SELECT from_ts, to_ts, reason FROM gaps WHERE entity = ? AND from_ts <= ? AND (to_ts IS NULL OR to_ts >= ?) ORDER BY from_ts',
      ),
      setUnavailable: db.prepare<[string | null, number | null, number]>('UPDATE series SET unavailable_reason = ?, unavailable_since = ? WHERE id = ?'),
      unavailable: db.prepare<[string], { metric: string; reason: string }>(
        'SELECT metric, unavailable_reason AS reason FROM series WHERE entity = ? AND unavailable_reason IS NOT NULL',
      ),
      listSeries: db.prepare<[string | null, string | null], { entity: string; metric: string; first: number | null; last: number | null; count: number }>(
        `SELECT r.entity, r.metric, min(s.ts) AS first, max(s.ts) AS last, count(s.ts) AS count
         FROM series r LEFT JOIN samples s ON s.series_id = r.id
         WHERE (? IS NULL OR r.entity = ?) GROUP BY r.id ORDER BY r.entity, r.metric`,
      ),
    };
  }

  private seriesId(entity: string, metric: string): number {
    const key = `${entity}|${metric}`;
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      id = this.st.findSeries.get(entity, metric)?.id ?? Number(this.st.insertSeries.run(entity, metric).lastInsertRowid);
      this.seriesIds.set(key, id);
    }
    return id;
  }

  openBatch(source: SampleSource, label?: string): number {
    return Number(this.st.insertBatch.run(source, label ?? null, Date.now()).lastInsertRowid);
  }

  append(batchId: number, entity: string, ts: number, values: Readonly<Record<string, number>>): void {
    this.db.transaction(() => {
      for (const [metric, value] of Object.entries(values)) {
        if (Number.isFinite(value)) this.st.upsertSample.run(this.seriesId(entity, metric), ts, value, batchId);
      }
    })();
  }

  query(entity: string, metric: string, from: number, to: number): Point[] {
    const id = this.seriesIds.get(`${entity}|${metric}`) ?? this.st.findSeries.get(entity, metric)?.id;
    return id === undefined ? [] : this.st.query.all(id, from, to);
  }

  lastTs(entity: string): number | null {
    return this.st.lastTs.get(entity)?.ts ?? null;
  }

  openGap(entity: string, from: number, reason: string): void {
    if (!this.st.hasOpenGap.get(entity)) this.st.openGap.run(entity, from, reason);
  }

  closeGap(entity: string, to: number): void {
    this.st.closeGap.run(to, entity);
  }

  gaps(entity: string, from: number, to: number, now: number): Gap[] {
    return this.st.gaps.all(entity, to, from).map((g) => ({ from: g.from_ts, to: g.to_ts ?? now, reason: g.reason }));
  }

  setUnavailable(entity: string, metric: string, reason: string | null, now: number): void {
    this.st.setUnavailable.run(reason, reason === null ? null : now, this.seriesId(entity, metric));
  }

  unavailable(entity: string): Record<string, string> {
    return Object.fromEntries(this.st.unavailable.all(entity).map((r) => [r.metric, r.reason]));
  }

  listSeries(entity?: string): SeriesInfo[] {
    return this.st.listSeries.all(entity ?? null, entity ?? null);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
