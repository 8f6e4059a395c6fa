import type { SimNode } from '../node/sim-node';
import { hashString, SeededRandom } from '../node/seeded-random';

/**
 * The indexes a simulated mongod holds, with what `$indexStats` counts for them. The data catalogue
 * names each collection's indexes; this gives them keys (from a field vocabulary per collection, the
 * same on every member built with the same seed), adds the ones `createIndexes` builds, and keeps
 * per-member access counters that reset when the member restarts, as a real mongod's do.
 */
export type KeyDir = 1 | -1;

export interface SimIndex {
  name: string;
  key: Array<[string, KeyDir]>;
  unique: boolean;
  accesses: number;
  /** When the counters started (the member's start or the index's creation). */
  since: number;
}

export interface SimIndexBuild {
  opid: number;
  db: string;
  coll: string;
  indexes: Array<{ key: Array<[string, KeyDir]>; name: string }>;
  startedAt: number;
  durationMs: number;
  totalDocs: number;
  /** Resolves when the build is finished (or the member restarted, which aborts it). */
  finished: Promise<void>;
}

/** Fields an index of a collection is made of: the shop's collections have their own, others a generic set. */
const FIELDS: Record<string, string[]> = {
  orders: ['status', 'customerId', 'ts', 'qty', 'sku'],
  customers: ['email', 'country', 'createdAt', 'tier'],
  products: ['sku', 'category', 'price', 'brand'],
  carts: ['userId', 'updatedAt', 'state'],
  events: ['type', 'ts', 'userId'],
  inventory: ['sku', 'warehouse', 'qty'],
  sessions: ['userId', 'startedAt', 'device'],
  pageviews: ['url', 'ts', 'sessionId'],
  profiles: ['email', 'country', 'lastLogin'],
  logins: ['userId', 'ts', 'ok'],
};
const GENERIC = ['status', 'userId', 'createdAt', 'type', 'region'];

class SimIndexState {
  private readonly byNs = new Map<string, SimIndex[]>();
  private readonly builds: SimIndexBuild[] = [];
  private generation: number;
  private nextOpid = 9000;
  /** How long a build takes; tests shorten or lengthen it. Default: about 1 ms per 1,000 documents, 0.3–3 s. */
  buildMs: number | null = null;

  constructor(private readonly node: SimNode) {
    this.generation = node.generation;
  }

  /** A restart resets the counters (and aborts builds in progress, which a real restart would resume). */
  private sync(): void {
    if (this.node.generation === this.generation) return;
    this.generation = this.node.generation;
    const since = this.node.startedAtWallMs;
    for (const list of this.byNs.values()) for (const i of list) {
      i.accesses = 0;
      i.since = since;
    }
    this.builds.length = 0;
  }

  exists(ns: string): boolean {
    return this.node.data.collection(ns) !== undefined || this.byNs.has(ns);
  }

  /** Indexes of a collection; empty when the collection does not exist. */
  list(ns: string): SimIndex[] {
    this.sync();
    let list = this.byNs.get(ns);
    if (list) return list;
    const c = this.node.data.collection(ns);
    if (!c) return [];
    const fields = FIELDS[c.name] ?? GENERIC;
    const rnd = new SeededRandom(this.node.seed ^ hashString(`indexes:${ns}`));
    const since = this.node.startedAtWallMs;
    list = c.indexes.map((name, i): SimIndex => {
      if (i === 0) return { name, key: [['_id', 1]], unique: true, accesses: 0, since };
      const a = fields[(i - 1) % fields.length]!;
      const b = fields[i % fields.length]!;
      const key: Array<[string, KeyDir]> = i % 2 === 1 ? [[a, 1]] : [[a, 1], [b, rnd.next() < 0.5 ? 1 : -1]];
      return { name, key, unique: false, accesses: 0, since };
    });
    this.byNs.set(ns, list);
    return list;
  }

  recordAccess(ns: string, name: string, n = 1): void {
    const i = this.list(ns).find((x) => x.name === name);
    if (i) i.accesses += n;
  }

  docs(ns: string): number {
    const c = this.node.data.collection(ns);
    return c ? this.node.data.sizes(c).count : 0;
  }

  /** Starts a build; the indexes appear (and the operation leaves $currentOp) when it finishes. */
  startBuild(db: string, coll: string, indexes: Array<{ key: Array<[string, KeyDir]>; name: string; unique?: boolean }>): SimIndexBuild {
    this.sync();
    const ns = `${db}.${coll}`;
    const existing = this.list(ns);
    if (!this.byNs.has(ns)) this.byNs.set(ns, existing.length > 0 ? existing : [{ name: '_id_', key: [['_id', 1]], unique: true, accesses: 0, since: this.node.clock.now() }]);
    const totalDocs = this.docs(ns);
    const durationMs = this.buildMs ?? Math.min(3000, Math.max(300, Math.round(totalDocs / 1000)));
    const generation = this.generation;
    const build: SimIndexBuild = {
      opid: this.nextOpid++,
      db,
      coll,
      indexes: indexes.map((i) => ({ key: i.key, name: i.name })),
      startedAt: this.node.clock.now(),
      durationMs,
      totalDocs,
      finished: this.node.clock.sleep(durationMs).then(() => {
        const i = this.builds.indexOf(build);
        if (i >= 0) this.builds.splice(i, 1);
        if (this.generation !== generation) return;
        const list = this.byNs.get(ns)!;
        for (const ix of indexes) if (!list.some((x) => x.name === ix.name)) list.push({ name: ix.name, key: ix.key, unique: ix.unique === true, accesses: 0, since: this.node.clock.now() });
      }),
    };
    this.builds.push(build);
    return build;
  }

  /** Builds in progress, with how far each got by now. */
  running(): Array<SimIndexBuild & { done: number; elapsedMs: number }> {
    this.sync();
    const now = this.node.clock.now();
    return this.builds.map((b) => {
      const elapsedMs = Math.max(0, now - b.startedAt);
      const frac = b.durationMs > 0 ? Math.min(0.99, elapsedMs / b.durationMs) : 0.99;
      return { ...b, elapsedMs, done: Math.floor(b.totalDocs * frac) };
    });
  }
}

const STATE = new WeakMap<SimNode, SimIndexState>();

/** The index state of one simulated member. */
export function simIndexes(node: SimNode): SimIndexState {
  let s = STATE.get(node);
  if (!s) STATE.set(node, (s = new SimIndexState(node)));
  return s;
}

export type { SimIndexState };
