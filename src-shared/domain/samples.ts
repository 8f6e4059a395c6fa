import { z } from 'zod';

/** Where a batch of samples came from. It is an attribute of the batch, never part of a series key. */
export const SampleSource = z.enum(['live', 'ftdc', 'log']);
export type SampleSource = z.infer<typeof SampleSource>;

/** A series is (entity, metric); its key is `entityKey|metricId`. */
export const seriesKey = (entity: string, metric: string): string => `${entity}|${metric}`;

export interface Point {
  ts: number; // ms since epoch, UTC
  value: number;
}

/** A chart point; `null` breaks the line (a gap, a restart). */
export type ChartPoint = [ts: number, value: number | null];

export const Gap = z.object({
  from: z.number(),
  to: z.number(),
  reason: z.string(),
});
export type Gap = z.infer<typeof Gap>;
