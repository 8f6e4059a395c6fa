import { type Document, Timestamp } from '../../bson/bson';
import { dbl, i32, i64 } from '../documents/bson-values';
import { electionIdFor, type ReplicaSetMemberState, type SimTopology } from './topology';

/**
 * A replica set whose membership can change (members added or removed, each change a new config
 * version), with per-member settings (arbiter, hidden, priority, votes, delay), health, replication
 * lag (a secondary's optime behind the primary's) and elections on demand (the primary steps down,
 * another electable member wins a new term). Several simulators share one model; it answers hello for
 * each, describes the whole set for replSetGetStatus / replSetGetConfig (replication.commands.ts) and
 * the bounds of each member's oplog (data.commands.ts).
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
  /** Wall time for election dates (the simulators' clock). Default: Date.now. */
  clock?: { now(): number };
  /** How far back each member's oplog reaches (default 36 h); it breathes ±5 % as a real one does. */
  oplogWindowSecs?: number;
  /** Per-member replication lag in ms (the primary is never behind itself). */
  lagMs?: Readonly<Record<string, number>>;
}

/** One election, as the set saw it. */
export interface SimElection {
  term: number;
  primary: string | undefined;
  at: number;
}

/** What replSetGetStatus / replSetGetConfig need from a topology. */
export interface ReplicationDescriber {
  describeReplicaSet(me: string, now: number): { status: Document; config: Document } | null;
}

/** What the oplog bounds query needs: the first and last `ts` of a member's oplog, wall ms. */
export interface OplogDescriber {
  oplogBounds(me: string, now: number): { first: number; last: number } | null;
}

interface Member extends Required<Omit<SimMemberConfig, 'host'>> {
  id: number;
  host: string;
  healthy: boolean;
  lagMs: number;
}

export class ReplicaSetModel implements SimTopology, ReplicationDescriber, OplogDescriber {
  readonly setName: string;
  private members: Member[] = [];
  private nextId = 0;
  private primaryHost: string | undefined;
  private setVersion: number;
  private term = 1;
  private readonly listeners = new Set<() => void>();
  private readonly clock: { now(): number };
  private readonly oplogWindowSecs: number;
  private readonly createdAt: number;
  private electedAt: number;
  private readonly history: SimElection[] = [];

  constructor(opts: ReplicaSetModelOptions) {
    if (opts.setName === '' || /[/\s]/.test(opts.setName)) throw new RangeError(`bad replica set name "${opts.setName}"`);
    if (opts.members.length === 0) throw new RangeError('a replica set needs at least one member');
    this.setName = opts.setName;
    for (const m of opts.members) this.members.push(this.member(typeof m === 'string' ? { host: m } : m));
    const electable = this.members.find((m) => !m.arbiterOnly && !m.hidden && m.priority > 0);
    this.primaryHost = opts.primary === null ? undefined : (opts.primary ?? electable?.host);
    if (this.primaryHost !== undefined && !this.hosts().includes(this.primaryHost)) throw new RangeError(`primary ${this.primaryHost} is not a member`);
    this.setVersion = opts.setVersion ?? 1;
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.createdAt = this.clock.now();
    // As if the set had elected its primary an hour before the simulators started.
    this.electedAt = this.createdAt - 3_600_000;
    this.oplogWindowSecs = opts.oplogWindowSecs ?? 36 * 3600;
    if (!(this.oplogWindowSecs > 0)) throw new RangeError(`oplogWindowSecs must be > 0, got ${this.oplogWindowSecs}`);
    for (const [host, ms] of Object.entries(opts.lagMs ?? {})) this.setLag(host, ms);
    this.history.push({ term: this.term, primary: this.primaryHost, at: this.electedAt });
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
      lagMs: 0,
    };
  }

  hosts(): string[] {
    return this.members.map((m) => m.host);
  }

  get version(): number {
    return this.setVersion;
  }

  get primary(): string | undefined {
    return this.primaryHost;
  }

  get currentTerm(): number {
    return this.term;
  }

  /** Every election so far (the first is the set's initial primary). */
  elections(): readonly SimElection[] {
    return this.history;
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
      lagMs: this.lagOf(m),
    };
  }

  /** How far a member's optime is behind the primary's, in ms (a delayed member adds its delay). */
  private lagOf(m: Member): number {
    if (m.host === this.primaryHost || m.arbiterOnly) return 0;
    return m.lagMs + m.secondaryDelaySecs * 1000;
  }

  /** Make a secondary fall behind by `ms` (0: caught up). */
  setLag(host: string, ms: number): void {
    const m = this.members.find((x) => x.host === host);
    if (!m) throw new RangeError(`${host} is not a member`);
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`lag must be a finite number of ms ≥ 0, got ${ms}`);
    m.lagMs = ms;
  }

  /** A member's last applied optime (wall ms): the primary's is now, a secondary's is behind by its lag. */
  optimeMs(host: string, now: number): number {
    const m = this.members.find((x) => x.host === host);
    return now - (m ? this.lagOf(m) : 0);
  }

  /**
   * The first and last `ts` of a member's oplog, in wall ms. The window starts as if the set had been
   * running for a while and breathes slowly (±5 %), as an oplog does when the write rate changes.
   */
  oplogBounds(host: string, now: number): { first: number; last: number } | null {
    const m = this.members.find((x) => x.host === host);
    if (!m || m.arbiterOnly) return null;
    const last = this.optimeMs(host, now);
    const wave = 1 + 0.05 * Math.sin((now - this.createdAt) / 600_000);
    return { first: last - this.oplogWindowSecs * 1000 * wave, last };
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
    if (host !== null) {
      this.term += 1;
      this.electedAt = this.clock.now();
      this.history.push({ term: this.term, primary: host, at: this.electedAt });
    }
    this.primaryHost = host ?? undefined;
    this.notify();
  }

  /**
   * replSetStepDown: the primary steps down and another healthy electable member (the next one in
   * config order, or `to`) wins a new term. Hello, replSetGetStatus and serverStatus.repl all follow.
   */
  stepDown(to?: string): string {
    const electable = this.members.filter((m) => m.healthy && !m.arbiterOnly && !m.hidden && m.priority > 0 && m.host !== this.primaryHost);
    const next = to !== undefined ? electable.find((m) => m.host === to) : this.nextAfter(electable);
    if (!next) throw new RangeError(to !== undefined ? `${to} cannot be elected` : 'no other electable member');
    this.setPrimary(next.host);
    return next.host;
  }

  /** The electable member after the current primary in config order (round robin). */
  private nextAfter(electable: Member[]): Member | undefined {
    const at = this.members.findIndex((m) => m.host === this.primaryHost);
    return electable.find((m) => this.members.indexOf(m) > at) ?? electable[0];
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
    const opTimeOf = (m: Member) => {
      const ms = this.optimeMs(m.host, now);
      const s = Math.floor(ms / 1000);
      return { doc: { ts: new Timestamp({ t: s, i: 1 }), t: i64(this.term) }, date: new Date(s * 1000), wall: new Date(Math.floor(ms)) };
    };
    const stateOf = (m: Member): [number, string] => {
      if (!m.healthy) return [8, 'DOWN'];
      if (m.arbiterOnly) return [7, 'ARBITER'];
      if (m.host === this.primaryHost) return [1, 'PRIMARY'];
      return [2, 'SECONDARY'];
    };
    const primary = this.members.find((m) => m.host === this.primaryHost);
    const syncSourceOf = (m: Member) => (stateOf(m)[0] === 2 && primary?.healthy ? primary : undefined);
    const [myState] = stateOf(self);
    const electionSecs = Math.floor(this.electedAt / 1000);
    const members = this.members.map((m) => {
      const [state, stateStr] = stateOf(m);
      const op = opTimeOf(m);
      const doc: Document = {
        _id: i32(m.id),
        name: m.host,
        health: dbl(m.healthy ? 1 : 0),
        state: i32(state),
        stateStr,
        uptime: i32(m.healthy ? Math.max(0, Math.floor((now - this.createdAt) / 1000)) + 3600 : 0),
      };
      if (!m.arbiterOnly) {
        doc.optime = op.doc;
        if (m.host !== me) doc.optimeDurable = op.doc;
        doc.optimeDate = op.date;
        if (m.host !== me) doc.optimeDurableDate = op.date;
        doc.lastAppliedWallTime = op.wall;
        doc.lastDurableWallTime = op.wall;
      }
      if (m.host !== me) {
        doc.lastHeartbeat = new Date(now);
        doc.lastHeartbeatRecv = new Date(now);
        doc.pingMs = i64(0);
        doc.lastHeartbeatMessage = '';
      }
      const source = syncSourceOf(m);
      doc.syncSourceHost = source ? source.host : '';
      doc.syncSourceId = i32(source ? source.id : -1);
      doc.infoMessage = m.healthy ? '' : 'Error connecting to member';
      if (state === 1) {
        doc.electionTime = new Timestamp({ t: electionSecs, i: 1 });
        doc.electionDate = new Date(electionSecs * 1000);
      }
      doc.configVersion = i32(this.setVersion);
      doc.configTerm = i32(this.term);
      if (m.host === me) doc.self = true;
      return doc;
    });
    const mine = opTimeOf(self);
    const committed = primary ? opTimeOf(primary) : mine;
    const mySource = syncSourceOf(self);
    const voting = this.members.filter((m) => m.votes > 0).length;
    const status: Document = {
      set: this.setName,
      date: new Date(now),
      myState: i32(myState),
      term: i64(this.term),
      syncSourceHost: mySource ? mySource.host : '',
      syncSourceId: i32(mySource ? mySource.id : -1),
      heartbeatIntervalMillis: i64(2000),
      majorityVoteCount: i32(Math.floor(voting / 2) + 1),
      writeMajorityCount: i32(Math.floor(voting / 2) + 1),
      votingMembersCount: i32(voting),
      writableVotingMembersCount: i32(this.members.filter((m) => m.votes > 0 && !m.arbiterOnly).length),
      optimes: {
        lastCommittedOpTime: committed.doc,
        lastCommittedWallTime: committed.wall,
        readConcernMajorityOpTime: committed.doc,
        appliedOpTime: mine.doc,
        durableOpTime: mine.doc,
        lastAppliedWallTime: mine.wall,
        lastDurableWallTime: mine.wall,
      },
      lastStableRecoveryTimestamp: new Timestamp({ t: secs - 10, i: 1 }),
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
