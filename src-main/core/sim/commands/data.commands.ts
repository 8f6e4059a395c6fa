import { type Document, Long, Timestamp } from '../../bson/bson';
import { dbl, i32, i64 } from '../documents/bson-values';
import { prettyHostName } from '../documents/server-status.generator';
import type { OplogDescriber } from '../node/replica-set-model';
import type { SimCollection } from '../node/data-catalog';
import type { SimNode } from '../node/sim-node';
import { type CommandContext, type CommandSpec, SimCommandError } from './command-table';

/**
 * What a monitoring user reads about data, in the shapes of MongoDB 7.0: listDatabases,
 * listCollections, dbStats, top, `$collStats` (through aggregate) and the oplog bounds query (find on
 * local.oplog.rs with a `ts` projection, sorted by $natural, limit 1). Anything else of find and
 * aggregate is refused: the simulator holds no documents, only their statistics.
 */

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { valueOf?: unknown }).valueOf === 'function') {
    const x = (v as { valueOf(): unknown }).valueOf();
    return typeof x === 'number' ? x : typeof x === 'bigint' ? Number(x) : undefined;
  }
  return typeof v === 'bigint' ? Number(v) : undefined;
};

/** Int32 when it fits, else Double: how mongosh-era captures show unscaled sizes. */
const intOrDouble = (n: number) => (Number.isInteger(n) && Math.abs(n) <= 0x7fff_ffff ? i32(n) : dbl(n));

const cursorReply = (ns: string, firstBatch: Document[]): Document => ({ cursor: { firstBatch, id: Long.fromNumber(0), ns }, ok: dbl(1) });

function dbSizes(node: SimNode, colls: readonly SimCollection[]) {
  let objects = 0;
  let dataSize = 0;
  let storageSize = 0;
  let indexes = 0;
  let indexSize = 0;
  for (const c of colls) {
    const s = node.data.sizes(c);
    objects += s.count;
    dataSize += s.size;
    storageSize += s.storageSize;
    indexes += c.indexes.length;
    indexSize += s.totalIndexSize;
  }
  return { objects, dataSize, storageSize, indexes, indexSize };
}

export const listDatabasesCommand: CommandSpec = {
  name: 'listDatabases',
  requiresAuth: true,
  run: ({ node, body }) => {
    const nameOnly = body.nameOnly === true;
    let total = 0;
    const databases = node.data.databases().map((d) => {
      const s = dbSizes(node, d.collections);
      const onDisk = s.storageSize + s.indexSize;
      total += onDisk;
      return nameOnly ? { name: d.name } : { name: d.name, sizeOnDisk: i64(onDisk), empty: false };
    });
    return nameOnly ? { databases, ok: dbl(1) } : { databases, totalSize: i64(total), totalSizeMb: i64(Math.floor(total / 1048576)), ok: dbl(1) };
  },
};

export const listCollectionsCommand: CommandSpec = {
  name: 'listCollections',
  requiresAuth: true,
  run: ({ node, body, db }) => {
    const d = node.data.databases().find((x) => x.name === db);
    const filter = body.filter as Document | undefined;
    const only = typeof filter?.name === 'string' ? filter.name : undefined;
    const nameOnly = body.nameOnly === true;
    const batch = (d?.collections ?? [])
      .filter((c) => only === undefined || c.name === only)
      .map((c) => (nameOnly ? { name: c.name, type: 'collection' } : { name: c.name, type: 'collection', options: {}, info: { readOnly: false }, idIndex: { v: i32(2), key: { _id: i32(1) }, name: '_id_' } }));
    return cursorReply(`${db}.$cmd.listCollections`, batch);
  },
};

export const dbStatsCommand: CommandSpec = {
  name: 'dbStats',
  aliases: ['dbstats'],
  requiresAuth: true,
  run: ({ node, body, db }) => {
    const scale = num(body.scale) ?? 1;
    if (!(scale >= 1)) throw new SimCommandError('BadValue', 'Scale factor must be greater than zero');
    const d = node.data.databases().find((x) => x.name === db);
    const s = dbSizes(node, d?.collections ?? []);
    const sc = (n: number) => dbl(n / scale);
    return {
      db,
      collections: i64(d?.collections.length ?? 0),
      views: i64(0),
      objects: i64(s.objects),
      avgObjSize: dbl(s.objects > 0 ? s.dataSize / s.objects : 0),
      dataSize: sc(s.dataSize),
      storageSize: sc(s.storageSize),
      indexes: i64(s.indexes),
      indexSize: sc(s.indexSize),
      totalSize: sc(s.storageSize + s.indexSize),
      scaleFactor: i64(scale),
      fsUsedSize: sc(node.host.memSizeMB * 1048576 * 3),
      fsTotalSize: sc(node.host.memSizeMB * 1048576 * 16),
      ok: dbl(1),
    };
  },
};

/** A collection's part of the node's counters: the share of a monotonic counter is monotonic too. */
function share(node: SimNode, counter: string, s: number): number {
  return Math.floor(node.counter(counter) * s);
}

function topEntry(node: SimNode, c: SimCollection): Document {
  const pair = (time: number, count: number) => ({ time: i64(time), count: i64(count) });
  const rt = share(node, 'opLatencies.reads.latency', c.readShare);
  const rc = share(node, 'opLatencies.reads.ops', c.readShare);
  const wt = share(node, 'opLatencies.writes.latency', c.writeShare);
  const wc = share(node, 'opLatencies.writes.ops', c.writeShare);
  const q = share(node, 'opcounters.query', c.readShare);
  const gm = share(node, 'opcounters.getmore', c.readShare);
  const ins = share(node, 'opcounters.insert', c.writeShare) + share(node, 'opcountersRepl.insert', c.writeShare);
  const upd = share(node, 'opcounters.update', c.writeShare) + share(node, 'opcountersRepl.update', c.writeShare);
  const rem = share(node, 'opcounters.delete', c.writeShare) + share(node, 'opcountersRepl.delete', c.writeShare);
  return {
    total: pair(rt + wt, rc + wc),
    readLock: pair(rt, rc),
    writeLock: pair(wt, wc),
    queries: pair(Math.floor(rt * 0.85), q),
    getmore: pair(Math.floor(rt * 0.15), gm),
    insert: pair(Math.floor(wt * 0.5), ins),
    update: pair(Math.floor(wt * 0.4), upd),
    remove: pair(Math.floor(wt * 0.1), rem),
    commands: pair(0, 0),
  };
}

export const topCommand: CommandSpec = {
  name: 'top',
  requiresAuth: true,
  run: ({ node, db }) => {
    if (db !== 'admin') throw new SimCommandError('Unauthorized', 'top may only be run against the admin database.');
    const totals: Document = { note: 'all times in microseconds' };
    for (const c of node.data.collections()) totals[c.ns] = topEntry(node, c);
    return { totals, ok: dbl(1) };
  },
};

function collStatsDoc(ctx: CommandContext, c: SimCollection, spec: Document): Document {
  const { node } = ctx;
  const out: Document = { ns: c.ns, host: prettyHostName(node), localTime: new Date(node.clock.now()) };
  if (spec.latencyStats !== undefined) {
    const hist = (k: string, s: number) => ({
      latency: i64(share(node, `opLatencies.${k}.latency`, s)),
      ops: i64(share(node, `opLatencies.${k}.ops`, s)),
      queryableEncryptionLatencyMicros: i64(0),
    });
    out.latencyStats = { reads: hist('reads', c.readShare), writes: hist('writes', c.writeShare), commands: hist('commands', 0), transactions: hist('transactions', 0) };
  }
  const st = node.data.sizes(c);
  if (spec.storageStats !== undefined) {
    const scale = num((spec.storageStats as Document | null)?.scale) ?? 1;
    const sc = (n: number) => dbl(n / scale);
    const indexSizes: Document = {};
    for (const [k, v] of Object.entries(st.indexSizes)) indexSizes[k] = sc(v);
    out.storageStats = {
      size: intOrDouble(Math.floor(st.size / scale)),
      count: intOrDouble(st.count),
      avgObjSize: intOrDouble(c.avgObjSize),
      numOrphanDocs: i32(0),
      storageSize: sc(st.storageSize),
      capped: false,
      nindexes: i32(c.indexes.length),
      totalIndexSize: sc(st.totalIndexSize),
      totalSize: sc(st.storageSize + st.totalIndexSize),
      indexSizes,
      scaleFactor: intOrDouble(scale),
    };
  }
  if (spec.count !== undefined) out.count = { count: intOrDouble(st.count) };
  return out;
}

export const aggregateCommand: CommandSpec = {
  name: 'aggregate',
  requiresAuth: true,
  run: (ctx) => {
    const { body, db, node } = ctx;
    const pipeline = body.pipeline as unknown;
    const first = Array.isArray(pipeline) ? (pipeline[0] as Document | undefined) : undefined;
    const spec = first?.$collStats as Document | undefined;
    if (typeof spec !== 'object' || spec === null || (pipeline as unknown[]).length !== 1) {
      throw new SimCommandError('BadValue', 'the simulator answers only a single-stage $collStats pipeline');
    }
    const ns = `${db}.${String(body.aggregate)}`;
    const c = node.data.collection(ns);
    if (!c) {
      if (spec.storageStats !== undefined) throw new SimCommandError('NamespaceNotFound', `Unable to retrieve storageStats in $collStats stage :: caused by :: Collection [${ns}] not found.`);
      return cursorReply(ns, []);
    }
    return cursorReply(ns, [collStatsDoc(ctx, c, spec)]);
  },
};

const BOUNDS_ONLY =
  'the simulator answers only the oplog bounds query: find local.oplog.rs with projection {ts: 1, _id: 0}, sort {$natural: 1 or -1}, limit 1';

/** Baleen reads the oplog's first and last `ts` and never its contents (REL-M9): only that shape is answered. */
export const findCommand: CommandSpec = {
  name: 'find',
  requiresAuth: true,
  run: ({ node, body, db }) => {
    if (db !== 'local' || body.find !== 'oplog.rs') throw new SimCommandError('BadValue', BOUNDS_ONLY);
    const projection = (body.projection ?? {}) as Document;
    const keys = Object.keys(projection);
    const tsOnly = num(projection.ts) === 1 && keys.every((k) => k === 'ts' || (k === '_id' && num(projection._id) === 0));
    const direction = num((body.sort as Document | undefined)?.$natural);
    const limit = num(body.limit);
    if (!tsOnly || (direction !== 1 && direction !== -1) || limit !== 1 || (body.filter !== undefined && Object.keys(body.filter as Document).length > 0)) {
      throw new SimCommandError('BadValue', BOUNDS_ONLY);
    }
    const topo = node.topology as Partial<OplogDescriber>;
    const bounds = typeof topo.oplogBounds === 'function' ? topo.oplogBounds(node.me, node.clock.now()) : null;
    // A standalone has no oplog: the collection does not exist, which a find answers with no documents.
    if (!bounds) return cursorReply('local.oplog.rs', []);
    const ms = direction === 1 ? bounds.first : bounds.last;
    return cursorReply('local.oplog.rs', [{ ts: new Timestamp({ t: Math.floor(ms / 1000), i: 1 }) }]);
  },
};

export const replSetStepDownCommand: CommandSpec = {
  name: 'replSetStepDown',
  requiresAuth: true,
  run: ({ node }) => {
    const rs = node.memberState();
    if (rs === null) throw new SimCommandError('NoReplicationEnabled', 'not running with --replSet');
    if (!rs.isPrimary) throw new SimCommandError('NotWritablePrimary', 'not primary so can\'t step down');
    const topo = node.topology as { stepDown?: () => string };
    if (typeof topo.stepDown !== 'function') throw new SimCommandError('IllegalOperation', 'this simulated set cannot hold elections');
    topo.stepDown();
    return { ok: dbl(1) };
  },
};
