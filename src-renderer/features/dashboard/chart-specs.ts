import { CORE_GROUPS, GROUP_LABELS, seriesLabel, type MetricGroup } from '../../../src-shared/domain/metrics/catalogue';

/**
 * Every chart of the dashboards, grouped as the catalogue groups metrics: the 17 groups of the
 * platform Baleen descends from, then replication, transactions, flow control and commands. A spec
 * names catalogue metrics (stored or derived) only: a typo fails at module load, not as an empty chart.
 */
export type ChartKey = string;
/** How a chart's values read. */
export type ValueFormat = 'ops' | 'count' | 'bytesPerSecond' | 'mib' | 'bytes' | 'percent' | 'ratio' | 'latency' | 'state' | 'seconds' | 'ms';

export interface ChartSeriesSpec {
  metric: string;
  label: string;
  /** 1 = the right-hand axis (e.g. connections available dwarfs current). */
  yAxis: 0 | 1;
}

export interface ChartSpec {
  key: ChartKey;
  group: MetricGroup;
  title: string;
  /** Axis names, left then right. */
  axes: [string] | [string, string];
  format: ValueFormat;
  series: ChartSeriesSpec[];
  /** Draw steps (states, terms) rather than slopes. */
  step?: boolean;
  /** Series that stand for one another on different server versions: a missing one is not a gap when another has data. */
  alternatives?: boolean;
}

const s = (metric: string, yAxis: 0 | 1 = 0, label?: string): ChartSeriesSpec => {
  const def = seriesLabel(metric);
  if (!def) throw new Error(`unknown metric ${metric}`);
  return { metric, label: label ?? def.label, yAxis };
};
const ss = (path: string, yAxis: 0 | 1 = 0, label?: string) => s(`serverStatus.${path}`, yAxis, label);
const OPS = ['insert', 'query', 'update', 'delete', 'getmore', 'command'];
const WT = 'wiredTiger.cache';

export const DASHBOARD_CHARTS: readonly ChartSpec[] = [
  { key: 'ops', group: 'qps', title: 'Operations by type', axes: ['ops/s'], format: 'ops', series: OPS.map((op) => ss(`opcounters.${op}`)) },
  { key: 'ops-repl', group: 'qps', title: 'Replicated operations applied', axes: ['ops/s'], format: 'ops', series: ['insert', 'update', 'delete', 'command'].map((op) => ss(`opcountersRepl.${op}`)) },
  {
    key: 'connections',
    group: 'connections',
    title: 'Connections',
    axes: ['current', 'available'],
    format: 'count',
    series: [ss('connections.current'), ss('connections.active'), ss('connections.available', 1)],
  },
  { key: 'connections-created', group: 'connections', title: 'Connections opened', axes: ['per s'], format: 'ops', series: [ss('connections.totalCreated')] },
  { key: 'page-faults', group: 'pageFaults', title: 'Page faults', axes: ['per s'], format: 'ops', series: [ss('extra_info.page_faults')] },
  { key: 'memory', group: 'memory', title: 'Process memory', axes: ['MiB'], format: 'mib', series: [ss('mem.resident'), ss('mem.virtual')] },
  {
    key: 'tcmalloc',
    group: 'memory',
    title: 'Allocator (tcmalloc)',
    axes: ['bytes'],
    format: 'bytes',
    series: [ss('tcmalloc.generic.current_allocated_bytes'), ss('tcmalloc.generic.heap_size'), ss('tcmalloc.tcmalloc.pageheap_free_bytes')],
  },
  { key: 'network', group: 'network', title: 'Network', axes: ['bytes/s'], format: 'bytesPerSecond', series: [ss('network.bytesIn'), ss('network.bytesOut')] },
  { key: 'requests', group: 'network', title: 'Requests', axes: ['per s'], format: 'ops', series: [ss('network.numRequests')] },
  { key: 'asserts', group: 'asserts', title: 'Asserts', axes: ['per s'], format: 'ops', series: ['regular', 'warning', 'msg', 'user', 'tripwire'].map((a) => ss(`asserts.${a}`)) },
  {
    key: 'cache-flow',
    group: 'cacheFlow',
    title: 'Cache reads and writes',
    axes: ['bytes/s'],
    format: 'bytesPerSecond',
    series: [ss(`${WT}.bytes read into cache`), ss(`${WT}.bytes written from cache`)],
  },
  { key: 'cache-evictions', group: 'cacheFlow', title: 'Evictions by application threads', axes: ['pages/s'], format: 'ops', series: [ss(`${WT}.pages evicted by application threads`)] },
  {
    key: 'cache-usage',
    group: 'cacheUsage',
    title: 'Cache contents',
    axes: ['bytes'],
    format: 'bytes',
    series: [ss(`${WT}.bytes currently in the cache`), ss(`${WT}.tracked dirty bytes in the cache`), ss(`${WT}.maximum bytes configured`)],
  },
  { key: 'cache-percent', group: 'cacheUsage', title: 'Cache used and dirty', axes: ['%'], format: 'percent', series: [s('derived.cache.usedPercent'), s('derived.cache.dirtyPercent')] },
  {
    key: 'latency',
    group: 'latency',
    title: 'Latency per operation',
    axes: ['time/op'],
    format: 'latency',
    series: ['reads', 'writes', 'commands', 'transactions'].map((k) => s(`derived.latency.${k}`)),
  },
  {
    key: 'tickets',
    group: 'tickets',
    title: 'Execution tickets in use',
    axes: ['in use', 'available'],
    format: 'count',
    alternatives: true,
    series: [
      ss('wiredTiger.concurrentTransactions.read.out', 0, 'read in use'),
      ss('wiredTiger.concurrentTransactions.write.out', 0, 'write in use'),
      ss('wiredTiger.concurrentTransactions.read.available', 1, 'read available'),
      ss('wiredTiger.concurrentTransactions.write.available', 1, 'write available'),
      ss('queues.execution.read.out', 0, 'read in use (8.0)'),
      ss('queues.execution.write.out', 0, 'write in use (8.0)'),
      ss('queues.execution.read.available', 1, 'read available (8.0)'),
      ss('queues.execution.write.available', 1, 'write available (8.0)'),
    ],
  },
  {
    key: 'query-targeting',
    group: 'queryTargeting',
    title: 'Query targeting (scanned / returned)',
    axes: ['ratio'],
    format: 'ratio',
    series: [s('derived.queryTargeting.keysPerReturned'), s('derived.queryTargeting.docsPerReturned')],
  },
  { key: 'scanned', group: 'queryTargeting', title: 'Keys and documents scanned', axes: ['per s'], format: 'ops', series: [ss('metrics.queryExecutor.scanned'), ss('metrics.queryExecutor.scannedObjects')] },
  { key: 'scan-and-order', group: 'scanAndOrder', title: 'In-memory sorts (scanAndOrder)', axes: ['per s'], format: 'ops', series: [ss('metrics.operation.scanAndOrder')] },
  {
    key: 'collection-scans',
    group: 'collectionScans',
    title: 'Collection scans',
    axes: ['per s'],
    format: 'ops',
    series: [ss('metrics.queryExecutor.collectionScans.total'), ss('metrics.queryExecutor.collectionScans.nonTailable')],
  },
  { key: 'documents', group: 'documentOps', title: 'Documents', axes: ['per s'], format: 'ops', series: ['inserted', 'updated', 'deleted', 'returned'].map((d) => ss(`metrics.document.${d}`)) },
  {
    key: 'lock-queues',
    group: 'lockConditions',
    title: 'Queued and active clients',
    axes: ['clients'],
    format: 'count',
    series: [ss('globalLock.currentQueue.readers'), ss('globalLock.currentQueue.writers'), ss('globalLock.activeClients.readers'), ss('globalLock.activeClients.writers')],
  },
  { key: 'write-conflicts', group: 'lockConditions', title: 'Write conflicts', axes: ['per s'], format: 'ops', series: [ss('metrics.operation.writeConflicts')] },
  {
    key: 'locks',
    group: 'databaseLocks',
    title: 'Lock acquisitions',
    axes: ['per s'],
    format: 'ops',
    series: ['Global', 'Database', 'Collection'].flatMap((l) => ['r', 'w'].map((m) => ss(`locks.${l}.acquireCount.${m}`))),
  },
  { key: 'repl-lag', group: 'replication', title: 'Replication lag', axes: ['lag'], format: 'ms', series: [s('replSetGetStatus.lagMs')] },
  { key: 'member-state', group: 'replication', title: 'Member state', axes: ['state'], format: 'state', step: true, series: [s('replSetGetStatus.myState')] },
  { key: 'oplog-window', group: 'replication', title: 'Oplog window', axes: ['window'], format: 'seconds', series: [s('oplog.windowSecs')] },
  {
    key: 'transactions',
    group: 'transactions',
    title: 'Transactions',
    axes: ['per s', 'open'],
    format: 'ops',
    series: [ss('transactions.totalStarted'), ss('transactions.totalCommitted'), ss('transactions.totalAborted'), ss('transactions.currentOpen', 1)],
  },
  { key: 'flow-control', group: 'flowControl', title: 'Flow control', axes: ['µs/s', 'lagged/s'], format: 'ops', series: [ss('flowControl.timeAcquiringMicros'), ss('flowControl.isLaggedCount', 1)] },
  {
    key: 'commands',
    group: 'commands',
    title: 'Commands',
    axes: ['per s'],
    format: 'ops',
    series: [ss('metrics.commands.*.total'), ss('metrics.commands.*.failed'), ...['find', 'insert', 'update', 'aggregate'].map((c) => ss(`metrics.commands.${c}.total`))],
  },
];

/** The groups in dashboard order: the 17 core ones first. */
export const DASHBOARD_GROUPS: readonly { group: MetricGroup; label: string; charts: readonly ChartSpec[] }[] = [
  ...CORE_GROUPS,
  'replication' as const,
  'transactions' as const,
  'flowControl' as const,
  'commands' as const,
].map((group) => ({ group, label: GROUP_LABELS[group], charts: DASHBOARD_CHARTS.filter((c) => c.group === group) }));

export const chartSpec = (key: ChartKey): ChartSpec => {
  const c = DASHBOARD_CHARTS.find((x) => x.key === key);
  if (!c) throw new Error(`unknown chart ${key}`);
  return c;
};

/** The metrics behind some charts, in a stable order (a metrics.query input). */
export const metricsOfCharts = (charts: readonly ChartSpec[]): string[] => [...new Set(charts.flatMap((c) => c.series.map((x) => x.metric)))];

/** The first charts a node page shows (the ones the original node page had). */
export const NODE_CHARTS: readonly ChartSpec[] = ['ops', 'connections', 'network', 'memory'].map(chartSpec);
export const NODE_METRICS: readonly string[] = metricsOfCharts(NODE_CHARTS);
