import type { Document } from 'mongodb';
import type { Feature, PollSource } from '../../../src-shared/contract';
import type { CommandOptions } from '../connections/node-client';
import { toNumber } from './server-status.collector';

/**
 * One source of samples on one node (serverStatus, replSetGetStatus, the oplog bounds, dbStats,
 * $collStats, top): what it asks the server, and what it makes of the reply. Replies are untrusted:
 * anything missing or mistyped becomes an `unavailable` reason, never a zero and never a throw.
 * Collectors may keep state between cycles (rotation, the previous totals); one instance per node.
 */
export interface CommandRunner {
  command(cmd: Document, opts: CommandOptions): Promise<Document>;
}

export interface CollectContext {
  client: CommandRunner;
  /** Per-command deadline (maxTimeMS and the client-side deadline). */
  deadlineMs: number;
  signal: AbortSignal;
  /** `MongoDB 7.0.14`, `FerretDB 1.24.2`: for "not returned by …" reasons. */
  serverLabel: string;
  now(): number;
  /** $collStats calls allowed this cycle. */
  collStatsPerCycle: number;
}

export interface Collected {
  values: Record<string, number>;
  /** Fixed catalogue metric → why it has no value this time. */
  unavailable: Record<string, string>;
}

export interface Collector {
  readonly source: PollSource;
  /** The capability it needs (REL-M5): refused with code 13, the source is off for an hour. */
  readonly feature: Feature | null;
  collect(ctx: CollectContext): Promise<Collected>;
}

export const isDoc = (v: unknown): v is Document => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A cursor reply's first batch, checked: documents only. */
export function firstBatch(reply: Document): Document[] {
  const cursor = reply.cursor as unknown;
  if (!isDoc(cursor) || !Array.isArray(cursor.firstBatch)) return [];
  return (cursor.firstBatch as unknown[]).filter(isDoc);
}

/** A BSON Timestamp's seconds (its high 32 bits), or undefined. */
export function timestampSecs(v: unknown): number | undefined {
  if (!isDoc(v) || (v as { _bsontype?: unknown })._bsontype !== 'Timestamp') return undefined;
  const t = (v as { t?: unknown; high?: unknown }).t ?? (v as { high?: unknown }).high;
  const n = toNumber(t);
  return n !== undefined && n >= 0 ? n : undefined;
}

/** A date as ms, from a Date (what the driver gives) or a number. */
export function dateMs(v: unknown): number | undefined {
  if (v instanceof Date) {
    const t = v.getTime();
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

export { toNumber };
