import { z } from 'zod';

/**
 * The metric catalogue: every metric Baleen stores, named by its source path exactly as FTDC
 * flattens it (`serverStatus.opcounters.insert`), so a live poll and an FTDC import of the same
 * counter land on the same series. Counters are stored raw; rates are derived at query time.
 */
export const MetricKind = z.enum(['counter', 'gauge']);
export type MetricKind = z.infer<typeof MetricKind>;

export const Unit = z.enum(['ops', 'bytes', 'MiB', 'connections', 'count', 'ms', 'us', 'seconds', 'percent', 'id']);
export type Unit = z.infer<typeof Unit>;

/** The chart groups of the dashboards (issue 4 grows this to all 17). */
export const MetricGroup = z.enum(['process', 'qps', 'connections', 'network', 'memory']);
export type MetricGroup = z.infer<typeof MetricGroup>;

export const MetricSource = z.enum(['serverStatus']);
export type MetricSource = z.infer<typeof MetricSource>;

export const MetricDef = z.object({
  id: z.string(),
  source: MetricSource,
  /** Path inside the source document. */
  path: z.array(z.string()),
  unit: Unit,
  kind: MetricKind,
  group: MetricGroup,
  label: z.string(),
});
export type MetricDef = z.infer<typeof MetricDef>;

function def(source: MetricSource, dotted: string, unit: Unit, kind: MetricKind, group: MetricGroup, label: string): MetricDef {
  return { id: `${source}.${dotted}`, source, path: dotted.split('.'), unit, kind, group, label };
}

const ss = (dotted: string, unit: Unit, kind: MetricKind, group: MetricGroup, label: string) =>
  def('serverStatus', dotted, unit, kind, group, label);

export const CATALOGUE: readonly MetricDef[] = [
  // Process identity: how restarts are detected (uptime going down, or the pid changing).
  ss('uptimeMillis', 'ms', 'gauge', 'process', 'Uptime'),
  ss('pid', 'id', 'gauge', 'process', 'Process id'),
  ss('opcounters.insert', 'ops', 'counter', 'qps', 'insert'),
  ss('opcounters.query', 'ops', 'counter', 'qps', 'query'),
  ss('opcounters.update', 'ops', 'counter', 'qps', 'update'),
  ss('opcounters.delete', 'ops', 'counter', 'qps', 'delete'),
  ss('opcounters.getmore', 'ops', 'counter', 'qps', 'getmore'),
  ss('opcounters.command', 'ops', 'counter', 'qps', 'command'),
  ss('connections.current', 'connections', 'gauge', 'connections', 'current'),
  ss('connections.available', 'connections', 'gauge', 'connections', 'available'),
  ss('network.bytesIn', 'bytes', 'counter', 'network', 'in'),
  ss('network.bytesOut', 'bytes', 'counter', 'network', 'out'),
  ss('mem.resident', 'MiB', 'gauge', 'memory', 'resident'),
];

const BY_ID = new Map(CATALOGUE.map((m) => [m.id, m]));

export function metricDef(id: string): MetricDef | undefined {
  return BY_ID.get(id);
}

export function metricsOf(source: MetricSource): MetricDef[] {
  return CATALOGUE.filter((m) => m.source === source);
}

export const RESTART_METRICS = { uptime: 'serverStatus.uptimeMillis', pid: 'serverStatus.pid' } as const;

/** The unit a chart shows: counters become per-second rates. */
export function displayUnit(m: Pick<MetricDef, 'unit' | 'kind'>): string {
  return m.kind === 'counter' ? `${m.unit}/s` : m.unit;
}
