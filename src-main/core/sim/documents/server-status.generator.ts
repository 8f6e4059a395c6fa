import { Binary, type Document, Timestamp } from '../../bson/bson';
import type { SimNode } from '../node/sim-node';
import { dbl, i32, i64, intOrLong } from './bson-values';

/**
 * serverStatus in the shape of a MongoDB 7.0 / 8.0 mongod on Linux. Field paths and BSON types follow
 * real captures (FTDC reference documents and getMongoData output of 7.0; test/integration/sim-shapes
 * checks every served path against them). Values come from the node: the simulated workload's counters
 * and gauges plus the real connections, requests and bytes the simulator has seen.
 */

/** Sections a client can switch off with `{serverStatus: 1, <section>: 0}`. */
type OptionalSection =
  | 'asserts'
  | 'connections'
  | 'extra_info'
  | 'flowControl'
  | 'globalLock'
  | 'locks'
  | 'network'
  | 'opLatencies'
  | 'opcounters'
  | 'opcountersRepl'
  | 'queues'
  | 'repl'
  | 'storageEngine'
  | 'tcmalloc'
  | 'transactions'
  | 'wiredTiger'
  | 'mem'
  | 'metrics';

export function generateServerStatus(node: SimNode, request: Document = { serverStatus: 1 }): Document {
  const c = (id: string) => node.counter(id);
  const g = (id: string) => node.gauge(id);
  const live = node.live();
  const uptimeMs = node.uptimeMs();
  const rs = node.memberState();
  const off = (section: string) => section in request && isFalsy(request[section]);

  const doc: Document = {
    host: prettyHostName(node),
    version: node.profile.version,
    process: 'mongod',
    pid: i64(node.pid),
    uptime: dbl(Math.floor(uptimeMs / 1000)),
    uptimeMillis: i64(uptimeMs),
    uptimeEstimate: i64(Math.floor(uptimeMs / 1000)),
    localTime: new Date(node.clock.now()),
  };
  const add = (section: OptionalSection, make: () => Document | undefined) => {
    if (off(section)) return;
    const v = make();
    if (v !== undefined) doc[section] = v;
  };

  add('asserts', () => ({
    regular: i32(c('asserts.regular')),
    warning: i32(c('asserts.warning')),
    msg: i32(c('asserts.msg')),
    user: i32(c('asserts.user')),
    tripwire: i32(c('asserts.tripwire')),
    rollovers: i32(0),
  }));

  const current = live.openConnections + node.connectionBaseline;
  add('connections', () => ({
    current: i32(current),
    available: i32(Math.max(0, node.maxIncomingConnections - current)),
    totalCreated: i32(live.createdConnections + node.connectionBaseline + c('connections.totalCreated')),
    rejected: i32(0),
    // Connections running an operation right now; the caller of this serverStatus is one of them.
    active: i32(live.inFlight),
    threaded: i32(current),
    exhaustIsMaster: i32(0),
    exhaustHello: i32(live.exhaustHello),
    awaitingTopologyChanges: i32(live.awaitingTopologyChanges),
  }));

  const residentMB = Math.round(g('mem.resident'));
  add('extra_info', () => ({
    note: 'fields vary by platform',
    user_time_us: i64(c('extra_info.user_time_us')),
    system_time_us: i64(c('extra_info.system_time_us')),
    maximum_resident_set_kb: i64(residentMB * 1024 * 1.02),
    input_blocks: i64(c('extra_info.input_blocks')),
    output_blocks: i64(c('extra_info.output_blocks')),
    page_reclaims: i64(c('extra_info.page_reclaims')),
    page_faults: i64(c('extra_info.page_faults')),
    voluntary_context_switches: i64(c('extra_info.voluntary_context_switches')),
    involuntary_context_switches: i64(c('extra_info.involuntary_context_switches')),
    threads: i64(Math.round(g('extra_info.threads')) + current),
  }));

  add('flowControl', () => ({
    enabled: true,
    targetRateLimit: i32(1_000_000_000),
    timeAcquiringMicros: i64(c('flowControl.timeAcquiringMicros')),
    locksPerKiloOp: dbl(0),
    sustainerRate: i32(0),
    isLagged: false,
    isLaggedCount: i32(0),
    isLaggedTimeMicros: i64(0),
  }));

  add('globalLock', () => {
    const qr = Math.floor(g('globalLock.currentQueue.readers'));
    const qw = Math.floor(g('globalLock.currentQueue.writers'));
    const ar = Math.floor(g('globalLock.activeClients.readers'));
    const aw = Math.floor(g('globalLock.activeClients.writers'));
    return {
      totalTime: i64(uptimeMs * 1000),
      currentQueue: { total: i32(qr + qw), readers: i32(qr), writers: i32(qw) },
      activeClients: { total: i32(ar + aw), readers: i32(ar), writers: i32(aw) },
    };
  });

  add('locks', () => ({
    ParallelBatchWriterMode: { acquireCount: { r: i64(c('locks.ParallelBatchWriterMode.acquireCount.r')) } },
    FeatureCompatibilityVersion: {
      acquireCount: { r: i64(c('locks.FeatureCompatibilityVersion.acquireCount.r')), w: i64(c('locks.FeatureCompatibilityVersion.acquireCount.w')) },
    },
    ReplicationStateTransition: { acquireCount: { w: i64(c('locks.ReplicationStateTransition.acquireCount.w')) } },
    Global: { acquireCount: { r: i64(c('locks.Global.acquireCount.r')), w: i64(c('locks.Global.acquireCount.w')) } },
    Database: { acquireCount: { r: i64(c('locks.Database.acquireCount.r')), w: i64(c('locks.Database.acquireCount.w')) } },
    Collection: { acquireCount: { r: i64(c('locks.Collection.acquireCount.r')), w: i64(c('locks.Collection.acquireCount.w')) } },
  }));

  add('network', () => {
    const zero = () => ({ compressor: { bytesIn: i64(0), bytesOut: i64(0) }, decompressor: { bytesIn: i64(0), bytesOut: i64(0) } });
    const executor = (threads: number, clients: number) => ({
      threadsRunning: i32(threads),
      clientsInTotal: i32(clients),
      clientsRunning: i32(clients),
      clientsWaitingForData: i32(0),
    });
    return {
      bytesIn: i64(c('network.bytesIn') + live.bytesIn),
      bytesOut: i64(c('network.bytesOut') + live.bytesOut),
      physicalBytesIn: i64(c('network.physicalBytesIn') + live.bytesIn),
      physicalBytesOut: i64(c('network.physicalBytesOut') + live.bytesOut),
      numSlowDNSOperations: i64(0),
      numSlowSSLOperations: i64(0),
      numRequests: i64(c('network.numRequests') + live.requests),
      tcpFastOpen: { kernelSetting: i64(1), serverSupported: true, clientSupported: true, accepted: i64(0) },
      compression: { snappy: zero(), zstd: zero(), zlib: zero() },
      serviceExecutors: { passthrough: executor(current, current), fixed: executor(1, 0) },
      listenerProcessingTime: { durationMicros: i64(live.createdConnections * 60) },
    };
  });

  add('opLatencies', () => {
    const hist = (k: string) => ({
      latency: i64(c(`opLatencies.${k}.latency`)),
      ops: i64(c(`opLatencies.${k}.ops`)),
      queryableEncryptionLatencyMicros: i64(0),
    });
    return { reads: hist('reads'), writes: hist('writes'), commands: hist('commands'), transactions: hist('transactions') };
  });

  const realCommands = [...live.commands.values()].reduce((n, x) => n + x.total, 0) + live.unknownCommands;
  add('opcounters', () => ({
    insert: i64(c('opcounters.insert')),
    query: i64(c('opcounters.query')),
    update: i64(c('opcounters.update')),
    delete: i64(c('opcounters.delete')),
    getmore: i64(c('opcounters.getmore')),
    command: i64(c('opcounters.command') + realCommands),
  }));
  add('opcountersRepl', () => ({
    insert: i64(c('opcountersRepl.insert')),
    query: i64(0),
    update: i64(c('opcountersRepl.update')),
    delete: i64(c('opcountersRepl.delete')),
    getmore: i64(0),
    command: i64(c('opcountersRepl.command')),
  }));

  add('queues', () => (node.profile.hasQueuesExecution ? { execution: tickets(node) } : undefined));

  add('repl', () => {
    if (rs === null) return undefined;
    const nowSecs = Math.floor((node.clock.now() - (rs.lagMs ?? 0)) / 1000);
    const opTime = { ts: new Timestamp({ t: nowSecs, i: 1 }), t: i64(rs.term) };
    const tv = node.topologyVersion();
    const repl: Document = {
      topologyVersion: { processId: tv.processId, counter: i64(tv.counter) },
      hosts: [...rs.hosts],
      setName: rs.setName,
      setVersion: i32(rs.setVersion),
      isWritablePrimary: rs.isPrimary,
      secondary: rs.isSecondary,
    };
    if (rs.primary !== undefined) repl.primary = rs.primary;
    repl.me = rs.me;
    if (rs.electionId !== undefined) repl.electionId = rs.electionId;
    repl.lastWrite = {
      opTime,
      lastWriteDate: new Date(nowSecs * 1000),
      majorityOpTime: opTime,
      majorityWriteDate: new Date(nowSecs * 1000),
    };
    repl.rbid = i32(1);
    return repl;
  });

  add('storageEngine', () => ({
    name: 'wiredTiger',
    supportsCommittedReads: true,
    oldestRequiredTimestampForCrashRecovery: new Timestamp({ t: rs === null ? 0 : Math.floor(node.clock.now() / 1000) - 10, i: rs === null ? 0 : 1 }),
    supportsPendingDrops: true,
    dropPendingIdents: i64(0),
    supportsSnapshotReadConcern: true,
    readOnly: false,
    persistent: true,
    backupCursorOpen: false,
  }));

  add('tcmalloc', () => tcmalloc(residentMB, g('tcmalloc.allocatedOverResident')));

  const txnStarted = c('transactions.totalStarted');
  add('transactions', () => ({
    retriedCommandsCount: i64(0),
    retriedStatementsCount: i64(0),
    transactionsCollectionWriteCount: i64(0),
    currentActive: i64(0),
    currentInactive: i64(0),
    currentOpen: i64(0),
    totalAborted: i64(txnStarted - Math.floor(txnStarted * 0.98)),
    totalCommitted: i64(Math.floor(txnStarted * 0.98)),
    totalStarted: i64(txnStarted),
    totalPrepared: i64(0),
    totalPreparedThenCommitted: i64(0),
    totalPreparedThenAborted: i64(0),
    currentPrepared: i64(0),
  }));

  add('wiredTiger', () => {
    const wt: Document = {
      uri: 'statistics:',
      cache: {
        'bytes currently in the cache': intOrLong(g('wiredTiger.cache.bytes currently in the cache')),
        'bytes read into cache': intOrLong(c('wiredTiger.cache.bytes read into cache')),
        'bytes written from cache': intOrLong(c('wiredTiger.cache.bytes written from cache')),
        'maximum bytes configured': intOrLong(node.host.cacheSizeBytes),
        'pages evicted by application threads': intOrLong(c('wiredTiger.cache.pages evicted by application threads')),
        'tracked dirty bytes in the cache': intOrLong(g('wiredTiger.cache.tracked dirty bytes in the cache')),
      },
    };
    if (node.profile.hasWtConcurrentTransactions) wt.concurrentTransactions = tickets(node);
    return wt;
  });

  add('mem', () => ({
    bits: i32(64),
    resident: i32(residentMB),
    virtual: i32(residentMB + Math.round(g('mem.virtualOverResident'))),
    supported: true,
  }));

  add('metrics', () => metrics(node));

  doc.ok = dbl(1);
  return doc;
}

/** The execution ticket holder's stats: 7.0 wiredTiger.concurrentTransactions, 8.0 queues.execution. */
function tickets(node: SimNode): Document {
  const total = Math.max(8, node.host.numCores * 16);
  const side = (k: 'read' | 'write') => {
    const out = Math.min(total, Math.floor(node.gauge(`tickets.${k}.out`)));
    const started = node.counter(`tickets.${k}.startedProcessing`);
    return {
      out: i32(out),
      available: i32(total - out),
      totalTickets: i32(total),
      immediatePriorityAdmissionsCount: i64(Math.floor(started * 0.1)),
      addedToQueue: i64(0),
      removedFromQueue: i64(0),
      queueLength: i64(0),
      startedProcessing: i64(started),
      processing: i64(out),
      finishedProcessing: i64(Math.max(0, started - out)),
      totalTimeProcessingMicros: i64(node.counter(`tickets.${k}.totalTimeProcessingMicros`)),
      canceled: i64(0),
      newAdmissions: i64(Math.floor(started * 0.6)),
      totalTimeQueuedMicros: i64(0),
    };
  };
  return {
    write: side('write'),
    read: side('read'),
    monitor: { timesDecreased: i64(0), timesIncreased: i64(0), totalAmountDecreased: i64(0), totalAmountIncreased: i64(0) },
  };
}

function tcmalloc(residentMB: number, allocatedShare: number): Document {
  const heap = residentMB * 1024 * 1024;
  const allocated = Math.floor(heap * allocatedShare);
  const free = heap - allocated;
  const threadCache = Math.floor(free * 0.15);
  const centralCache = Math.floor(free * 0.1);
  const transferCache = Math.floor(free * 0.05);
  const pageheapFree = free - threadCache - centralCache - transferCache;
  const mib = (n: number) => (n / (1024 * 1024)).toFixed(1).padStart(7);
  const formattedString = [
    '------------------------------------------------',
    `MALLOC:   ${String(allocated).padStart(12)} (${mib(allocated)} MiB) Bytes in use by application`,
    `MALLOC: + ${String(pageheapFree).padStart(12)} (${mib(pageheapFree)} MiB) Bytes in page heap freelist`,
    `MALLOC: + ${String(centralCache).padStart(12)} (${mib(centralCache)} MiB) Bytes in central cache freelist`,
    `MALLOC: + ${String(transferCache).padStart(12)} (${mib(transferCache)} MiB) Bytes in transfer cache freelist`,
    `MALLOC: + ${String(threadCache).padStart(12)} (${mib(threadCache)} MiB) Bytes in thread cache freelists`,
    'MALLOC:   ------------',
    `MALLOC: = ${String(heap).padStart(12)} (${mib(heap)} MiB) Actual memory used (physical + swap)`,
    '------------------------------------------------',
    '',
  ].join('\n');
  return {
    generic: { current_allocated_bytes: intOrLong(allocated), heap_size: intOrLong(heap) },
    tcmalloc: {
      pageheap_free_bytes: intOrLong(pageheapFree),
      pageheap_unmapped_bytes: intOrLong(0),
      max_total_thread_cache_bytes: intOrLong(1_073_741_824),
      current_total_thread_cache_bytes: intOrLong(threadCache),
      total_free_bytes: intOrLong(threadCache + centralCache + transferCache),
      central_cache_free_bytes: intOrLong(centralCache),
      transfer_cache_free_bytes: intOrLong(transferCache),
      thread_cache_free_bytes: intOrLong(threadCache),
      aggressive_memory_decommit: intOrLong(0),
      pageheap_committed_bytes: intOrLong(heap),
      release_rate: dbl(1),
      formattedString,
    },
  };
}

/** Commands the real server always lists, whether or not they ran, with the simulated CRUD traffic. */
const SIMULATED_COMMANDS = ['aggregate', 'delete', 'find', 'getMore', 'insert', 'update'];

function metrics(node: SimNode): Document {
  const c = (id: string) => node.counter(id);
  const live = node.live();
  const names = new Set<string>([...SIMULATED_COMMANDS, ...live.commands.keys()]);
  const commands: Document = { '<UNKNOWN>': i64(live.unknownCommands) };
  for (const name of [...names].sort()) {
    const real = live.commands.get(name) ?? { total: 0, failed: 0 };
    const simulated = SIMULATED_COMMANDS.includes(name) ? c(`metrics.commands.${name}.total`) : 0;
    commands[name] = { failed: i64(real.failed), total: i64(real.total + simulated) };
  }
  const opened = c('metrics.cursor.totalOpened');
  const collScans = c('metrics.queryExecutor.collectionScans.total');
  return {
    commands,
    cursor: {
      moreThanOneBatch: i64(c('metrics.cursor.moreThanOneBatch')),
      timedOut: i64(c('metrics.cursor.timedOut')),
      totalOpened: i64(opened),
      open: { noTimeout: i64(0), pinned: i64(0), total: i64(Math.min(opened, 3)) },
    },
    document: {
      deleted: i64(c('metrics.document.deleted')),
      inserted: i64(c('metrics.document.inserted')),
      returned: i64(c('metrics.document.returned')),
      updated: i64(c('metrics.document.updated')),
    },
    operation: {
      scanAndOrder: i64(c('metrics.operation.scanAndOrder')),
      writeConflicts: i64(c('metrics.operation.writeConflicts')),
    },
    queryExecutor: {
      scanned: i64(c('metrics.queryExecutor.scanned')),
      scannedObjects: i64(c('metrics.queryExecutor.scannedObjects')),
      collectionScans: { nonTailable: i64(collScans - Math.floor(collScans * 0.02)), total: i64(collScans) },
    },
  };
}

/** The server's name for itself: host, plus the port when it is not 27017. */
export function prettyHostName(node: SimNode): string {
  return node.port === 27017 ? node.hostName : `${node.hostName}:${node.port}`;
}

function isFalsy(v: unknown): boolean {
  if (v === false || v === 0 || v === null) return true;
  if (typeof v === 'object' && v !== null && 'valueOf' in v) {
    const n = (v as { valueOf(): unknown }).valueOf();
    return n === 0 || n === false;
  }
  return false;
}

/** Gossip a replica-set member attaches to every reply. */
export function clusterTimeFields(node: SimNode): Document | undefined {
  if (node.memberState() === null) return undefined;
  const ts = new Timestamp({ t: Math.floor(node.clock.now() / 1000), i: 1 });
  return {
    $clusterTime: { clusterTime: ts, signature: { hash: new Binary(new Uint8Array(20), 0), keyId: i64(0) } },
    operationTime: ts,
  };
}
