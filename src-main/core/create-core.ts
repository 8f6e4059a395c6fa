import { APP_VERSION } from '../../src-shared/domain/version';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AppInfo } from '../../src-shared/contract';
import type { Handlers } from '../rpc';
import { AuditLog } from './audit/audit-log';
import { ConnectionManager, type ConnectionSeams, type MonitoringSettings } from './connections/connection-manager';
import { EventBus } from './events';
import { queryMetrics } from './metrics/metrics-query';
import { PollScheduler } from './metrics/poll-scheduler';
import { systemClock, type Clock } from './ports/clock';
import { silentLogger, type Logger } from './ports/logger';
import { MemorySecretStore, type SecretStore } from './ports/secret-store';
import type { SqliteDriver } from './ports/sqlite';
import { ConfigStore } from './store/config.store';
import type { MetricStore } from './store/metric-store';
import { ChunkStore } from './store/chunk.store';

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
  random?: () => number;
}

export interface Core {
  handlers: Handlers;
  events: EventBus;
  audit: AuditLog;
  store: MetricStore;
  connections: ConnectionManager;
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
  const scheduler = new PollScheduler(clock);
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
  const connections = new ConnectionManager({
    config,
    store,
    secrets,
    ...(deps.connectionSeams ? { seams: deps.connectionSeams } : {}),
    audit,
    bus: events,
    clock,
    log: log.child('connections'),
    scheduler,
    settings: { ...DEFAULT_MONITORING, ...deps.monitoring },
    random: deps.random ?? Math.random,
  });
  const startedAt = clock.now();
  connections.restore();

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
    'metrics.query': (input) => queryMetrics(store, input, clock.now()),
    'metrics.listSeries': (input) => store.listSeries(input.entity),
    'metrics.storeState': () => store.writerState(),
  };

  let disposed = false;
  return {
    handlers,
    events,
    audit,
    store,
    connections,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await connections.dispose();
      offSecretsLost?.();
      secrets.dispose?.();
      store.close();
      config.close();
      audit.close();
    },
  };
}
