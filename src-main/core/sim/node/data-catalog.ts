import type { Clock } from '../../ports/clock';
import { CounterBank } from './activity-model';
import { SeededRandom, hashString } from './seeded-random';

/**
 * The databases and collections a simulated mongod holds: their sizes (growing with the insert rate,
 * and kept across a restart, as data on disk is) and each collection's share of the workload, from
 * which `top` and `$collStats` latency counters follow. Shares are Zipf-like, so a few collections are
 * hot and most are cold, as in real deployments. Members of one set built with the same seed hold the
 * same collections.
 */
export interface SimCollection {
  db: string;
  name: string;
  ns: string;
  /** Share of the node's reads and writes (all shares sum to 1). */
  readShare: number;
  writeShare: number;
  baseDocs: number;
  avgObjSize: number;
  indexes: string[];
}

export interface SimDatabase {
  name: string;
  collections: SimCollection[];
}

export interface DataCatalogOptions {
  seed: number;
  clock: Clock;
  /** Generate this many user collections (spread over ten databases) instead of the default shop. */
  collections?: number;
}

const DEFAULT_LAYOUT: Record<string, string[]> = {
  shop: ['orders', 'customers', 'products', 'carts', 'events', 'inventory'],
  analytics: ['sessions', 'pageviews', 'rollups_daily'],
  users: ['profiles', 'logins', 'audit'],
};

/** System collections a real mongod has; they count in listDatabases and top, with tiny shares. */
const SYSTEM: Record<string, string[]> = {
  admin: ['system.version'],
  config: ['system.sessions', 'transactions'],
  local: ['startup_log', 'system.replset'],
};

export class DataCatalog {
  private readonly dbs: SimDatabase[];
  private readonly inserted: CounterBank;
  private readonly byNs = new Map<string, SimCollection>();
  private readonly clock: Clock;

  constructor(opts: DataCatalogOptions) {
    const rnd = new SeededRandom(opts.seed ^ 0xda7a);
    const layout: [string, string][] = [];
    if (opts.collections !== undefined) {
      if (!Number.isInteger(opts.collections) || opts.collections < 1) throw new RangeError(`collections must be an integer ≥ 1, got ${opts.collections}`);
      for (let i = 0; i < opts.collections; i++) layout.push([`db${i % 10}`, `coll${String(i).padStart(5, '0')}`]);
    } else for (const [db, colls] of Object.entries(DEFAULT_LAYOUT)) for (const c of colls) layout.push([db, c]);
    // Zipf-like shares over a seeded order: which collection is hot does not depend on its name.
    const order = layout.map((_, i) => ({ i, k: rnd.next() })).sort((a, b) => a.k - b.k).map((x) => x.i);
    const weights = new Float64Array(layout.length);
    order.forEach((idx, rank) => (weights[idx] = 1 / Math.pow(rank + 1, 1.1)));
    const total = weights.reduce((a, b) => a + b, 0) * 1.01; // 1 % left for the system collections
    const systemCount = Object.values(SYSTEM).reduce((n, c) => n + c.length, 0);
    const byDb = new Map<string, SimCollection[]>();
    const add = (db: string, name: string, share: number, baseDocs: number, avgObjSize: number, indexes: string[]) => {
      const c: SimCollection = { db, name, ns: `${db}.${name}`, readShare: share, writeShare: share, baseDocs, avgObjSize, indexes };
      let list = byDb.get(db);
      if (!list) byDb.set(db, (list = []));
      list.push(c);
      this.byNs.set(c.ns, c);
    };
    layout.forEach(([db, name], i) => {
      const share = weights[i]! / total;
      const r = new SeededRandom(opts.seed ^ hashString(`${db}.${name}`));
      const extra = r.int(0, 3);
      add(db, name, share, Math.floor(1000 + share * 5e7 * (0.5 + r.next())), r.int(180, 2400), ['_id_', ...Array.from({ length: extra }, (_, k) => `${name}_idx${k + 1}`)]);
    });
    for (const [db, colls] of Object.entries(SYSTEM)) for (const c of colls) add(db, c, 0.01 / 1.01 / systemCount, 10, 120, ['_id_']);
    this.dbs = [...byDb].map(([name, collections]) => ({ name, collections }));
    // Not tied to a process incarnation: what was written stays written across a restart.
    this.inserted = new CounterBank(opts.seed >>> 0, opts.clock.monotonic());
    this.inserted.define('docs', 0, 0);
    this.clock = opts.clock;
  }

  setInsertRate(perSecond: number): void {
    this.inserted.setRate('docs', perSecond, this.clock.monotonic());
  }

  databases(): readonly SimDatabase[] {
    return this.dbs;
  }

  collection(ns: string): SimCollection | undefined {
    return this.byNs.get(ns);
  }

  collections(): SimCollection[] {
    return this.dbs.flatMap((d) => d.collections);
  }

  /** A collection's storage now: documents, bytes, compressed bytes on disk, index bytes. */
  sizes(c: SimCollection): { count: number; size: number; storageSize: number; indexSizes: Record<string, number>; totalIndexSize: number } {
    const docs = c.baseDocs + Math.floor(this.inserted.value('docs', this.clock.monotonic()) * c.writeShare);
    const size = docs * c.avgObjSize;
    const indexSizes: Record<string, number> = {};
    let totalIndexSize = 0;
    c.indexes.forEach((name, i) => {
      const b = 4096 + Math.floor(docs * (i === 0 ? 22 : 30));
      indexSizes[name] = b;
      totalIndexSize += b;
    });
    return { count: docs, size, storageSize: 4096 + Math.floor(size * 0.42), indexSizes, totalIndexSize };
  }
}
