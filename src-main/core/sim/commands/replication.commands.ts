import { type Document, Timestamp } from '../../bson/bson';
import { dbl, i32, i64 } from '../documents/bson-values';
import type { ReplicationDescriber } from '../node/replica-set-model';
import type { SimNode } from '../node/sim-node';
import type { CommandSpec } from './command-table';

/**
 * replSetGetStatus and replSetGetConfig. A topology that can describe its whole set (ReplicaSetModel)
 * answers in full; any other set is described from its member's own view (all members up, the
 * primary as hello names it); a standalone answers NoReplicationEnabled (76) like mongod.
 */
const notReplicating = (): Document => ({ ok: dbl(0), errmsg: 'not running with --replSet', code: i32(76), codeName: 'NoReplicationEnabled' });

function isDescriber(t: unknown): t is ReplicationDescriber {
  return typeof (t as { describeReplicaSet?: unknown }).describeReplicaSet === 'function';
}

function describe(node: SimNode): { status: Document; config: Document } | null {
  const topo = node.topology;
  if (isDescriber(topo)) return topo.describeReplicaSet(node.me, node.clock.now());
  const rs = node.memberState();
  if (rs === null) return null;
  const secs = Math.floor(node.clock.now() / 1000);
  const optime = { ts: new Timestamp({ t: secs, i: 1 }), t: i64(rs.term) };
  const members = rs.hosts.map((h, i) => {
    const primary = h === rs.primary;
    const doc: Document = { _id: i32(i), name: h, health: dbl(1), state: i32(primary ? 1 : 2), stateStr: primary ? 'PRIMARY' : 'SECONDARY', uptime: i32(3600), optime, optimeDate: new Date(secs * 1000) };
    doc.configVersion = i32(rs.setVersion);
    if (h === rs.me) doc.self = true;
    return doc;
  });
  return {
    status: { set: rs.setName, date: new Date(node.clock.now()), myState: i32(rs.isPrimary ? 1 : 2), term: i64(rs.term), members, ok: dbl(1) },
    config: {
      config: {
        _id: rs.setName,
        version: i32(rs.setVersion),
        term: i32(rs.term),
        members: rs.hosts.map((h, i) => ({ _id: i32(i), host: h, arbiterOnly: false, buildIndexes: true, hidden: false, priority: dbl(1), tags: {}, secondaryDelaySecs: i64(0), votes: i32(1) })),
        protocolVersion: i64(1),
      },
      ok: dbl(1),
    },
  };
}

export const replSetGetStatusCommand: CommandSpec = {
  name: 'replSetGetStatus',
  requiresAuth: true,
  run: (ctx) => describe(ctx.node)?.status ?? notReplicating(),
};

export const replSetGetConfigCommand: CommandSpec = {
  name: 'replSetGetConfig',
  requiresAuth: true,
  run: (ctx) => describe(ctx.node)?.config ?? notReplicating(),
};
