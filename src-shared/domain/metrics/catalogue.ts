import { z } from 'zod';

/**
 * The metric catalogue: every metric Baleen stores, named by its source path exactly as FTDC
 * flattens it (`serverStatus.opcounters.insert`), so a live poll and an FTDC import of the same
 * counter land on the same series. Counters are stored raw; rates are derived at query time.
 *
 * Three families:
 * - fixed metrics (CATALOGUE): one series per node, extracted from a source document by path;
 * - namespaced metrics (NS_TEMPLATES): one series per database or collection, named
 *   `<template id>@<namespace>` (`top.readLock.time@shop.orders`): FTDC records none of these;
 * - derived metrics (DERIVED): never stored, computed at query time from stored inputs by
 *   `derived.ts`, the same way for the store's answers and for live samples.
 */
export const MetricKind = z.enum(['counter', 'gauge']);
export type MetricKind = z.infer<typeof MetricKind>;

export const Unit = z.enum(['ops', 'bytes', 'MiB', 'connections', 'count', 'ms', 'us', 'seconds', 'percent', 'id', 'ratio', 'state', 'usPerOp', 'kB', '100ns']);
export type Unit = z.infer<typeof Unit>;

/**
 * The dashboard groups: the 17 of the platform Baleen descends from (qps … collectionStats), then
 * Baleen's own (process identity, replication, transactions, flow control, commands, storage).
 */
export const MetricGroup = z.enum([
  'qps',
  'connections',
  'pageFaults',
  'memory',
  'network',
  'asserts',
  'cacheFlow',
  'cacheUsage',
  'latency',
  'tickets',
  'queryTargeting',
  'scanAndOrder',
  'collectionScans',
  'documentOps',
  'lockConditions',
  'databaseLocks',
  'collectionStats',
  'process',
  'replication',
  'transactions',
  'flowControl',
  'commands',
  'storage',
  'host',
]);
export type MetricGroup = z.infer<typeof MetricGroup>;

/** The groups every DBA dashboard of the ancestor platform shows, in its order. */
export const CORE_GROUPS: readonly MetricGroup[] = MetricGroup.options.slice(0, 17);

export const GROUP_LABELS: Record<MetricGroup, string> = {
  qps: 'Operations (QPS)',
  connections: 'Connections',
  pageFaults: 'Page faults',
  memory: 'Memory',
  network: 'Network',
  asserts: 'Asserts',
  cacheFlow: 'Cache flow',
  cacheUsage: 'Cache usage',
  latency: 'Latency',
  tickets: 'Tickets',
  queryTargeting: 'Query targeting',
  scanAndOrder: 'Scan and order',
  collectionScans: 'Collection scans',
  documentOps: 'Document operations',
  lockConditions: 'Lock conditions',
  databaseLocks: 'Database locks',
  collectionStats: 'Collection stats',
  process: 'Process',
  replication: 'Replication',
  transactions: 'Transactions',
  flowControl: 'Flow control',
  commands: 'Commands',
  storage: 'Storage',
  host: 'Host',
};

/** Where a metric comes from: one command (or query) per source, each on its own poll schedule. */
export const MetricSource = z.enum(['serverStatus', 'replSetGetStatus', 'oplog', 'dbStats', 'collStats', 'top', 'systemMetrics']);
export type MetricSource = z.infer<typeof MetricSource>;

export const MetricDef = z.object({
  id: z.string(),
  source: MetricSource,
  /** Path inside the source document; `*` in a segment sums every key at that level. */
  path: z.array(z.string()),
  unit: Unit,
  kind: MetricKind,
  group: MetricGroup,
  label: z.string(),
  /** Computed by the collector from its reply (not a path FTDC records). */
  computed: z.boolean().optional(),
});
export type MetricDef = z.infer<typeof MetricDef>;

function def(source: MetricSource, dotted: string, unit: Unit, kind: MetricKind, group: MetricGroup, label: string): MetricDef {
  return { id: `${source}.${dotted}`, source, path: dotted.split('.'), unit, kind, group, label };
}

const ss = (dotted: string, unit: Unit, kind: MetricKind, group: MetricGroup, label: string) => def('serverStatus', dotted, unit, kind, group, label);
const computed = (id: string, source: MetricSource, unit: Unit, kind: MetricKind, group: MetricGroup, label: string): MetricDef => ({
  id,
  source,
  path: [],
  unit,
  kind,
  group,
  label,
  computed: true,
});

const OPS = ['insert', 'query', 'update', 'delete', 'getmore', 'command'] as const;
const OP_CLASSES = ['reads', 'writes', 'commands', 'transactions'] as const;
const COMMANDS = ['find', 'insert', 'update', 'delete', 'aggregate', 'getMore'] as const;
const WT = 'wiredTiger.cache';

export const CATALOGUE: readonly MetricDef[] = [
  // Process identity: how restarts are detected (uptime going down, or the pid changing).
  ss('uptimeMillis', 'ms', 'gauge', 'process', 'Uptime'),
  ss('pid', 'id', 'gauge', 'process', 'Process id'),

  ...OPS.map((op) => ss(`opcounters.${op}`, 'ops', 'counter', 'qps', op)),
  ...OPS.map((op) => ss(`opcountersRepl.${op}`, 'ops', 'counter', 'qps', `repl ${op}`)),

  ss('connections.current', 'connections', 'gauge', 'connections', 'current'),
  ss('connections.available', 'connections', 'gauge', 'connections', 'available'),
  ss('connections.active', 'connections', 'gauge', 'connections', 'active'),
  ss('connections.totalCreated', 'connections', 'counter', 'connections', 'created'),

  ss('extra_info.page_faults', 'count', 'counter', 'pageFaults', 'page faults'),

  ss('mem.resident', 'MiB', 'gauge', 'memory', 'resident'),
  ss('mem.virtual', 'MiB', 'gauge', 'memory', 'virtual'),
  ss('tcmalloc.generic.current_allocated_bytes', 'bytes', 'gauge', 'memory', 'tcmalloc allocated'),
  ss('tcmalloc.generic.heap_size', 'bytes', 'gauge', 'memory', 'tcmalloc heap'),
  ss('tcmalloc.tcmalloc.pageheap_free_bytes', 'bytes', 'gauge', 'memory', 'tcmalloc page heap free'),

  ss('network.bytesIn', 'bytes', 'counter', 'network', 'in'),
  ss('network.bytesOut', 'bytes', 'counter', 'network', 'out'),
  ss('network.numRequests', 'ops', 'counter', 'network', 'requests'),

  ...(['regular', 'warning', 'msg', 'user', 'tripwire'] as const).map((a) => ss(`asserts.${a}`, 'count', 'counter', 'asserts', a)),

  ss(`${WT}.bytes read into cache`, 'bytes', 'counter', 'cacheFlow', 'read into cache'),
  ss(`${WT}.bytes written from cache`, 'bytes', 'counter', 'cacheFlow', 'written from cache'),
  ss(`${WT}.pages evicted by application threads`, 'count', 'counter', 'cacheFlow', 'pages evicted by app threads'),
  ss(`${WT}.bytes currently in the cache`, 'bytes', 'gauge', 'cacheUsage', 'in cache'),
  ss(`${WT}.tracked dirty bytes in the cache`, 'bytes', 'gauge', 'cacheUsage', 'dirty'),
  ss(`${WT}.maximum bytes configured`, 'bytes', 'gauge', 'cacheUsage', 'configured'),

  ...OP_CLASSES.flatMap((k) => [
    ss(`opLatencies.${k}.latency`, 'us', 'counter', 'latency', `${k} latency`),
    ss(`opLatencies.${k}.ops`, 'ops', 'counter', 'latency', `${k} ops`),
  ]),

  // Execution tickets: 7.0 reports them under wiredTiger.concurrentTransactions, 8.0 under queues.execution.
  ...(['read', 'write'] as const).flatMap((rw) =>
    (['wiredTiger.concurrentTransactions', 'queues.execution'] as const).flatMap((at) => [
      ss(`${at}.${rw}.out`, 'count', 'gauge', 'tickets', `${rw} in use`),
      ss(`${at}.${rw}.available`, 'count', 'gauge', 'tickets', `${rw} available`),
    ]),
  ),

  ss('metrics.queryExecutor.scanned', 'count', 'counter', 'queryTargeting', 'keys scanned'),
  ss('metrics.queryExecutor.scannedObjects', 'count', 'counter', 'queryTargeting', 'documents scanned'),
  ss('metrics.operation.scanAndOrder', 'ops', 'counter', 'scanAndOrder', 'in-memory sorts'),
  ss('metrics.queryExecutor.collectionScans.total', 'ops', 'counter', 'collectionScans', 'collection scans'),
  ss('metrics.queryExecutor.collectionScans.nonTailable', 'ops', 'counter', 'collectionScans', 'non-tailable'),

  ...(['inserted', 'updated', 'deleted', 'returned'] as const).map((d) => ss(`metrics.document.${d}`, 'count', 'counter', 'documentOps', d)),

  ss('globalLock.currentQueue.readers', 'count', 'gauge', 'lockConditions', 'queued readers'),
  ss('globalLock.currentQueue.writers', 'count', 'gauge', 'lockConditions', 'queued writers'),
  ss('globalLock.activeClients.readers', 'count', 'gauge', 'lockConditions', 'active readers'),
  ss('globalLock.activeClients.writers', 'count', 'gauge', 'lockConditions', 'active writers'),
  ss('metrics.operation.writeConflicts', 'count', 'counter', 'lockConditions', 'write conflicts'),

  ...(['Global', 'Database', 'Collection'] as const).flatMap((l) =>
    (['r', 'w'] as const).map((m) => ss(`locks.${l}.acquireCount.${m}`, 'count', 'counter', 'databaseLocks', `${l} ${m === 'r' ? 'intent shared' : 'intent exclusive'}`)),
  ),

  ss('transactions.totalStarted', 'ops', 'counter', 'transactions', 'started'),
  ss('transactions.totalCommitted', 'ops', 'counter', 'transactions', 'committed'),
  ss('transactions.totalAborted', 'ops', 'counter', 'transactions', 'aborted'),
  ss('transactions.currentOpen', 'count', 'gauge', 'transactions', 'open'),
  ss('transactions.currentActive', 'count', 'gauge', 'transactions', 'active'),

  ss('flowControl.timeAcquiringMicros', 'us', 'counter', 'flowControl', 'time acquiring'),
  ss('flowControl.isLaggedCount', 'count', 'counter', 'flowControl', 'times lagged'),

  ...COMMANDS.flatMap((c) => [ss(`metrics.commands.${c}.total`, 'ops', 'counter', 'commands', `${c}`), ss(`metrics.commands.${c}.failed`, 'ops', 'counter', 'commands', `${c} failed`)]),
  // Sums over every command the server lists (the list grows as commands are first run).
  ss('metrics.commands.*.total', 'ops', 'counter', 'commands', 'all commands'),
  ss('metrics.commands.*.failed', 'ops', 'counter', 'commands', 'all failed'),

  // Replication, from replSetGetStatus: the member's own state and term (FTDC paths), its lag.
  def('replSetGetStatus', 'myState', 'state', 'gauge', 'replication', 'member state'),
  def('replSetGetStatus', 'term', 'count', 'gauge', 'replication', 'term'),
  computed('replSetGetStatus.lagMs', 'replSetGetStatus', 'ms', 'gauge', 'replication', 'replication lag'),
  computed('replSetGetStatus.membersDown', 'replSetGetStatus', 'count', 'gauge', 'replication', 'members down'),
  // The oplog window: first and last `ts` of local.oplog.rs (bounds only, never its contents).
  computed('oplog.firstTs', 'oplog', 'seconds', 'gauge', 'replication', 'oplog first'),
  computed('oplog.lastTs', 'oplog', 'seconds', 'gauge', 'replication', 'oplog last'),
  computed('oplog.windowSecs', 'oplog', 'seconds', 'gauge', 'replication', 'oplog window'),
];

/**
 * Per-database (dbStats) and per-collection ($collStats, top) metrics. An instance is named
 * `<template id>@<namespace>`; the path is inside that namespace's own document.
 */
const tpl = (source: 'dbStats' | 'collStats' | 'top', dotted: string, unit: Unit, kind: MetricKind, group: MetricGroup, label: string) => def(source, dotted, unit, kind, group, label);

export const NS_TEMPLATES: readonly MetricDef[] = [
  tpl('dbStats', 'dataSize', 'bytes', 'gauge', 'storage', 'data size'),
  tpl('dbStats', 'storageSize', 'bytes', 'gauge', 'storage', 'storage size'),
  tpl('dbStats', 'indexSize', 'bytes', 'gauge', 'storage', 'index size'),
  tpl('dbStats', 'objects', 'count', 'gauge', 'storage', 'documents'),
  tpl('dbStats', 'collections', 'count', 'gauge', 'storage', 'collections'),
  tpl('collStats', 'storageStats.size', 'bytes', 'gauge', 'collectionStats', 'data size'),
  tpl('collStats', 'storageStats.storageSize', 'bytes', 'gauge', 'collectionStats', 'storage size'),
  tpl('collStats', 'storageStats.totalIndexSize', 'bytes', 'gauge', 'collectionStats', 'index size'),
  tpl('collStats', 'storageStats.count', 'count', 'gauge', 'collectionStats', 'documents'),
  tpl('collStats', 'latencyStats.reads.latency', 'us', 'counter', 'collectionStats', 'read latency'),
  tpl('collStats', 'latencyStats.reads.ops', 'ops', 'counter', 'collectionStats', 'reads'),
  tpl('collStats', 'latencyStats.writes.latency', 'us', 'counter', 'collectionStats', 'write latency'),
  tpl('collStats', 'latencyStats.writes.ops', 'ops', 'counter', 'collectionStats', 'writes'),
  tpl('top', 'total.time', 'us', 'counter', 'collectionStats', 'total time'),
  tpl('top', 'total.count', 'ops', 'counter', 'collectionStats', 'operations'),
  tpl('top', 'readLock.time', 'us', 'counter', 'collectionStats', 'read time'),
  tpl('top', 'readLock.count', 'ops', 'counter', 'collectionStats', 'reads'),
  tpl('top', 'writeLock.time', 'us', 'counter', 'collectionStats', 'write time'),
  tpl('top', 'writeLock.count', 'ops', 'counter', 'collectionStats', 'writes'),
];

/**
 * A series computed at query time from stored inputs, by one formula kind:
 * - `counterRatio`: Δnumerator / Δdenominator per step (scanned/returned, latency/ops), over the
 *   same steps the shared rate function accepts (restarts and gaps break it);
 * - `gaugeRatio`: numerator / denominator at each sample (dirty / configured bytes).
 * The result is multiplied by `scale` (100 for percentages).
 */
export const DerivedFormula = z.enum(['counterRatio', 'gaugeRatio']);
export type DerivedFormula = z.infer<typeof DerivedFormula>;

export const DerivedDef = z.object({
  id: z.string(),
  formula: DerivedFormula,
  inputs: z.tuple([z.string(), z.string()]),
  scale: z.number(),
  unit: Unit,
  group: MetricGroup,
  label: z.string(),
});
export type DerivedDef = z.infer<typeof DerivedDef>;

const SS = 'serverStatus';
export const DERIVED: readonly DerivedDef[] = [
  {
    id: 'derived.queryTargeting.keysPerReturned',
    formula: 'counterRatio',
    inputs: [`${SS}.metrics.queryExecutor.scanned`, `${SS}.metrics.document.returned`],
    scale: 1,
    unit: 'ratio',
    group: 'queryTargeting',
    label: 'keys scanned / returned',
  },
  {
    id: 'derived.queryTargeting.docsPerReturned',
    formula: 'counterRatio',
    inputs: [`${SS}.metrics.queryExecutor.scannedObjects`, `${SS}.metrics.document.returned`],
    scale: 1,
    unit: 'ratio',
    group: 'queryTargeting',
    label: 'documents scanned / returned',
  },
  {
    id: 'derived.cache.dirtyPercent',
    formula: 'gaugeRatio',
    inputs: [`${SS}.${WT}.tracked dirty bytes in the cache`, `${SS}.${WT}.maximum bytes configured`],
    scale: 100,
    unit: 'percent',
    group: 'cacheUsage',
    label: 'dirty %',
  },
  {
    id: 'derived.cache.usedPercent',
    formula: 'gaugeRatio',
    inputs: [`${SS}.${WT}.bytes currently in the cache`, `${SS}.${WT}.maximum bytes configured`],
    scale: 100,
    unit: 'percent',
    group: 'cacheUsage',
    label: 'used %',
  },
  ...OP_CLASSES.map(
    (k): DerivedDef => ({
      id: `derived.latency.${k}`,
      formula: 'counterRatio',
      inputs: [`${SS}.opLatencies.${k}.latency`, `${SS}.opLatencies.${k}.ops`],
      scale: 1,
      unit: 'usPerOp',
      group: 'latency',
      label: k,
    }),
  ),
];

const BY_ID = new Map(CATALOGUE.map((m) => [m.id, m]));
const TEMPLATES = new Map(NS_TEMPLATES.map((m) => [m.id, m]));
const DERIVED_BY_ID = new Map(DERIVED.map((d) => [d.id, d]));

/** `top.readLock.time@shop.orders` → template and namespace; null for anything else. */
export function splitNamespaced(id: string): { template: string; ns: string } | null {
  const at = id.indexOf('@');
  if (at <= 0 || at === id.length - 1) return null;
  const template = id.slice(0, at);
  return TEMPLATES.has(template) ? { template, ns: id.slice(at + 1) } : null;
}

export const namespacedId = (template: string, ns: string): string => `${template}@${ns}`;

/** A stored metric: fixed, or an instance of a namespaced template (with its own id). */
export function metricDef(id: string): MetricDef | undefined {
  const fixed = BY_ID.get(id) ?? hostMetricDef(id);
  if (fixed) return fixed;
  const ns = splitNamespaced(id);
  return ns ? { ...TEMPLATES.get(ns.template)!, id } : undefined;
}

export function templateDef(id: string): MetricDef | undefined {
  return TEMPLATES.get(id);
}

export function derivedDef(id: string): DerivedDef | undefined {
  return DERIVED_BY_ID.get(id);
}

/** What a chart needs to label any series id: stored or derived. */
export function seriesLabel(id: string): { label: string; unit: Unit; group: MetricGroup } | undefined {
  const d = metricDef(id) ?? derivedDef(id);
  return d ? { label: d.label, unit: d.unit, group: d.group } : undefined;
}

export function metricsOf(source: MetricSource): MetricDef[] {
  return CATALOGUE.filter((m) => m.source === source);
}

export const RESTART_METRICS = { uptime: 'serverStatus.uptimeMillis', pid: 'serverStatus.pid' } as const;

/** The unit a chart shows: counters become per-second rates; derived series keep theirs. */
export function displayUnit(m: Pick<MetricDef, 'unit'> & { kind?: MetricKind }): string {
  return m.kind === 'counter' ? `${m.unit}/s` : m.unit;
}

// ---------------------------------------------------------------------------------------------------
// Host metrics (FTDC `systemMetrics`, stored on `host:<hostname>`). Kept apart from CATALOGUE: their
// names depend on the OS (Linux /proc, Windows PDH counters) and on the machine (disks, mounts), so
// they are matched by pattern, not listed. Counters are cumulative as FTDC records them; rates come
// from the shared rate function like every other counter.

const hostDef = (id: string, unit: Unit, kind: MetricKind, label: string): MetricDef => ({ id, source: 'systemMetrics', path: id.split('.').slice(1), unit, kind, group: 'host', label });

/** Linux `/proc/stat` gauges among the cpu fields (the rest are cumulative). */
const LINUX_CPU_GAUGES = new Set(['num_cpus', 'procs_running', 'procs_blocked', 'btime']);
const WIN_GAUGE = /(Queue Length|\\Processes|\\Threads|Bytes)$/;

/** The definition of a host series id, or undefined for anything that is not a host metric. */
export function hostMetricDef(id: string): MetricDef | undefined {
  if (!id.startsWith('systemMetrics.')) return undefined;
  const rest = id.slice('systemMetrics.'.length);
  let m: RegExpExecArray | null;
  if ((m = /^cpu\.([a-z_]+)_ms$/.exec(rest))) return hostDef(id, 'ms', 'counter', `CPU ${m[1]}`);
  if ((m = /^cpu\.([a-z_]+)$/.exec(rest))) return hostDef(id, 'count', LINUX_CPU_GAUGES.has(m[1]!) ? 'gauge' : 'counter', m[1]!.replace(/_/g, ' '));
  if ((m = /^cpu\.\\Processor\\% (.+) Time$/.exec(rest))) return hostDef(id, '100ns', 'counter', `CPU ${m[1]!.toLowerCase()}`);
  if ((m = /^memory\.(.+)_kb$/.exec(rest))) return hostDef(id, 'kB', 'gauge', m[1]!);
  if ((m = /^(cpu|memory)\.\\\w+\\(.+)$/.exec(rest))) {
    const name = m[2]!;
    if (name === 'System Up Time') return hostDef(id, 'seconds', 'gauge', name);
    if (WIN_GAUGE.test(`\\${name}`)) return hostDef(id, name.endsWith('Bytes') ? 'bytes' : 'count', 'gauge', name);
    return hostDef(id, 'count', 'counter', name.replace(/\/sec$/, ''));
  }
  if ((m = /^disks\.(.+)\.(reads|writes|reads_merged|writes_merged|read_sectors|write_sectors|read_time_ms|write_time_ms|io_time_ms|io_queued_ms|io_in_progress)$/.exec(rest))) {
    const [, dev, f] = m as unknown as [string, string, string];
    if (f === 'io_in_progress') return hostDef(id, 'count', 'gauge', `${dev} I/O in progress`);
    return hostDef(id, f.endsWith('_ms') ? 'ms' : 'count', 'counter', `${dev} ${f.replace(/_/g, ' ')}`);
  }
  if ((m = /^disks\.(.+)\.\\PhysicalDisk\\(.+)$/.exec(rest))) {
    const [, dev, f] = m as unknown as [string, string, string];
    if (f === 'Current Disk Queue Length') return hostDef(id, 'count', 'gauge', `${dev} queue`);
    if (f.startsWith('%') || f.startsWith('Avg.')) return hostDef(id, '100ns', 'counter', `${dev} ${f}`);
    return hostDef(id, f.includes('Bytes') ? 'bytes' : 'count', 'counter', `${dev} ${f.replace(/\/sec$/, '')}`);
  }
  if ((m = /^mounts\.(.+)\.(capacity|available|free)$/.exec(rest))) return hostDef(id, 'bytes', 'gauge', `${m[1]} ${m[2]}`);
  if ((m = /^netstat\.(.+)$/.exec(rest))) return hostDef(id, m[1]!.endsWith('Octets') ? 'bytes' : 'count', 'counter', m[1]!);
  if ((m = /^vmstat\.(.+)$/.exec(rest))) return hostDef(id, 'count', m[1]!.startsWith('nr_') ? 'gauge' : 'counter', m[1]!);
  return undefined;
}
