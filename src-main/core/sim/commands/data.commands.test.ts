import { startSimulatedReplicaSet, type SimulatedReplicaSet } from '../replica-set';
import { startSimulator, type Simulator } from '../simulator';
import { ManualClock } from '../testing/manual-clock';
import { RawWireClient } from '../testing/raw-wire-client';

const clients: RawWireClient[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function client(port: number): Promise<RawWireClient> {
  const c = await RawWireClient.connect(port);
  clients.push(c);
  return c;
}

const n = (v: unknown) => Number(v);
const names = ['a.rs.internal:27017', 'b.rs.internal:27017', 'c.rs.internal:27017'];

async function set(clock: ManualClock, lagMs: Record<string, number> = {}): Promise<SimulatedReplicaSet> {
  const rs = await startSimulatedReplicaSet({ setName: 'rs0', members: names, clock, lagMs, rates: { insert: 100, update: 10, delete: 0 }, jitter: 0 });
  stops.push(() => rs.stop());
  return rs;
}
const port = (rs: SimulatedReplicaSet, me: string) => rs.members.get(me)!.port;

describe('simulated replica set: lag, elections, oplog bounds', () => {
  it('a secondary reports its optime behind the primary by the configured lag', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const rs = await set(clock, { [names[1]!]: 7000 });
    const st = await (await client(port(rs, names[1]!))).command({ replSetGetStatus: 1 });
    const byName = Object.fromEntries((st.members as { name: string; optimeDate: Date; stateStr: string; syncSourceHost: string }[]).map((m) => [m.name, m]));
    expect(byName[names[0]!]!.optimeDate.getTime() - byName[names[1]!]!.optimeDate.getTime()).toBe(7000);
    expect(byName[names[2]!]!.optimeDate.getTime()).toBe(byName[names[0]!]!.optimeDate.getTime());
    expect(byName[names[1]!]!.syncSourceHost).toBe(names[0]);
    expect(st.syncSourceHost).toBe(names[0]);
    expect(n(st.myState)).toBe(2);
  });

  it('stepDown elects another member: hello, replSetGetStatus and the term all follow', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const rs = await set(clock);
    const b = await client(port(rs, names[1]!));
    const before = await b.command({ hello: 1 });
    expect(before.primary).toBe(names[0]);
    await clock.advance(60_000);
    const a = await client(port(rs, names[0]!));
    expect((await a.command({ replSetStepDown: 60 })).ok).toBe(1);
    const after = await b.command({ hello: 1 });
    expect(after.primary).toBe(names[1]);
    expect(after.isWritablePrimary).toBe(true);
    expect(after.electionId.toHexString()).toBe('7fffffff0000000000000002');
    const st = await b.command({ replSetGetStatus: 1 });
    expect(n(st.term)).toBe(2);
    const me = (st.members as { self?: boolean; electionDate?: Date; stateStr: string }[]).find((m) => m.self)!;
    expect(me.stateStr).toBe('PRIMARY');
    expect(me.electionDate!.getTime()).toBe(Date.UTC(2026, 0, 1, 12, 1));
    expect(rs.model.elections().map((e) => e.primary)).toEqual([names[0], names[1]]);
    // Stepping down a secondary is refused as on a real server.
    const refused = await a.command({ replSetStepDown: 60 });
    expect(refused).toMatchObject({ ok: 0, code: 10107 });
  });

  it('a secondary counts the writes it applies in opcountersRepl, not opcounters', async () => {
    const clock = new ManualClock();
    const rs = await set(clock);
    const s = await client(port(rs, names[1]!));
    const p = await client(port(rs, names[0]!));
    const [s0, p0] = [await s.command({ serverStatus: 1 }), await p.command({ serverStatus: 1 })];
    await clock.advance(10_000);
    const [s1, p1] = [await s.command({ serverStatus: 1 }), await p.command({ serverStatus: 1 })];
    expect(n(s1.opcounters.insert) - n(s0.opcounters.insert)).toBe(0);
    expect(n(s1.opcountersRepl.insert) - n(s0.opcountersRepl.insert)).toBe(1000);
    expect(n(p1.opcounters.insert) - n(p0.opcounters.insert)).toBe(1000);
    expect(n(p1.opcountersRepl.insert) - n(p0.opcountersRepl.insert)).toBe(0);
  });

  it('answers the oplog bounds query, and nothing else of local.oplog.rs', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const rs = await startSimulatedReplicaSet({ setName: 'rs0', members: names, clock, oplogWindowSecs: 7200, lagMs: { [names[2]!]: 3000 } });
    stops.push(() => rs.stop());
    const c = await client(port(rs, names[2]!));
    const bound = async (dir: 1 | -1) => {
      const r = await c.command({ find: 'oplog.rs', projection: { ts: 1, _id: 0 }, sort: { $natural: dir }, limit: 1, $db: 'local' });
      expect(r.cursor.firstBatch).toHaveLength(1);
      expect(Object.keys(r.cursor.firstBatch[0])).toEqual(['ts']);
      return (r.cursor.firstBatch[0].ts as { high: number }).high;
    };
    const last = await bound(-1);
    const first = await bound(1);
    expect(last).toBe(Date.UTC(2026, 0, 1, 12) / 1000 - 3);
    expect(last - first).toBe(7200);
    for (const bad of [{ projection: { ts: 1, o: 1 } }, { projection: {} }, { sort: { ts: 1 } }, { limit: 10 }, { filter: { op: 'i' } }]) {
      const r = await c.command({ find: 'oplog.rs', projection: { ts: 1 }, sort: { $natural: 1 }, limit: 1, ...bad, $db: 'local' });
      expect(r, JSON.stringify(bad)).toMatchObject({ ok: 0, codeName: 'BadValue' });
    }
    expect(await c.command({ find: 'orders', $db: 'shop' })).toMatchObject({ ok: 0, codeName: 'BadValue' });
  });
});

describe('simulated data statistics', () => {
  let sim: Simulator;
  const clock = new ManualClock();
  beforeEach(async () => {
    sim = await startSimulator({ clock, jitter: 0, rates: { insert: 200, query: 500 } });
    stops.push(() => sim.stop());
  });

  it('lists databases and collections; dbStats grows with the insert rate', async () => {
    const c = await client(sim.port);
    const dbs = await c.command({ listDatabases: 1 });
    expect((dbs.databases as { name: string }[]).map((d) => d.name)).toEqual(['shop', 'analytics', 'users', 'admin', 'config', 'local']);
    const colls = await c.command({ listCollections: 1, nameOnly: true, $db: 'shop' });
    expect((colls.cursor.firstBatch as { name: string }[]).map((x) => x.name)).toContain('orders');
    const before = await c.command({ dbStats: 1, $db: 'shop' });
    await clock.advance(60_000);
    const after = await c.command({ dbStats: 1, $db: 'shop' });
    expect(n(after.objects) - n(before.objects)).toBeGreaterThan(0);
    expect(n(after.dataSize)).toBeGreaterThan(n(before.dataSize));
    expect(n(after.collections)).toBe(6);
  });

  it('top and $collStats shares add up to the node counters, and only grow', async () => {
    const c = await client(sim.port);
    await clock.advance(30_000);
    const t1 = (await c.command({ top: 1 })).totals;
    const ss = await c.command({ serverStatus: 1 });
    const nss = Object.keys(t1).filter((k) => k !== 'note');
    const readOps = nss.reduce((s, ns) => s + n(t1[ns].readLock.count), 0);
    expect(readOps / n(ss.opLatencies.reads.ops)).toBeGreaterThan(0.98);
    expect(readOps).toBeLessThanOrEqual(n(ss.opLatencies.reads.ops));
    await clock.advance(10_000);
    const t2 = (await c.command({ top: 1 })).totals;
    for (const ns of nss) expect(n(t2[ns].total.time), ns).toBeGreaterThanOrEqual(n(t1[ns].total.time));
    expect(await c.command({ top: 1, $db: 'shop' })).toMatchObject({ ok: 0, code: 13 });

    const agg = await c.command({ aggregate: 'orders', pipeline: [{ $collStats: { storageStats: {}, latencyStats: {} } }], cursor: {}, $db: 'shop' });
    const doc = agg.cursor.firstBatch[0];
    expect(doc.ns).toBe('shop.orders');
    expect(n(doc.storageStats.size)).toBeGreaterThan(0);
    expect(n(doc.latencyStats.reads.ops)).toBe(n(t2['shop.orders'].readLock.count));
    expect(await c.command({ aggregate: 'nope', pipeline: [{ $collStats: { storageStats: {} } }], cursor: {}, $db: 'shop' })).toMatchObject({ ok: 0, code: 26 });
    expect(await c.command({ aggregate: 'orders', pipeline: [{ $match: {} }], cursor: {}, $db: 'shop' })).toMatchObject({ ok: 0, codeName: 'BadValue' });
  });

  it('holds thousands of collections when asked, most of them cold', async () => {
    const big = await startSimulator({ clock, collections: 3000 });
    stops.push(() => big.stop());
    const c = await client(big.port);
    await clock.advance(10_000);
    const totals = (await c.command({ top: 1 })).totals;
    const nss = Object.keys(totals).filter((k) => k !== 'note');
    expect(nss.length).toBe(3000 + 5);
    const times = nss.map((ns) => n(totals[ns].total.time)).sort((a, b) => b - a);
    // Zipf: the hottest ten take far more than their share of the time.
    expect(times.slice(0, 10).reduce((a, b) => a + b, 0) / times.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.2);
  });
});
