import { APP_VERSION } from '../../src-shared/domain/version';
import { BaleenError } from '../../src-shared/domain/errors';
import { mkdirSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { AppInfo } from '../../src-shared/contract';
import type { Handlers } from '../rpc';
import { AuditLog } from './audit/audit-log';
import type { DemoInfo, Intervals, PollStatus } from '../../src-shared/contract';
import { splitNodeId, type NodeId } from '../../src-shared/domain/identity';
import { directDialer } from './connections/dialer';
import { ConnectionManager, type ConnectionSeams, type MonitoringSettings, type TunnelTuning } from './connections/connection-manager';
import { HostKeyVerifier, SqliteHostKeyStore } from './tunnels';
import { EventBus } from './events';
import { logHandlers, openEventStore, type LogCore } from './events/log-handlers';
import { explainHandlers, openExplainService } from './explain/explain-handlers';
import { FtdcImportService, ImportRegistry } from './imports';
import { DemoService } from './metrics/demo.service';
import { queryWithDerived } from './metrics/derived-query';
import { hotCollections } from './metrics/hot-collections';
import { BALEEN_DEFAULT_INTERVALS, MonitoringSettings as PollingSettingsStore } from './metrics/monitoring-settings';
import { PollScheduler } from './metrics/poll-scheduler';
import { systemClock, type Clock } from './ports/clock';
import { silentLogger, type Logger } from './ports/logger';
import { MemorySecretStore, type SecretStore } from './ports/secret-store';
import type { SqliteDriver } from './ports/sqlite';
import { ConfigStore } from './store/config.store';
import type { MetricStore } from './store/metric-store';
import { ChunkStore } from './store/chunk.store';
import { keepHeapTight } from './heap-policy';

/** Everything the host (Electron shell, `baleen serve`, a test) supplies to the core. */
export interface CoreDeps {
  dataDir: string;
  sqlite: SqliteDriver;
  shell: AppInfo['shell'];
  clock?: Clock;
  logger?: Logger;
  /** Where secrets live: the OS keychain (KeychainSecretStore) in the product; session memory by default. */
  secrets?: SecretStore;
  /** Where sockets go and how names resolve (tests: an address map; later: SSH tunnels). */
  connectionSeams?: ConnectionSeams;
  monitoring?: Partial<MonitoringSettings>;
  /** Baleen's default interval per source before the user's own settings (tests and the demo poll faster). */
  polling?: Partial<Intervals>;
  /** Polls in flight at once across all nodes (default 64). */
  maxConcurrentPolls?: number;
  /** Seconds between the demo's elections (default 180). */
  demoElectionEveryMs?: number;
  random?: () => number;
  /** The shell's native file/folder picker for imports (Electron's dialog); absent in the browser build. */
  pickPaths?: (kind: 'folder' | 'files') => Promise<string[] | null>;
  /**
   * SSH: the user's known_hosts files (read only; default ~/.ssh/known_hosts), the ssh-agent socket
   * (default SSH_AUTH_SOCK), ~/.ssh/config for imports, and tunnel timings (tests scale them).
   */
  ssh?: { knownHostsFiles?: string[]; agentSocket?: string | null; sshConfigFile?: string | null; home?: string; tunnel?: TunnelTuning };
}

export interface Core {
  handlers: Handlers;
  events: EventBus;
  audit: AuditLog;
  store: MetricStore;
  connections: ConnectionManager;
  /** FTDC imports (offline sets in the metric store). */
  imports: FtdcImportService;
  /** Log sources and the event store (events.db). */
  logs: LogCore;
  settings: PollingSettingsStore;
  scheduler: PollScheduler;
  /** Starts the simulated demo set inside this core and adds it as a connection. */
  startDemo(actor?: string): Promise<DemoInfo>;
  dispose(): Promise<void>;
}

export const DEFAULT_MONITORING: MonitoringSettings = {
  appName: `baleen/${APP_VERSION}`,
  intervalMs: 1000,
  deadlineMs: 8000,
  connectTimeoutMs: 10_000,
};

/** The caller's identity for audit records. */
const actorOf = (ctx: { session: { transport: string; origin: string } }) => `${ctx.session.transport}:${ctx.session.origin}`;

export function createCore(deps: CoreDeps): Core {
  keepHeapTight();
  const clock = deps.clock ?? systemClock;
  const log = deps.logger ?? silentLogger;
  mkdirSync(deps.dataDir, { recursive: true, mode: 0o700 });
  const config = new ConfigStore(deps.sqlite, join(deps.dataDir, 'config.db'));
  const audit = new AuditLog(deps.sqlite, join(deps.dataDir, 'audit.db'), clock);
  const events = new EventBus();
  const store = new ChunkStore(deps.sqlite, join(deps.dataDir, 'metrics.db'), { clock, log: log.child('store'), onState: (s) => events.emit('metrics.store', s) });
  if (store.quarantined) {
    // REL-D6: a damaged metrics database was moved aside (with its -wal and -shm) and a fresh one started.
    try {
      audit.record({ action: 'store.quarantined', target: 'metrics.db', details: { reason: store.quarantined.reason, moved: store.quarantined.moved.map((m) => m.to) } });
    } catch (e) {
      log.error('could not audit the metrics database quarantine', { error: e instanceof Error ? e.message : String(e) });
    }
  }
  const settings = new PollingSettingsStore(deps.dataDir, log.child('settings'), {
    ...BALEEN_DEFAULT_INTERVALS,
    // serverStatus follows the monitoring interval the host asked for; every other source its own default.
    serverStatus: deps.monitoring?.intervalMs ?? BALEEN_DEFAULT_INTERVALS.serverStatus,
    ...deps.polling,
  });
  const scheduler = new PollScheduler(clock, { policy: settings, ...(deps.maxConcurrentPolls !== undefined ? { maxConcurrent: deps.maxConcurrentPolls } : {}) });
  const secrets: SecretStore = deps.secrets ?? new MemorySecretStore();
  // SEC-C2: secrets that cannot be persisted are kept for the session, and the audit log says why.
  const storageUnavailable = (reason: string) => {
    try {
      audit.record({ action: 'secrets.storage_unavailable', target: 'secrets', details: { reason } });
    } catch {
      // The audit log being unwritable is reported by the actions it refuses.
    }
  };
  if (!secrets.persistence.persistent) storageUnavailable(secrets.persistence.reason);
  const offSecretsLost = secrets.onPersistenceLost?.(storageUnavailable);
  // The demo's members resolve only here; every other name goes where the host's dialer sends it.
  const demo = new DemoService({ connections: () => connections, clock, log: log.child('demo'), ...(deps.demoElectionEveryMs !== undefined ? { electionEveryMs: deps.demoElectionEveryMs } : {}) });
  const hostDial = deps.connectionSeams?.dial ?? directDialer;
  // Host keys the user trusted in Baleen (SEC-S1/S2) live in their own file; ~/.ssh/known_hosts is only read.
  const hostKeyPins = new SqliteHostKeyStore(deps.sqlite, join(deps.dataDir, 'ssh-host-keys.db'));
  const home = deps.ssh?.home ?? homedir();
  const ssh = {
    verifier: new HostKeyVerifier({ knownHostsFiles: deps.ssh?.knownHostsFiles ?? [join(home, '.ssh', 'known_hosts')], pins: hostKeyPins, audit, clock }),
    agentSocket: deps.ssh?.agentSocket !== undefined ? deps.ssh.agentSocket : (process.env.SSH_AUTH_SOCK ?? null),
    sshConfigFile: deps.ssh?.sshConfigFile !== undefined ? deps.ssh.sshConfigFile : join(home, '.ssh', 'config'),
    home,
    localUser: userInfo().username,
    ...(deps.ssh?.tunnel ? { tunnel: deps.ssh.tunnel } : {}),
  };
  const connections: ConnectionManager = new ConnectionManager({
    config,
    store,
    secrets,
    seams: { ...deps.connectionSeams, dial: async (hostPort, signal) => demo.dial(hostPort) ?? hostDial(hostPort, signal) },
    audit,
    bus: events,
    clock,
    log: log.child('connections'),
    scheduler,
    settings: { ...DEFAULT_MONITORING, ...deps.monitoring },
    random: deps.random ?? Math.random,
    ssh,
  });
  const importRegistry = new ImportRegistry(deps.sqlite, join(deps.dataDir, 'imports.db'));
  const imports = new FtdcImportService({
    store,
    nodes: config,
    audit,
    registry: importRegistry,
    clock,
    log: log.child('imports'),
    emit: (p) => events.emit('ftdc.progress', p),
    onNodesChanged: () => events.emit('connections.changed', { connections: connections.list() }),
  });
  /** The node's SSH tunnel, for host commands (log follow, diagnostic.data fetch); refused when it has none. */
  const sshSourceOf = (nodeId: NodeId) => {
    const source = connections.sshExecSource(nodeId);
    if (!source) throw new BaleenError('E_UNSUPPORTED', `${nodeId} is not reached through SSH: add an SSH hop to its connection to read files on its host.`);
    return source;
  };
  const logs = openEventStore({ sqlite: deps.sqlite, dataDir: deps.dataDir, clock, log: log.child('logs'), config, audit, metrics: store, connections, bus: events, sshSession: (nodeId) => connections.sshExecSource(nodeId) });
  const explain = openExplainService({ sqlite: deps.sqlite, dataDir: deps.dataDir, connections, audit, bus: events, clock, log: log.child('explain') });
  const startedAt = clock.now();
  connections.restore();
  demo.restoreIfSaved();
  const offSettings = settings.subscribe(() => events.emit('settings.changed', settings.get()));

  /** A node that is not being monitored still has a status: every source off, saying why. */
  const pollStatus = (nodeId: NodeId): PollStatus => {
    const m = connections.monitor(nodeId);
    if (m) return m.pollStatus();
    const paused = settings.paused(nodeId);
    return {
      nodeId,
      paused,
      sources: (Object.keys(BALEEN_DEFAULT_INTERVALS) as (keyof Intervals)[]).map((source) => ({
        source,
        intervalMs: settings.intervalMs(nodeId, source),
        state: paused ? 'paused' : 'off',
        reason: paused ? 'Monitoring paused by the user' : 'Monitoring is stopped',
        runs: 0,
        skipped: 0,
        timedOut: 0,
        lastRunAt: null,
      })),
    };
  };
  const setPaused = async (nodeId: NodeId, paused: boolean, actor: string): Promise<PollStatus> => {
    connections.capabilities(nodeId); // E_NOT_FOUND for a node that does not exist
    await audit.run({ action: paused ? 'monitoring.pause' : 'monitoring.resume', target: nodeId, actor }, async () => {
      settings.setPaused(nodeId, paused);
    });
    return pollStatus(nodeId);
  };

  const handlers: Handlers = {
    'app.info': () => ({ version: APP_VERSION, startedAt, dataDir: deps.dataDir, shell: deps.shell }),
    'connections.list': () => connections.list(),
    'connections.get': (input) => connections.get(input.id),
    'connections.add': (input, ctx) => connections.add(input, actorOf(ctx), ctx.signal),
    'connections.update': (input, ctx) => connections.update(input, actorOf(ctx), ctx.signal),
    'connections.remove': async (input, ctx) => ({ removed: await connections.remove(input.id, actorOf(ctx)) }),
    'connections.parse': (input) => connections.parse(input),
    'connections.test': (input, ctx) => connections.test(input, actorOf(ctx), ctx.signal),
    'connections.connect': (input, ctx) => connections.connect(input.id, actorOf(ctx), ctx.signal),
    'connections.disconnect': (input, ctx) => connections.disconnect(input.id, actorOf(ctx)),
    'connections.rediscover': (input, ctx) => connections.rediscover(input.id, actorOf(ctx), ctx.signal),
    'connections.capabilities': (input) => connections.capabilities(input.nodeId),
    'connections.secretStorage': () => connections.secretStorage(),
    'connections.import': (input, ctx) => connections.importProfiles(input, actorOf(ctx)),
    'connections.export': (input, ctx) => connections.exportProfiles(input, actorOf(ctx)),
    'connections.startMonitoring': (input, ctx) => connections.startMonitoring(input.nodeId, actorOf(ctx)),
    'connections.stopMonitoring': (input, ctx) => connections.stopMonitoring(input.nodeId, actorOf(ctx)),
    'connections.checkHostKey': (input, ctx) => connections.checkHostKey(input, ctx.signal),
    'connections.trustHostKey': (input, ctx) => connections.trustHostKey(input.challenge, actorOf(ctx)),
    'connections.replaceHostKey': (input, ctx) => connections.replaceHostKey(input.challenge, input.previousFingerprint, actorOf(ctx)),
    'connections.answerSshPrompt': (input) => connections.answerSshPrompt(input.id, input.answers),
    'connections.importSshConfig': (input) => connections.importSshConfig(input),
    'metrics.query': (input) => queryWithDerived(store, input, clock.now()),
    'metrics.pollStatus': (input) => pollStatus(input.nodeId),
    'metrics.pause': (input, ctx) => setPaused(input.nodeId, true, actorOf(ctx)),
    'metrics.resume': (input, ctx) => setPaused(input.nodeId, false, actorOf(ctx)),
    'metrics.replication': (input) => connections.monitor(input.nodeId)?.replication() ?? null,
    'metrics.hotCollections': (input) => hotCollections(store, input),
    'settings.get': () => settings.get(),
    'settings.setInterval': (input, ctx) =>
      audit.run({ action: 'settings.change', target: input.nodeId ?? 'all nodes', actor: actorOf(ctx), details: { source: input.source, intervalMs: input.intervalMs } }, async () =>
        settings.setInterval(input.source, input.intervalMs, input.nodeId),
      ),
    'settings.setCollStatsPerCycle': (input, ctx) =>
      audit.run({ action: 'settings.change', target: 'all nodes', actor: actorOf(ctx), details: { collStatsPerCycle: input.perCycle } }, async () => settings.setCollStatsPerCycle(input.perCycle)),
    'dashboards.startDemo': (_input, ctx) => demo.start(actorOf(ctx), ctx.signal),
    'metrics.listSeries': (input) => store.listSeries(input.entity),
    'metrics.storeState': () => store.writerState(),
    'ftdc.preview': (input, ctx) => imports.preview(input.paths, ctx.signal),
    'ftdc.import': (input, ctx) => imports.import(input, actorOf(ctx), ctx.signal),
    'ftdc.sshPreview': async (input, ctx) => {
      const r = await imports.sshPreview(sshSourceOf(input.nodeId), input.remoteDir, ctx.signal);
      return { files: r.files.map((f) => ({ path: `${r.remoteDir.replace(/\/+$/, '')}/${f.name}`, bytes: f.bytes, kind: 'file' as const, importedAs: null })), totalBytes: r.totalBytes };
    },
    // The fetch runs commands on the node's host: audited as such, around the import's own audit record.
    'ftdc.sshImport': (input, ctx) =>
      audit.run({ action: 'ftdc.ssh-fetch', target: `${input.nodeId}:${input.remoteDir}`, actor: actorOf(ctx) }, () =>
        imports.importOverSsh(sshSourceOf(input.nodeId), { host: splitNodeId(input.nodeId).hostPort.replace(/:\d+$/, ''), remoteDir: input.remoteDir }, { label: input.label, jobId: input.jobId }, actorOf(ctx), ctx.signal),
      ),
    'ftdc.list': () => imports.list(),
    'ftdc.delete': (input, ctx) => imports.delete(input.id, actorOf(ctx), ctx.signal),
    'ftdc.facts': (input) => imports.facts(input.entity),
    'ftdc.pickPaths': async (input) => {
      if (!deps.pickPaths) throw new BaleenError('E_UNSUPPORTED', 'There is no file picker in the browser: type the path of a folder or file on the machine running Baleen.');
      return { paths: await deps.pickPaths(input.kind) };
    },
    ...logHandlers(logs, actorOf),
    ...explainHandlers(explain, actorOf),
  };

  let disposed = false;
  return {
    handlers,
    events,
    audit,
    store,
    connections,
    imports,
    logs,
    settings,
    scheduler,
    startDemo: (actor = 'system') => demo.start(actor, new AbortController().signal),
    async dispose() {
      if (disposed) return;
      disposed = true;
      offSettings();
      // Followers first: they poll through connections and write to events.db.
      await logs.dispose();
      await explain.dispose();
      await connections.dispose();
      await demo.dispose();
      offSecretsLost?.();
      secrets.dispose?.();
      await imports.ready;
      importRegistry.close();
      hostKeyPins.close();
      store.close();
      config.close();
      audit.close();
    },
  };
}
