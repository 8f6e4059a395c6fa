// What a user may do, and what happens when the server says no. Simulators with SCRAM-SHA-256 and
// access control: the capability matrix from connectionStatus (REL-M5), a feature refused with code 13
// turns off with its reason and is retried at most once an hour while the node stays up (REL-M5), a
// password changed under a running monitor shows auth-failed (18), not unreachable, with at most one
// login per backoff step and the canary nowhere (REL-M4), and stepdown-style errors are transient (REL-M6).
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressMapDialer, FeatureGate, NodeClient, RETRY_DENIED_MS } from '../../src-main/core/connections';
import { jsonLineLogger } from '../../src-main/core/ports/logger';
import { ReplicaSetModel, registerScramAuth, SimUserDirectory, startSimulator, type Simulator } from '../../src-main/core/sim';
import type { ConnectionSummary, NodeState } from '../../src-shared/contract';
import { nodeEntityKey, type NodeId } from '../../src-shared/domain/identity';
import { eventually, startTestCore, type TestCore } from '../helpers/core';
import { ManualClock } from '../helpers/manual-clock';
import { canaryHits } from './connections-fixtures';

const FAST = { intervalMs: 200, deadlineMs: 800, connectTimeoutMs: 2000, rediscoverMs: 600_000 };
const MON_PASSWORD = `CANARY-${randomUUID()}`;
const SCRAM = 'authMechanism=SCRAM-SHA-256&authSource=admin';

async function samples(t: TestCore, id: NodeId): Promise<number> {
  const r = await t.client.invoke('metrics.query', { entity: nodeEntityKey(id), metrics: ['serverStatus.uptimeMillis'], from: 0, to: Date.now() + 1000 });
  return r.series[0]!.points.length;
}

function stateLog(t: TestCore, nodeId: () => NodeId | undefined): NodeState[] {
  const seen: NodeState[] = [];
  t.client.on('connections.changed', ({ connections }) => {
    const id = nodeId();
    const n = connections.flatMap((c) => c.nodes).find((x) => x.id === id);
    if (n && seen[seen.length - 1] !== n.status.state) seen.push(n.status.state);
  });
  return seen;
}

describe('REL-M5: capabilities of a clusterMonitor user; a refused feature is off, not a failure', () => {
  const users = new SimUserDirectory([
    { user: 'mon', db: 'admin', password: MON_PASSWORD, roles: [{ role: 'clusterMonitor', db: 'admin' }] },
    { user: 'analyst', db: 'admin', password: 'analyst-pw', roles: [{ role: 'clusterMonitor', db: 'admin' }, { role: 'read', db: 'app' }] },
  ]);
  const sims = new Map<string, Simulator>();
  let t: TestCore;
  let c: ConnectionSummary;

  beforeAll(async () => {
    const model = new ReplicaSetModel({ setName: 'rs1', members: ['p1.corp.internal:27017', 'p2.corp.internal:27017'] });
    for (const me of model.hosts()) sims.set(me, await startSimulator({ me, topology: model, requireAuth: true, extendCommands: (tb) => registerScramAuth(tb, users) }));
    t = startTestCore({ monitoring: FAST, connectionSeams: { dial: addressMapDialer(Object.fromEntries([...sims].map(([k, s]) => [k, s.address]))) } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([...sims.values()].map((s) => s.stop()));
  });

  it('builds the matrix from connectionStatus: monitoring on, explain off with the role that would unlock it', async () => {
    const p1 = sims.get('p1.corp.internal:27017')!;
    p1.faults.fail('replSetGetStatus', { code: 13, codeName: 'Unauthorized', errmsg: 'not authorized on admin to execute command { replSetGetStatus: 1 }' });
    c = await t.client.invoke('connections.add', { uri: `mongodb://mon@p1.corp.internal:27017/?replicaSet=rs1&${SCRAM}`, secrets: { password: MON_PASSWORD }, discover: true });
    // replSetGetStatus was refused: discovery still found both members (config + each member's hello).
    expect(c.nodes.map((n) => [n.hostPort, n.role])).toEqual([
      ['p1.corp.internal:27017', 'PRIMARY'],
      ['p2.corp.internal:27017', 'SECONDARY'],
    ]);
    expect(c.topology!.notes.join('\n')).toMatch(/replSetGetStatus on p1\.corp\.internal:27017: Not authorized \(code 13\)/);
    const m = await t.client.invoke('connections.capabilities', { nodeId: c.nodes[0]!.id });
    expect(m).toMatchObject({ source: 'privileges', users: ['mon@admin'], roles: ['clusterMonitor@admin'], minimumRole: 'clusterMonitor on admin' });
    const f = Object.fromEntries(m.features.map((x) => [x.feature, x]));
    for (const on of ['serverStatus', 'replSetGetConfig', 'currentOp', 'getLog', 'top', 'hostInfo', 'dbStats', 'collStats']) expect(f[on]!.state, on).toBe('available');
    expect(f.replSetGetStatus).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/refused by the server \(code 13\)/), unlockRole: 'clusterMonitor' });
    expect(f.replSetGetStatus!.deniedAt).toBeTypeOf('number');
    expect(f.explain).toMatchObject({ state: 'unavailable', reason: 'needs find on the namespace explained (beyond clusterMonitor)', unlockRole: expect.stringMatching(/^read/) });
  });

  it('the node is not marked down and keeps its samples; the refused command is not retried within the hour', async () => {
    const p1 = sims.get('p1.corp.internal:27017')!;
    for (const n of c.nodes) await eventually(async () => ((await samples(t, n.id)) >= 3 ? true : undefined), 10_000, `samples from ${n.hostPort}`);
    const list = (await t.client.invoke('connections.list', {}))[0]!;
    expect(list.nodes.map((n) => n.status.state)).toEqual(['monitoring', 'monitoring']);
    const before = p1.stats().commands.replSetGetStatus?.total ?? 0;
    expect(before).toBe(1);
    await t.client.invoke('connections.rediscover', { id: c.id });
    expect(p1.stats().commands.replSetGetStatus?.total ?? 0).toBe(before);
  });

  it('the gate retries a refused feature at most once an hour (ManualClock, real server)', async () => {
    const p2 = sims.get('p2.corp.internal:27017')!;
    const fault = p2.faults.fail('hostInfo', { code: 13, codeName: 'Unauthorized' });
    const clock = new ManualClock();
    const gate = new FeatureGate(clock);
    const client = await NodeClient.connect({ baseUri: `mongodb://mon@p2.corp.internal:27017/?${SCRAM}`, hostPort: 'p2.corp.internal:27017', secrets: { password: MON_PASSWORD }, dial: addressMapDialer({ 'p2.corp.internal:27017': p2.address }) }, { appName: 'baleen/test' });
    const calls = () => p2.stats().commands.hostInfo?.total ?? 0;
    try {
      const hostInfo = () => gate.run('hostInfo', () => client.command({ hostInfo: 1 }, { deadlineMs: 1000 }));
      await expect(hostInfo()).rejects.toMatchObject({ code: 'E_NOT_AUTHORIZED' });
      expect(calls()).toBe(1);
      // 1, 30 and 59 minutes after the refusal: refused again without asking the server.
      for (const step of [1, 29, 29]) {
        await clock.advance(step * 60_000);
        await expect(hostInfo()).rejects.toMatchObject({ code: 'E_NOT_AUTHORIZED', message: expect.stringMatching(/tried again at most once an hour/) });
      }
      expect(calls()).toBe(1);
      fault.clear();
      await clock.advance(RETRY_DENIED_MS);
      await expect(hostInfo()).resolves.toMatchObject({ system: expect.any(Object) });
      expect(calls()).toBe(2);
      expect(gate.state('hostInfo')).toMatchObject({ state: 'available' });
      expect(gate.state('hostInfo').deniedAt).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('a user with read on one database can explain there only: partial, with the database named', async () => {
    const a = await t.client.invoke('connections.add', { uri: `mongodb://analyst@p2.corp.internal:27017/?${SCRAM}`, secrets: { password: 'analyst-pw' } });
    const m = await t.client.invoke('connections.capabilities', { nodeId: a.nodes[0]!.id });
    expect(m.features.find((f) => f.feature === 'explain')).toMatchObject({ state: 'partial', reason: 'only on app' });
    await t.client.invoke('connections.remove', { id: a.id });
  });
});

describe('REL-M4: heartbeat OK but auth fails', () => {
  const users = new SimUserDirectory([{ user: 'mon', db: 'admin', password: MON_PASSWORD, roles: [{ role: 'clusterMonitor', db: 'admin' }] }]);
  let sim: Simulator;
  let t: TestCore;
  const logs: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ me: 'solo.corp.internal:27017', requireAuth: true, extendCommands: (tb) => registerScramAuth(tb, users) });
    t = startTestCore({ monitoring: FAST, logger: jsonLineLogger((l) => void logs.push(l), 'baleen', 'debug'), connectionSeams: { dial: addressMapDialer({ 'solo.corp.internal:27017': sim.address }) } });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  it('a changed password shows auth-failed (code 18), with at most one login per backoff step; a new password recovers it', async () => {
    const c = await t.client.invoke('connections.add', { uri: `mongodb://mon@solo.corp.internal:27017/?${SCRAM}`, secrets: { password: MON_PASSWORD } });
    const node = c.nodes[0]!;
    await eventually(async () => ((await samples(t, node.id)) >= 2 ? true : undefined), 10_000, 'first samples');
    const states = stateLog(t, () => node.id);

    users.setPassword('mon', 'admin', 'rotated-by-the-dba');
    sim.faults.dropConnections(); // pooled sockets stay logged in; new ones must log in again
    const failed = await eventually(async () => {
      const n = (await t.client.invoke('connections.list', {}))[0]!.nodes[0]!;
      return n.status.state === 'auth-failed' ? n : undefined;
    }, 10_000, 'auth-failed');
    expect(failed.status.reason).toMatch(/Authentication failed \(code 18\)/);
    // The server itself is up: an unauthenticated hello answers.
    const probe = await NodeClient.connect({ baseUri: 'mongodb://solo.corp.internal:27017/', hostPort: 'solo.corp.internal:27017', dial: addressMapDialer({ 'solo.corp.internal:27017': sim.address }) }, { appName: 'baleen/test' });
    expect((await probe.command({ hello: 1 }, { deadlineMs: 1000 })).isWritablePrimary).toBe(true);
    await probe.close();

    const attemptsAtFailure = users.attempts;
    await new Promise((r) => setTimeout(r, 5000));
    // Backoff 1, 2, 4, 8 s: within 5 s after the failure, at most two more logins.
    expect(users.attempts - attemptsAtFailure).toBeLessThanOrEqual(2);
    const afterFailure = states.slice(states.indexOf('auth-failed'));
    expect(afterFailure).toEqual(['auth-failed']);

    await t.client.invoke('connections.update', { id: c.id, secrets: { password: 'rotated-by-the-dba' } });
    await eventually(async () => ((await t.client.invoke('connections.list', {}))[0]!.nodes[0]!.status.state === 'monitoring' ? true : undefined), 5000, 'monitoring again');
    const audit = t.core.audit.list({ action: 'secret.change' });
    expect(audit.map((r) => [r.kind, r.target, r.details])).toEqual([
      ['outcome', `${c.id}/mongodb-password`, {}],
      ['intent', `${c.id}/mongodb-password`, { kind: 'mongodb-password' }],
    ]);
  });

  it('the canary password appears nowhere: logs, audit and config DBs (with -wal), API answers', async () => {
    const files = readdirSync(t.dataDir).map((f) => readFileSync(join(t.dataDir, f)).toString('latin1'));
    expect(canaryHits(files.join('\n'), [MON_PASSWORD])).toEqual([]);
    expect(canaryHits(logs.join('\n'), [MON_PASSWORD])).toEqual([]);
    expect(canaryHits(JSON.stringify(await t.client.invoke('connections.list', {})), [MON_PASSWORD])).toEqual([]);
  });
});

describe('REL-M6: stepdown and recovering errors are transient', () => {
  let sim: Simulator;
  let t: TestCore;

  beforeAll(async () => {
    sim = await startSimulator({ setName: 'rs6', me: 'x.corp.internal:27017' });
    t = startTestCore({ monitoring: FAST, connectionSeams: { dial: addressMapDialer({ 'x.corp.internal:27017': sim.address }) } });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  it('189, 11602, 91, 10107 and 13436 skip one sample each; the node is never reported down', async () => {
    const c = await t.client.invoke('connections.add', { uri: 'mongodb://x.corp.internal:27017/?replicaSet=rs6' });
    const id = c.nodes[0]!.id;
    await eventually(async () => ((await samples(t, id)) >= 2 ? true : undefined), 10_000, 'first samples');
    const states = stateLog(t, () => id);
    const before = await samples(t, id);
    for (const [code, codeName] of [
      [189, 'PrimarySteppedDown'],
      [11602, 'InterruptedDueToReplStateChange'],
      [91, 'ShutdownInProgress'],
      [10107, 'NotWritablePrimary'],
      [13436, 'NotPrimaryOrSecondary'],
    ] as const) {
      const before1 = sim.stats().commands.serverStatus!.failed;
      sim.faults.fail('serverStatus', { code, codeName }, { times: 1 });
      await eventually(() => (sim.stats().commands.serverStatus!.failed > before1 ? true : undefined), 5000, `${codeName} answered`);
    }
    await eventually(async () => ((await samples(t, id)) >= before + 5 ? true : undefined), 10_000, 'samples keep coming');
    expect(states.filter((s) => s !== 'monitoring')).toEqual([]);
    expect((await t.client.invoke('connections.list', {}))[0]!.nodes[0]!.status.state).toBe('monitoring');
  });
});
