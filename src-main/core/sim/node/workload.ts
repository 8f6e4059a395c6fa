/**
 * The simulated workload: the per-second rates the user configures, and how every counter and
 * gauge the documents serve follows from them (documents returned per query, bytes per request,
 * latency per op...). The ratios are plausible for a small OLTP node, not measurements.
 */
export interface SimRates {
  insert: number;
  query: number;
  update: number;
  delete: number;
  getmore: number;
  command: number;
  /** Multi-document transactions started per second. */
  transactions: number;
  /** Connections the simulated background clients open per second (adds to connections.totalCreated). */
  connectionsCreated: number;
}

export const DEFAULT_RATES: Readonly<SimRates> = {
  insert: 20,
  query: 60,
  update: 12,
  delete: 2,
  getmore: 6,
  command: 40,
  transactions: 0,
  connectionsCreated: 0,
};

export const RATE_KEYS = Object.keys(DEFAULT_RATES) as (keyof SimRates)[];

/** Host facts served by hostInfo and used to size memory gauges. */
export interface HostFacts {
  hostname: string;
  memSizeMB: number;
  numCores: number;
  cpuArch: string;
  osName: string;
  osVersion: string;
  kernelVersion: string;
  /** WiredTiger cache size in bytes (default: the documented 50 % of (RAM − 1 GB), at least 256 MB). */
  cacheSizeBytes: number;
}

export function defaultCacheBytes(memSizeMB: number): number {
  return Math.max(256, Math.floor((memSizeMB - 1024) / 2)) * 1024 * 1024;
}

/** A member's part in its set: a secondary applies the primary's writes (opcountersRepl) and takes none itself. */
export type SimRole = 'standalone' | 'primary' | 'secondary';

/** Counter id (its serverStatus path) → per-second rate, for the given workload and role. */
export function counterRates(r: SimRates, role: SimRole = 'standalone'): Record<string, number> {
  const reads = r.query + r.getmore;
  const writes = r.insert + r.update + r.delete;
  const ops = reads + writes + r.command;
  const sec = role === 'secondary';
  return {
    'opcounters.insert': sec ? 0 : r.insert,
    'opcounters.query': r.query,
    'opcounters.update': sec ? 0 : r.update,
    'opcounters.delete': sec ? 0 : r.delete,
    'opcounters.getmore': r.getmore,
    'opcounters.command': r.command,
    'opcountersRepl.insert': sec ? r.insert : 0,
    'opcountersRepl.update': sec ? r.update : 0,
    'opcountersRepl.delete': sec ? r.delete : 0,
    'opcountersRepl.command': sec ? 0.2 : 0,
    'asserts.regular': 0,
    'asserts.warning': 0,
    'asserts.msg': 0,
    'asserts.user': 0.01 + ops * 0.0005,
    'asserts.tripwire': 0,
    'connections.totalCreated': r.connectionsCreated,
    'extra_info.user_time_us': 20_000 + ops * 45,
    'extra_info.system_time_us': 8_000 + ops * 15,
    'extra_info.page_reclaims': 2 + ops * 0.05,
    'extra_info.page_faults': 0.02 + reads * 0.0005,
    'extra_info.voluntary_context_switches': 150 + ops * 2,
    'extra_info.involuntary_context_switches': 2 + ops * 0.05,
    'extra_info.input_blocks': reads * 0.02,
    'extra_info.output_blocks': 10 + writes * 0.5,
    'flowControl.timeAcquiringMicros': writes * 0.4,
    'locks.ParallelBatchWriterMode.acquireCount.r': reads + writes,
    'locks.FeatureCompatibilityVersion.acquireCount.r': reads + r.command * 0.2,
    'locks.FeatureCompatibilityVersion.acquireCount.w': writes,
    'locks.ReplicationStateTransition.acquireCount.w': reads + writes + r.command * 0.2,
    'locks.Global.acquireCount.r': reads + r.command * 0.2,
    'locks.Global.acquireCount.w': writes,
    'locks.Database.acquireCount.r': reads,
    'locks.Database.acquireCount.w': writes,
    'locks.Collection.acquireCount.r': reads,
    'locks.Collection.acquireCount.w': writes,
    'network.bytesIn': ops * 320,
    'network.bytesOut': reads * 2_400 + ops * 180,
    'network.physicalBytesIn': ops * 300,
    'network.physicalBytesOut': reads * 2_200 + ops * 170,
    'network.numRequests': ops,
    'opLatencies.reads.latency': reads * 230,
    'opLatencies.reads.ops': reads,
    'opLatencies.writes.latency': writes * 410,
    'opLatencies.writes.ops': writes,
    'opLatencies.commands.latency': r.command * 85,
    'opLatencies.commands.ops': r.command,
    'opLatencies.transactions.latency': r.transactions * 2_600,
    'opLatencies.transactions.ops': r.transactions,
    'metrics.document.deleted': r.delete * 1.5,
    'metrics.document.inserted': r.insert,
    'metrics.document.returned': r.query * 6 + r.getmore * 40,
    'metrics.document.updated': r.update * 1.1,
    'metrics.queryExecutor.scanned': r.query * 9 + (r.update + r.delete) * 2,
    'metrics.queryExecutor.scannedObjects': r.query * 12 + (r.update + r.delete) * 2,
    'metrics.queryExecutor.collectionScans.total': r.query * 0.02,
    'metrics.operation.scanAndOrder': r.query * 0.03,
    'metrics.operation.writeConflicts': r.update * 0.002,
    'metrics.cursor.totalOpened': r.query * 0.1,
    'metrics.cursor.timedOut': r.query * 0.0001,
    'metrics.cursor.moreThanOneBatch': r.getmore * 0.3,
    'metrics.commands.find.total': r.query,
    'metrics.commands.insert.total': r.insert * 0.5,
    'metrics.commands.update.total': r.update,
    'metrics.commands.delete.total': r.delete,
    'metrics.commands.getMore.total': r.getmore,
    'metrics.commands.aggregate.total': r.query * 0.1,
    'transactions.totalStarted': r.transactions,
    'wiredTiger.cache.bytes read into cache': reads * 350,
    'wiredTiger.cache.bytes written from cache': writes * 900,
    'wiredTiger.cache.pages evicted by application threads': writes * 0.0005,
    'tickets.read.startedProcessing': reads + r.command * 0.2,
    'tickets.read.totalTimeProcessingMicros': reads * 180,
    'tickets.write.startedProcessing': writes,
    'tickets.write.totalTimeProcessingMicros': writes * 350,
  };
}

/** Gauge id → [min, max] for the given workload and host. */
export function gaugeRanges(r: SimRates, host: HostFacts): Record<string, [number, number]> {
  const load = Math.min(1, (r.query + r.getmore + r.insert + r.update + r.delete + r.command) / 2_000);
  const cache = host.cacheSizeBytes;
  const residentBase = 180 + cache / (1024 * 1024) * 0.6;
  return {
    'mem.resident': [residentBase, residentBase * 1.08],
    'mem.virtualOverResident': [1_200, 1_350],
    'wiredTiger.cache.bytes currently in the cache': [cache * 0.35, cache * 0.8],
    'wiredTiger.cache.tracked dirty bytes in the cache': [cache * 0.002, cache * 0.03],
    'globalLock.currentQueue.readers': [0, 0.6 + 2 * load],
    'globalLock.currentQueue.writers': [0, 0.4 + 2 * load],
    'globalLock.activeClients.readers': [0, 1.5 + 6 * load],
    'globalLock.activeClients.writers': [0, 1.2 + 4 * load],
    'tickets.read.out': [0, 1.5 + 10 * load],
    'tickets.write.out': [0, 1.2 + 8 * load],
    'tcmalloc.allocatedOverResident': [0.72, 0.82],
    'extra_info.threads': [30, 40],
  };
}
