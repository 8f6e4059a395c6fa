// Every source on the simulator's replica set, through the real driver and the store: replication lag
// and the oplog window as configured, an election seen as a term change and new member states, sizes
// per database, top and $collStats per collection (capped per cycle), hot collections in the order of
// the simulator's workload shares, a refused source off with its reason (REL-M5), pause and resume,
// and intervals per node that persist.
import { addressMapDialer } from '../../src-main/core/connections';
import { startSimulatedReplicaSet, startSimulator, type SimulatedReplicaSet, type Simulator } from '../../src-main/core/sim';
import type { ConnectionSummary } from '../../src-shared/contract';
import { nodeEntityKey, type NodeId } from '../../src-shared/domain/identity';
import { eventually, startTestCore, type TestCore } from '../helpers/core';

const names = ['ma.rs.internal:27017', 'mb.rs.internal:27017', 'mc.rs.internal:27017'];
const FAST = { intervalMs: 250, deadlineMs: 1000, connectTimeoutMs: 3000, rediscoverMs: 600_000 };
const POLLING = { replSetGetStatus: 250, oplog: 500, dbStats: 500, collStats: 500, top: 500 };

async function series(t: TestCore, nodeId: NodeId, metrics: string[], from = 0) {
  return (await t.client.invoke('metrics.query', { entity: nodeEntityKey(nodeId), metrics, from, to: Date.now() + 1000 })).series;
}
const values = (pts: [number, number | null][]) => pts.map(([, v]) => v).filter((v): v is number => v !== null);

describe('issue-4 sources on a simulated replica set', () => {
  let rs: SimulatedReplicaSet;
  let t: TestCore;
  let conn: ConnectionSummary;
  const id = (me: string) => conn.nodes.find((x) => x.hostPort === me)!.id;

  beforeAll(async () => {
    rs = await startSimulatedReplicaSet({ setName: 'rs0', members: names, lagMs: { [names[2]!]: 4000 }, oplogWindowSecs: 5400, rates: { query: 400, insert: 80 } });
    t = startTestCore({ monitoring: FAST, polling: POLLING, connectionSeams: { dial: addressMapDialer(rs.addressMap) } });
    conn = await t.client.invoke('connections.add', { uri: rs.uri, name: 'rs0', discover: true });
    expect(conn.nodes).toHaveLength(3);
  });
  afterAll(async () => {
    await t?.close();
    await rs?.stop();
  });

  it('replication lag per secondary is the configured lag; the primary has none', async () => {
    const lagged = id(names[2]!);
    const lag = await eventually(async () => {
      const v = values((await series(t, lagged, ['replSetGetStatus.lagMs']))[0]!.points);
      return v.length >= 4 ? v : undefined;
    }, 10_000, 'lag samples');
    // optimes have one-second resolution: 4000 ms of lag reads as 4 s (or 5 s across a second boundary).
    expect(lag.every((v) => v >= 3000 && v <= 5000)).toBe(true);
    expect(lag.filter((v) => v === 4000).length).toBeGreaterThan(lag.length / 2);
    expect(values((await series(t, id(names[0]!), ['replSetGetStatus.lagMs']))[0]!.points)).toEqual([]);
    const snap = await t.client.invoke('metrics.replication', { nodeId: lagged });
    expect(snap).toMatchObject({ set: 'rs0', myState: 2 });
    expect(snap!.members.find((m) => m.self)).toMatchObject({ name: names[2], syncSource: names[0] });
  });

  it('the oplog window is read from its bounds only, and matches the configured window', async () => {
    const w = await eventually(async () => {
      const v = values((await series(t, id(names[1]!), ['oplog.windowSecs']))[0]!.points);
      return v.length >= 2 ? v : undefined;
    }, 10_000, 'oplog window samples');
    // The simulator's window breathes ±5 % around 5400 s.
    expect(w.every((v) => v > 5400 * 0.94 && v < 5400 * 1.06)).toBe(true);
    const finds = rs.members.get(names[1]!)!.stats().commands.find;
    expect(finds?.failed ?? 0).toBe(0);
  });

  it('an election shows as a new term and new member states', async () => {
    const a = id(names[0]!);
    const b = id(names[1]!);
    await eventually(async () => (values((await series(t, b, ['replSetGetStatus.myState']))[0]!.points).length >= 2 ? true : undefined), 10_000, 'state samples');
    const before = Date.now();
    rs.model.stepDown(names[1]!);
    await eventually(async () => {
      const [st, term] = await series(t, b, ['replSetGetStatus.myState', 'replSetGetStatus.term'], before);
      return st!.points.some(([, v]) => v === 1) && term!.points.some(([, v]) => v === 2) ? true : undefined;
    }, 10_000, 'mb primary in term 2');
    await eventually(async () => ((await series(t, a, ['replSetGetStatus.myState'], before))[0]!.points.some(([, v]) => v === 2) ? true : undefined), 10_000, 'ma secondary');
    // The old primary now applies writes instead of taking them.
    await eventually(async () => (values((await series(t, a, ['serverStatus.opcountersRepl.insert'], before + 1000))[0]!.points).some((v) => v > 0) ? true : undefined), 10_000, 'repl inserts on ma');
  });

  it('sizes per database, top and $collStats per collection, and the hot collections in share order', async () => {
    const a = id(names[0]!);
    const entity = nodeEntityKey(a);
    const listed = await eventually(async () => {
      const s = await t.client.invoke('metrics.listSeries', { entity });
      const m = s.map((x) => x.metric);
      return m.includes('dbStats.dataSize@shop') && m.some((x) => x.startsWith('top.readLock.time@shop.')) && m.some((x) => x.startsWith('collStats.storageStats.size@shop.')) ? m : undefined;
    }, 15_000, 'namespaced series');
    expect(listed).toContain('collStats.latencyStats.reads.ops@shop.orders');
    const hot = await eventually(async () => {
      const h = await t.client.invoke('metrics.hotCollections', { entity, from: Date.now() - 60_000, to: Date.now(), limit: 5, by: 'read' });
      return h.length === 5 ? h : undefined;
    }, 10_000, 'five hot collections');
    const shares = rs.members.get(names[0]!)!.node.data.collections().sort((x, y) => y.readShare - x.readShare).map((c) => c.ns);
    expect(hot.map((h) => h.ns)).toEqual(shares.slice(0, 5));
    expect(hot[0]!.readUs).toBeGreaterThan(hot[4]!.readUs);
    expect(hot.every((h) => h.sizeBytes === null || h.sizeBytes > 0)).toBe(true);
  });

  it('REL-M5: a source refused with code 13 is off with its reason, not retried within the hour, and the node stays up', async () => {
    const c = id(names[2]!);
    const sim = rs.members.get(names[2]!)!;
    const refusal = sim.faults.fail('top', { code: 13, codeName: 'Unauthorized', errmsg: 'not authorized on admin to execute command { top: 1 }' });
    try {
      const st = await eventually(async () => {
        const p = await t.client.invoke('metrics.pollStatus', { nodeId: c });
        return p.sources.find((s) => s.source === 'top')!.state === 'off' ? p : undefined;
      }, 10_000, 'top off');
      const top = st.sources.find((s) => s.source === 'top')!;
      expect(top.reason).toMatch(/code 13/);
      expect(top.retryAt! - Date.now()).toBeGreaterThan(59 * 60_000);
      const caps = await t.client.invoke('connections.capabilities', { nodeId: c });
      expect(caps.features.find((f) => f.feature === 'top')).toMatchObject({ state: 'unavailable' });
      const tries = sim.stats().commands.top!.total;
      const polls = sim.stats().commands.serverStatus!.total;
      await new Promise((r) => setTimeout(r, 2000));
      expect(sim.stats().commands.top!.total).toBe(tries);
      expect(sim.stats().commands.serverStatus!.total).toBeGreaterThan(polls + 4);
      const node = (await t.client.invoke('connections.list', {}))[0]!.nodes.find((x) => x.id === c)!;
      expect(node.status.state).toBe('monitoring');
    } finally {
      refusal.clear();
    }
  });

  it('pause stops every poll with a gap, resume polls at once; both audited and persisted', async () => {
    const b = id(names[1]!);
    const sim = rs.members.get(names[1]!)!;
    const paused = await t.client.invoke('metrics.pause', { nodeId: b });
    expect(paused.paused).toBe(true);
    expect(paused.sources.every((s) => s.state === 'paused')).toBe(true);
    const count = () => sim.stats().commands.serverStatus!.total;
    await new Promise((r) => setTimeout(r, 300));
    const atPause = count();
    await new Promise((r) => setTimeout(r, 1200));
    expect(count()).toBe(atPause);
    expect((await t.client.invoke('settings.get', {})).polling.nodes[b]).toMatchObject({ paused: true });
    const resumedAt = Date.now();
    await t.client.invoke('metrics.resume', { nodeId: b });
    await eventually(() => (count() > atPause ? true : undefined), 1000, 'a poll right after resume');
    expect(Date.now() - resumedAt).toBeLessThan(1000);
    const gaps = (await t.client.invoke('metrics.query', { entity: nodeEntityKey(b), metrics: ['serverStatus.uptimeMillis'], from: 0, to: Date.now() + 1000 })).gaps;
    expect(gaps.some((g) => /paused/i.test(g.reason))).toBe(true);
    expect(t.core.audit.list({ action: 'monitoring.pause' }).map((a) => a.kind).sort()).toEqual(['intent', 'outcome']);
  });

  it('an interval set for one node applies on its own grid, and survives a restart of Baleen', async () => {
    const a = id(names[0]!);
    await t.client.invoke('settings.setInterval', { nodeId: a, source: 'serverStatus', intervalMs: 1000 });
    const from = Date.now() + 1500;
    await new Promise((r) => setTimeout(r, 5000));
    const pts = t.core.store.query(nodeEntityKey(a), 'serverStatus.uptimeMillis', from, Date.now());
    const gaps = pts.slice(1).map((p, i) => p.ts - pts[i]!.ts);
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    expect(gaps.every((g) => g === 1000)).toBe(true);
    expect(t.core.audit.list({ action: 'settings.change' }).length).toBeGreaterThanOrEqual(2);
    await t.stop();
    const again = startTestCore({ dataDir: t.dataDir, monitoring: FAST, polling: POLLING, connectionSeams: { dial: addressMapDialer(rs.addressMap) } });
    try {
      const s = await again.client.invoke('settings.get', {});
      expect(s.polling.nodes[a]!.intervals.serverStatus).toBe(1000);
      expect(s.polling.defaults.serverStatus).toBe(250);
      expect((await again.client.invoke('metrics.pollStatus', { nodeId: a })).sources[0]).toMatchObject({ source: 'serverStatus', intervalMs: 1000 });
    } finally {
      await again.stop();
    }
  });
});

describe('$collStats on thousands of collections is capped per cycle', () => {
  let sim: Simulator;
  let t: TestCore;
  beforeAll(async () => {
    sim = await startSimulator({ collections: 2000, seed: 3 });
    t = startTestCore({ monitoring: FAST, polling: { collStats: 1000, dbStats: 60_000, top: 1000, replSetGetStatus: 60_000, oplog: 60_000 } });
    await t.client.invoke('settings.setCollStatsPerCycle', { perCycle: 40 });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  it('never more than the budget per cycle; the largest each time, the rest in turn', async () => {
    const c = await t.client.invoke('connections.add', { uri: sim.uri, name: 'many' });
    const entity = nodeEntityKey(c.nodes[0]!.id);
    const aggregates = () => sim.stats().commands.aggregate?.total ?? 0;
    await eventually(() => (aggregates() >= 40 ? true : undefined), 10_000, 'a first cycle');
    const perCycle: number[] = [];
    let last = aggregates();
    for (let i = 0; i < 4; i++) {
      await eventually(() => (aggregates() > last ? true : undefined), 5000, 'next cycle');
      await new Promise((r) => setTimeout(r, 600));
      const now = aggregates();
      perCycle.push(now - last);
      last = now;
    }
    expect(perCycle.every((x) => x <= 40)).toBe(true);
    const measured = (await t.client.invoke('metrics.listSeries', { entity })).filter((s) => s.metric.startsWith('collStats.storageStats.size@'));
    // Five cycles of 40, half of them the same largest 20: well over the budget of one cycle, all distinct.
    expect(measured.length).toBeGreaterThan(80);
    expect(measured.length).toBeLessThan(2000);
    // top keeps only the busiest collections, at most 500 of the 2000 in any one cycle.
    t.core.store.flush();
    const tops = (await t.client.invoke('metrics.listSeries', { entity })).filter((s) => s.metric.startsWith('top.total.time@'));
    const latest = Math.max(...tops.map((s) => s.last ?? 0));
    const inLatest = tops.filter((s) => s.last === latest).length;
    expect(inLatest).toBeLessThanOrEqual(500);
    expect(inLatest).toBeGreaterThan(50);
  });
});
