import { join } from 'node:path';
import type { MethodName } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import type { NodeId } from '../../../src-shared/domain/identity';
import type { CallContext, Handlers } from '../../rpc';
import type { AuditLog } from '../audit/audit-log';
import type { ConnectionManager } from '../connections/connection-manager';
import type { EventBus } from '../events';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { SqliteDriver } from '../ports/sqlite';
import type { ConfigStore } from '../store/config.store';
import type { MetricStore } from '../store/metric-store';
import type { ExecSessionSource } from '../tunnels/exec-allowlist';
import { EventStore } from './event.store';
import { connectionAnalysis, countEvents, eventBuckets, getEvent, listOperations, listSessions, searchEvents, sessionDetail, shapeStats, unparsedLines } from './event-queries';
import { incidentDetail, listIncidents } from './incident-detector';
import { LogService } from './log.service';
import { LogRateRanking, MetricStoreRanking, type RankingSource } from './ranking';
import { summarizeWindow } from './window-summary';

/** What the core holds for logs: the event store, the service over it, the ranking sources. */
export interface LogCore {
  store: EventStore;
  service: LogService;
  /** "What happened here?" ranking sources; later sources (host metrics, the profiler) are added here. */
  ranking: RankingSource[];
  dispose(): Promise<void>;
}

export interface LogCoreDeps {
  sqlite: SqliteDriver;
  dataDir: string;
  clock: Clock;
  log: Logger;
  config: Pick<ConfigStore, 'resolveAlias' | 'addAlias'>;
  audit: AuditLog;
  metrics: MetricStore;
  connections: Pick<ConnectionManager, 'runFeature' | 'capabilities'>;
  bus: EventBus;
  /** The SSH session to a node's host, once connections expose their route (null: not through SSH). */
  sshSession?: (nodeId: NodeId) => ExecSessionSource | null;
}

/** Opens events.db and the log service, and resumes the sources that were being followed. */
export function openEventStore(d: LogCoreDeps): LogCore {
  const store = new EventStore(d.sqlite, join(d.dataDir, 'events.db'), {
    clock: d.clock,
    resolveNode: (hostPort) => {
      const ids = d.config.resolveAlias(hostPort);
      return ids.length === 1 ? ids[0]! : null;
    },
    learnAlias: (hostPort, nodeId) => {
      try {
        d.config.addAlias(hostPort, nodeId as NodeId, 'log');
      } catch (e) {
        // An alias is a convenience for later imports; failing to keep one must not fail this one.
        d.log.warn('could not record a log alias', { hostPort, nodeId, error: e instanceof Error ? e.message : String(e) });
      }
    },
  });
  const service = new LogService({
    store,
    audit: d.audit,
    clock: d.clock,
    log: d.log,
    getLog: (nodeId, name, signal) => d.connections.runFeature(nodeId, 'getLog', (client) => client.command({ getLog: name }, { deadlineMs: 10_000, signal }), signal),
    requireNode: (nodeId) => void d.connections.capabilities(nodeId),
    sshSession: d.sshSession ?? (() => null),
    onProgress: (p) => d.bus.emit('logs.progress', p),
    onSource: (s) => d.bus.emit('logs.source', s),
  });
  service.restore();
  const ranking: RankingSource[] = [new MetricStoreRanking(d.metrics, () => d.clock.now()), new LogRateRanking(store)];
  return {
    store,
    service,
    ranking,
    async dispose() {
      await service.dispose();
      store.close();
    },
  };
}

type LogMethod = Extract<MethodName, `logs.${string}` | `events.${string}`>;

export function logHandlers(logs: LogCore, actorOf: (ctx: CallContext) => string): Pick<Handlers, LogMethod> {
  const s = logs.store;
  const svc = logs.service;
  return {
    'logs.import': (input, ctx) => svc.importPaths(input, actorOf(ctx), ctx.signal),
    'logs.followRemote': (input, ctx) => svc.followRemote(input, actorOf(ctx)),
    'logs.pollGetLog': (input, ctx) => svc.pollGetLog(input, actorOf(ctx)),
    'logs.pollNow': (input, ctx) => svc.pollNow(input.sourceId, ctx.signal),
    'logs.stopSource': (input, ctx) => svc.stopSource(input.sourceId, actorOf(ctx)),
    'logs.deleteSource': (input, ctx) => svc.deleteSource(input.sourceId, actorOf(ctx), ctx.signal),
    'logs.sources': () => s.sources().map((r) => r.info),
    'logs.nodes': () => {
      const counts = new Map(s.db.prepare<[], { node_ix: number; n: number }>('SELECT node_ix, sum(n) AS n FROM buckets GROUP BY node_ix').all().map((r) => [r.node_ix, r.n]));
      return s.nodes().map((n) => ({ name: n.name, nodeId: n.nodeId as NodeId | null, label: labelOf(n.name), events: counts.get(n.ix) ?? 0 }));
    },
    'logs.search': (input) => searchEvents(s, input),
    'logs.event': (input) => getEvent(s, input.id),
    'logs.count': (input) => countEvents(s, input.filter),
    'logs.buckets': (input) => eventBuckets(s, input),
    'logs.unparsed': (input) => unparsedLines(s, input),
    'logs.shapes': (input) => shapeStats(s, input),
    'logs.operations': (input) => listOperations(s, input),
    'logs.connections': (input) => connectionAnalysis(s, input),
    'logs.sessions': (input) => listSessions(s, input),
    'logs.session': (input) => sessionDetail(s, input.id),
    'events.incidents': (input) => listIncidents(s, input),
    'events.incident': (input) => incidentDetail(s, input.id),
    'events.window': (input, ctx) => {
      if (input.to - input.from > 366 * 86_400_000) throw new BaleenError('E_INVALID_INPUT', 'The window is longer than a year; brush a shorter one.');
      return summarizeWindow(s, logs.ranking, input, ctx.signal);
    },
  };
}

function labelOf(name: string): string {
  if (name.startsWith('log:') || name.startsWith('file:')) return name.slice(name.indexOf(':') + 1);
  const i = name.indexOf('/');
  return i >= 0 ? name.slice(i + 1) : name;
}
