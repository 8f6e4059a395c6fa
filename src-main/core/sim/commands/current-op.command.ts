import { type Document, Long } from '../../bson/bson';
import { dbl, i32, i64 } from '../documents/bson-values';
import { prettyHostName } from '../documents/server-status.generator';
import type { SimNode } from '../node/sim-node';
import { type CommandContext, type CommandSpec, SimCommandError } from './command-table';
import { simIndexes } from './indexes-state';

/**
 * `$currentOp` (aggregate on admin) and the `currentOp` command, holding the operations the simulator
 * really has in flight: index builds, each as a 7.0 mongod shows its build coordinator
 * (`desc: IndexBuildsCoordinatorMongod-N`, the createIndexes command, `msg` and `progress`).
 * A following `$match` is applied for equality on (dotted) fields; other operators are refused.
 */

const isDoc = (v: unknown): v is Document => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

function inprog(node: SimNode): Document[] {
  return simIndexes(node)
    .running()
    .map((b) => {
      const pct = b.totalDocs > 0 ? Math.floor((100 * b.done) / b.totalDocs) : 0;
      const msg = `Index Build: scanning collection Index Build: scanning collection: ${b.done}/${b.totalDocs} ${pct}%`;
      return {
        type: 'op',
        host: prettyHostName(node),
        desc: `IndexBuildsCoordinatorMongod-${b.opid % 16}`,
        active: true,
        currentOpTime: new Date(node.clock.now()).toISOString(),
        opid: i32(b.opid),
        secs_running: i64(Math.floor(b.elapsedMs / 1000)),
        microsecs_running: i64(b.elapsedMs * 1000),
        op: 'command',
        ns: `${b.db}.${b.coll}`,
        redacted: false,
        command: {
          createIndexes: b.coll,
          indexes: b.indexes.map((i) => ({ v: i32(2), key: Object.fromEntries(i.key.map(([f, d]) => [f, i32(d)])), name: i.name })),
          $db: b.db,
        },
        msg,
        progress: { done: i64(b.done), total: i64(b.totalDocs) },
        numYields: i32(Math.floor(b.done / 1000)),
        waitingForLock: false,
        locks: {},
        lockStats: {},
      };
    });
}

function valueAt(doc: Document, path: string): unknown {
  let v: unknown = doc;
  for (const part of path.split('.')) {
    if (!isDoc(v)) return undefined;
    v = v[part];
  }
  return v;
}

function matches(doc: Document, filter: Document): boolean {
  return Object.entries(filter).every(([k, want]) => {
    if (k.startsWith('$') || (isDoc(want) && Object.keys(want).some((o) => o.startsWith('$')))) {
      throw new SimCommandError('BadValue', 'the simulator applies only equality $match stages after $currentOp');
    }
    const got = valueAt(doc, k);
    return got === want || (typeof got === 'object' && got !== null && String(got) === String(want));
  });
}

export function currentOpReply(ctx: CommandContext, pipeline: unknown[]): Document {
  const { db, body, node } = ctx;
  if (db !== 'admin' || body.aggregate !== 1) throw new SimCommandError('InternalError', '$currentOp must be run against the admin database with {aggregate: 1}');
  let ops = inprog(node);
  for (const st of pipeline.slice(1)) {
    if (!isDoc(st) || !isDoc(st.$match)) throw new SimCommandError('BadValue', 'the simulator applies only $match stages after $currentOp');
    const m = st.$match;
    ops = ops.filter((o) => matches(o, m));
  }
  return { cursor: { firstBatch: ops, id: Long.fromNumber(0), ns: 'admin.$cmd.aggregate' }, ok: dbl(1) };
}

export const currentOpCommand: CommandSpec = {
  name: 'currentOp',
  requiresAuth: true,
  run: ({ node, db }) => {
    if (db !== 'admin') throw new SimCommandError('Unauthorized', 'currentOp may only be run against the admin database.');
    return { inprog: inprog(node), ok: dbl(1) };
  },
};
