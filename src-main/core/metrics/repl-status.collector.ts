import type { Document } from 'mongodb';
import type { ReplicaMember, ReplicationSnapshot } from '../../../src-shared/contract';
import type { NodeId } from '../../../src-shared/domain/identity';
import { type CollectContext, type Collected, type Collector, dateMs, isDoc, toNumber } from './collector';

/**
 * replSetGetStatus: the member's own state and term (elections show as term changes), how far its
 * optime is behind the primary's (optimeDate, as rs.printSecondaryReplicationInfo computes it), how
 * many members are down, and the whole set as last seen (for the replication view).
 */
export const REPL = {
  myState: 'replSetGetStatus.myState',
  term: 'replSetGetStatus.term',
  lagMs: 'replSetGetStatus.lagMs',
  membersDown: 'replSetGetStatus.membersDown',
} as const;

export function parseReplStatus(nodeId: NodeId, reply: Document, at: number): ReplicationSnapshot | null {
  const set = typeof reply.set === 'string' ? reply.set : null;
  const myState = toNumber(reply.myState);
  if (set === null || myState === undefined || !Array.isArray(reply.members)) return null;
  const raw = (reply.members as unknown[]).filter(isDoc);
  const primary = raw.find((m) => toNumber(m.state) === 1);
  const primaryOptime = primary ? dateMs(primary.optimeDate) : undefined;
  const members: ReplicaMember[] = raw.map((m) => {
    const state = toNumber(m.state) ?? -1;
    const optimeMs = dateMs(m.optimeDate) ?? null;
    const lagMs = state === 2 && optimeMs !== null && primaryOptime !== undefined ? Math.max(0, primaryOptime - optimeMs) : null;
    return {
      name: typeof m.name === 'string' ? m.name : '?',
      state,
      stateStr: typeof m.stateStr === 'string' ? m.stateStr : String(state),
      health: toNumber(m.health) ?? 0,
      self: m.self === true,
      optimeMs,
      lagMs,
      syncSource: typeof m.syncSourceHost === 'string' && m.syncSourceHost !== '' ? m.syncSourceHost : null,
    };
  });
  return { nodeId, at, set, term: toNumber(reply.term) ?? 0, myState, members, oplogWindowSecs: null };
}

export class ReplStatusCollector implements Collector {
  readonly source = 'replSetGetStatus' as const;
  readonly feature = 'replSetGetStatus' as const;
  last: ReplicationSnapshot | null = null;

  constructor(private readonly nodeId: NodeId) {}

  async collect(ctx: CollectContext): Promise<Collected> {
    const reply = await ctx.client.command({ replSetGetStatus: 1 }, { deadlineMs: ctx.deadlineMs, signal: ctx.signal });
    const snap = parseReplStatus(this.nodeId, reply, ctx.now());
    const values: Record<string, number> = {};
    const unavailable: Record<string, string> = {};
    if (!snap) {
      for (const id of Object.values(REPL)) unavailable[id] = `replSetGetStatus did not describe a replica set on ${ctx.serverLabel}`;
      return { values, unavailable };
    }
    this.last = { ...snap, oplogWindowSecs: this.last?.oplogWindowSecs ?? null };
    values[REPL.myState] = snap.myState;
    values[REPL.term] = snap.term;
    values[REPL.membersDown] = snap.members.filter((m) => m.health === 0).length;
    const self = snap.members.find((m) => m.self);
    // Only a secondary has a lag; the primary's own line stays empty rather than a made-up zero.
    if (self?.lagMs !== null && self?.lagMs !== undefined) values[REPL.lagMs] = self.lagMs;
    return { values, unavailable };
  }
}
