import { z } from 'zod';
import { EntityKey } from '../domain/identity';
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

/** The metrics writer: `paused` while samples cannot be stored (disk full), with how many are buffered and dropped. */
export const StoreState = z.object({
  state: z.enum(['ok', 'paused']),
  reason: z.enum(['disk-full', 'error']).nullable(),
  message: z.string().nullable(),
  since: z.number(),
  /** Ticks held in memory waiting for space. */
  buffered: z.number().int().nonnegative(),
  /** Ticks that overflowed the buffer (recorded as gaps). */
  dropped: z.number().int().nonnegative(),
});
export type StoreState = z.infer<typeof StoreState>;

export const metricsContract = defineService(
  'metrics',
  {
    query: method(MetricsQueryInput, MetricsQueryResult),
    listSeries: method(ListSeriesInput, ListSeriesResult),
    storeState: method(z.object({}).strict(), StoreState),
  },
  {
    samples: SamplesEvent,
    gap: GapEvent,
    store: StoreState,
  },
);
