import { ObjectId } from '../../bson/bson';

/** What one replica-set member reports about the set (hello, serverStatus.repl). */
export interface ReplicaSetMemberState {
  setName: string;
  setVersion: number;
  hosts: readonly string[];
  me: string;
  primary: string | undefined;
  isPrimary: boolean;
  isSecondary: boolean;
  term: number;
  /** Only the primary reports its electionId. */
  electionId: ObjectId | undefined;
  /** How far this member's optime is behind the primary's (ms); absent means caught up. */
  lagMs?: number;
}

/**
 * The deployment a simulated node belongs to, kept apart from the node so that several simulated
 * members can later share one replica-set model (elections, lag) without the node or the wire server
 * changing. Every change a hello would show must be announced through `subscribe`, which is what
 * wakes awaitable hellos.
 */
export interface SimTopology {
  /** The member's view, or null for a standalone. */
  memberState(me: string): ReplicaSetMemberState | null;
  subscribe(listener: () => void): () => void;
}

export function standaloneTopology(): SimTopology {
  return { memberState: () => null, subscribe: () => () => {} };
}

export interface StaticReplicaSetOptions {
  setName: string;
  hosts: readonly string[];
  /** Defaults to the first host; null for a set with no primary. */
  primary?: string | null;
  setVersion?: number;
}

/** A replica set whose membership is fixed; the primary can be moved to exercise topology changes. */
export class StaticReplicaSet implements SimTopology {
  readonly setName: string;
  readonly hosts: readonly string[];
  private primaryHost: string | undefined;
  private setVersion: number;
  private term = 1;
  private readonly listeners = new Set<() => void>();

  constructor(opts: StaticReplicaSetOptions) {
    if (opts.setName === '' || /[/\s]/.test(opts.setName)) throw new RangeError(`bad replica set name "${opts.setName}"`);
    if (opts.hosts.length === 0) throw new RangeError('a replica set needs at least one host');
    this.setName = opts.setName;
    this.hosts = [...opts.hosts];
    this.primaryHost = opts.primary === null ? undefined : (opts.primary ?? opts.hosts[0]);
    if (this.primaryHost !== undefined && !this.hosts.includes(this.primaryHost)) throw new RangeError(`primary ${this.primaryHost} is not a member`);
    this.setVersion = opts.setVersion ?? 1;
  }

  memberState(me: string): ReplicaSetMemberState | null {
    if (!this.hosts.includes(me)) return null;
    const isPrimary = this.primaryHost === me;
    return {
      setName: this.setName,
      setVersion: this.setVersion,
      hosts: this.hosts,
      me,
      primary: this.primaryHost,
      isPrimary,
      isSecondary: !isPrimary,
      term: this.term,
      electionId: isPrimary ? electionIdFor(this.term) : undefined,
    };
  }

  /** Elect `host` (a new term), or leave the set without a primary (null). */
  setPrimary(host: string | null): void {
    if (host !== null && !this.hosts.includes(host)) throw new RangeError(`${host} is not a member of ${this.setName}`);
    if (host !== null) this.term += 1;
    this.primaryHost = host ?? undefined;
    this.notify();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** The server's format: 0x7fffffff followed by the term as a big-endian int64. */
export function electionIdFor(term: number): ObjectId {
  return new ObjectId(`7fffffff${BigInt(term).toString(16).padStart(16, '0')}`);
}
