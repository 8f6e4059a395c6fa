// Topology discovery against simulators sharing one replica-set model, whose members are named by
// names that resolve only "inside" (m1.rs.internal:27017) and are reached through an address map, the
// seam SSH tunnels will use. Discovery finds every member with its state and settings, each member is
// polled through its own direct client (REL-M2), a member added to the set appears, one removed stops
// being polled, a member that goes down is unreachable while the others keep their cadence (REL-M3),
// and a sharded cluster is found from its mongos.
import { addressMapDialer, NodeClient } from '../../src-main/core/connections';
import { ReplicaSetModel, registerMongosCommands, startSimulator, type Simulator } from '../../src-main/core/sim';
import type { ConnectionSummary } from '../../src-shared/contract';
import { nodeEntityKey, type NodeId } from '../../src-shared/domain/identity';
import { eventually, startTestCore, type TestCore } from '../helpers/core';

const FAST = { intervalMs: 200, deadlineMs: 800, connectTimeoutMs: 2000, rediscoverMs: 60_000 };

async function samples(t: TestCore, id: NodeId): Promise<number> {
  const r = await t.client.invoke('metrics.query', { entity: nodeEntityKey(id), metrics: ['serverStatus.uptimeMillis'], from: 0, to: Date.now() + 1000 });
  return r.series[0]!.points.length;
}

async function conn(t: TestCore, id: string): Promise<ConnectionSummary> {
  return (await t.client.invoke('connections.list', {})).find((c) => c.id === id)!;
}

describe('replica set discovery through an address map', () => {
  const names = ['m1.rs.internal:27017', 'm2.rs.internal:27017', 'm3.rs.internal:27017', 'm4.rs.internal:27017'];
  let model: ReplicaSetModel;
  const sims = new Map<string, Simulator>();
  let t: TestCore;
  let dialled: string[];
  let c: ConnectionSummary;

  beforeAll(async () => {
    model = new ReplicaSetModel({
      setName: 'rs0',
      members: [names[0]!, names[1]!, { host: names[2]!, hidden: true, priority: 0, secondaryDelaySecs: 3600 }],
    });
    for (const [i, me] of names.entries()) sims.set(me, await startSimulator({ me, topology: model, seed: i + 1 }));
    const map = Object.fromEntries([...sims].map(([me, s]) => [me, s.address]));
    const inner = addressMapDialer(map);
    dialled = [];
    t = startTestCore({
      monitoring: FAST,
      connectionSeams: {
        dial: async (hp, signal) => {
          dialled.push(hp);
          return inner(hp, signal);
        },
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([...sims.values()].map((s) => s.stop()));
  });

  it('finds all three members from a secondary seed, with their states, hidden and delayed settings', async () => {
    c = await t.client.invoke('connections.add', { uri: 'mongodb://m2.rs.internal:27017/?replicaSet=rs0', name: 'rs0', discover: true });
    expect(c.nodes.map((n) => [n.hostPort, n.role])).toEqual([
      ['m1.rs.internal:27017', 'PRIMARY'],
      ['m2.rs.internal:27017', 'SECONDARY'],
      ['m3.rs.internal:27017', 'SECONDARY'],
    ]);
    const rs = c.topology!.replicaSet!;
    expect(c.topology!.kind).toBe('replicaSet');
    expect(rs.name).toBe('rs0');
    expect(rs.setVersion).toBe(1);
    const m3 = rs.members.find((m) => m.hostPort === names[2])!;
    expect(m3).toMatchObject({ state: 'SECONDARY', hidden: true, priority: 0, delaySecs: 3600, arbiter: false, health: 1 });
    expect(rs.members.find((m) => m.hostPort === names[0])).toMatchObject({ state: 'PRIMARY', hidden: false, priority: 1, votes: 1 });
    // Member names only resolve through the map: nothing was dialled by any other name.
    expect(new Set(dialled)).toEqual(new Set(names.slice(0, 3)));
    expect(c.topology!.members.every((m) => m.nodeId !== undefined)).toBe(true);
  });

  it('REL-M2: each member is polled through its own direct client, by its own name', async () => {
    for (const n of c.nodes) {
      await eventually(async () => ((await samples(t, n.id)) >= 3 ? true : undefined), 10_000, `samples from ${n.hostPort}`);
    }
    for (const me of names.slice(0, 3)) expect(sims.get(me)!.stats().commands.serverStatus?.total ?? 0, me).toBeGreaterThan(2);
    expect(sims.get(names[3]!)!.stats().commands.serverStatus?.total ?? 0).toBe(0);
    const list = await conn(t, c.id);
    expect(list.nodes.every((n) => n.status.state === 'monitoring')).toBe(true);
    // A client for one member: one host, directConnection, even from a URI listing the whole set.
    const client = await NodeClient.connect(
      { baseUri: `mongodb://${names.slice(0, 3).join(',')}/?replicaSet=rs0`, hostPort: names[0]!, dial: addressMapDialer({ [names[0]!]: sims.get(names[0]!)!.address }) },
      { appName: 'baleen/test' },
    );
    try {
      expect(client.describe()).toEqual({ directConnection: true, hosts: [sims.get(names[0]!)!.address], appName: 'baleen/test' });
      expect((await client.command({ hello: 1 }, { deadlineMs: 1000 })).me).toBe(names[0]);
    } finally {
      await client.close();
    }
  });

  it('a member added to the set appears (setVersion changed in serverStatus.repl) and is polled', async () => {
    model.addMember(names[3]!);
    const added = await eventually(async () => (await conn(t, c.id)).nodes.find((n) => n.hostPort === names[3]), 10_000, 'm4 discovered');
    expect(added.role).toBe('SECONDARY');
    await eventually(async () => ((await samples(t, added.id)) >= 2 ? true : undefined), 10_000, 'samples from m4');
    const after = await conn(t, c.id);
    expect(after.topology!.replicaSet!.setVersion).toBe(2);
    expect(after.topology!.replicaSet!.members.map((m) => m.hostPort)).toContain(names[3]);
    expect(t.core.audit.list({ action: 'connection.rediscover' }).some((r) => r.kind === 'outcome' && r.result === 'ok')).toBe(true);
  });

  it('a member removed from the set stops being polled and keeps its history', async () => {
    model.removeMember(names[3]!);
    const gone = await eventually(async () => {
      const n = (await conn(t, c.id)).nodes.find((x) => x.hostPort === names[3]);
      return n?.role === 'REMOVED' ? n : undefined;
    }, 10_000, 'm4 marked removed');
    expect(gone.status.state).toBe('stopped');
    expect(await samples(t, gone.id)).toBeGreaterThan(0);
  });

  it('REL-M3: a member that goes down is unreachable within P + D, the others keep their cadence, and it comes back', async () => {
    const m3 = c.nodes.find((n) => n.hostPort === names[2])!;
    const m1 = c.nodes.find((n) => n.hostPort === names[0])!;
    const sim = sims.get(names[2]!)!;
    await sim.faults.refuseConnections('close-listener');
    sim.faults.dropConnections();
    const started = Date.now();
    await eventually(async () => ((await conn(t, c.id)).nodes.find((n) => n.id === m3.id)!.status.state === 'unreachable' ? true : undefined), 5000, 'm3 unreachable');
    expect(Date.now() - started).toBeLessThan(FAST.intervalMs + FAST.deadlineMs + 2000);
    const before = await samples(t, m1.id);
    await new Promise((r) => setTimeout(r, 1000));
    // 1 s at P = 200 ms: about five polls of the healthy member meanwhile.
    expect((await samples(t, m1.id)) - before).toBeGreaterThanOrEqual(3);
    await sim.faults.acceptConnections();
    await eventually(async () => ((await conn(t, c.id)).nodes.find((n) => n.id === m3.id)!.status.state === 'monitoring' ? true : undefined), 20_000, 'm3 back');
  });

  it('without discovery, only the seed hosts are polled (what connections.add always did)', async () => {
    const seedOnly = await t.client.invoke('connections.add', { uri: 'mongodb://m1.rs.internal:27017/?replicaSet=rs0', name: 'seed-only' });
    expect(seedOnly.nodes.map((n) => n.hostPort)).toEqual([names[0]]);
    expect(seedOnly.topology!.notes.join(' ')).toMatch(/turn on discovery/);
    await t.client.invoke('connections.remove', { id: seedOnly.id });
  });
});

describe('sharded cluster discovery from a mongos', () => {
  const sims: Simulator[] = [];
  let t: TestCore;

  beforeAll(async () => {
    const shA = new ReplicaSetModel({ setName: 'shA', members: ['a1.internal:27018', 'a2.internal:27018', { host: 'a3.internal:27018', arbiterOnly: true }] });
    const shB = new ReplicaSetModel({ setName: 'shB', members: ['b1.internal:27018'] });
    const cfg = new ReplicaSetModel({ setName: 'cfg', members: ['c1.internal:27019'] });
    const cluster = {
      shards: [
        { name: 'shard-a', setName: 'shA', hosts: ['a1.internal:27018', 'a2.internal:27018'] },
        { name: 'shard-b', setName: 'shB', hosts: ['b1.internal:27018'] },
      ],
      configServers: { setName: 'cfg', hosts: ['c1.internal:27019'] },
    };
    const map: Record<string, string> = {};
    const start = async (me: string, opts: Parameters<typeof startSimulator>[0]) => {
      const s = await startSimulator({ me, ...opts });
      sims.push(s);
      map[me] = s.address;
    };
    await start('mongos1.internal:27017', { extendCommands: (table) => registerMongosCommands(table, cluster) });
    for (const h of ['a1.internal:27018', 'a2.internal:27018', 'a3.internal:27018']) await start(h, { topology: shA });
    await start('b1.internal:27018', { topology: shB });
    await start('c1.internal:27019', { topology: cfg });
    t = startTestCore({ monitoring: FAST, connectionSeams: { dial: addressMapDialer(map) } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('finds the routers, every shard member (arbiter included) and the config servers, each its own node', async () => {
    const c = await t.client.invoke('connections.add', { uri: 'mongodb://mongos1.internal:27017/', name: 'cluster', discover: true });
    const topo = c.topology!;
    expect(topo.kind).toBe('sharded');
    expect(topo.members.map((m) => [m.hostPort, m.state])).toEqual([['mongos1.internal:27017', 'MONGOS']]);
    expect(topo.shards.map((s) => [s.shard, s.name, s.members.map((m) => `${m.hostPort} ${m.state}${m.arbiter ? ' arbiter' : ''}`)])).toEqual([
      ['shard-a', 'shA', ['a1.internal:27018 PRIMARY', 'a2.internal:27018 SECONDARY', 'a3.internal:27018 ARBITER arbiter']],
      ['shard-b', 'shB', ['b1.internal:27018 PRIMARY']],
    ]);
    expect(topo.configServers!.members.map((m) => [m.hostPort, m.state])).toEqual([['c1.internal:27019', 'PRIMARY']]);
    expect(c.nodes.map((n) => [n.hostPort, n.role, n.shard ?? null, n.server])).toEqual([
      ['a1.internal:27018', 'PRIMARY', 'shard-a', 'mongod'],
      ['a2.internal:27018', 'SECONDARY', 'shard-a', 'mongod'],
      ['a3.internal:27018', 'ARBITER', 'shard-a', 'mongod'],
      ['b1.internal:27018', 'PRIMARY', 'shard-b', 'mongod'],
      ['c1.internal:27019', 'PRIMARY', 'config', 'mongod'],
      ['mongos1.internal:27017', 'MONGOS', null, 'mongos'],
    ]);
    for (const n of c.nodes) await eventually(async () => ((await samples(t, n.id)) >= 2 ? true : undefined), 10_000, `samples from ${n.hostPort}`);
  });
});

describe('rediscovery on a slow schedule', () => {
  it('finds the deployment again every rediscoverMs, as the system, without being asked', async () => {
    const model = new ReplicaSetModel({ setName: 'slow', members: ['s1.slow.internal:27017'] });
    const sim = await startSimulator({ me: 's1.slow.internal:27017', topology: model });
    const t = startTestCore({ monitoring: { ...FAST, rediscoverMs: 300 }, connectionSeams: { dial: addressMapDialer({ 's1.slow.internal:27017': sim.address }) } });
    try {
      const c = await t.client.invoke('connections.add', { uri: 'mongodb://s1.slow.internal:27017/?replicaSet=slow', discover: true });
      const runs = await eventually(() => {
        const r = t.core.audit.list({ action: 'connection.rediscover' }).filter((x) => x.kind === 'intent' && x.target === c.id);
        return r.length >= 2 ? r : undefined;
      }, 5000, 'two scheduled rediscoveries');
      expect(runs.every((r) => r.actor === 'system')).toBe(true);
      await t.client.invoke('connections.disconnect', { id: c.id });
      const after = t.core.audit.list({ action: 'connection.rediscover' }).length;
      await new Promise((r) => setTimeout(r, 700));
      // A disconnected deployment is left alone.
      expect(t.core.audit.list({ action: 'connection.rediscover' }).length).toBe(after);
    } finally {
      await t.close();
      await sim.stop();
    }
  });
});
