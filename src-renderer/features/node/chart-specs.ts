import { metricDef } from '../../../src-shared/domain/metrics/catalogue';

export type ChartKey = 'ops' | 'connections' | 'network' | 'memory';
/** How a chart's values read: per-second ops, a plain count, bytes per second, or MiB. */
export type ValueFormat = 'ops' | 'count' | 'bytesPerSecond' | 'mib';

export interface ChartSeriesSpec {
  metric: string;
  label: string;
  /** 1 = the right-hand axis (connections available dwarfs current). */
  yAxis: 0 | 1;
}

export interface ChartSpec {
  key: ChartKey;
  title: string;
  /** Axis names, left then right. */
  axes: [string] | [string, string];
  format: ValueFormat;
  series: ChartSeriesSpec[];
}

const s = (metric: string, yAxis: 0 | 1 = 0): ChartSeriesSpec => {
  const def = metricDef(metric);
  // A typo here would silently chart nothing; fail at module load instead.
  if (!def) throw new Error(`unknown metric ${metric}`);
  return { metric, label: def.label, yAxis };
};

export const NODE_CHARTS: readonly ChartSpec[] = [
  {
    key: 'ops',
    title: 'Operations by type',
    axes: ['ops/s'],
    format: 'ops',
    series: ['insert', 'query', 'update', 'delete', 'getmore', 'command'].map((op) => s(`serverStatus.opcounters.${op}`)),
  },
  {
    key: 'connections',
    title: 'Connections',
    axes: ['current', 'available'],
    format: 'count',
    series: [s('serverStatus.connections.current'), s('serverStatus.connections.available', 1)],
  },
  {
    key: 'network',
    title: 'Network',
    axes: ['bytes/s'],
    format: 'bytesPerSecond',
    series: [s('serverStatus.network.bytesIn'), s('serverStatus.network.bytesOut')],
  },
  {
    key: 'memory',
    title: 'Resident memory',
    axes: ['MiB'],
    format: 'mib',
    series: [s('serverStatus.mem.resident')],
  },
];

/** Every metric the node page charts, in a stable order (the metrics.query input). */
export const NODE_METRICS: readonly string[] = [...new Set(NODE_CHARTS.flatMap((c) => c.series.map((x) => x.metric)))];
