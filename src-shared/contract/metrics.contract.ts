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

export const metricsContract = defineService(
  'metrics',
  {
    query: method(MetricsQueryInput, MetricsQueryResult),
  },
  {
    samples: SamplesEvent,
    gap: GapEvent,
  },
);
