import { statSync } from 'node:fs';
import type { StoreState } from '../../../src-shared/contract/metrics.contract';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { metricDef, RESTART_METRICS } from '../../../src-shared/domain/metrics/catalogue';
import { detectRestarts } from '../../../src-shared/domain/metrics/rates';
import type { Gap, Point, SampleSource } from '../../../src-shared/domain/samples';
import { systemClock, type Clock, type TimerHandle } from '../ports/clock';
import { silentLogger, type Logger } from '../ports/logger';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import { decodeRawChunk, decodeTierChunk, encodeRawChunk, encodeTierChunk, HeadEncoder, TIER_COLUMNS, type TierColumn } from './chunk-codec';
import type { ImportInfo, MaintenanceReport, MetricColumn, MetricStore, RollupRead, SeriesInfo } from './metric-store';
import { openCheckedDatabase, type QuarantineFs, type QuarantineInfo } from './quarantine';
import { degradationOf, type Degradation } from './sqlite-open';
import { bucketsOf, columnsOf, combineBuckets, gapThresholdOf, rollupSamples, TIER, windowOf, type Bucket, type SampleRun, type Tier } from './rollup';
import { LIVE_GROUP, MAX_CHUNK_SPAN_MS, METRIC_MIGRATIONS, RAW_CHUNK_SAMPLES } from './store-schema';
import { decodeTail, TailEncoder, TailFormatError } from './tail-journal';

/**
 * The compressed time-series store (metrics.db).
 *
 * On disk (SQLite, WAL, synchronous=NORMAL, auto_vacuum=INCREMENTAL; schema in store-schema.ts):
 * - `series (id, entity, metric, unavailable_*, first_ts, last_ts, n)`: one row per (entity, metric),
 *   with the raw sample count and time range kept up to date for the series browser;
 * - `batches (id, source live|ftdc|log, label, created_at, deleted_at)`: where samples came from;
 * - `chunks (id, series_id, batch_id, grp, t_min, t_max, n, data)`: raw samples, ≤ 512 per live chunk
 *   (an imported column as it comes, ≤ 4,096), ≤ 6 h per chunk, encoded by chunk-codec.ts (delta-of-delta
 *   timestamps; CONST / integer delta or delta-of-delta in Gorilla buckets or Rice code / XOR values). `grp` is 0 for live samples and
 *   the batch id for an imported set, so retention and deletion find them by index. The rowid is the
 *   write sequence: where chunks overlap (the clock stepped back), the later write wins on read.
 * - `rollups (series_id, tier, window_start, grp, n, data)`: tier 1 = 1-min buckets, one hour per row;
 *   tier 2 = 1-h buckets, one day per row (rollup.ts: count/min/max/sum + inc/incDt/resets);
 * - `rollup_dirty`: windows whose raw data changed since their rollup, written in the same transaction
 *   as the samples, so a crash never loses a pending rollup and a rollup is simply recomputed;
 * - `gaps`, `meta` (retention floors, the last batch id).
 *
 * Writes: append() only queues into a head chunk per series, encoded as samples arrive; a flush every
 * second, or after 500 ticks, commits the ticks since the last flush to the tail journal (one row per
 * tick, tail-journal.ts) in one transaction, so a crash loses at most the unflushed second (REL-D1).
 * Open heads are not rewritten every second: a head's row is rewritten once its oldest journaled
 * sample is a minute old (headCheckpointMs), and tail rows are deleted once every sample in them is in
 * a chunk row. Each head knows the tail row of its first unwritten sample, so writing heads moves
 * `series.tail_upto` to just before the oldest sample of the series still only journaled, and at
 * start-up the journal is replayed exactly: a sample in tail row r is in a chunk iff r <= tail_upto.
 * (At 100 nodes this is ~100 tail rows and ~600 head rows a second instead of ~32,000 head rows and
 * as many series-row updates.) A head that closes (512 samples,
 * staggered per series; 6 h; a time step back; another batch) is re-encoded once with the best codec
 * into a fresh row at the end of the table. If a commit fails (disk full: REL-D3) the writer pauses,
 * keeps what it had, buffers new ticks in a bounded ring per entity, checkpoints the WAL, retries, and
 * records what overflowed the ring as a gap. appendColumns() encodes and commits a bulk chunk at once.
 *
 * Maintenance (on a timer, in slices of one transaction each, yielding in between): rollups of
 * complete windows, then retention of live data by age (raw 14 d, tier 1 90 d, tier 2 2 y) and by a
 * size cap that evicts the oldest live data first and never an imported set, then incremental vacuum.
 * Imported sets are removed only by deleteImport().
 */
export interface RetentionOptions {
  rawMs: number;
  tier1Ms: number;
  tier2Ms: number;
  /** Cap on the main database's bytes in use; null = none. */
  maxBytes: number | null;
}

/** The size cap while metrics are kept in memory (the disk was full at start): about two hours of 100 nodes. */
export const MEMORY_MODE_MAX_BYTES = 256 * 1024 * 1024;

export const DEFAULT_RETENTION: RetentionOptions = {
  rawMs: 14 * 86_400_000,
  tier1Ms: 90 * 86_400_000,
  tier2Ms: 730 * 86_400_000,
  maxBytes: null,
};

export interface ChunkStoreOptions {
  clock?: Clock;
  log?: Logger;
  flushIntervalMs?: number;
  /** Flush at once when this many ticks are queued. */
  flushTicks?: number;
  /** …or this many samples. */
  flushSamples?: number;
  rawChunkSamples?: number;
  /** 0 = maintenance only when runMaintenance() is called. */
  maintenanceIntervalMs?: number;
  retention?: Partial<RetentionOptions>;
  /** Work per maintenance slice before yielding to the event loop. */
  sliceBudgetMs?: number;
  /** Ticks per entity held in memory while the writer is paused. */
  ringTicks?: number;
  retryMs?: number;
  /** Active TRUNCATE checkpoint when the WAL grows past this (REL-D5). */
  walCheckpointBytes?: number;
  journalSizeLimit?: number;
  /** A window is rolled up only this long after it ends: late polls (deadline + flush) land first (rollups read open heads too). */
  settleMs?: number;
  /** An open head is rewritten in its row once its oldest sample held only in the tail journal is this old. */
  headCheckpointMs?: number;
  /** SQLite's max_page_count: a hard ceiling on the file (tests use it to fill the "disk"). */
  maxPageCount?: number;
  onState?: (state: StoreState) => void;
  fs?: QuarantineFs;
}

interface Head {
  series: SeriesRef;
  batchId: number;
  grp: number;
  /** The samples live only in the streaming encoder (~1 byte each); reads decode it. */
  n: number;
  firstTs: number;
  lastTs: number;
  /** Times of the first sample not yet in the row (index flushedN) and not yet marked for rollup (markedN). */
  unwrittenTs: number;
  unmarkedTs: number;
  flushedN: number;
  rowId: number | null;
  sealed: boolean;
  /** The row holds the closed chunk's final (best-codec) encoding. */
  final: boolean;
  queued: boolean;
  enc: HeadEncoder;
  /** The last tier-1 / tier-2 windows marked dirty for this head (skips repeated inserts). */
  marked1: number;
  marked2: number;
  /** The tail row of this head's first sample not yet in its chunk row (0: none yet). */
  tailFrom: number;
  /** Until that row exists: the index in pendingTail of the tick holding that sample (-1: not journaled). */
  tickIdx: number;
  /** Samples whose rollup windows have been marked dirty (with the flush that journaled or wrote them). */
  markedN: number;
}

/** A tick appended since the last commit, bound for the tail journal. */
interface PendingTick {
  batchId: number;
  ts: number;
  refs: SeriesRef[];
  vals: number[];
}

interface SeriesRef {
  entity: string;
  metric: string;
  id: number | null;
  heads: Head[];
  /** Catalogue counters stream as delta-of-deltas, everything else as deltas. */
  counterLike: boolean;
  /** Samples per chunk for this series: staggered so the heads of one node do not all close in the same flush. */
  cap: number;
}

interface EntityState {
  series: Map<string, SeriesRef>;
  lastTs: number | null | undefined;
  ring: Array<{ batchId: number; ts: number; values: Record<string, number> }>;
  dropped: { from: number; to: number; count: number } | null;
}

interface BatchInfo {
  id: number;
  source: SampleSource;
  grp: number;
  label: string | null;
  createdAt: number;
}

interface Run extends SampleRun {
  ts: Float64Array;
  vals: Float64Array;
}

interface ChunkRow {
  id: number;
  grp: number;
  t_min: number;
  t_max: number;
  data: Uint8Array;
}

const EMPTY_RUN: Run = { n: 0, ts: new Float64Array(0), vals: new Float64Array(0) };
/** A bulk (imported) chunk holds at most this many samples. */
const BULK_CHUNK_SAMPLES = 4096;
const HEAD_SEQ_BASE = 2 ** 52;

/** Wall time of a slice: this measures work, not a time-based behaviour, so it is not the Clock. */
const stopwatch = () => performance.now();
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function sqliteCode(e: unknown): string {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' ? c : '';
}

export class ChunkStore implements MetricStore {
  readonly quarantined: QuarantineInfo | null;
  readonly path: string;
  private readonly db: SqliteDatabase;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly o: Required<Omit<ChunkStoreOptions, 'clock' | 'log' | 'retention' | 'onState' | 'fs' | 'maxPageCount' | 'journalSizeLimit'>> & {
    retention: RetentionOptions;
  };
  private readonly onState: ((s: StoreState) => void) | undefined;
  /** Set when the disk was full at start and the store runs in memory (REL-D4). */
  readonly degraded: Degradation | null;
  private readonly st;
  private readonly entities = new Map<string, EntityState>();
  private readonly seriesById = new Map<number, SeriesRef>();
  private readonly batches = new Map<number, BatchInfo>();
  /** Groups being deleted: invisible to reads at once, removed in slices. */
  private readonly hidden = new Set<number>();
  private readonly headByRow = new Map<number, Head>();
  private queue: Head[] = [];
  /** commitQueued's list of heads it marked for rollup, kept between flushes (entries cleared after each). */
  private readonly markedScratch: Array<Head | null> = [];
  private pendingTail: PendingTick[] = [];
  private readonly tailEnc = new TailEncoder();
  /** Heads with samples only in the tail journal, in the order they got them; stale entries (stamp ≠ tailFrom) are skipped. */
  private tailHeads: Array<{ h: Head; stamp: number; floor: number; at: number }> = [];
  private tailHeadsStart = 0;
  private lastTailId = 0;
  private deferred: Array<() => void> = [];
  private pendingTicks = 0;
  private pendingSamples = 0;
  private flushTimer: TimerHandle | null = null;
  private retryTimer: TimerHandle | null = null;
  private maintenanceTimer: TimerHandle | null = null;
  private maintaining: Promise<MaintenanceReport> | null = null;
  private readonly abort = new AbortController();
  private maxBatchId: number;
  private rawFloor: number;
  private tier1Floor: number;
  private state: StoreState;
  private walBusyLogged = false;
  private closed = false;

  constructor(driver: SqliteDriver, path: string, opts: ChunkStoreOptions = {}) {
    this.path = path;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? silentLogger;
    this.onState = opts.onState;
    this.o = {
      flushIntervalMs: opts.flushIntervalMs ?? 1000,
      flushTicks: opts.flushTicks ?? 500,
      flushSamples: opts.flushSamples ?? 50_000,
      rawChunkSamples: Math.max(2, Math.min(opts.rawChunkSamples ?? RAW_CHUNK_SAMPLES, 65_536)),
      maintenanceIntervalMs: opts.maintenanceIntervalMs ?? 60_000,
      retention: { ...DEFAULT_RETENTION, ...opts.retention },
      sliceBudgetMs: opts.sliceBudgetMs ?? 25,
      ringTicks: opts.ringTicks ?? 600,
      retryMs: opts.retryMs ?? 5000,
      walCheckpointBytes: opts.walCheckpointBytes ?? 32 * 1024 * 1024,
      headCheckpointMs: opts.headCheckpointMs ?? 60_000,
      settleMs: opts.settleMs ?? 30_000,
    };
    const opened = openCheckedDatabase(
      driver,
      path,
      { synchronous: 'NORMAL', migrations: METRIC_MIGRATIONS, autoVacuum: true, whenFull: 'memory', ...(opts.journalSizeLimit ? { journalSizeLimit: opts.journalSizeLimit } : {}) },
      { clock: this.clock, log: this.log, ...(opts.fs ? { fs: opts.fs } : {}) },
    );
    this.db = opened.db;
    this.quarantined = opened.quarantined;
    this.degraded = degradationOf(this.db);
    if (this.degraded) {
      // REL-D4: the disk was full at start. Polling and charts go on from memory, held to a memory-sized cap.
      this.o.retention = { ...this.o.retention, maxBytes: Math.min(this.o.retention.maxBytes ?? Infinity, MEMORY_MODE_MAX_BYTES) };
      this.log.error('metrics database could not be opened: keeping metrics in memory', { code: this.degraded.code, error: this.degraded.message });
    }
    if (opts.maxPageCount) this.setMaxPageCount(opts.maxPageCount);
    const db = this.db;
    this.st = {
      findSeries: db.prepare<[string, string], { id: number }>('SELECT id FROM series WHERE entity = ? AND metric = ?'),
      seriesRow: db.prepare<[number], { entity: string; metric: string }>('SELECT entity, metric FROM series WHERE id = ?'),
      insertSeries: db.prepare<[string, string]>('INSERT OR IGNORE INTO series (entity, metric) VALUES (?, ?)'),
      insertBatch: db.prepare<[number, string, string | null, number]>('INSERT INTO batches (id, source, label, created_at) VALUES (?, ?, ?, ?)'),
      allBatches: db.prepare<[], { id: number; source: SampleSource; label: string | null; created_at: number; deleted_at: number | null }>(
        'SELECT id, source, label, created_at, deleted_at FROM batches',
      ),
      insertChunk: db.prepare<[number, number, number, number, number, number, Uint8Array]>(
        'INSERT INTO chunks (series_id, batch_id, grp, t_min, t_max, n, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      // A head keeps its t_min: leaving it out of SET spares both indexes on every flush.
      updateHead: db.prepare<[number, number, Uint8Array, number]>('UPDATE chunks SET t_max = ?, n = ?, data = ? WHERE id = ?'),
      updateChunk: db.prepare<[number, number, number, Uint8Array, number]>('UPDATE chunks SET t_min = ?, t_max = ?, n = ?, data = ? WHERE id = ?'),
      deleteChunk: db.prepare<[number]>('DELETE FROM chunks WHERE id = ?'),
      addStats: db.prepare<[number, number, number, number, number, number]>(
        'UPDATE series SET first_ts = min(coalesce(first_ts, ?), ?), last_ts = max(coalesce(last_ts, ?), ?), n = n + ? WHERE id = ?',
      ),
      setTailUpto: db.prepare<[number, number]>('UPDATE series SET tail_upto = max(tail_upto, ?) WHERE id = ?'),
      insertTail: db.prepare<[number, number, Uint8Array]>('INSERT INTO tail (batch_id, ts, data) VALUES (?, ?, ?)'),
      deleteTail: db.prepare<[number]>('DELETE FROM tail WHERE id < ?'),
      tailRows: db.prepare<[], { id: number; batch_id: number; ts: number; data: Uint8Array }>('SELECT id, batch_id, ts, data FROM tail ORDER BY id'),
      tailSeq: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'tail'"),
      tailUpto: db.prepare<[number], { tail_upto: number }>('SELECT tail_upto FROM series WHERE id = ?'),
      subCount: db.prepare<[number, number]>('UPDATE series SET n = max(0, n - ?) WHERE id = ?'),
      // No chunk spans more than MAX_CHUNK_SPAN_MS, so the newest sample is among the chunks starting
      // that close to the last start: an index range, not a scan of the series.
      refreshRange: db.prepare<{ id: number; span: number }>(
        `UPDATE series SET first_ts = (SELECT min(t_min) FROM chunks WHERE series_id = @id),
           last_ts = (SELECT max(t_max) FROM chunks WHERE series_id = @id
                      AND t_min >= (SELECT max(t_min) FROM chunks WHERE series_id = @id) - @span),
           n = CASE WHEN EXISTS (SELECT 1 FROM chunks WHERE series_id = @id) THEN n ELSE 0 END
         WHERE id = @id`,
      ),
      markDirty: db.prepare<[number, number, number, number]>('INSERT OR IGNORE INTO rollup_dirty (series_id, tier, window_start, grp) VALUES (?, ?, ?, ?)'),
      chunksInRange: db.prepare<[number, number, number, number], ChunkRow>(
        'SELECT id, grp, t_min, t_max, data FROM chunks WHERE series_id = ? AND t_min >= ? AND t_min <= ? AND t_max >= ? ORDER BY t_min, id',
      ),
      chunksBefore: db.prepare<[number, number], ChunkRow>('SELECT id, grp, t_min, t_max, data FROM chunks WHERE series_id = ? AND t_min < ? ORDER BY t_min DESC LIMIT 4'),
      rollupRows: db.prepare<[number, number, number, number], { grp: number; window_start: number; data: Uint8Array }>(
        'SELECT grp, window_start, data FROM rollups WHERE series_id = ? AND tier = ? AND window_start >= ? AND window_start <= ?',
      ),
      rollupRowsOfGroup: db.prepare<[number, number, number, number, number], { window_start: number; data: Uint8Array }>(
        'SELECT window_start, data FROM rollups WHERE series_id = ? AND tier = ? AND window_start >= ? AND window_start < ? AND grp = ? ORDER BY window_start',
      ),
      upsertRollup: db.prepare<[number, number, number, number, number, Uint8Array]>(
        'INSERT OR REPLACE INTO rollups (series_id, tier, window_start, grp, n, data) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      deleteRollup: db.prepare<[number, number, number, number]>('DELETE FROM rollups WHERE series_id = ? AND tier = ? AND window_start = ? AND grp = ?'),
      dirtyWindows: db.prepare<[number, number, number, number], { window_start: number }>(
        'SELECT DISTINCT window_start FROM rollup_dirty WHERE series_id = ? AND tier = ? AND window_start >= ? AND window_start <= ?',
      ),
      dirtyReady: db.prepare<[number, number], { series_id: number; window_start: number; grp: number }>(
        'SELECT series_id, window_start, grp FROM rollup_dirty WHERE tier = ? AND window_start <= ? ORDER BY window_start, series_id, grp',
      ),
      dirtyTier1In: db.prepare<[number, number, number, number], { x: number }>(
        'SELECT 1 AS x FROM rollup_dirty WHERE series_id = ? AND tier = 1 AND window_start >= ? AND window_start < ? AND grp = ? LIMIT 1',
      ),
      clearDirty: db.prepare<[number, number, number, number]>('DELETE FROM rollup_dirty WHERE series_id = ? AND tier = ? AND window_start = ? AND grp = ?'),
      oldLiveChunks: db.prepare<[number, number], { id: number; series_id: number; t_min: number; t_max: number; n: number }>(
        'SELECT id, series_id, t_min, t_max, n FROM chunks WHERE grp = 0 AND t_min < ? ORDER BY t_min LIMIT ?',
      ),
      oldestLiveChunks: db.prepare<[number], { id: number; series_id: number; t_max: number; n: number }>(
        'SELECT id, series_id, t_max, n FROM chunks WHERE grp = 0 ORDER BY t_min LIMIT ?',
      ),
      chunkData: db.prepare<[number], { data: Uint8Array; batch_id: number }>('SELECT data, batch_id FROM chunks WHERE id = ?'),
      oldLiveRollups: db.prepare<[number, number, number], { series_id: number; window_start: number }>(
        'SELECT series_id, window_start FROM rollups WHERE grp = 0 AND tier = ? AND window_start <= ? ORDER BY window_start LIMIT ?',
      ),
      groupChunks: db.prepare<[number, number], { id: number; series_id: number; n: number }>('SELECT id, series_id, n FROM chunks WHERE grp = ? LIMIT ?'),
      groupRollups: db.prepare<[number, number], { series_id: number; tier: number; window_start: number }>(
        'SELECT series_id, tier, window_start FROM rollups WHERE grp = ? LIMIT ?',
      ),
      groupDirty: db.prepare<[number]>('DELETE FROM rollup_dirty WHERE grp = ?'),
      staleDirty: db.prepare<[number, number]>('DELETE FROM rollup_dirty WHERE grp = 0 AND tier = ? AND window_start < ?'),
      deleteBatch: db.prepare<[number]>('DELETE FROM batches WHERE id = ?'),
      markBatchDeleted: db.prepare<[number, number]>('UPDATE batches SET deleted_at = ? WHERE id = ?'),
      importStats: db.prepare<[number], { first: number | null; last: number | null; n: number | null }>(
        'SELECT min(t_min) AS first, max(t_max) AS last, sum(n) AS n FROM chunks WHERE grp = ?',
      ),
      lastTs: db.prepare<[string], { ts: number | null }>('SELECT max(last_ts) AS ts FROM series WHERE entity = ?'),
      seriesStats: db.prepare<[number], { first_ts: number | null; last_ts: number | null; n: number }>('SELECT first_ts, last_ts, n FROM series WHERE id = ?'),
      // Rollups outlive raw samples (retention): a series' history starts at its oldest tier window.
      firstRollup: db.prepare<[number, number], { data: Uint8Array }>('SELECT data FROM rollups WHERE series_id = ? AND tier = ? ORDER BY window_start LIMIT 1'),
      lastRollup: db.prepare<[number, number], { data: Uint8Array }>('SELECT data FROM rollups WHERE series_id = ? AND tier = ? ORDER BY window_start DESC LIMIT 1'),
      listSeries: db.prepare<[string | null, string | null], { id: number; entity: string; metric: string; first_ts: number | null; last_ts: number | null; n: number }>(
        'SELECT id, entity, metric, first_ts, last_ts, n FROM series WHERE (? IS NULL OR entity = ?) ORDER BY entity, metric',
      ),
      openGap: db.prepare<[string, number, string]>('INSERT INTO gaps (entity, from_ts, to_ts, reason) VALUES (?, ?, NULL, ?)'),
      closedGap: db.prepare<[string, number, number, string]>('INSERT INTO gaps (entity, from_ts, to_ts, reason) VALUES (?, ?, ?, ?)'),
      hasOpenGap: db.prepare<[string], { id: number }>('SELECT id FROM gaps WHERE entity = ? AND to_ts IS NULL'),
      closeGap: db.prepare<[number, string]>('UPDATE gaps SET to_ts = max(from_ts, ?) WHERE entity = ? AND to_ts IS NULL'),
      gaps: db.prepare<[string, number, number], { from_ts: number; to_ts: number | null; reason: string }>(
        'SELECT from_ts, to_ts, reason FROM gaps WHERE entity = ? AND from_ts <= ? AND (to_ts IS NULL OR to_ts >= ?) ORDER BY from_ts',
      ),
      setUnavailable: db.prepare<[string | null, number | null, number]>('UPDATE series SET unavailable_reason = ?, unavailable_since = ? WHERE id = ?'),
      unavailable: db.prepare<[string], { metric: string; reason: string }>(
        'SELECT metric, unavailable_reason AS reason FROM series WHERE entity = ? AND unavailable_reason IS NOT NULL',
      ),
      getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare<[string, number]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    };
    let maxId = this.meta('max_batch_id', 0);
    for (const b of this.st.allBatches.all()) {
      maxId = Math.max(maxId, b.id);
      this.batches.set(b.id, { id: b.id, source: b.source, grp: b.source === 'live' ? LIVE_GROUP : b.id, label: b.label, createdAt: b.created_at });
      if (b.deleted_at !== null) this.hidden.add(b.id);
    }
    this.maxBatchId = maxId;
    this.rawFloor = this.meta('raw_floor', -Infinity);
    this.tier1Floor = this.meta('tier1_floor', -Infinity);
    this.state = this.degraded
      ? {
          state: 'memory',
          reason: 'disk-full',
          message: `The disk holding ${this.path} is full (${this.degraded.code}): this session's metrics are kept in memory only, and history stored before is not shown. Free space on that disk, then restart Baleen.`,
          since: this.clock.now(),
          buffered: 0,
          dropped: 0,
        }
      : { state: 'ok', reason: null, message: null, since: this.clock.now(), buffered: 0, dropped: 0 };
    this.lastTailId = this.st.tailSeq.get()?.seq ?? 0;
    this.replayTail();
    this.scheduleMaintenance();
  }

  /**
   * After a crash: the ticks in the tail journal whose samples are not in chunk rows go back into heads,
   * which are closed and written at once, and the journal is emptied (REL-D1).
   */
  private replayTail(): void {
    const upto = new Map<number, number | null>();
    let rows = 0;
    let samples = 0;
    let damaged = 0;
    for (const r of this.st.tailRows.iterate()) {
      rows++;
      const batch = this.batches.get(r.batch_id);
      if (!batch || this.hidden.has(batch.grp)) continue;
      try {
        decodeTail(r.data, (sid, v) => {
          let u = upto.get(sid);
          if (u === undefined) upto.set(sid, (u = this.st.tailUpto.get(sid)?.tail_upto ?? null));
          if (u === null || r.id <= u || !Number.isFinite(v)) return;
          const s = this.seriesById.get(sid) ?? this.seriesOfId(sid);
          if (!s) return;
          this.pushSample(s, batch, r.ts, v, -1);
          this.noteTs(this.entityState(s.entity), s.entity, r.ts);
          samples++;
        });
      } catch (e) {
        if (!(e instanceof TailFormatError)) throw e;
        damaged++;
      }
    }
    if (rows === 0) return;
    this.sealAllHeads();
    if (!this.flush()) {
      this.log.error('could not write the replayed tail journal; it is kept for the next start', { rows, samples });
      return;
    }
    this.st.deleteTail.run(Number.MAX_SAFE_INTEGER);
    this.log.info('replayed the tail journal', { rows, samples, damagedRows: damaged });
  }

  private seriesOfId(id: number): SeriesRef | undefined {
    const row = this.st.seriesRow.get(id);
    return row ? this.seriesRef(row.entity, row.metric, true) : undefined;
  }

  private sealAllHeads(): void {
    for (const ent of this.entities.values()) {
      for (const s of ent.series.values()) {
        for (const h of s.heads) {
          if (!h.sealed && h.n > 0) {
            h.sealed = true;
            this.enqueue(h);
          }
        }
      }
    }
  }

  // ---- writing ---------------------------------------------------------------------------------

  openBatch(source: SampleSource, label?: string): number {
    this.assertOpen();
    const id = ++this.maxBatchId;
    const info: BatchInfo = { id, source, grp: source === 'live' ? LIVE_GROUP : id, label: label ?? null, createdAt: this.clock.now() };
    this.batches.set(id, info);
    this.write(() => {
      this.st.insertBatch.run(id, source, info.label, info.createdAt);
      this.st.setMeta.run('max_batch_id', id);
    });
    return id;
  }

  append(batchId: number, entity: string, ts: number, values: Readonly<Record<string, number>>): void {
    this.assertOpen();
    const batch = this.batchFor(batchId);
    if (!Number.isSafeInteger(ts) || ts < 0) throw new BaleenError('E_INVALID_INPUT', `A sample time must be a whole number of ms since 1970 (got ${ts}).`);
    if (typeof entity !== 'string' || entity.length === 0) throw new BaleenError('E_INVALID_INPUT', 'A sample needs an entity.');
    const ent = this.entityState(entity);
    this.noteTs(ent, entity, ts);
    if (this.state.state === 'paused') {
      this.buffer(ent, batchId, ts, values);
      return;
    }
    this.pushTick(ent, batch, entity, ts, values);
    this.pendingTicks++;
    if (this.pendingTicks >= this.o.flushTicks || this.pendingSamples >= this.o.flushSamples) this.flush();
    else this.scheduleFlush();
  }

  private pushTick(ent: EntityState, batch: BatchInfo, entity: string, ts: number, values: Readonly<Record<string, number>>): void {
    const tick: PendingTick = { batchId: batch.id, ts, refs: [], vals: [] };
    const tickIdx = this.pendingTail.length;
    for (const metric of Object.keys(values)) {
      const v = values[metric]!;
      if (typeof v !== 'number' || !Number.isFinite(v) || metric.length === 0) continue;
      let s = ent.series.get(metric);
      if (s === undefined) s = this.seriesRef(entity, metric, true)!;
      this.pushSample(s, batch, ts, v, tickIdx);
      tick.refs.push(s);
      tick.vals.push(v);
    }
    if (tick.refs.length > 0) this.pendingTail.push(tick);
  }

  /** `tickIdx`: the pendingTail index of the tick the sample comes with (-1: journaled nowhere, a replay). */
  private pushSample(s: SeriesRef, batch: BatchInfo, ts: number, v: number, tickIdx: number): void {
    let h = s.heads[s.heads.length - 1];
    if (h === undefined || h.sealed || h.batchId !== batch.id || h.n >= s.cap || (h.n > 0 && (ts <= h.lastTs || ts - h.firstTs > MAX_CHUNK_SPAN_MS))) {
      if (h && !h.sealed) {
        h.sealed = true;
        this.enqueue(h);
      }
      h = {
        series: s,
        batchId: batch.id,
        grp: batch.grp,
        n: 0,
        firstTs: ts,
        lastTs: ts,
        unwrittenTs: ts,
        unmarkedTs: ts,
        flushedN: 0,
        rowId: null,
        sealed: false,
        final: false,
        queued: false,
        enc: new HeadEncoder(s.counterLike),
        marked1: -Infinity,
        marked2: -Infinity,
        tailFrom: 0,
        tickIdx: -1,
        markedN: 0,
      };
      s.heads.push(h);
    }
    if (!h.enc.accepts(v)) {
      const d = headSamples(h);
      h.enc = HeadEncoder.rebuild(d.ts, d.vals, d.n, s.counterLike, true);
    }
    h.enc.push(ts, v);
    if (h.n === 0) h.firstTs = ts;
    if (h.n === h.flushedN) {
      h.unwrittenTs = ts;
      if (h.tailFrom === 0) h.tickIdx = tickIdx;
    }
    if (h.n === h.markedN) h.unmarkedTs = ts;
    h.lastTs = ts;
    h.n++;
    this.pendingSamples++;
    this.enqueue(h);
  }

  private enqueue(h: Head): void {
    if (h.queued) return;
    h.queued = true;
    this.queue.push(h);
  }

  private buffer(ent: EntityState, batchId: number, ts: number, values: Readonly<Record<string, number>>): void {
    ent.ring.push({ batchId, ts, values: { ...values } });
    if (ent.ring.length > this.o.ringTicks) {
      const lost = ent.ring.shift()!;
      const d = (ent.dropped ??= { from: lost.ts, to: lost.ts, count: 0 });
      d.from = Math.min(d.from, lost.ts);
      d.to = Math.max(d.to, lost.ts);
      d.count++;
      this.state = { ...this.state, dropped: this.state.dropped + 1 };
    }
    this.state = { ...this.state, buffered: this.bufferedTicks() };
  }

  private bufferedTicks(): number {
    let n = 0;
    for (const e of this.entities.values()) n += e.ring.length;
    return n;
  }

  appendColumns(batchId: number, entity: string, ts: Float64Array, columns: readonly MetricColumn[]): { samples: number } {
    this.assertOpen();
    const batch = this.batchFor(batchId);
    if (typeof entity !== 'string' || entity.length === 0) throw new BaleenError('E_INVALID_INPUT', 'Samples need an entity.');
    if (!(ts instanceof Float64Array)) throw new BaleenError('E_INVALID_INPUT', 'Timestamps must be a Float64Array.');
    for (const c of columns) {
      if (!(c.values instanceof Float64Array) || c.values.length !== ts.length) {
        throw new BaleenError('E_INVALID_INPUT', `Column ${String(c.metric)} has ${c.values?.length ?? 'no'} values for ${ts.length} timestamps.`);
      }
      if (typeof c.metric !== 'string' || c.metric.length === 0) throw new BaleenError('E_INVALID_INPUT', 'A column needs a metric name.');
    }
    if (this.state.state === 'paused') {
      throw new BaleenError('E_STORE', `The metrics store is not accepting writes (${this.state.message ?? this.state.reason}); nothing was imported from this chunk.`);
    }
    const order = sampleOrder(ts);
    if (order.length === 0 || columns.length === 0) return { samples: 0 };
    const ent = this.entityState(entity);
    const tsBuf = new Float64Array(order.length);
    const vBuf = new Float64Array(order.length);
    let samples = 0;
    let newest = -Infinity;
    const newIds = new Map<SeriesRef, number>();
    try {
      this.db.transaction(() => {
        for (const c of columns) {
          let n = 0;
          for (const i of order) {
            const v = c.values[i]!;
            if (!Number.isFinite(v)) continue;
            tsBuf[n] = ts[i]!;
            vBuf[n] = v;
            n++;
          }
          if (n === 0) continue;
          const s = ent.series.get(c.metric) ?? this.seriesRef(entity, c.metric, true)!;
          const sid = s.id ?? newIds.get(s) ?? this.createSeries(s, newIds);
          let start = 0;
          while (start < n) {
            let end = Math.min(n, start + BULK_CHUNK_SAMPLES);
            const limit = tsBuf[start]! + MAX_CHUNK_SPAN_MS;
            if (tsBuf[end - 1]! > limit) end = upperBound(tsBuf, limit, start, end);
            const t0 = tsBuf[start]!;
            const t1 = tsBuf[end - 1]!;
            this.st.insertChunk.run(sid, batch.id, batch.grp, t0, t1, end - start, encodeRawChunk(tsBuf.subarray(start, end), vBuf.subarray(start, end), end - start));
            this.st.addStats.run(t0, t0, t1, t1, end - start, sid);
            this.markWindows(sid, batch.grp, t0, t1, null);
            start = end;
          }
          samples += n;
          newest = Math.max(newest, tsBuf[n - 1]!);
        }
      })();
    } catch (e) {
      throw this.storeError(e, 'could not import samples');
    }
    for (const [s, id] of newIds) this.bindSeries(s, id);
    if (samples > 0 && ent.lastTs !== undefined && (ent.lastTs === null || newest > ent.lastTs)) ent.lastTs = newest;
    return { samples };
  }

  /** Commits what is queued; `allHeads` also writes every open head to its row (maintenance over the size cap). */
  flush(allHeads = false): boolean {
    if (this.closed) return false;
    this.flushTimer?.cancel();
    this.flushTimer = null;
    if (this.state.state === 'paused') return false;
    if (this.queue.length === 0 && this.deferred.length === 0 && !this.headsDue(allHeads)) return true;
    try {
      this.commitQueued(allHeads);
    } catch (e) {
      // Disk full: free the WAL and try once more before pausing (REL-D3).
      this.checkpoint('disk full');
      try {
        this.commitQueued(allHeads);
      } catch (e2) {
        this.pause(e2 ?? e);
        return false;
      }
    }
    this.checkWal();
    return true;
  }

  /** Whether the oldest head held only in the tail journal is due to be written to its row. */
  private headsDue(allHeads = false): boolean {
    const now = this.clock.monotonic();
    for (let i = this.tailHeadsStart; i < this.tailHeads.length; i++) {
      const e = this.tailHeads[i]!;
      if (e.h.tailFrom === e.stamp) return allHeads || this.due(e.at, now);
    }
    return false;
  }

  /** A head journaled since `at` is due once that is headCheckpointMs ago (a clock that went back counts as due). */
  private due(at: number, now: number): boolean {
    return at <= now - this.o.headCheckpointMs || at > now;
  }

  /**
   * One transaction for everything queued: the ticks go to the tail journal, closed heads and heads
   * that are due go to their rows; in-memory state changes only after it commits.
   */
  private commitQueued(allHeads = false): void {
    const queue = this.queue;
    const deferred = this.deferred;
    const ticks = this.pendingTail;
    const now = this.clock.monotonic();
    const newIds = new Map<SeriesRef, number>();
    const written = new Map<Head, number>();
    const retired: number[] = [];
    // Every head with new samples passes through here once a second (tens of thousands at 100 nodes):
    // the list of marked heads reuses one array, and only heads whose marked windows moved keep an undo.
    const marked = this.markedScratch;
    let nMarked = 0;
    const undo: Array<[Head, number, number]> = [];
    /** Rollup windows of samples not marked yet; rollups read open heads too, so this happens as they are journaled. */
    const mark = (h: Head, sid: number) => {
      if (h.markedN >= h.n) return;
      const m1 = h.marked1;
      const m2 = h.marked2;
      this.markWindows(sid, h.grp, h.unmarkedTs, h.lastTs, h);
      if (h.marked1 !== m1 || h.marked2 !== m2) undo.push([h, m1, m2]);
      marked[nMarked++] = h;
    };
    let firstTail = 0;
    let lastTail = this.lastTailId;
    let consumed = this.tailHeadsStart;
    let keepFrom = Number.MAX_SAFE_INTEGER;
    const idOf = (s: SeriesRef) => s.id ?? newIds.get(s) ?? this.createSeries(s, newIds);
    const writeHead = (h: Head, sid: number) => {
      // An open head is copied from its streaming encoder; a closed one gets the best codec, once.
      const d = h.sealed ? headSamples(h) : null;
      const blob = d ? encodeRawChunk(d.ts, d.vals, d.n) : h.enc.blob();
      const t0 = h.firstTs;
      const t1 = h.lastTs;
      let rowId = h.rowId;
      if (rowId !== null && h.sealed) {
        // A closed chunk goes to a fresh row at the end of the table, where pages fill densely; the
        // head's row, grown in place, is freed for the next heads.
        this.st.deleteChunk.run(rowId);
        retired.push(rowId);
        rowId = null;
      }
      if (rowId === null) rowId = Number(this.st.insertChunk.run(sid, h.batchId, h.grp, t0, t1, h.n, blob).lastInsertRowid);
      else this.st.updateHead.run(t1, h.n, blob, rowId);
      written.set(h, rowId);
      const first = h.flushedN < h.n ? h.unwrittenTs : t1;
      this.st.addStats.run(first, first, t1, t1, h.n - h.flushedN, sid);
      mark(h, sid);
      touched.add(h.series);
    };
    const needsWrite = (h: Head) => h.n > 0 && !written.has(h) && (h.rowId === null || h.flushedN < h.n || (h.sealed && !h.final));
    const write = (h: Head) => writeHead(h, idOf(h.series));
    /** The tail row of a head's first unwritten sample; 0 when that sample is in no tail row (a replay). */
    const firstRowOf = (h: Head) => (h.tailFrom !== 0 ? h.tailFrom : h.tickIdx >= 0 && firstTail !== 0 ? firstTail + h.tickIdx : 0);
    const touched = new Set<SeriesRef>();
    try {
      this.db.transaction(() => {
        for (const op of deferred) op();
        for (const t of ticks) {
          const ids = t.refs.map(idOf);
          const id = Number(this.st.insertTail.run(t.batchId, t.ts, this.tailEnc.encode(ids, t.vals, ids.length)).lastInsertRowid);
          if (firstTail === 0) firstTail = id;
          lastTail = id;
        }
        for (const h of queue) {
          if (!needsWrite(h)) continue;
          // Closed heads are written now; so are open ones whose samples are in no tail row (a replay).
          if (h.sealed || firstRowOf(h) === 0) write(h);
          else mark(h, idOf(h.series));
        }
        // The heads whose oldest journaled sample is due, oldest first.
        for (; consumed < this.tailHeads.length; consumed++) {
          const e = this.tailHeads[consumed]!;
          if (e.h.tailFrom !== e.stamp || written.has(e.h)) continue;
          if (!allHeads && !this.due(e.at, now)) {
            keepFrom = e.floor;
            break;
          }
          write(e.h);
        }
        // Every sample of a written series before its oldest still-unwritten one is now in a chunk row.
        for (const s of touched) {
          let upto = lastTail;
          for (const h of s.heads) if (!written.has(h) && h.flushedN < h.n) upto = Math.min(upto, firstRowOf(h) - 1);
          this.st.setTailUpto.run(upto, s.id ?? newIds.get(s)!);
        }
        // Heads that got their first journaled samples in this flush keep this flush's rows.
        if (firstTail !== 0 && keepFrom === Number.MAX_SAFE_INTEGER) {
          for (const h of queue) if (!h.sealed && !written.has(h) && h.tailFrom === 0 && h.flushedN < h.n) keepFrom = firstTail;
        }
        this.st.deleteTail.run(keepFrom);
      })();
    } catch (e) {
      for (const [h, m1, m2] of undo) {
        h.marked1 = m1;
        h.marked2 = m2;
      }
      marked.fill(null, 0, nMarked);
      throw e;
    }
    for (const [s, id] of newIds) this.bindSeries(s, id);
    for (const id of retired) this.headByRow.delete(id);
    for (let i = 0; i < nMarked; i++) {
      const h = marked[i]!;
      h.markedN = h.n;
      marked[i] = null;
    }
    this.lastTailId = lastTail;
    for (const [h, rowId] of written) {
      h.rowId = rowId;
      h.flushedN = h.n;
      h.final = h.sealed;
      h.tailFrom = 0;
      h.tickIdx = -1;
      this.headByRow.set(rowId, h);
    }
    this.tailHeadsStart = consumed;
    if (consumed > 1024 && consumed * 2 > this.tailHeads.length) {
      this.tailHeads = this.tailHeads.slice(consumed);
      this.tailHeadsStart = 0;
    }
    for (const h of queue) {
      h.queued = false;
      if (h.sealed && h.flushedN === h.n) this.dropHead(h);
      else if (h.tailFrom === 0 && h.flushedN < h.n && firstRowOf(h) !== 0) {
        h.tailFrom = firstRowOf(h);
        h.tickIdx = -1;
        // Entries are in flush order; `floor` (the flush's first row) orders them for deleting tail rows.
        this.tailHeads.push({ h, stamp: h.tailFrom, floor: firstTail, at: now });
      }
    }
    this.queue = [];
    this.deferred = [];
    this.pendingTail = [];
    this.pendingTicks = 0;
    this.pendingSamples = 0;
  }

  private dropHead(h: Head): void {
    h.tailFrom = 0;
    const i = h.series.heads.indexOf(h);
    if (i >= 0) h.series.heads.splice(i, 1);
    if (h.rowId !== null) this.headByRow.delete(h.rowId);
  }

  /** Marks the tier-1 and tier-2 windows [t0, t1] touches as needing a rollup. */
  private markWindows(sid: number, grp: number, t0: number, t1: number, h: Head | null): void {
    for (let w = Math.max(windowOf(1, t0), h ? h.marked1 : -Infinity); w <= t1; w += TIER[1].windowMs) {
      if (h && w === h.marked1) continue;
      this.st.markDirty.run(sid, 1, w, grp);
    }
    for (let w = Math.max(windowOf(2, t0), h ? h.marked2 : -Infinity); w <= t1; w += TIER[2].windowMs) {
      if (h && w === h.marked2) continue;
      this.st.markDirty.run(sid, 2, w, grp);
    }
    if (h) {
      h.marked1 = Math.max(h.marked1, windowOf(1, t1));
      h.marked2 = Math.max(h.marked2, windowOf(2, t1));
    }
  }

  private createSeries(s: SeriesRef, newIds: Map<SeriesRef, number>): number {
    this.st.insertSeries.run(s.entity, s.metric);
    const id = this.st.findSeries.get(s.entity, s.metric)!.id;
    newIds.set(s, id);
    return id;
  }

  private bindSeries(s: SeriesRef, id: number): void {
    s.id = id;
    this.seriesById.set(id, s);
  }

  private pause(e: unknown): void {
    const full = sqliteCode(e) === 'SQLITE_FULL';
    const message = full ? 'The disk is full: samples are kept in memory until space frees.' : `The metrics database cannot be written: ${errorMessage(e)}`;
    if (this.state.state !== 'paused') this.log.error('metrics writer paused', { reason: full ? 'disk-full' : 'error', error: errorMessage(e) });
    this.setState({ state: 'paused', reason: full ? 'disk-full' : 'error', message, since: this.state.state === 'paused' ? this.state.since : this.clock.now(), buffered: this.bufferedTicks(), dropped: this.state.dropped });
    this.retryTimer?.cancel();
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      this.resume();
    }, this.o.retryMs);
  }

  /** Retry a paused writer: what it held first, then the ring; overflow becomes a gap (REL-D3, REL-D12). */
  resume(): boolean {
    if (this.closed || this.state.state !== 'paused') return this.state.state !== 'paused';
    const retry = (): boolean => {
      try {
        this.commitQueued();
        return true;
      } catch {
        this.checkpoint('disk full');
        try {
          this.commitQueued();
          return true;
        } catch (e) {
          this.pause(e);
          return false;
        }
      }
    };
    if (!retry()) return false;
    for (const [entity, ent] of this.entities) {
      if (ent.dropped) {
        const d = ent.dropped;
        ent.dropped = null;
        this.deferred.push(() => void this.st.closedGap.run(entity, d.from, d.to, `Samples not stored: the metrics database could not be written (${d.count} polls dropped)`));
      }
      const ring = ent.ring;
      ent.ring = [];
      for (const t of ring) {
        const batch = this.batches.get(t.batchId);
        if (batch && !this.hidden.has(batch.grp)) this.pushTick(ent, batch, entity, t.ts, t.values);
      }
    }
    if (!retry()) return false;
    this.log.info('metrics writer resumed', { dropped: this.state.dropped });
    this.setState({ state: 'ok', reason: null, message: null, since: this.clock.now(), buffered: 0, dropped: 0 });
    this.checkWal();
    return true;
  }

  private setState(s: StoreState): void {
    const changed = s.state !== this.state.state || s.reason !== this.state.reason;
    this.state = s;
    if (changed) this.onState?.(s);
  }

  writerState(): StoreState {
    return { ...this.state, buffered: this.bufferedTicks() };
  }

  /** A small write now, or with the next flush when the database cannot take it (disk full). */
  private write(op: () => void): void {
    if (this.state.state === 'paused') {
      this.deferred.push(op);
      return;
    }
    try {
      op();
    } catch (e) {
      this.log.warn('write deferred to the next flush', { error: errorMessage(e) });
      this.deferred.push(op);
      this.scheduleFlush();
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.closed) return;
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, this.o.flushIntervalMs);
  }

  /** REL-D5: a long reader stops passive checkpoints from resetting the WAL; truncate it once it can. */
  private checkWal(): void {
    let size: number;
    try {
      size = statSync(`${this.path}-wal`).size;
    } catch {
      return;
    }
    if (size > this.o.walCheckpointBytes) this.checkpoint('wal over threshold', size);
  }

  private checkpoint(why: string, walBytes?: number): void {
    try {
      // Never wait on a reader: a busy checkpoint is retried after the next flush.
      this.db.pragma('busy_timeout = 0');
      const r = (this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>)[0];
      if (r && r.busy) {
        if (!this.walBusyLogged) this.log.warn('wal checkpoint blocked by a reader', { why, walBytes, ...r });
        this.walBusyLogged = true;
      } else {
        this.log.info('wal checkpoint', { why, walBytes, ...r });
        this.walBusyLogged = false;
      }
    } catch (e) {
      this.log.warn('wal checkpoint failed', { why, error: errorMessage(e) });
    } finally {
      try {
        this.db.pragma('busy_timeout = 5000');
      } catch {
        // The connection is going away.
      }
    }
  }

  setMaxPageCount(pages: number | null): void {
    this.db.pragma(`max_page_count = ${pages === null ? 4_294_967_294 : Math.max(1, Math.floor(pages))}`);
  }

  // ---- reading ---------------------------------------------------------------------------------

  query(entity: string, metric: string, from: number, to: number, opts: { withPrevious?: boolean } = {}): Point[] {
    this.assertOpen();
    const s = this.seriesRef(entity, metric, false);
    if (!s) return [];
    const run = this.readRun(s, null, from, to, opts.withPrevious ?? false, true);
    const out: Point[] = new Array<Point>(run.n);
    for (let i = 0; i < run.n; i++) out[i] = { ts: run.ts[i]!, value: run.vals[i]! };
    return out;
  }

  /** Raw samples of a series (one group, or all visible groups) in [from, to], deduplicated by time. */
  private readRun(s: SeriesRef, grp: number | null, from: number, to: number, withPrevious: boolean, withHeads: boolean): Run {
    const parts: Array<{ seq: number; ts: Float64Array; vals: Float64Array; n: number }> = [];
    const headRows = new Set<number>();
    if (withHeads) for (const h of s.heads) if (h.rowId !== null) headRows.add(h.rowId);
    const seen = new Set<number>();
    const take = (row: ChunkRow) => {
      if (seen.has(row.id) || this.hidden.has(row.grp) || (grp !== null && row.grp !== grp) || headRows.has(row.id)) return;
      seen.add(row.id);
      const d = decodeRawChunk(row.data);
      parts.push({ seq: row.id, ...d });
    };
    if (s.id !== null) {
      for (const row of this.st.chunksInRange.iterate(s.id, from - MAX_CHUNK_SPAN_MS, to, from)) take(row);
      // The sample before `from` is in one of the last chunks that start before it.
      if (withPrevious) for (const row of this.st.chunksBefore.all(s.id, from)) take(row);
    }
    if (withHeads) {
      s.heads.forEach((h, i) => {
        if (h.n > 0 && !this.hidden.has(h.grp) && (grp === null || h.grp === grp)) parts.push({ seq: h.rowId ?? HEAD_SEQ_BASE + i, ...headSamples(h) });
      });
    }
    return mergeRuns(parts, from, to, withPrevious);
  }

  readRollup(entity: string, metric: string, tier: Tier, from: number, to: number, want: readonly TierColumn[] = TIER_COLUMNS): RollupRead {
    this.assertOpen();
    const s = this.seriesRef(entity, metric, false);
    if (!s) return { buckets: [], pending: [] };
    const W = TIER[tier].windowMs;
    const bucketMs = TIER[tier].bucketMs;
    const w0 = windowOf(tier, from);
    const w1 = windowOf(tier, to);
    const openFrom = windowOf(tier, this.clock.now() - this.o.settleMs);
    const pendingWindows = new Set<number>();
    if (s.id !== null) for (const r of this.st.dirtyWindows.iterate(s.id, tier, w0, w1)) pendingWindows.add(r.window_start);
    const isPending = (w: number) => w >= openFrom || pendingWindows.has(w);
    let buckets: Bucket[] = [];
    let groups = 0;
    let lastGrp: number | null = null;
    if (s.id !== null) {
      const cols: TierColumn[] = ['count', ...want.filter((c) => c !== 'count')];
      for (const row of this.st.rollupRows.iterate(s.id, tier, w0, w1)) {
        if (this.hidden.has(row.grp) || isPending(row.window_start)) continue;
        if (row.grp !== lastGrp) groups++;
        lastGrp = row.grp;
        const d = decodeTierChunk(row.data, cols);
        let a = 0;
        let z = d.n;
        while (a < z && d.ts[a]! + bucketMs <= from) a++;
        while (z > a && d.ts[z - 1]! > to) z--;
        if (a === 0 && z === d.n) buckets.push(...bucketsOf(d));
        else for (const b of bucketsOf(d)) if (b.ts + bucketMs > from && b.ts <= to) buckets.push(b);
      }
    }
    if (groups > 1) {
      // Where an import overlaps live data, the group with more samples in a bucket answers for it.
      buckets.sort((a, b) => a.ts - b.ts || b.count - a.count);
      buckets = buckets.filter((b, i) => i === 0 || buckets[i - 1]!.ts !== b.ts);
    }
    const unique = buckets;
    const pending: Array<{ from: number; to: number }> = [];
    for (let w = w0; w <= w1; w += W) {
      if (!isPending(w)) continue;
      const a = Math.max(from, w);
      const b = Math.min(to, w + W - 1);
      const last = pending[pending.length - 1];
      if (last && last.to + 1 >= a) last.to = b;
      else pending.push({ from: a, to: b });
    }
    return { buckets: unique, pending };
  }

  lastTs(entity: string): number | null {
    this.assertOpen();
    return this.noteTs(this.entityState(entity), entity, null);
  }

  /** The entity's newest sample time (loaded once from the store), moved up to `ts` if given. */
  private noteTs(ent: EntityState, entity: string, ts: number | null): number | null {
    if (ent.lastTs === undefined) ent.lastTs = this.st.lastTs.get(entity)?.ts ?? null;
    if (ts !== null && (ent.lastTs === null || ts > ent.lastTs)) ent.lastTs = ts;
    return ent.lastTs;
  }

  seriesInfo(entity: string, metric: string): SeriesInfo | null {
    this.assertOpen();
    const s = this.seriesRef(entity, metric, false);
    if (!s) return null;
    const row = s.id === null ? undefined : this.st.seriesStats.get(s.id);
    return this.withHeads(s, { entity, metric, ...this.history(s.id, row?.first_ts ?? null, row?.last_ts ?? null), count: row?.n ?? 0 });
  }

  /**
   * The span of a series at any resolution: rollups outlive raw samples (retention), so history may
   * start in a tier; it ends at the newest raw sample, or in a tier once all raw samples are gone.
   */
  private history(id: number | null, rawFirst: number | null, rawLast: number | null): { first: number | null; last: number | null } {
    let first = rawFirst;
    let last = rawLast;
    if (id === null) return { first, last };
    for (const tier of [1, 2] as const) {
      const a = this.st.firstRollup.get(id, tier);
      if (!a) continue;
      const t = decodeTierChunk(a.data, []).ts[0];
      if (t !== undefined && (first === null || t < first)) first = t;
      if (rawLast === null) {
        const z = decodeTierChunk(this.st.lastRollup.get(id, tier)!.data, []);
        const end = z.ts[z.n - 1]! + TIER[tier].bucketMs - 1;
        if (last === null || end > last) last = end;
      }
    }
    return { first, last };
  }

  private withHeads(s: SeriesRef, info: SeriesInfo): SeriesInfo {
    for (const h of s.heads) {
      if (h.n === h.flushedN || this.hidden.has(h.grp)) continue;
      const a = h.unwrittenTs;
      const b = h.lastTs;
      info.first = info.first === null ? a : Math.min(info.first, a);
      info.last = info.last === null ? b : Math.max(info.last, b);
      info.count += h.n - h.flushedN;
    }
    return info;
  }

  listSeries(entity?: string): SeriesInfo[] {
    this.assertOpen();
    const out = new Map<string, SeriesInfo>();
    for (const r of this.st.listSeries.iterate(entity ?? null, entity ?? null)) {
      const s = this.entities.get(r.entity)?.series.get(r.metric);
      const info = { entity: r.entity, metric: r.metric, ...this.history(r.id, r.first_ts, r.last_ts), count: r.n };
      out.set(`${r.entity}|${r.metric}`, s ? this.withHeads(s, info) : info);
    }
    for (const [e, ent] of this.entities) {
      if (entity !== undefined && e !== entity) continue;
      for (const [m, s] of ent.series) {
        if (s.id === null && s.heads.length > 0) out.set(`${e}|${m}`, this.withHeads(s, { entity: e, metric: m, first: null, last: null, count: 0 }));
      }
    }
    return [...out.values()].filter((i) => i.count > 0 || i.first !== null).sort((a, b) => (a.entity === b.entity ? (a.metric < b.metric ? -1 : 1) : a.entity < b.entity ? -1 : 1));
  }

  listImports(): ImportInfo[] {
    this.assertOpen();
    return [...this.batches.values()]
      .filter((b): b is BatchInfo & { source: ImportInfo['source'] } => b.source !== 'live' && !this.hidden.has(b.grp))
      .map((b) => ({ id: b.id, source: b.source, label: b.label, createdAt: b.createdAt }));
  }

  // ---- gaps and availability -------------------------------------------------------------------

  openGap(entity: string, from: number, reason: string): void {
    this.assertOpen();
    this.write(() => {
      if (!this.st.hasOpenGap.get(entity)) this.st.openGap.run(entity, from, reason);
    });
  }

  closeGap(entity: string, to: number): void {
    this.assertOpen();
    this.write(() => void this.st.closeGap.run(to, entity));
  }

  gaps(entity: string, from: number, to: number, now: number): Gap[] {
    this.assertOpen();
    return this.st.gaps.all(entity, to, from).map((g) => ({ from: g.from_ts, to: g.to_ts ?? now, reason: g.reason }));
  }

  setUnavailable(entity: string, metric: string, reason: string | null, now: number): void {
    this.assertOpen();
    const s = this.seriesRef(entity, metric, true)!;
    this.write(() => {
      let id = s.id;
      if (id === null) {
        const ids = new Map<SeriesRef, number>();
        id = this.createSeries(s, ids);
        this.bindSeries(s, id);
      }
      this.st.setUnavailable.run(reason, reason === null ? null : now, id);
    });
  }

  unavailable(entity: string): Record<string, string> {
    this.assertOpen();
    return Object.fromEntries(this.st.unavailable.all(entity).map((r) => [r.metric, r.reason]));
  }

  // ---- maintenance -----------------------------------------------------------------------------

  runMaintenance(signal?: AbortSignal): Promise<MaintenanceReport> {
    this.assertOpen();
    this.maintaining ??= this.maintain(signal).finally(() => {
      this.maintaining = null;
    });
    return this.maintaining;
  }

  private scheduleMaintenance(): void {
    if (this.o.maintenanceIntervalMs <= 0 || this.closed) return;
    this.maintenanceTimer = this.clock.setTimeout(() => {
      this.maintenanceTimer = null;
      this.runMaintenance(this.abort.signal)
        .catch((e) => {
          if (!this.closed) this.log.error('metrics maintenance failed', { error: errorMessage(e) });
        })
        .finally(() => this.scheduleMaintenance());
    }, this.o.maintenanceIntervalMs);
  }

  private async maintain(signal?: AbortSignal): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { rolledWindows: 0, deletedChunks: 0, trimmedChunks: 0, deletedRollups: 0, maxSliceMs: 0, slices: 0, bytes: 0, overCap: false };
    if (this.state.state === 'paused') this.resume();
    // Over the size cap, open heads go to their rows too, so eviction can reach the newest live samples.
    else this.flush(this.o.retention.maxBytes !== null && this.usedBytes() > this.o.retention.maxBytes);
    const stop = () => this.closed || this.abort.signal.aborted || (signal?.aborted ?? false);
    await this.rollupPass(report, stop);
    if (!stop()) await this.retentionPass(report, stop);
    for (const grp of [...this.hidden]) if (!stop()) await this.purgeGroup(grp, report, stop);
    if (!stop()) {
      this.checkWal();
      report.bytes = this.usedBytes();
    }
    return report;
  }

  /** Runs `work` in slices (one transaction each, ≤ sliceBudgetMs of work) until it reports no more. */
  private async sliced(report: MaintenanceReport, stop: () => boolean, work: (deadline: number) => boolean): Promise<void> {
    for (;;) {
      if (stop()) return;
      const t0 = stopwatch();
      let more: boolean;
      try {
        more = this.db.transaction(() => work(t0 + this.o.sliceBudgetMs))();
      } catch (e) {
        if (sqliteCode(e) === 'SQLITE_FULL') {
          this.log.warn('maintenance slice hit a full disk', { error: errorMessage(e) });
          return;
        }
        throw e;
      }
      const ms = stopwatch() - t0;
      report.slices++;
      if (ms > report.maxSliceMs) report.maxSliceMs = ms;
      if (!more) return;
      await yieldToLoop();
    }
  }

  private async rollupPass(report: MaintenanceReport, stop: () => boolean): Promise<void> {
    const horizon = this.clock.now() - this.o.settleMs;
    const restarts = new Map<string, Set<number>>();
    for (const tier of [1, 2] as const) {
      const markers = this.st.dirtyReady.all(tier, horizon - TIER[tier].windowMs);
      let i = 0;
      await this.sliced(report, stop, (deadline) => {
        while (i < markers.length) {
          const m = markers[i++]!;
          if (tier === 1) this.rollupTier1(m.series_id, m.window_start, m.grp, restarts);
          else this.rollupTier2(m.series_id, m.window_start, m.grp);
          report.rolledWindows++;
          if (stopwatch() > deadline) break;
        }
        return i < markers.length;
      });
    }
  }

  private seriesOf(id: number): SeriesRef | undefined {
    let s = this.seriesById.get(id);
    if (!s) {
      const row = this.st.seriesRow.get(id);
      if (!row) return undefined;
      s = this.seriesRef(row.entity, row.metric, true)!;
      if (s.id === null) this.bindSeries(s, id);
    }
    return s;
  }

  private rollupTier1(sid: number, ws: number, grp: number, restartCache: Map<string, Set<number>>): void {
    const W = TIER[1].windowMs;
    const s = this.seriesOf(sid);
    if (!s || this.hidden.has(grp) || (grp === LIVE_GROUP && ws < this.rawFloor)) {
      // The raw data this window needs is gone (retention): its rollup stands as it is.
      this.st.clearDirty.run(sid, 1, ws, grp);
      return;
    }
    const run = this.readRun(s, grp, ws, ws + W - 1, true, true);
    const counter = metricDef(s.metric)?.kind !== 'gauge';
    let restarts: Set<number> | undefined;
    if (counter) {
      const key = `${s.entity}|${grp}|${ws}`;
      restarts = restartCache.get(key);
      if (!restarts) {
        const pts = (metric: string) => {
          const r = this.seriesRef(s.entity, metric, false);
          return r ? toPoints(this.readRun(r, grp, ws, ws + W - 1, true, true)) : [];
        };
        restarts = detectRestarts(pts(RESTART_METRICS.uptime), pts(RESTART_METRICS.pid));
        if (restartCache.size > 10_000) restartCache.clear();
        restartCache.set(key, restarts);
      }
    }
    const cols = rollupSamples(run, ws, ws + W, TIER[1].bucketMs, { counter, ...(restarts ? { restarts } : {}), maxGapMs: gapThresholdOf(run.ts, run.n) });
    if (cols) this.st.upsertRollup.run(sid, 1, ws, grp, cols.n, encodeTierChunk(cols));
    else this.st.deleteRollup.run(sid, 1, ws, grp);
    this.st.clearDirty.run(sid, 1, ws, grp);
    this.st.markDirty.run(sid, 2, windowOf(2, ws), grp);
    // A later sample in this window must mark it again.
    for (const h of s.heads) if (h.marked1 >= ws) h.marked1 = -Infinity;
  }

  private rollupTier2(sid: number, ws: number, grp: number): void {
    const D = TIER[2].windowMs;
    const s = this.seriesOf(sid);
    if (!s || this.hidden.has(grp) || (grp === LIVE_GROUP && ws < this.tier1Floor)) {
      this.st.clearDirty.run(sid, 2, ws, grp);
      return;
    }
    // Hours of this day still waiting for their tier-1 rollup: come back when they are done.
    if (this.st.dirtyTier1In.get(sid, ws, ws + D, grp)) return;
    const parts: Bucket[] = [];
    for (const row of this.st.rollupRowsOfGroup.iterate(sid, 1, ws, ws + D, grp)) parts.push(...bucketsOf(decodeTierChunk(row.data)));
    const hours = combineBuckets(parts, TIER[2].bucketMs);
    if (hours.length > 0) this.st.upsertRollup.run(sid, 2, ws, grp, hours.length, encodeTierChunk(columnsOf(hours)));
    else this.st.deleteRollup.run(sid, 2, ws, grp);
    this.st.clearDirty.run(sid, 2, ws, grp);
    for (const h of s.heads) if (h.marked2 >= ws) h.marked2 = -Infinity;
  }

  private async retentionPass(report: MaintenanceReport, stop: () => boolean): Promise<void> {
    const now = this.clock.now();
    const r = this.o.retention;
    const touched = new Set<number>();
    const rawCut = now - r.rawMs;
    await this.sliced(report, stop, (deadline) => this.deleteOldRaw(rawCut, deadline, touched, report));
    if (stop()) return;
    this.raiseFloor('raw_floor', rawCut);
    await this.sliced(report, stop, (deadline) => this.deleteOldRollups(1, now - r.tier1Ms, deadline, report));
    if (stop()) return;
    this.raiseFloor('tier1_floor', now - r.tier1Ms);
    await this.sliced(report, stop, (deadline) => this.deleteOldRollups(2, now - r.tier2Ms, deadline, report));
    if (stop()) return;
    if (r.maxBytes !== null) {
      await this.sliced(report, stop, (deadline) => {
        while (this.usedBytes() > r.maxBytes!) {
          if (!this.evictOldest(touched, report)) {
            report.overCap = true;
            return false;
          }
          if (stopwatch() > deadline) return true;
        }
        return false;
      });
    }
    const refresh = [...touched];
    await this.sliced(report, stop, (deadline) => {
      while (refresh.length > 0) {
        this.st.refreshRange.run({ id: refresh.pop()!, span: MAX_CHUNK_SPAN_MS });
        if (stopwatch() > deadline) return true;
      }
      return false;
    });
    await this.sliced(report, stop, () => {
      this.db.pragma('incremental_vacuum(512)');
      return (this.db.pragma('freelist_count', { simple: true }) as number) > 0;
    });
    if (r.maxBytes !== null && this.usedBytes() > r.maxBytes) report.overCap = true;
  }

  private raiseFloor(key: 'raw_floor' | 'tier1_floor', to: number): void {
    const cur = key === 'raw_floor' ? this.rawFloor : this.tier1Floor;
    if (to <= cur) return;
    if (key === 'raw_floor') this.rawFloor = to;
    else this.tier1Floor = to;
    this.st.setMeta.run(key, to);
    this.st.staleDirty.run(key === 'raw_floor' ? 1 : 2, key === 'raw_floor' ? windowOf(1, to) : windowOf(2, to));
  }

  /** Live raw samples older than `cut`: whole chunks deleted, a chunk straddling it trimmed. */
  private deleteOldRaw(cut: number, deadline: number, touched: Set<number>, report: MaintenanceReport): boolean {
    for (;;) {
      const rows = this.st.oldLiveChunks.all(cut, 64);
      if (rows.length === 0) return false;
      for (const row of rows) {
        touched.add(row.series_id);
        if (row.t_max < cut) {
          this.st.deleteChunk.run(row.id);
          this.st.subCount.run(row.n, row.series_id);
          this.forgetRow(row.id, null);
          report.deletedChunks++;
        } else {
          this.trimChunk(row.id, row.series_id, cut);
          report.trimmedChunks++;
        }
      }
      if (stopwatch() > deadline) return true;
    }
  }

  private trimChunk(id: number, sid: number, cut: number): void {
    const { data } = this.st.chunkData.get(id)!;
    const d = decodeRawChunk(data);
    let k = 0;
    while (k < d.n && d.ts[k]! < cut) k++;
    const keep = d.n - k;
    this.st.updateChunk.run(d.ts[k]!, d.ts[d.n - 1]!, keep, encodeRawChunk(d.ts.subarray(k), d.vals.subarray(k), keep), id);
    this.st.subCount.run(k, sid);
    this.forgetRow(id, cut);
  }

  /** Keeps an in-memory head in step with its row: a later flush must not bring back what retention removed. */
  private forgetRow(rowId: number, cut: number | null): void {
    const h = this.headByRow.get(rowId);
    if (!h) return;
    const d = headSamples(h);
    let drop = h.flushedN;
    if (cut !== null) {
      drop = 0;
      while (drop < d.n && d.ts[drop]! < cut) drop++;
    }
    const ts = d.ts.subarray(drop, d.n);
    const vals = d.vals.subarray(drop, d.n);
    h.n = ts.length;
    h.enc = HeadEncoder.rebuild(ts, vals, h.n, h.series.counterLike, h.enc.isXor);
    h.flushedN = Math.max(0, h.flushedN - drop);
    h.markedN = Math.max(0, h.markedN - drop);
    if (h.n > 0) {
      h.firstTs = ts[0]!;
      h.lastTs = ts[h.n - 1]!;
      h.unwrittenTs = ts[Math.min(h.flushedN, h.n - 1)]!;
      h.unmarkedTs = ts[Math.min(h.markedN, h.n - 1)]!;
    }
    if (cut === null) {
      this.headByRow.delete(rowId);
      h.rowId = null;
    }
    if (h.n === 0) this.dropHead(h);
  }

  private deleteOldRollups(tier: Tier, cut: number, deadline: number, report: MaintenanceReport): boolean {
    for (;;) {
      const rows = this.st.oldLiveRollups.all(tier, cut - TIER[tier].windowMs, 256);
      if (rows.length === 0) return false;
      for (const r of rows) this.st.deleteRollup.run(r.series_id, tier, r.window_start, LIVE_GROUP);
      report.deletedRollups += rows.length;
      if (stopwatch() > deadline) return true;
    }
  }

  /** The size cap: the oldest live raw chunks, then tier-1, then tier-2 rows. Never an import. */
  private evictOldest(touched: Set<number>, report: MaintenanceReport): boolean {
    const raw = this.st.oldestLiveChunks.all(32);
    if (raw.length > 0) {
      let floor = -Infinity;
      for (const row of raw) {
        this.st.deleteChunk.run(row.id);
        this.st.subCount.run(row.n, row.series_id);
        this.forgetRow(row.id, null);
        touched.add(row.series_id);
        floor = Math.max(floor, row.t_max + 1);
        report.deletedChunks++;
      }
      this.raiseFloor('raw_floor', floor);
      return true;
    }
    for (const tier of [1, 2] as const) {
      const rows = this.st.oldLiveRollups.all(tier, Number.MAX_SAFE_INTEGER, 32);
      if (rows.length === 0) continue;
      for (const r of rows) this.st.deleteRollup.run(r.series_id, tier, r.window_start, LIVE_GROUP);
      if (tier === 1) this.raiseFloor('tier1_floor', rows[rows.length - 1]!.window_start + TIER[1].windowMs);
      report.deletedRollups += rows.length;
      return true;
    }
    return false;
  }

  private usedBytes(): number {
    const u = this.diskUsage();
    return u.bytes - u.freeBytes;
  }

  /** The main database file: its size (logical, WAL included) and what of it is free pages. */
  diskUsage(): { bytes: number; freeBytes: number; walBytes: number } {
    this.assertOpen();
    const size = this.db.pragma('page_size', { simple: true }) as number;
    let walBytes = 0;
    try {
      walBytes = statSync(`${this.path}-wal`).size;
    } catch {
      // No WAL file right now.
    }
    return {
      bytes: (this.db.pragma('page_count', { simple: true }) as number) * size,
      freeBytes: (this.db.pragma('freelist_count', { simple: true }) as number) * size,
      walBytes,
    };
  }

  async deleteImport(batchId: number, signal?: AbortSignal): Promise<{ chunks: number; samples: number }> {
    this.assertOpen();
    const b = this.batches.get(batchId);
    if (!b || this.hidden.has(b.grp)) throw new BaleenError('E_NOT_FOUND', `There is no imported set ${batchId}.`);
    if (b.source === 'live') throw new BaleenError('E_INVALID_INPUT', 'Live history is removed by retention, not deleted as a set.');
    try {
      this.st.markBatchDeleted.run(this.clock.now(), batchId);
    } catch (e) {
      throw this.storeError(e, 'could not delete the imported set');
    }
    this.hidden.add(b.grp);
    for (const ent of this.entities.values()) {
      ent.lastTs = undefined;
      for (const s of ent.series.values()) for (const h of [...s.heads]) if (h.grp === b.grp) this.dropHead(h);
    }
    this.queue = this.queue.filter((h) => h.grp !== b.grp);
    const report: MaintenanceReport = { rolledWindows: 0, deletedChunks: 0, trimmedChunks: 0, deletedRollups: 0, maxSliceMs: 0, slices: 0, bytes: 0, overCap: false };
    const samples = await this.purgeGroup(b.grp, report, () => this.closed || (signal?.aborted ?? false));
    if (signal?.aborted) throw new BaleenError('E_CANCELLED', 'Deleting the imported set was interrupted; it stays hidden and is finished in the background.');
    return { chunks: report.deletedChunks, samples };
  }

  /** Removes a hidden group in slices; resumable after a restart (the batch row says deleted). */
  private async purgeGroup(grp: number, report: MaintenanceReport, stop: () => boolean): Promise<number> {
    let samples = 0;
    const touched = new Set<number>();
    await this.sliced(report, stop, (deadline) => {
      for (;;) {
        const rows = this.st.groupChunks.all(grp, 256);
        if (rows.length === 0) return false;
        for (const r of rows) {
          this.st.deleteChunk.run(r.id);
          this.st.subCount.run(r.n, r.series_id);
          touched.add(r.series_id);
          samples += r.n;
          report.deletedChunks++;
        }
        if (stopwatch() > deadline) return true;
      }
    });
    await this.sliced(report, stop, (deadline) => {
      for (;;) {
        const rows = this.st.groupRollups.all(grp, 256);
        if (rows.length === 0) return false;
        for (const r of rows) this.st.deleteRollup.run(r.series_id, r.tier, r.window_start, grp);
        report.deletedRollups += rows.length;
        if (stopwatch() > deadline) return true;
      }
    });
    if (stop()) return samples;
    await this.sliced(report, stop, () => {
      this.st.groupDirty.run(grp);
      for (const sid of touched) this.st.refreshRange.run({ id: sid, span: MAX_CHUNK_SPAN_MS });
      this.st.deleteBatch.run(grp);
      return false;
    });
    if (!stop()) {
      this.hidden.delete(grp);
      this.batches.delete(grp);
    }
    return samples;
  }

  async backup(destination: string): Promise<void> {
    this.assertOpen();
    this.flush();
    try {
      await this.db.backup(destination);
    } catch (e) {
      throw this.storeError(e, `could not back up to ${destination}`);
    }
  }

  close(): void {
    if (this.closed) return;
    try {
      // Close every head so a clean shutdown leaves only best-codec chunks and an empty tail journal.
      this.sealAllHeads();
      this.flush();
    } catch (e) {
      this.log.error('final flush failed', { error: errorMessage(e) });
    }
    if (this.state.state === 'paused') this.log.error('closing with samples that could not be stored', { buffered: this.bufferedTicks() });
    this.closed = true;
    this.abort.abort();
    for (const t of [this.flushTimer, this.retryTimer, this.maintenanceTimer]) t?.cancel();
    if (this.db.open) this.db.close();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new BaleenError('E_STORE', 'The metrics store is closed.');
  }

  private batchFor(batchId: number): BatchInfo {
    const b = this.batches.get(batchId);
    if (!b || this.hidden.has(b.grp)) throw new BaleenError('E_INVALID_INPUT', `Unknown batch ${batchId}: open one with openBatch().`);
    return b;
  }

  private entityState(entity: string): EntityState {
    let e = this.entities.get(entity);
    if (!e) this.entities.set(entity, (e = { series: new Map(), lastTs: undefined, ring: [], dropped: null }));
    return e;
  }

  private seriesRef(entity: string, metric: string, create: boolean): SeriesRef | undefined {
    const ent = this.entityState(entity);
    let s = ent.series.get(metric);
    if (s) return s;
    const id = this.st.findSeries.get(entity, metric)?.id ?? null;
    if (id === null && !create) return undefined;
    const stagger = this.o.rawChunkSamples >= 64 ? (this.entities.get(entity)?.series.size ?? 0) % Math.floor(this.o.rawChunkSamples / 8) : 0;
    s = { entity, metric, id, heads: [], counterLike: metricDef(metric)?.kind === 'counter', cap: this.o.rawChunkSamples - stagger };
    ent.series.set(metric, s);
    if (id !== null) this.seriesById.set(id, s);
    return s;
  }

  private meta(key: string, fallback: number): number {
    return this.st.getMeta.get(key)?.value ?? fallback;
  }

  private storeError(e: unknown, what: string): BaleenError {
    if (e instanceof BaleenError) return e;
    const full = sqliteCode(e) === 'SQLITE_FULL';
    return new BaleenError('E_STORE', `The metrics store ${what}: ${full ? 'the disk is full' : errorMessage(e)}.`, { path: this.path }, { cause: e });
  }
}

/** The samples of an open head, decoded from its encoder. */
function headSamples(h: Head): Run {
  return h.n === 0 ? EMPTY_RUN : decodeRawChunk(h.enc.blob());
}

function toPoints(r: Run): Point[] {
  const out: Point[] = new Array<Point>(r.n);
  for (let i = 0; i < r.n; i++) out[i] = { ts: r.ts[i]!, value: r.vals[i]! };
  return out;
}

/** Indexes of usable samples in time order: integer times ≥ 0, the last of equal times winning. */
function sampleOrder(ts: Float64Array): number[] {
  const idx: number[] = [];
  let sorted = true;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (!Number.isSafeInteger(t) || t < 0) continue;
    if (idx.length > 0 && t <= ts[idx[idx.length - 1]!]!) sorted = false;
    idx.push(i);
  }
  if (sorted) return idx;
  idx.sort((a, b) => ts[a]! - ts[b]! || a - b);
  return idx.filter((i, k) => k === idx.length - 1 || ts[idx[k + 1]!] !== ts[i]);
}

/** First index in [lo, hi) whose value is > x (ascending array). */
function upperBound(a: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBound(a: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Merges decoded chunks into one run over [from, to] (plus the last sample before `from` when asked).
 * Chunks that do not overlap are concatenated; otherwise samples are sorted and, for equal times,
 * the one with the highest write sequence wins.
 */
function mergeRuns(parts: Array<{ seq: number; ts: Float64Array; vals: Float64Array; n: number }>, from: number, to: number, withPrevious: boolean): Run {
  if (parts.length === 0) return EMPTY_RUN;
  parts.sort((a, b) => a.ts[0]! - b.ts[0]! || a.seq - b.seq);
  let disjoint = true;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i - 1]!;
    if (parts[i]!.ts[0]! <= p.ts[p.n - 1]!) {
      disjoint = false;
      break;
    }
  }
  if (disjoint) {
    let prevPart = -1;
    let prevIdx = -1;
    const ranges: Array<[number, number, number]> = [];
    let total = 0;
    parts.forEach((p, k) => {
      const a = lowerBound(p.ts, from, 0, p.n);
      const b = upperBound(p.ts, to, a, p.n);
      if (a > 0) {
        prevPart = k;
        prevIdx = a - 1;
      }
      if (b > a) {
        ranges.push([k, a, b]);
        total += b - a;
      }
    });
    const withPrev = withPrevious && prevPart >= 0;
    const n = total + (withPrev ? 1 : 0);
    const out: Run = { n, ts: new Float64Array(n), vals: new Float64Array(n) };
    let o = 0;
    if (withPrev) {
      out.ts[0] = parts[prevPart]!.ts[prevIdx]!;
      out.vals[0] = parts[prevPart]!.vals[prevIdx]!;
      o = 1;
    }
    for (const [k, a, b] of ranges) {
      const p = parts[k]!;
      out.ts.set(p.ts.subarray(a, b), o);
      out.vals.set(p.vals.subarray(a, b), o);
      o += b - a;
    }
    return out;
  }
  const all: Array<[number, number, number]> = [];
  let prev: [number, number, number] | null = null;
  for (const p of parts) {
    for (let i = 0; i < p.n; i++) {
      const t = p.ts[i]!;
      if (t > to) break;
      if (t < from) {
        if (withPrevious && (prev === null || t > prev[0] || (t === prev[0] && p.seq > prev[2]))) prev = [t, p.vals[i]!, p.seq];
        continue;
      }
      all.push([t, p.vals[i]!, p.seq]);
    }
  }
  all.sort((a, b) => a[0] - b[0] || a[2] - b[2]);
  const keep = all.filter((x, i) => i === all.length - 1 || all[i + 1]![0] !== x[0]);
  if (prev) keep.unshift(prev);
  const out: Run = { n: keep.length, ts: new Float64Array(keep.length), vals: new Float64Array(keep.length) };
  keep.forEach(([t, v], i) => {
    out.ts[i] = t;
    out.vals[i] = v;
  });
  return out;
}
