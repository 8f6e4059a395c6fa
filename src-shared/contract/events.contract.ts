import { z } from 'zod';
import { NodeId } from '../domain/identity';
import { defineService, method } from './define';
import { EventRow, OperationRow, ShapeRow } from './logs.contract';

/**
 * Time grouping on top of the event store: incidents (elections, stepdowns, rollbacks, restarts,
 * connection storms, assertion bursts, with the operations that failed or slowed around them) and
 * "what happened here?" for a window brushed on any chart.
 */
const Ts = z.number().int();
const Id = z.number().int().positive();

export const IncidentKind = z.enum(['rollback', 'election', 'stepdown', 'restart', 'state-change', 'connection-storm', 'assertion-burst', 'log-gap']);
export type IncidentKind = z.infer<typeof IncidentKind>;

export const Incident = z.object({
  id: Id,
  kind: IncidentKind,
  title: z.string(),
  start: Ts,
  end: Ts,
  /** Event-store node names involved. */
  nodes: z.array(z.string()),
  /** Every kind of signal the incident holds, most severe first. */
  kinds: z.array(IncidentKind),
  signals: z.number().int().nonnegative(),
  /** Operations in [start − margin, end + margin]: how many failed, how many were slow, the slowest. */
  failedOperations: z.number().int().nonnegative(),
  operations: z.number().int().nonnegative(),
  maxDurationMs: z.number().nonnegative(),
  topErrors: z.array(z.object({ code: z.number().int().nullable(), name: z.string().nullable(), count: z.number().int() })),
  /** The window operations were looked for in. */
  marginMs: z.number().int().nonnegative(),
});
export type Incident = z.infer<typeof Incident>;

const NodeSelector = {
  nodes: z.array(z.string().min(1).max(300)).max(200).optional(),
  nodeIds: z.array(NodeId).max(200).optional(),
};

export const IncidentsInput = z.object({ ...NodeSelector, from: Ts.optional(), to: Ts.optional(), limit: z.number().int().min(1).max(2000).default(500) }).strict();

export const IncidentDetail = z.object({
  incident: Incident,
  /** The log lines the incident was built from (state changes, election lines, restarts, errors). */
  signals: z.array(EventRow),
  /** Operations around it: failed ones first, then the slowest. */
  operations: z.array(OperationRow),
});
export type IncidentDetail = z.infer<typeof IncidentDetail>;

export const WindowInput = z
  .object({
    ...NodeSelector,
    from: Ts,
    to: Ts,
    /** How many metric movers to return. */
    movers: z.number().int().min(0).max(100).default(10),
  })
  .strict()
  .refine((q) => q.from < q.to, { message: '`from` must be before `to`' });

export const MetricMover = z.object({
  /** Which ranking source found it (`metrics`, `log-rates`, later `host`, `profiler`). */
  source: z.string(),
  entity: z.string(),
  metric: z.string(),
  label: z.string(),
  unit: z.string(),
  /** Mean in the preceding window of equal length, and in the window. */
  before: z.number().nullable(),
  after: z.number().nullable(),
  /** after − before. */
  change: z.number(),
  /** Relative change (after − before) / |before|; null when before is 0. */
  relative: z.number().nullable(),
  /** The ranking score: the change in units of the preceding window's spread. */
  score: z.number(),
});
export type MetricMover = z.infer<typeof MetricMover>;

export const WindowSummary = z.object({
  from: Ts,
  to: Ts,
  events: z.object({
    total: z.number().int().nonnegative(),
    bySeverity: z.record(z.string(), z.number().int()),
    byComponent: z.record(z.string(), z.number().int()),
  }),
  /** The most frequent messages in the window. */
  topMessages: z.array(z.object({ mid: z.number().int().nullable(), msg: z.string(), component: z.string(), count: z.number().int() })),
  /** Warnings, errors and fatal lines first, then state changes (at most 100). */
  notable: z.array(EventRow),
  incidents: z.array(Incident),
  shapes: z.array(ShapeRow),
  movers: z.array(MetricMover),
  /** A ranking source that failed says why here; the others still answer. */
  moverErrors: z.array(z.object({ source: z.string(), message: z.string() })),
});
export type WindowSummary = z.infer<typeof WindowSummary>;

export const eventsContract = defineService('events', {
  incidents: method(IncidentsInput, z.array(Incident)),
  incident: method(z.object({ id: Id }).strict(), IncidentDetail),
  window: method(WindowInput, WindowSummary),
});
