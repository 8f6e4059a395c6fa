import { z } from 'zod';
import { NodeId } from '../domain/identity';
import { defineService, method } from './define';

/**
 * User settings that shape monitoring: how often each source is polled, globally and per node, and
 * which nodes are paused. Persisted in the data folder; every change is audited.
 */
export const POLL_SOURCES = ['serverStatus', 'replSetGetStatus', 'oplog', 'dbStats', 'collStats', 'top'] as const;
export const PollSource = z.enum(POLL_SOURCES);
export type PollSource = z.infer<typeof PollSource>;

export const MIN_INTERVAL_MS = 250;
export const MAX_INTERVAL_MS = 3_600_000;
const IntervalMs = z.number().int().min(MIN_INTERVAL_MS).max(MAX_INTERVAL_MS);

export const Intervals = z.record(PollSource, IntervalMs);
export type Intervals = z.infer<typeof Intervals>;

export const NodePolling = z.object({
  /** Overrides of the defaults for this node. */
  intervals: z.partialRecord(PollSource, IntervalMs),
  paused: z.boolean(),
});
export type NodePolling = z.infer<typeof NodePolling>;

export const PollingSettings = z.object({
  /** What every node uses unless it says otherwise. */
  defaults: Intervals,
  nodes: z.record(z.string(), NodePolling),
  /** $collStats calls per cycle per node (largest collections first, the rest in turn). */
  collStatsPerCycle: z.number().int().min(1).max(10_000),
});
export type PollingSettings = z.infer<typeof PollingSettings>;

export const Settings = z.object({ polling: PollingSettings });
export type Settings = z.infer<typeof Settings>;

export const SetIntervalInput = z
  .object({
    source: PollSource,
    /** null: back to the default (for a node) or to Baleen's default (globally). */
    intervalMs: IntervalMs.nullable(),
    /** Without a node, the default for all nodes changes. */
    nodeId: NodeId.optional(),
  })
  .strict();
export type SetIntervalInput = z.infer<typeof SetIntervalInput>;

export const settingsContract = defineService(
  'settings',
  {
    get: method(z.object({}).strict(), Settings),
    setInterval: method(SetIntervalInput, Settings),
    setCollStatsPerCycle: method(z.object({ perCycle: z.number().int().min(1).max(10_000) }).strict(), Settings),
  },
  { changed: Settings },
);
