// Monitoring against Baleen's wire-protocol simulator with the real `mongodb` driver: identity from
// hello.me, derived rates equal the configured rates, a restart is a reset (never a negative rate),
// a hung or dead node is a status and a gap (never a crash), a deliberate stop writes nothing after it.
import { nodeEntityKey, type NodeId } from '../../src-shared/domain/identity';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import { eventually, startTestCore, type TestCore } from '../helpers/core';

const RATES = { insert: 50, query: 200, update: 10, delete: 5, getmore: 8, command: 30 };
const OPS = ['insert', 'query', 'update', 'delete', 'getmore', 'command'].map((o) => `serverStatus.opcounters.${o}`);

async function ratePoints(t: TestCore, nodeId: NodeId, metric: string) {
  const r = await t.client.invoke('metrics.query', { entity: nodeEntityKey(nodeId), metrics: [metric], from: 0, to: Date.now() + 1000 });
  return { points: r.series[0]!.points, resets: r.resets, gaps: r.gaps };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('monitoring the simulator', () => {
  let sim: Simulator;
  let t: TestCore;
  let nodeId: NodeId;

  beforeAll(async () => {
    // A set member announcing a name that resolves only "inside" the customer's network, next to a
    // member whose name resolves nowhere: the per-node client must still poll it (REL-M2).
    sim = await startSimulator({ setName: 'rs0', me: 'node-a.example.net:27017', hosts: ['node-a.example.net:27017', 'node-b.invalid:27017'], rates: RATES, jitter: 0, seed: 7 });
    t = startTestCore({ monitoring: { intervalMs: 200, deadlineMs: 800, connectTimeoutMs: 3000 } });
    const conn = await t.client.invoke('connections.add', { uri: `mongodb://${sim.address}/?replicaSet=rs0`, name: 'sim' });
    nodeId = conn.nodes[0]!.id;
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  it("identifies the node by hello.me, not by the address dialled (REL-M2: directConnection)", async () => {
    const [conn] = await t.client.invoke('connections.list', {});
    const node = conn!.nodes[0]!;
    expect(node.hostPort).toBe('node-a.example.net:27017');
    expect(node.id.endsWith('/node-a.example.net:27017')).toBe(true);
    expect(node.aliases).toContain(sim.address);
    expect(node.setName).toBe('rs0');
    expect(node.version).toBe('7.0.14');
    expect(conn!.nodes).toHaveLength(1);
  });

  it('derives per-second rates that match the configured rates', async () => {
    const { points } = await eventually(async () => {
      const r = await ratePoints(t, nodeId, 'serverStatus.opcounters.insert');
      return r.points.length >= 12 ? r : undefined;
    }, 15_000, 'a dozen insert rate points');
    for (const [metric, rate] of [
      ['serverStatus.opcounters.insert', RATES.insert],
      ['serverStatus.opcounters.query', RATES.query],
      ['serverStatus.opcounters.update', RATES.update],
    ] as const) {
      const vals = (await ratePoints(t, nodeId, metric)).points.map(([, v]) => v).filter((v): v is number => v !== null);
      expect(vals.length, metric).toBeGreaterThanOrEqual(10);
      expect(vals.every((v) => v >= 0), metric).toBe(true);
      // Without jitter the only error is where each read lands relative to its tick stamp (a few ms).
      expect(Math.abs(mean(vals) - rate) / rate, `${metric} mean ${mean(vals)} vs ${rate}`).toBeLessThan(0.05);
    }
    expect(points.every(([ts]) => Number.isInteger(ts))).toBe(true);
  });

  it('stamps samples on the tick grid of its interval', async () => {
    const { points } = await ratePoints(t, nodeId, 'serverStatus.opcounters.query');
    const phase = points[0]![0] % 200;
    expect(points.every(([ts]) => ts % 200 === phase)).toBe(true);
  });

  it('shows a restart of the server as a reset, not a negative rate', async () => {
    const before = await ratePoints(t, nodeId, 'serverStatus.opcounters.query');
    expect(before.resets).toEqual([]);
    const restartAt = Date.now();
    await sim.restart();
    const after = await eventually(async () => {
      const r = await ratePoints(t, nodeId, 'serverStatus.opcounters.query');
      const afterReset = r.points.filter(([ts, v]) => ts > (r.resets[0] ?? Infinity) && v !== null);
      return r.resets.length > 0 && afterReset.length >= 3 ? r : undefined;
    }, 15_000, 'samples after the restart');
    expect(after.resets).toHaveLength(1);
    expect(after.resets[0]!).toBeGreaterThanOrEqual(restartAt - 400);
    const atReset = after.points.find(([ts]) => ts === after.resets[0]);
    expect(atReset?.[1]).toBeNull();
    for (const m of OPS) {
      const { points } = await ratePoints(t, nodeId, m);
      expect(points.every(([, v]) => v === null || v >= 0), m).toBe(true);
    }
  });

  it('marks a hung node unreachable within the deadline, records a gap, and recovers', async () => {
    const hang = sim.faults.hang('serverStatus');
    try {
      const status = await eventually(async () => {
        const n = (await t.client.invoke('connections.list', {}))[0]!.nodes[0]!;
        return n.status.state === 'unreachable' ? n.status : undefined;
      }, 5000, 'unreachable status');
      expect(status.reason).toMatch(/node-a\.example\.net:27017/);
    } finally {
      hang.clear();
    }
    await eventually(async () => {
      const n = (await t.client.invoke('connections.list', {}))[0]!.nodes[0]!;
      return n.status.state === 'monitoring' ? true : undefined;
    }, 10_000, 'monitoring again');
    const { gaps } = await eventually(async () => {
      const r = await ratePoints(t, nodeId, 'serverStatus.opcounters.query');
      return r.gaps.some((g) => /did not answer|no answer/.test(g.reason)) ? r : undefined;
    }, 5000, 'a closed gap');
    const g = gaps.find((x) => /did not answer|no answer/.test(x.reason))!;
    expect(g.to).toBeGreaterThan(g.from);
  });

  it('survives dropped connections: unreachable at worst, then samples again', async () => {
    const before = (await ratePoints(t, nodeId, 'serverStatus.opcounters.query')).points.length;
    sim.faults.dropConnections();
    await eventually(async () => ((await ratePoints(t, nodeId, 'serverStatus.opcounters.query')).points.length > before + 3 ? true : undefined), 15_000, 'samples after the drop');
  });

  it('REL-S8: after a deliberate stop no sample is written, and the silence is a gap', async () => {
    const stopped = await t.client.invoke('connections.stopMonitoring', { nodeId });
    expect(stopped.status.state).toBe('stopped');
    const stopAt = Date.now();
    await new Promise((r) => setTimeout(r, 800));
    const r = await ratePoints(t, nodeId, 'serverStatus.opcounters.query');
    expect(r.points.filter(([ts]) => ts > stopAt)).toEqual([]);
    expect(r.gaps.at(-1)!.reason).toBe('Monitoring stopped');
    const audit = t.core.audit.list({ action: 'monitoring.stop' });
    expect(audit.map((a) => a.kind).sort()).toEqual(['intent', 'outcome']);
    await t.client.invoke('connections.startMonitoring', { nodeId });
    await eventually(async () => ((await ratePoints(t, nodeId, 'serverStatus.opcounters.query')).points.some(([ts]) => ts > stopAt + 800) ? true : undefined), 10_000, 'samples after restart of monitoring');
  });

  it('keeps history across a restart of Baleen itself', async () => {
    const before = await ratePoints(t, nodeId, 'serverStatus.opcounters.query');
    await t.stop();
    const again = startTestCore({ dataDir: t.dataDir, monitoring: { intervalMs: 200, deadlineMs: 800 } });
    try {
      const r = await again.client.invoke('metrics.query', { entity: nodeEntityKey(nodeId), metrics: ['serverStatus.opcounters.query'], from: 0, to: Date.now() + 1000 });
      expect(r.series[0]!.points.length).toBeGreaterThanOrEqual(before.points.length);
      // Monitoring resumes by itself; the password-less profile needs no secret.
      await eventually(async () => ((await again.client.invoke('connections.list', {}))[0]!.nodes[0]!.status.state === 'monitoring' ? true : undefined), 10_000, 'monitoring resumed');
      expect(again.core.audit.verifyChain().ok).toBe(true);
    } finally {
      await again.stop();
    }
  });
});
