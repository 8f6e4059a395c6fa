import type { StoreState } from '../../../src-shared/contract/metrics.contract';
import type { Gap, Point, SampleSource } from '../../../src-shared/domain/samples';
import type { TierColumn } from './chunk-codec';
import type { Bucket, Tier } from './rollup';

/** What the rest of the core may ask of the time-series store (chunk.store.ts implements it). */
export interface SeriesInfo {
  entity: string;
  metric: string;
  /** The oldest data at any resolution: raw samples, or rollups that outlived them. */
  first: number | null;
  last: number | null;
  /** Raw samples stored. */
  count: number;
}

export interface ImportInfo {
  id: number;
  source: Exclude<SampleSource, 'live'>;
  label: string | null;
  createdAt: number;
}

export interface MetricColumn {
  metric: string;
  /** One value per timestamp; NaN = no sample at that time. */
  values: Float64Array;
}

export interface RollupRead {
  /** Buckets of the tier in time order; one per bucket time (the group with the most samples wins). */
  buckets: Bucket[];
  /** Ranges this tier cannot answer yet (window not rolled up, or still open): ask a finer tier. */
  pending: Array<{ from: number; to: number }>;
}

export interface MaintenanceReport {
  rolledWindows: number;
  deletedChunks: number;
  trimmedChunks: number;
  deletedRollups: number;
  /** The longest single slice (one transaction) of this pass, in ms: retention never holds the writer longer. */
  maxSliceMs: number;
  slices: number;
  /** Main database bytes in use after the pass. */
  bytes: number;
  /** Imported sets alone exceed the size cap: retention never deletes them, so the cap cannot be met. */
  overCap: boolean;
}

export interface MetricStore {
  /** A batch groups samples from one source (a monitoring run, an FTDC import); returns its id. */
  openBatch(source: SampleSource, label?: string): number;
  /**
   * One tick of one entity, queued and committed with the next flush (≤ 1 s, or sooner when the queue
   * is long). Never throws for a full disk: the writer pauses and buffers (REL-D3). A repeated or
   * earlier timestamp is stored too; the later write wins on read (REL-D10).
   */
  append(batchId: number, entity: string, ts: number, values: Readonly<Record<string, number>>): void;
  /** Bulk: one timestamp column and its metric columns (an FTDC chunk), encoded and committed at once. */
  appendColumns(batchId: number, entity: string, ts: Float64Array, columns: readonly MetricColumn[]): { samples: number };
  /** Commits everything queued. True when nothing is left pending (false while paused). */
  flush(): boolean;
  /** Removes an imported set (FTDC, log) and its rollups; live history is only removed by retention. */
  deleteImport(batchId: number, signal?: AbortSignal): Promise<{ chunks: number; samples: number }>;
  listImports(): ImportInfo[];

  /** Raw samples in [from, to], in time order; `withPrevious` adds the last sample before `from`. */
  query(entity: string, metric: string, from: number, to: number, opts?: { withPrevious?: boolean }): Point[];
  /** Only the `want` columns are decoded (and `count`); the others read as 0. */
  readRollup(entity: string, metric: string, tier: Tier, from: number, to: number, want?: readonly TierColumn[]): RollupRead;
  /** The newest sample time for an entity, if any. */
  lastTs(entity: string): number | null;
  seriesInfo(entity: string, metric: string): SeriesInfo | null;
  listSeries(entity?: string): SeriesInfo[];

  /** A gap with `to: null` is open (the outage is ongoing). */
  openGap(entity: string, from: number, reason: string): void;
  closeGap(entity: string, to: number): void;
  gaps(entity: string, from: number, to: number, now: number): Gap[];

  /** Why a metric has no values on this entity (the server does not return it); null clears it. */
  setUnavailable(entity: string, metric: string, reason: string | null, now: number): void;
  unavailable(entity: string): Record<string, string>;

  writerState(): StoreState;
  /** Rollups, retention, WAL checkpoint, retry of a paused writer; in slices. Also runs on a timer. */
  runMaintenance(signal?: AbortSignal): Promise<MaintenanceReport>;
  /** An online copy through SQLite's backup API (never a file copy of a live database: REL-D9). */
  backup(destination: string): Promise<void>;
  close(): void;
}
