import { type Document, Long } from '../../bson/bson';
import { dbl, i32, i64 } from '../documents/bson-values';
import { prettyHostName } from '../documents/server-status.generator';
import { type CommandContext, type CommandSpec, SimCommandError } from './command-table';
import { currentOpReply } from './current-op.command';
import { explainReply } from './explain.command';
import { type KeyDir, simIndexes } from './indexes-state';

/**
 * Index commands as a 7.0 mongod answers them: listIndexes, createIndexes (which waits for the build,
 * while `$currentOp` shows it with its progress), and `$indexStats`, `$currentOp` and `explain: true`
 * through aggregate — everything else of aggregate goes to the command it wraps.
 */

const isDoc = (v: unknown): v is Document => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
const cursorReply = (ns: string, firstBatch: Document[]): Document => ({ cursor: { firstBatch, id: Long.fromNumber(0), ns }, ok: dbl(1) });

function keyDoc(key: Array<[string, KeyDir]>): Document {
  const d: Document = {};
  for (const [f, dir] of key) d[f] = i32(dir);
  return d;
}

function collOf(body: Document, name: string): string {
  const c = body[name];
  if (typeof c !== 'string' || c === '') throw new SimCommandError('BadValue', `collection name has invalid type ${typeof c}`);
  return c;
}

export const listIndexesCommand: CommandSpec = {
  name: 'listIndexes',
  requiresAuth: true,
  run: ({ node, body, db }) => {
    const coll = collOf(body, 'listIndexes');
    const ns = `${db}.${coll}`;
    const state = simIndexes(node);
    if (!state.exists(ns)) throw new SimCommandError('NamespaceNotFound', `ns does not exist: ${ns}`);
    return cursorReply(ns, state.list(ns).map((i) => ({ v: i32(2), key: keyDoc(i.key), name: i.name, ...(i.unique && i.name !== '_id_' ? { unique: true } : {}) })));
  },
};

/** An index key spec as the client sent it: a document (or Map) of field → 1 | -1. */
function readKey(v: unknown): Array<[string, KeyDir]> {
  const entries: Array<[string, unknown]> = v instanceof Map ? [...(v as Map<string, unknown>).entries()] : isDoc(v) ? Object.entries(v) : [];
  if (entries.length === 0) throw new SimCommandError('BadValue', 'Index keys cannot be an empty field.');
  return entries.map(([f, d]) => {
    const n = typeof d === 'number' ? d : d && typeof (d as { valueOf(): unknown }).valueOf() === 'number' ? (d as { valueOf(): number }).valueOf() : NaN;
    if (n !== 1 && n !== -1) throw new SimCommandError('BadValue', `Values in the index key pattern can contain only 1 or -1 in the simulator (field ${f})`);
    return [f, n as KeyDir];
  });
}

export const createIndexesCommand: CommandSpec = {
  name: 'createIndexes',
  requiresAuth: true,
  run: async ({ node, body, db, session }) => {
    const coll = collOf(body, 'createIndexes');
    if (session.principal && !session.principal.roles.some((r) => ['root', 'readWriteAnyDatabase', 'dbAdminAnyDatabase'].includes(r.role) || (['readWrite', 'dbAdmin', 'dbOwner'].includes(r.role) && r.db === db))) {
      throw new SimCommandError('Unauthorized', `not authorized on ${db} to execute command { createIndexes: "${coll}" }`);
    }
    const rs = node.memberState();
    if (rs !== null && !rs.isPrimary) throw new SimCommandError('NotWritablePrimary', 'not primary');
    if (!Array.isArray(body.indexes) || body.indexes.length === 0) throw new SimCommandError('BadValue', 'Must specify at least one index to create');
    const specs = (body.indexes as unknown[]).map((s) => {
      if (!isDoc(s) || typeof s.name !== 'string' || s.name === '') throw new SimCommandError('BadValue', 'index specification must have a name');
      return { key: readKey(s.key), name: s.name, unique: s.unique === true };
    });
    const ns = `${db}.${coll}`;
    const state = simIndexes(node);
    const before = state.list(ns);
    const existedBefore = state.exists(ns);
    const fresh = specs.filter((s) => {
      const same = before.find((i) => i.name === s.name);
      if (!same) return true;
      if (JSON.stringify(same.key) !== JSON.stringify(s.key)) throw new SimCommandError('BadValue', `An existing index has the same name as the requested index. Requested index: ${s.name}`);
      return false;
    });
    const numBefore = Math.max(1, before.length);
    if (fresh.length === 0) return { numIndexesBefore: i32(numBefore), numIndexesAfter: i32(numBefore), note: 'all indexes already exist', ok: dbl(1) };
    const build = state.startBuild(db, coll, fresh);
    await build.finished;
    return { numIndexesBefore: i32(numBefore), numIndexesAfter: i32(numBefore + fresh.length), createdCollectionAutomatically: !existedBefore, ok: dbl(1) };
  },
};

function indexStatsDocs(ctx: CommandContext, ns: string): Document[] {
  const { node } = ctx;
  const state = simIndexes(node);
  return state.list(ns).map((i) => ({
    name: i.name,
    key: keyDoc(i.key),
    host: prettyHostName(node),
    accesses: { ops: i64(i.accesses), since: new Date(i.since) },
    spec: { v: i32(2), key: keyDoc(i.key), name: i.name, ...(i.unique && i.name !== '_id_' ? { unique: true } : {}) },
  }));
}

/** aggregate with `$indexStats`, `$currentOp` or `explain: true` answered here; any other pipeline goes to `base`. */
export function withIndexPipelines(base: CommandSpec): CommandSpec {
  return {
    ...base,
    run: (ctx) => {
      const { body, db, node } = ctx;
      const pipeline = body.pipeline as unknown;
      const first = Array.isArray(pipeline) ? (pipeline[0] as unknown) : undefined;
      if (body.explain === true && Array.isArray(pipeline)) {
        const { explain: _e, cursor: _c, ...inner } = body;
        return explainReply(node, db, inner, 'queryPlanner');
      }
      if (isDoc(first) && first.$currentOp !== undefined) return currentOpReply(ctx, pipeline as unknown[]);
      if (isDoc(first) && first.$indexStats !== undefined) {
        if ((pipeline as unknown[]).length !== 1) throw new SimCommandError('BadValue', 'the simulator answers $indexStats alone in a pipeline');
        const ns = `${db}.${collOf(body, 'aggregate')}`;
        return cursorReply(ns, indexStatsDocs(ctx, ns));
      }
      return base.run(ctx);
    },
  };
}
