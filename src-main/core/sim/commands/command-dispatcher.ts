import type { Document } from '../../bson/bson';
import type { Clock } from '../../ports/clock';
import { type Logger, silentLogger } from '../../ports/logger';
import { dbl, i32 } from '../documents/bson-values';
import { clusterTimeFields } from '../documents/server-status.generator';
import type { FaultController } from '../faults/fault-controller';
import type { SimNode } from '../node/sim-node';
import { type Authorizer, type CommandSpec, type CommandTable, type SimSession, SimCommandError, openAuthorizer } from './command-table';

export interface DispatchRequest {
  session: SimSession;
  body: Document;
  db: string;
  legacy: boolean;
  signal: AbortSignal;
}

export type DispatchResult =
  | { kind: 'reply'; doc: Document; spec: CommandSpec | undefined }
  | { kind: 'garbage'; bytes: Uint8Array };

const OP_QUERY_REMOVED =
  'The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal';

/**
 * Runs one command the way mongod does around its handler: lookup in the table, the OP_QUERY and
 * authorization gates, faults, accounting, the error envelope, and the cluster-time gossip of set
 * members. Transport-agnostic: the wire server hands it decoded commands.
 */
export class CommandDispatcher {
  constructor(
    private readonly node: SimNode,
    private readonly table: CommandTable,
    private readonly faults: FaultController,
    private readonly clock: Clock,
    private readonly authorizer: Authorizer = openAuthorizer,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** Rejects only with `signal`'s reason (the connection went away); every other failure is a reply. */
  async dispatch(req: DispatchRequest): Promise<DispatchResult> {
    const name = Object.keys(req.body)[0] ?? '';
    const spec = this.table.lookup(name);
    const plan = this.faults.plan(spec === undefined ? [name] : [name, spec.name, ...(spec.group === undefined ? [] : [spec.group])]);
    this.node.commandStarted();
    try {
      if (plan.hold !== undefined || plan.delayMs > 0) {
        const expired = await this.waitOut(plan.hold, plan.delayMs, plan.honorMaxTimeMS ? maxTimeMS(req.body) : undefined, req.signal);
        if (expired) {
          this.node.recordCommand(spec?.name ?? name, spec !== undefined, false);
          return { kind: 'reply', doc: this.withGossip(errorReply(new SimCommandError('MaxTimeMSExpired', 'operation exceeded time limit'))), spec };
        }
      }
      if (plan.garbage !== undefined) return { kind: 'garbage', bytes: plan.garbage };
      if (plan.failure !== undefined) {
        this.node.recordCommand(spec?.name ?? name, spec !== undefined, false);
        const f = plan.failure;
        const doc: Document = { ok: dbl(0), errmsg: f.errmsg ?? `simulated ${f.codeName}`, code: i32(f.code), codeName: f.codeName };
        if (f.errorLabels !== undefined) doc.errorLabels = [...f.errorLabels];
        return { kind: 'reply', doc: this.withGossip(doc), spec };
      }
      const doc = await this.run(name, spec, req);
      this.node.recordCommand(spec?.name ?? name, spec !== undefined, isOk(doc));
      return { kind: 'reply', doc: this.withGossip(doc), spec };
    } finally {
      this.node.commandFinished();
    }
  }

  /** Sit out a hold and/or delay; true when maxTimeMS ran out first (the abandoned wait is cancelled). */
  private async waitOut(hold: Promise<void> | undefined, delayMs: number, limitMs: number | undefined, signal: AbortSignal): Promise<boolean> {
    const cancel = new AbortController();
    const onAbort = () => cancel.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const wait = (async () => {
      if (hold !== undefined) await untilAborted(hold, cancel.signal);
      if (delayMs > 0) await this.clock.sleep(delayMs, cancel.signal);
    })();
    try {
      if (limitMs === undefined) {
        await wait;
        return false;
      }
      const timer = this.clock.sleep(limitMs, cancel.signal).then(() => 'expired' as const);
      const outcome = await Promise.race([wait.then(() => 'done' as const), timer]);
      if (outcome === 'expired') wait.catch(() => {});
      else timer.catch(() => {});
      return outcome === 'expired';
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Cancels whichever of the wait and the maxTimeMS timer is still pending.
      if (!cancel.signal.aborted) cancel.abort(new Error('settled'));
    }
  }

  private withGossip(doc: Document): Document {
    const gossip = clusterTimeFields(this.node);
    return gossip === undefined ? doc : { ...doc, ...gossip };
  }

  private async run(name: string, spec: CommandSpec | undefined, req: DispatchRequest): Promise<Document> {
    try {
      if (spec === undefined) throw new SimCommandError('CommandNotFound', `no such command: '${name}'`);
      if (req.legacy && spec.allowedOverOpQuery !== true) {
        throw new SimCommandError('UnsupportedOpQueryCommand', `Unsupported OP_QUERY command: ${name}. ${OP_QUERY_REMOVED}`);
      }
      const denied = this.authorizer.check(spec, req.session);
      if (denied !== undefined) throw denied;
      return await spec.run({ node: this.node, session: req.session, body: req.body, name, db: req.db, signal: req.signal, legacy: req.legacy });
    } catch (e) {
      if (req.signal.aborted) throw req.signal.reason;
      if (e instanceof SimCommandError) return errorReply(e);
      // A handler bug must not take the connection (or the process) down: answer like mongod would.
      this.logger.error('simulator command failed', { command: name, error: e instanceof Error ? e.message : String(e) });
      return errorReply(new SimCommandError('InternalError', `simulator: ${name} failed: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
}

export function errorReply(e: SimCommandError): Document {
  return { ok: dbl(0), errmsg: e.message, code: i32(e.code), codeName: e.codeName };
}

function maxTimeMS(body: Document): number | undefined {
  const raw = body.maxTimeMS as unknown;
  const v = typeof raw === 'object' && raw !== null ? Number((raw as { valueOf(): unknown }).valueOf()) : Number(raw);
  // maxTimeMS: 0 means "no limit" on a real server.
  return raw !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

function isOk(doc: Document): boolean {
  const ok = doc.ok as unknown;
  const v = typeof ok === 'object' && ok !== null ? (ok as { valueOf(): unknown }).valueOf() : ok;
  return v === 1 || v === true;
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
