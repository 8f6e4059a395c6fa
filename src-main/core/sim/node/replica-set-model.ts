import { type Document, Timestamp } from 'bson';
import { dbl, i32, i64 } from '../documents/bson-values';
import { electionIdFor, type ReplicaSetMemberState, type SimTopology } from './topology';

/**
 * A replica set whose membership can change (members added or removed, each change a new config
 * version), with per-member settings (arbiter, hidden, priority, votes, delay) and health. Several
 * simulators share one model; it answers hello for each and describes the whole set for
 * replSetGetStatus / replSetGetConfig (replication.commands.ts).
 */
export interface SimMemberConfig {
  host: string;
  arbiterOnly?: boolean;
  hidden?: boolean;
  priority?: number;
  votes?: number;
  secondaryDelaySecs?: number;
}

export interface ReplicaSetModelOptions {
  setName: string;
  members: readonly (string | SimMemberConfig)[];
  /** Defaults to the first electable member; null for a set with no primary. */
  primary?: string | null;
  setVersion?: number;
}

/** What replSetGetStatus / replSetGetConfig need from a topology. */
export interface ReplicationDescriber {
  describeReplicaSet(me: string, now: number): { status: Document; config: Document } | null;
}

interface Member extends Required<Omit<SimMemberConfig, 'host'>> {
  id: number;
  host: string;
  healthy: boolean;
}

export class ReplicaSetModel implements SimTopology, ReplicationDescriber {
  readonly setName: string;
  private members: Member[] = [];
  private nextId = 0;
  private primaryHost: string | undefined;
  private setVersion: number;
  private term = 1;
  private readonly listeners = new Set<() => void>();

  constructor(opts: ReplicaSetModelOptions) {
    if (opts.setName === '' || /[/\s]/.test(opts.setName)) throw new RangeError(`bad replica set name "${opts.setName}"`);
    if (opts.members.length === 0) throw new RangeError('a replica set needs at least one member');
    this.setName = opts.setName;
    for (const m of opts.members) this.members.push(this.member(typeof m === 'string' ? { host: m } : m));
    const electable = this.members.find((m) => !m.arbiterOnly && !m.hidden && m.priority > 0);
    this.primaryHost = opts.primary === null ? undefined : (opts.primary ?? electable?.host);
    if (this.primaryHost !== undefined && !this.hosts().includes(this.primaryHost)) throw new RangeError(`primary ${this.primaryHost} is not a member`);
    this.setVersion = opts.setVersion ?? 1;
  }

  private member(c: SimMemberConfig): Member {
    if (this.members.some((m) => m.host === c.host)) throw new RangeError(`${c.host} is already a member`);
    return {
      id: this.nextId++,
      host: c.host,
      arbiterOnly: c.arbiterOnly ?? false,
      hidden: c.hidden ?? false,
      priority: c.arbiterOnly || c.hidden ? 0 : (c.priority ?? 1),
      votes: c.votes ?? 1,
      secondaryDelaySecs: c.secondaryDelaySecs ?? 0,
      healthy: true,
    };
  }

  hosts(): string[] {
    return this.members.map((m) => m.host);
  }

  get version(): number {
    return this.setVersion;
  }

  /** hello's `hosts`: data-bearing members that are not hidden (arbiters are listed apart by a real server). */
  private visibleHosts(): string[] {
    return this.members.filter((m) => !m.hidden && !m.arbiterOnly).map((m) => m.host);
  }

  memberState(me: string): ReplicaSetMemberState | null {
    const m = this.members.find((x) => x.host === me);
    if (!m) return null;
    const isPrimary = this.primaryHost === me;
    return {
      setName: this.setName,
      setVersion: this.setVersion,
      hosts: this.visibleHosts(),
      me,
      primary: this.primaryHost,
      isPrimary,
      isSecondary: !isPrimary && !m.arbiterOnly,
      term: this.term,
      electionId: isPrimary ? electionIdFor(this.term) : undefined,
    };
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** rs.add(): a new config version. */
  addMember(c: string | SimMemberConfig): void {
    this.members.push(this.member(typeof c === 'string' ? { host: c } : c));
    this.setVersion += 1;
    this.notify();
  }

  /** rs.remove(): a new config version. */
  removeMember(host: string): void {
    if (host === this.primaryHost) throw new RangeError('step the primary down before removing it');
    const before = this.members.length;
    this.members = this.members.filter((m) => m.host !== host);
    if (this.members.length === before) throw new RangeError(`${host} is not a member`);
    this.setVersion += 1;
    this.notify();
  }

  setPrimary(host: string | null): void {
    if (host !== null && !this.hosts().includes(host)) throw new RangeError(`${host} is not a member of ${this.setName}`);
    if (host !== null) this.term += 1;
    this.primaryHost = host ?? undefined;
    this.notify();
  }

  /** What the other members' heartbeats see: a member that is down shows as DOWN with health 0. */
  setHealthy(host: string, healthy: boolean): void {
    const m = this.members.find((x) => x.host === host);
    if (!m) throw new RangeError(`${host} is not a member`);
    m.healthy = healthy;
  }

  describeReplicaSet(me: string, now: number): { status: Document; config: Document } | null {
    const self = this.members.find((m) => m.host === me);
    if (!self) return null;
    const secs = Math.floor(now / 1000);
    const optime = { ts: new Timestamp({ t: secs, i: 1 }), t: i64(this.term) };
    const stateOf = (m: Member): [number, string] => {
      if (!m.healthy) return [8, 'DOWN'];
      if (m.arbiterOnly) return [7, 'ARBITER'];
      if (m.host === this.primaryHost) return [1, 'PRIMARY'];
      return [2, 'SECONDARY'];
    };
    const [myState] = stateOf(self);
    const members = this.members.map((m) => {
      const [state, stateStr] = stateOf(m);
      const doc: Document = {
        _id: i32(m.id),
        name: m.host,
        health: dbl(m.healthy ? 1 : 0),
        state: i32(state),
        stateStr,
        uptime: i32(m.healthy ? 3600 : 0),
      };
      if (!m.arbiterOnly) {
        doc.optime = optime;
        doc.optimeDate = new Date(secs * 1000);
        doc.lastAppliedWallTime = new Date(secs * 1000);
        doc.lastDurableWallTime = new Date(secs * 1000);
      }
      doc.syncSourceHost = state === 2 && this.primaryHost ? this.primaryHost : '';
      doc.syncSourceId = i32(-1);
      doc.infoMessage = m.healthy ? '' : 'Error connecting to member';
      doc.configVersion = i32(this.setVersion);
      doc.configTerm = i64(this.term);
      if (m.host === me) doc.self = true;
      else {
        doc.lastHeartbeat = new Date(secs * 1000);
        doc.lastHeartbeatRecv = new Date(secs * 1000);
        doc.pingMs = i64(0);
      }
      if (state === 1) {
        doc.electionTime = new Timestamp({ t: secs - 3600, i: 1 });
        doc.electionDate = new Date((secs - 3600) * 1000);
      }
      return doc;
    });
    const voting = this.members.filter((m) => m.votes > 0).length;
    const status: Document = {
      set: this.setName,
      date: new Date(now),
      myState: i32(myState),
      term: i64(this.term),
      syncSourceHost: myState === 2 && this.primaryHost ? this.primaryHost : '',
      syncSourceId: i32(-1),
      heartbeatIntervalMillis: i64(2000),
      majorityVoteCount: i32(Math.floor(voting / 2) + 1),
      writeMajorityCount: i32(Math.floor(voting / 2) + 1),
      votingMembersCount: i32(voting),
      writableVotingMembersCount: i32(this.members.filter((m) => m.votes > 0 && !m.arbiterOnly).length),
      members,
      ok: dbl(1),
    };
    const config: Document = {
      config: {
        _id: this.setName,
        version: i32(this.setVersion),
        term: i32(this.term),
        members: this.members.map((m) => ({
          _id: i32(m.id),
          host: m.host,
          arbiterOnly: m.arbiterOnly,
          buildIndexes: true,
          hidden: m.hidden,
          priority: dbl(m.priority),
          tags: {},
          secondaryDelaySecs: i64(m.secondaryDelaySecs),
          votes: i32(m.votes),
        })),
        protocolVersion: i64(1),
        writeConcernMajorityJournalDefault: true,
        settings: { chainingAllowed: true, heartbeatIntervalMillis: i32(2000), heartbeatTimeoutSecs: i32(10), electionTimeoutMillis: i32(10_000) },
      },
      ok: dbl(1),
    };
    return { status, config };
  }
}
