import { join } from 'node:path';
import type { MethodName } from '../../../src-shared/contract';
import type { CallContext, Handlers } from '../../rpc';
import type { AuditLog } from '../audit/audit-log';
import type { ConnectionManager } from '../connections/connection-manager';
import type { EventBus } from '../events';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { SqliteDriver } from '../ports/sqlite';
import { ExplainService } from './explain.service';
import { PlanHistoryStore } from './plan-history.store';

export interface ExplainCoreDeps {
  sqlite: SqliteDriver;
  dataDir: string;
  connections: ConnectionManager;
  audit: AuditLog;
  bus: EventBus;
  clock: Clock;
  log: Logger;
}

/** Opens plans.db and the explain service; the core disposes it. */
export function openExplainService(d: ExplainCoreDeps): ExplainService {
  const history = new PlanHistoryStore(d.sqlite, join(d.dataDir, 'plans.db'));
  return new ExplainService({
    connections: d.connections,
    audit: d.audit,
    history,
    clock: d.clock,
    log: d.log,
    onPlanChanged: (c) => d.bus.emit('explain.planChanged', c),
    onIndexBuild: (b) => d.bus.emit('explain.indexBuild', b),
  });
}

type ExplainMethod = Extract<MethodName, `explain.${string}`>;

export function explainHandlers(svc: ExplainService, actorOf: (ctx: CallContext) => string): Pick<Handlers, ExplainMethod> {
  return {
    'explain.parseQuery': (input) => svc.parseQuery(input.query, input.db),
    'explain.run': (input, ctx) => svc.run(input, actorOf(ctx), ctx.signal),
    'explain.import': (input) => svc.importText(input.text, input.name, input.indexes),
    'explain.indexes': (input, ctx) => svc.indexes(input.nodeId, input.namespace, ctx.signal),
    'explain.createIndex': (input, ctx) => svc.createIndex(input, actorOf(ctx), ctx.signal),
    'explain.indexBuild': (input, ctx) => svc.indexBuild(input.buildId, ctx.signal),
    'explain.history': (input) => svc.history(input),
    'explain.changes': (input) => svc.changes(input),
  };
}
