import { z } from 'zod';
import { EntityKey, NodeId } from '../domain/identity';
import { Gap } from '../domain/samples';
import { defineService, method } from './define';

const Ts = z.number().int().nonnegative();
const ChartPointSchema = z.tuple([z.number(), z.number().nullable()]);

export const MetricsQueryInput = z
  .object({
    entity: EntityKey,
    metrics: z.array(z.string().min(1).max(200)).min(1).max(64),
    from: Ts,
    to: Ts,
    /** Answer at most this many points per series (a rollup tier, then min/max-preserving downsampling). Default: raw up to 10,000 points. */
    maxPoints: z.number().int().min(10).max(100_000).optional(),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: '`from` must not be after `to`' });
export type MetricsQueryInput = z.infer<typeof MetricsQueryInput>;

export const SeriesResult = z.object({
  metric: z.string(),
  /** The unit of `points` (counters are per second). */
  unit: z.string(),
  kind: z.enum(['counter', 'gauge']),
  points: z.array(ChartPointSchema),
  /** Set when the server does not return this metric: why, so the chart shows a gap with a reason. */
  unavailable: z.string().nullable(),
});
export type SeriesResult = z.infer<typeof SeriesResult>;

export const MetricsQueryResult = z.object({
  entity: EntityKey,
  from: Ts,
  to: Ts,
  series: z.array(SeriesResult),
  gaps: z.array(Gap),
  /** Timestamps where the process restarted (counters reset). */
  resets: z.array(z.number()),
});
export type MetricsQueryResult = z.infer<typeof MetricsQueryResult>;

/** One poll's raw values for an entity (counters raw: the renderer derives rates with the shared function). */
export const SamplesEvent = z.object({
  entity: EntityKey,
  ts: Ts,
  values: z.record(z.string(), z.number()),
  /** metric id → why it has no value this tick. */
  unavailable: z.record(z.string(), z.string()),
});
export type SamplesEvent = z.infer<typeof SamplesEvent>;

export const GapEvent = z.object({ entity: EntityKey, gap: Gap });
export type GapEvent = z.infer<typeof GapEvent>;

/** The series browser: what the store holds per entity. */
export const ListSeriesInput = z.object({ entity: EntityKey.optional() }).strict();
export const SeriesInfoSchema = z.object({
  entity: z.string(),
  metric: z.string(),
  first: Ts.nullable(),
  last: Ts.nullable(),
  count: z.number().int().nonnegative(),
});
export const ListSeriesResult = z.array(SeriesInfoSchema);

/**
 * The metrics writer: `paused` while samples cannot be stored (disk full), with how many are buffered
 * and dropped; `memory` when the disk was full at start and this session's metrics live in memory only
 * (REL-D4). `message` says why and what to do.
 */
export const StoreState = z.object({
  state: z.enum(['ok', 'paused', 'memory']),
  reason: z.enum(['disk-full', 'error']).nullable(),
  message: z.string().nullable(),
  since: z.number(),
  /** Ticks held in memory waiting for space. */
  buffered: z.number().int().nonnegative(),
  /** Ticks that overflowed the buffer (recorded as gaps). */
  dropped: z.number().int().nonnegative(),
});
export type StoreState = z.infer<typeof StoreState>;

// ---------------------------------------------------------------------------------------------------
// Polling state per node and source, pause/resume, replication snapshot, hot collections (issue 4).

export const SourceState = z.object({
  source: z.enum(['serverStatus', 'replSetGetStatus', 'oplog', 'dbStats', 'collStats', 'top']),
  intervalMs: z.number().int().positive(),
  /** on: polled; off: refused (code 13) or failing, with the reason; unsupported: the server has no such command; paused: by the user. */
  state: z.enum(['on', 'off', 'unsupported', 'paused']),
  reason: z.string().optional(),
  /** When an `off` source is tried again (REL-M5: at most once an hour after a refusal). */
  retryAt: z.number().optional(),
  runs: z.number().int().nonnegative(),
  /** Ticks skipped because the previous poll of this source was still running. */
  skipped: z.number().int().nonnegative(),
  timedOut: z.number().int().nonnegative(),
  lastRunAt: z.number().nullable(),
});
export type SourceState = z.infer<typeof SourceState>;

export const PollStatus = z.object({
  nodeId: NodeId,
  paused: z.boolean(),
  sources: z.array(SourceState),
});
export type PollStatus = z.infer<typeof PollStatus>;

const NodeInput = z.object({ nodeId: NodeId }).strict();

export const ReplicaMember = z.object({
  name: z.string(),
  state: z.number().int(),
  stateStr: z.string(),
  health: z.number(),
  self: z.boolean(),
  /** Wall ms of the member's last applied optime, when it has one. */
  optimeMs: z.number().nullable(),
  /** Behind the primary (ms), for a secondary when the primary is known. */
  lagMs: z.number().nullable(),
  syncSource: z.string().nullable(),
});
export type ReplicaMember = z.infer<typeof ReplicaMember>;

/** The last replSetGetStatus a node answered, as Baleen read it. */
export const ReplicationSnapshot = z.object({
  nodeId: NodeId,
  at: Ts,
  set: z.string(),
  term: z.number(),
  myState: z.number().int(),
  members: z.array(ReplicaMember),
  /** The last oplog window read from this member (seconds), or null. */
  oplogWindowSecs: z.number().nullable(),
});
export type ReplicationSnapshot = z.infer<typeof ReplicationSnapshot>;

export const HotCollectionsInput = z
  .object({
    entity: EntityKey,
    from: Ts,
    to: Ts,
    limit: z.number().int().min(1).max(500).default(10),
    by: z.enum(['total', 'read', 'write']).default('total'),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: '`from` must not be after `to`' });

export const HotCollection = z.object({
  ns: z.string(),
  /** Time spent in the window, µs (from top; a restart in the window is not counted as negative). */
  totalUs: z.number(),
  readUs: z.number(),
  writeUs: z.number(),
  reads: z.number(),
  writes: z.number(),
  /** The latest data size seen by $collStats, bytes, or null. */
  sizeBytes: z.number().nullable(),
});
export type HotCollection = z.infer<typeof HotCollection>;

export const metricsContract = defineService(
  'metrics',
  {
    query: method(MetricsQueryInput, MetricsQueryResult),
    listSeries: method(ListSeriesInput, ListSeriesResult),
    storeState: method(z.object({}).strict(), StoreState),
    pollStatus: method(NodeInput, PollStatus),
    pause: method(NodeInput, PollStatus),
    resume: method(NodeInput, PollStatus),
    replication: method(NodeInput, ReplicationSnapshot.nullable()),
    hotCollections: method(HotCollectionsInput, z.array(HotCollection)),
  },
  {
    samples: SamplesEvent,
    gap: GapEvent,
    store: StoreState,
    pollStatus: PollStatus,
  },
);
