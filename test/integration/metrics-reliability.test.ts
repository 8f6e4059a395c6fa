// Reliability of the poller against simulators and the real driver: isolation of a hung node among
// twenty (REL-S6), a replica-set member going down and coming back (REL-M3), stepdown codes that are
// transient (REL-M6), and an outage recorded as a gap with its reason, never joined by a line.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { addressMapDialer } from '../../src-main/core/connections';
import { generateServerStatus, startSimulatedReplicaSet, startSimulator, type CommandTable, type SimulatedReplicaSet, type Simulator } from '../../src-main/core/sim';
import type { ConnectionSummary } from '../../src-shared/contract';
import { nodeEntityKey, type NodeId } from '../../src-shared/domain/identity';
import { eventually, startTestCore, type TestCore } from '../helpers/core';

/** Records when each serverStatus reaches the simulator (real time, ms). */
function arrivals(into: number[]) {
  return (table: CommandTable) =>
    table.replace({
      name: 'serverStatus',
      requiresAuth: true,
      run: (ctx) => {
        into.push(performance.now());
        return generateServerStatus(ctx.node, ctx.body);
      },
    });
}
const intervals = (ts: readonly number[]) => ts.slice(1).map((t, i) => t - ts[i]!);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function nodeState(t: TestCore, nodeId: NodeId): Promise<string> {
  const list = await t.client.invoke('connections.list', {});
  return list.flatMap((c) => c.nodes).find((n) => n.id === nodeId)!.status.state;
}

describe('REL-S6: twenty nodes, one hung', () => {
  const sims: Simulator[] = [];
  const seen: number[][] = [];
  let t: TestCore;

  beforeAll(async () => {
    for (let i = 0; i < 20; i++) {
      const at: number[] = [];
      seen.push(at);
      sims.push(await startSimulator({ me: `n${i}.fleet.internal:27017`, seed: i + 1, extendCommands: arrivals(at) }));
    }
    t = startTestCore({ monitoring: { intervalMs: 1000, deadlineMs: 8000, connectTimeoutMs: 3000 } });
    for (const s of sims) await t.client.invoke('connections.add', { uri: s.uri, name: s.node.me });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await Promise.all(sims.map((s) => s.stop()));
  });

  it("the other nineteen nodes' poll gaps stay within P ± 10 %, and the event loop stays responsive", async () => {
    await sleep(2500);
    const hung = sims[7]!.faults.hang('serverStatus');
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const start = performance.now();
    await sleep(12_000);
    delay.disable();
    hung.clear();
    const bad: string[] = [];
    const all: number[] = [];
    seen.forEach((at, i) => {
      if (i === 7) return;
      const gaps = intervals(at.filter((x) => x >= start - 1000));
      all.push(...gaps);
      for (const g of gaps) if (g < 900 || g > 1100) bad.push(`n${i}: ${g.toFixed(0)} ms`);
      // A hung neighbour would delay every poll of a node: its mean interval stays on P.
      expect(Math.abs(gaps.reduce((a, b) => a + b, 0) / gaps.length - 1000), `n${i} mean`).toBeLessThan(20);
    });
    expect(all.length).toBeGreaterThanOrEqual(19 * 10);
    // p99 within P ± 10 %: on a shared two-core machine another suite may steal the CPU for one tick.
    const dev = all.map((g) => Math.abs(g - 1000)).sort((a, b) => a - b);
    expect(dev[Math.floor(dev.length * 0.99)]!, bad.join(', ')).toBeLessThanOrEqual(100);
    const measured = all.length;
    // The hung node was asked at most once in flight (skip-if-busy), then backed off; never polled in a burst.
    const hungGaps = intervals(seen[7]!.filter((x) => x >= start));
    expect(hungGaps.every((g) => g >= 900)).toBe(true);
    expect(delay.percentile(99) / 1e6).toBeLessThan(100);
    console.info(`[REL-S6] ${measured} intervals of 19 nodes, ${bad.length} outside 1000 ± 100 ms; event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms`);
  }, 30_000);
});

describe('REL-M3 and REL-M6 on a replica set', () => {
  const names = ['r1.rs.internal:27017', 'r2.rs.internal:27017', 'r3.rs.internal:27017'];
  const seen = new Map<string, number[]>(names.map((n) => [n, []]));
  let rs: SimulatedReplicaSet;
  let t: TestCore;
  let conn: ConnectionSummary;
  const id = (me: string) => conn.nodes.find((x) => x.hostPort === me)!.id;
  const P = 1000;
  const D = 2000;

  beforeAll(async () => {
    rs = await startSimulatedReplicaSet({ setName: 'rs1', members: names, member: (me) => ({ extendCommands: arrivals(seen.get(me)!) }) });
    t = startTestCore({ monitoring: { intervalMs: P, deadlineMs: D, connectTimeoutMs: 3000, rediscoverMs: 600_000 }, polling: { replSetGetStatus: 1000 }, connectionSeams: { dial: addressMapDialer(rs.addressMap) } });
    conn = await t.client.invoke('connections.add', { uri: rs.uri, name: 'rs1', discover: true });
    for (const n of conn.nodes) await eventually(async () => ((await nodeState(t, n.id)) === 'monitoring' ? true : undefined), 10_000, `${n.hostPort} monitoring`);
  });
  afterAll(async () => {
    await t?.close();
    await rs?.stop();
  });

  it('REL-M3: a member that goes down is unreachable within P + D, the others keep their cadence, and it comes back', async () => {
    const down = rs.members.get(names[2]!)!;
    const downId = id(names[2]!);
    const t0 = performance.now();
    await down.faults.refuseConnections('close-listener');
    down.faults.dropConnections();
    rs.model.setHealthy(names[2]!, false);
    await eventually(async () => ((await nodeState(t, downId)) === 'unreachable' ? true : undefined), P + D + 1000, 'unreachable');
    const detectMs = performance.now() - t0;
    expect(detectMs).toBeLessThan(P + D + 500);
    await sleep(Math.max(0, 6500 - (performance.now() - t0)));
    for (const me of names.slice(0, 2)) {
      const gaps = intervals(seen.get(me)!.filter((x) => x >= t0));
      expect(gaps.length, me).toBeGreaterThanOrEqual(5);
      // At most one tick disturbed by the machine (another suite), never the cadence itself.
      expect(gaps.filter((g) => g <= P * 0.9 || g >= P * 1.1).length, `${me}: ${gaps.map((g) => g.toFixed(0)).join(' ')}`).toBeLessThanOrEqual(1);
      expect(Math.abs(gaps.reduce((a, b) => a + b, 0) / gaps.length - P), `${me} mean`).toBeLessThan(P * 0.03);
    }
    // The others see it down too.
    const membersDown = (await t.client.invoke('metrics.query', { entity: nodeEntityKey(id(names[0]!)), metrics: ['replSetGetStatus.membersDown'], from: Date.now() - 3000, to: Date.now() + 1000 })).series[0]!;
    expect(membersDown.points.some(([, v]) => v === 1)).toBe(true);
    const back = performance.now();
    rs.model.setHealthy(names[2]!, true);
    await down.faults.acceptConnections();
    await eventually(async () => ((await nodeState(t, downId)) === 'monitoring' ? true : undefined), 10_000 + P + 1000, 'monitoring again');
    const resumeMs = performance.now() - back;
    // heartbeatFrequencyMS (10 s) + P is the bound; the poller's own backoff step is shorter here.
    expect(resumeMs).toBeLessThan(10_000 + P);
    const gaps = (await t.client.invoke('metrics.query', { entity: nodeEntityKey(downId), metrics: ['serverStatus.uptimeMillis'], from: 0, to: Date.now() + 1000 })).gaps;
    const outage = gaps.find((g) => /r3\.rs\.internal:27017/.test(g.reason));
    expect(outage, JSON.stringify(gaps)).toBeDefined();
    expect(outage!.to).toBeGreaterThan(outage!.from);
    console.info(`[REL-M3] unreachable after ${detectMs.toFixed(0)} ms (P + D = ${P + D}); monitoring again ${resumeMs.toFixed(0)} ms after it came back`);
  }, 40_000);

  it('REL-M6: stepdown and recovering codes (189, 11602, 91) are transient: no node-down, sources stay on', async () => {
    const a = id(names[0]!);
    const sim = rs.members.get(names[0]!)!;
    const states = new Set<string>();
    const off = t.core.events.on('connections.changed', (e) => {
      for (const n of e.connections.flatMap((c) => c.nodes)) if (n.id === a) states.add(n.status.state);
    });
    const gapsBefore = (await t.client.invoke('metrics.query', { entity: nodeEntityKey(a), metrics: ['serverStatus.uptimeMillis'], from: 0, to: Date.now() + 1000 })).gaps.length;
    try {
      for (const [code, codeName] of [
        [189, 'PrimarySteppedDown'],
        [11602, 'InterruptedDueToReplStateChange'],
        [91, 'ShutdownInProgress'],
      ] as const) {
        const before = sim.stats().commands.serverStatus!.failed;
        sim.faults.fail('serverStatus', { code, codeName }, { times: 1 });
        sim.faults.fail('replSetGetStatus', { code, codeName }, { times: 1 });
        await eventually(() => (sim.stats().commands.serverStatus!.failed > before ? true : undefined), 5000, `${code} served`);
        await sleep(1500);
        expect(await nodeState(t, a), String(code)).toBe('monitoring');
      }
    } finally {
      off();
    }
    expect([...states].filter((s) => s !== 'monitoring')).toEqual([]);
    const after = await t.client.invoke('metrics.query', { entity: nodeEntityKey(a), metrics: ['serverStatus.uptimeMillis'], from: 0, to: Date.now() + 1000 });
    expect(after.gaps.length).toBe(gapsBefore);
    const ps = await t.client.invoke('metrics.pollStatus', { nodeId: a });
    const rsSource = ps.sources.find((s) => s.source === 'replSetGetStatus')!;
    expect(rsSource.state, JSON.stringify(rsSource)).toBe('on');
  }, 30_000);
});

describe('an outage is a gap with its reason', () => {
  let sim: Simulator;
  let t: TestCore;
  beforeAll(async () => {
    sim = await startSimulator({ me: 'gap-a.example.net:27017' });
    t = startTestCore({ monitoring: { intervalMs: 250, deadlineMs: 1000, connectTimeoutMs: 2000 } });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  it('no point inside the outage, a break at its end, and the reason on the gap record', async () => {
    const nodeId = (await t.client.invoke('connections.add', { uri: sim.uri, name: 'gap' })).nodes[0]!.id;
    const entity = nodeEntityKey(nodeId);
    await sleep(1500);
    const downAt = Date.now();
    await sim.faults.refuseConnections('close-listener');
    sim.faults.dropConnections();
    await eventually(async () => ((await nodeState(t, nodeId)) === 'unreachable' ? true : undefined), 5000, 'unreachable');
    await sleep(2000);
    await sim.faults.acceptConnections();
    await eventually(async () => ((await nodeState(t, nodeId)) === 'monitoring' ? true : undefined), 15_000, 'monitoring again');
    await sleep(1000);
    const r = await t.client.invoke('metrics.query', { entity, metrics: ['serverStatus.opcounters.query', 'serverStatus.mem.resident', 'derived.queryTargeting.keysPerReturned'], from: 0, to: Date.now() + 1000 });
    const gap = r.gaps.find((g) => g.from >= downAt - 1000 && /Cannot reach .*connection refused/.test(g.reason));
    expect(gap, JSON.stringify(r.gaps)).toBeDefined();
    expect(gap!.to - gap!.from).toBeGreaterThan(2000);
    for (const s of r.series) {
      expect(s.points.filter(([ts, v]) => v !== null && ts > gap!.from && ts < gap!.to), s.metric).toEqual([]);
      expect(s.points.some(([ts, v]) => v !== null && ts > gap!.to), `${s.metric} resumed`).toBe(true);
    }
    // A counter's first step after the gap spans it: no rate is drawn across the outage.
    const q = r.series[0]!.points;
    const firstAfter = q.find(([ts]) => ts >= gap!.to)!;
    expect(firstAfter[1]).toBeNull();
  }, 40_000);
});
