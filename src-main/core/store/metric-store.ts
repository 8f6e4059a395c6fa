import type { Gap, Point, SampleSource } from '../../../src-shared/domain/samples';

/**
 * What the rest of the core may ask of the time-series store. Store v0 (samples-v0.store.ts) keeps one
 * row per sample; the compressed chunked store replaces it behind this same interface.
 */
export interface SeriesInfo {
  entity: string;
  metric: string;
  first: number | null;
  last: number | null;
  count: number;
}

export interface MetricStore {
  /** A batch groups samples from one source (a monitoring run, an FTDC import); returns its id. */
  openBatch(source: SampleSource, label?: string): number;
  /** One tick of one entity. Idempotent for the same (series, ts): a clock step back never fails (REL-D10). */
  append(batchId: number, entity: string, ts: number, values: Readonly<Record<string, number>>): void;
  query(entity: string, metric: string, from: number, to: number): Point[];
  /** The newest sample time for an entity, if any. */
  lastTs(entity: string): number | null;

  /** A gap with `to: null` is open (the outage is ongoing). */
  openGap(entity: string, from: number, reason: string): void;
  closeGap(entity: string, to: number): void;
  gaps(entity: string, from: number, to: number, now: number): Gap[];

  /** Why a metric has no values on this entity (the server does not return it); null clears it. */
  setUnavailable(entity: string, metric: string, reason: string | null, now: number): void;
  unavailable(entity: string): Record<string, string>;

  listSeries(entity?: string): SeriesInfo[];
  close(): void;
}
