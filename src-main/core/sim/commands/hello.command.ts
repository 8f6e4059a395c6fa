import { type Document, ObjectId, Timestamp } from '../../bson/bson';
import type { SimNode } from '../node/sim-node';
import { dbl, i32, i64 } from '../documents/bson-values';
import { type CommandContext, type CommandSpec, SimCommandError } from './command-table';

/**
 * hello / isMaster / ismaster, including the awaitable form: a request carrying the topologyVersion
 * the server last reported, plus maxAwaitTimeMS, is held until the topology changes or the time runs
 * out (SDAM "streaming protocol"). With exhaustAllowed the wire server keeps streaming replies.
 */

const MAX_AWAIT_LIMIT_MS = 24 * 60 * 60 * 1000;

async function runHello(ctx: CommandContext, legacyName: boolean): Promise<Document> {
  const { node, session, body } = ctx;
  if (body.client !== undefined && session.hellos > 0) {
    throw new SimCommandError('ClientMetadataCannotBeMutated', 'The client metadata document may only be sent in the first hello');
  }
  if (body.client !== undefined) session.clientMetadata = body.client as Document;
  session.hellos += 1;

  const awaitable = parseAwaitable(body);
  if (awaitable !== undefined && node.awaitableHello) {
    const tv = node.topologyVersion();
    // A client that has seen this exact topology waits; one that is behind (or saw another process) is answered now.
    if (awaitable.processId.equals(tv.processId) && awaitable.counter === tv.counter) {
      await node.waitForTopologyChange(awaitable.maxAwaitTimeMS, ctx.signal);
    }
  }
  return helloReply(node, session.connectionId, legacyName, body.helloOk === true);
}

export function helloReply(node: SimNode, connectionId: number, legacyName: boolean, helloOk: boolean): Document {
  const rs = node.memberState();
  const writable = rs === null ? true : rs.isPrimary;
  const doc: Document = {};
  if (node.awaitableHello) {
    const tv = node.topologyVersion();
    doc.topologyVersion = { processId: tv.processId, counter: i64(tv.counter) };
  }
  if (rs !== null) {
    doc.hosts = [...rs.hosts];
    doc.setName = rs.setName;
    doc.setVersion = i32(rs.setVersion);
  }
  doc[legacyName ? 'ismaster' : 'isWritablePrimary'] = writable;
  if (rs !== null) {
    doc.secondary = rs.isSecondary;
    if (rs.primary !== undefined) doc.primary = rs.primary;
    doc.me = rs.me;
    if (rs.electionId !== undefined) doc.electionId = rs.electionId;
    // A lagging secondary's last write is behind the primary's by its lag.
    const secs = Math.floor((node.clock.now() - (rs.lagMs ?? 0)) / 1000);
    const opTime = { ts: new Timestamp({ t: secs, i: 1 }), t: i64(rs.term) };
    doc.lastWrite = { opTime, lastWriteDate: new Date(secs * 1000), majorityOpTime: opTime, majorityWriteDate: new Date(secs * 1000) };
  }
  if (helloOk) doc.helloOk = true;
  doc.maxBsonObjectSize = i32(16 * 1024 * 1024);
  doc.maxMessageSizeBytes = i32(48_000_000);
  doc.maxWriteBatchSize = i32(100_000);
  doc.localTime = new Date(node.clock.now());
  doc.logicalSessionTimeoutMinutes = i32(30);
  doc.connectionId = i32(connectionId);
  doc.minWireVersion = i32(0);
  doc.maxWireVersion = i32(node.profile.maxWireVersion);
  doc.readOnly = false;
  doc.ok = dbl(1);
  return doc;
}

interface Awaitable {
  processId: ObjectId;
  counter: number;
  maxAwaitTimeMS: number;
}

function parseAwaitable(body: Document): Awaitable | undefined {
  const tv = body.topologyVersion as unknown;
  const wait = body.maxAwaitTimeMS as unknown;
  if (tv === undefined && wait === undefined) return undefined;
  if (tv === undefined || wait === undefined) {
    throw new SimCommandError('BadValue', "A request with a 'topologyVersion' must include 'maxAwaitTimeMS' and vice versa");
  }
  const maxAwaitTimeMS = toNumber(wait);
  if (maxAwaitTimeMS === undefined || !Number.isInteger(maxAwaitTimeMS) || maxAwaitTimeMS < 0 || maxAwaitTimeMS > MAX_AWAIT_LIMIT_MS) {
    throw new SimCommandError('BadValue', 'maxAwaitTimeMS must be a non-negative integer');
  }
  if (typeof tv !== 'object' || tv === null) throw new SimCommandError('TypeMismatch', 'topologyVersion must be an object');
  const { processId, counter } = tv as { processId?: unknown; counter?: unknown };
  const n = toNumber(counter);
  if (!(processId instanceof ObjectId) || n === undefined || n < 0) {
    throw new SimCommandError('TypeMismatch', 'topologyVersion must have an ObjectId processId and a non-negative counter');
  }
  return { processId, counter: n, maxAwaitTimeMS };
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && v !== null && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  if (typeof v === 'object' && v !== null && typeof (v as { valueOf?: unknown }).valueOf === 'function') {
    const x = (v as { valueOf(): unknown }).valueOf();
    return typeof x === 'number' ? x : undefined;
  }
  return undefined;
}

const exhaust: CommandSpec['exhaust'] = {
  supports: (body, node) => node.awaitableHello && body.topologyVersion !== undefined && body.maxAwaitTimeMS !== undefined,
  // The server re-runs the request with the topologyVersion it just sent, as the client would have.
  next: (body, reply) => {
    const { client: _client, ...rest } = body;
    return { ...rest, topologyVersion: reply.topologyVersion };
  },
};

export const helloCommand: CommandSpec = {
  name: 'hello',
  group: 'hello',
  requiresAuth: false,
  allowedOverOpQuery: true,
  exhaust,
  run: (ctx) => runHello(ctx, false),
};

/** Separate from hello as on the server (metrics.commands counts them apart); `ismaster` is its alias. */
export const isMasterCommand: CommandSpec = {
  name: 'isMaster',
  aliases: ['ismaster'],
  group: 'hello',
  requiresAuth: false,
  allowedOverOpQuery: true,
  exhaust,
  run: (ctx) => runHello(ctx, true),
};
