import net from 'node:net';
import { BaleenError } from '../../../src-shared/domain/errors';
import { type Simulator, type SimulatorOptions, startSimulator } from './simulator';
import { StaticReplicaSet } from './node/topology';
import { ManualClock } from './testing/manual-clock';
import { RawWireClient } from './testing/raw-wire-client';

const sims: Simulator[] = [];
const clients: RawWireClient[] = [];

async function sim(opts: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator(opts);
  sims.push(s);
  return s;
}

async function client(s: Simulator): Promise<RawWireClient> {
  const c = await RawWireClient.connect(s.port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.on('connect', () => s.on('close', () => resolve('closed')));
  });
}

describe('simulator API', () => {
  it('connections.current is the real open connection count plus the baseline', async () => {
    const s = await sim({ connectionBaseline: 5 });
    const [a, b, c] = [await client(s), await client(s), await client(s)];
    const status = await a.command({ serverStatus: 1 });
    expect(status.connections).toMatchObject({ current: 8, totalCreated: 8, active: 1 });
    await b.close();
    await c.close();
    await vi.waitFor(() => expect(s.stats().openConnections).toBe(1));
    expect((await a.command({ serverStatus: 1 })).connections.current).toBe(6);
    expect((await a.command({ serverStatus: 1 })).connections.totalCreated).toBe(8);
  });

  it('restart() closes connections and comes back as a new process with uptime from zero', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock });
    const a = await client(s);
    await clock.advance(3_600_000);
    const before = await a.command({ serverStatus: 1 });
    const pid = s.pid;
    await s.restart();
    await a.closed();
    const b = await client(s);
    const after = await b.command({ serverStatus: 1 });
    expect(s.pid).not.toBe(pid);
    expect(after.pid).toBe(s.pid);
    expect(after.uptimeMillis).toBeLessThan(before.uptimeMillis);
    expect(after.opcounters.query).toBeLessThan(before.opcounters.query);
    expect(after.connections.totalCreated).toBe(1);
    expect((await b.command({ hello: 1 })).connectionId).toBe(1);
  });

  it('restart() with downtime refuses connections until it is over', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock });
    const restarting = s.restart({ downtimeMs: 5_000 });
    expect(await connectError(s.port)).toBe('ECONNREFUSED');
    await clock.advance(5_000);
    await restarting;
    expect((await (await client(s)).command({ ping: 1 })).ok).toBe(1);
  });

  it('stop() releases the port, closes every socket and can be called twice', async () => {
    const s = await startSimulator();
    const a = await RawWireClient.connect(s.port);
    await s.stop();
    await a.closed();
    await s.stop();
    expect(await connectError(s.port)).toBe('ECONNREFUSED');
    const again = await sim({ port: s.port });
    expect(again.port).toBe(s.port);
  });

  it('reports a busy port as E_CONFLICT, and bad options as E_INVALID_INPUT', async () => {
    const s = await sim();
    await expect(startSimulator({ port: s.port })).rejects.toMatchObject({ code: 'E_CONFLICT' });
    for (const bad of [{ host: '0.0.0.0' }, { host: '192.168.1.10' }, { port: 70_000 }, { hosts: ['a:1'] }, { rates: { inserts: 1 } as never }, { rates: { insert: -1 } }, { version: '5.0.0' }, { setName: 'rs0', hosts: ['x:1'] }]) {
      const err = await startSimulator(bad).catch((e: unknown) => e);
      expect(err, JSON.stringify(bad)).toBeInstanceOf(BaleenError);
      expect((err as BaleenError).code).toBe('E_INVALID_INPUT');
    }
  });

  it('several simulators can share one replica-set model; moving the primary shows on every member', async () => {
    const hosts = ['a.rs.test:27017', 'b.rs.test:27017', 'c.rs.test:27017'];
    const rs = new StaticReplicaSet({ setName: 'rs0', hosts });
    const members = await Promise.all(hosts.map((me) => sim({ me, topology: rs })));
    const conns = await Promise.all(members.map((m) => client(m)));
    const view = async () => Promise.all(conns.map((c) => c.command({ hello: 1 })));
    expect((await view()).map((h) => [h.me, h.isWritablePrimary, h.primary])).toEqual([
      ['a.rs.test:27017', true, 'a.rs.test:27017'],
      ['b.rs.test:27017', false, 'a.rs.test:27017'],
      ['c.rs.test:27017', false, 'a.rs.test:27017'],
    ]);
    const before = await view();
    rs.setPrimary('c.rs.test:27017');
    const after = await view();
    expect(after.map((h) => h.isWritablePrimary)).toEqual([false, false, true]);
    expect(after.map((h) => h.primary)).toEqual(hosts.map(() => 'c.rs.test:27017'));
    // Each member's topologyVersion moved on, and the new primary reports a newer electionId.
    after.forEach((h, i) => expect(h.topologyVersion.counter).toBe(before[i]!.topologyVersion.counter + 1));
    expect(after[2]!.electionId.equals(before[0]!.electionId)).toBe(false);
    expect(after[0]).not.toHaveProperty('electionId');
    expect(members[0]!.replicaSet).toBe(rs);
    await expect(startSimulator({ topology: rs, setName: 'x' })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
  });

  it('setRates() changes the workload from now on', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock, rates: { insert: 0 } });
    const c = await client(s);
    await clock.advance(60_000);
    expect((await c.command({ serverStatus: 1 })).opcounters.insert).toBe(0);
    s.setRates({ insert: 1_000 });
    await clock.advance(60_000);
    const inserts = (await c.command({ serverStatus: 1 })).opcounters.insert as number;
    expect(inserts).toBeGreaterThan(57_000);
    expect(inserts).toBeLessThan(63_000);
    expect(() => s.setRates({ insert: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});

describe('simulator faults', () => {
  it('delay answers after N ms of the simulator clock (server side of REL-M7)', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock });
    const c = await client(s);
    s.faults.delay('ping', 1_000, { times: 1 });
    const reply = c.command({ ping: 1 }, { timeoutMs: 3_000 });
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    await clock.advance(999);
    expect(clock.pending).toBe(1);
    await clock.advance(1);
    expect((await reply).ok).toBe(1);
    // `times: 1` used it up.
    expect((await c.command({ ping: 1 })).ok).toBe(1);
  });

  it('a delay longer than the command maxTimeMS fails it with MaxTimeMSExpired at maxTimeMS', async () => {
    const clock = new ManualClock();
    const s = await sim({ clock });
    const c = await client(s);
    s.faults.delay('serverStatus', 5_000);
    const reply = c.command({ serverStatus: 1, maxTimeMS: 100 }, { timeoutMs: 3_000 });
    await vi.waitFor(() => expect(clock.pending).toBe(2));
    await clock.advance(100);
    expect(await reply).toMatchObject({ ok: 0, code: 50, codeName: 'MaxTimeMSExpired' });
    // The abandoned delay timer is cancelled, not left behind.
    await vi.waitFor(() => expect(clock.pending).toBe(0));
    expect(s.stats().commands.serverStatus).toEqual({ total: 1, failed: 1 });
  });

  it('server side of REL-M6: fail() answers the configured error (stepdown, shutdown...) and the connection stays usable', async () => {
    const s = await sim({ setName: 'rs0' });
    const c = await client(s);
    s.faults.fail('serverStatus', { code: 189, codeName: 'PrimarySteppedDown', errorLabels: ['RetryableWriteError'] }, { times: 1 });
    const failed = await c.command({ serverStatus: 1 });
    expect(failed).toMatchObject({ ok: 0, code: 189, codeName: 'PrimarySteppedDown', errorLabels: ['RetryableWriteError'] });
    // A set member gossips cluster time on errors too.
    expect(failed).toHaveProperty('$clusterTime');
    expect((await c.command({ serverStatus: 1 })).ok).toBe(1);
    expect(s.stats().commands.serverStatus).toEqual({ total: 2, failed: 1 });
    expect(() => s.faults.fail('x', { code: 1.5, codeName: 'X' })).toThrow(RangeError);
  });

  it('hang holds matching commands until cleared, and only those', async () => {
    const s = await sim();
    const a = await client(s);
    const b = await client(s);
    const hang = s.faults.hang('serverStatus');
    const held = a.command({ serverStatus: 1 }, { timeoutMs: 5_000 });
    await expect(b.command({ serverStatus: 1 }, { timeoutMs: 200 })).rejects.toThrow(/no message/);
    expect((await (await client(s)).command({ ping: 1 })).ok).toBe(1);
    hang.clear();
    expect((await held).ok).toBe(1);
  });

  it('a hang on "hello" covers isMaster and ismaster too', async () => {
    const s = await sim();
    const c = await client(s);
    s.faults.hang('hello');
    await expect(c.command({ ismaster: 1 }, { timeoutMs: 200 })).rejects.toThrow(/no message/);
    s.faults.clearAll();
  });

  it('garbage answers with bytes that are not a reply', async () => {
    const s = await sim();
    const c = await client(s);
    s.faults.garbage('buildInfo', { bytes: 40, times: 1 });
    const requestId = c.requestId();
    const { encodeOpMsg } = await import('./wire/wire-protocol');
    c.send(encodeOpMsg({ requestId, body: { buildInfo: 1, $db: 'admin' } }));
    const frame = await c.nextFrame().catch((e: unknown) => e);
    // Either the random length is impossible (a framing error) or it is not our reply.
    if (frame instanceof Uint8Array) expect(new DataView(frame.buffer, frame.byteOffset).getInt32(8, true)).not.toBe(requestId);
    else expect(String(frame)).toMatch(/length|no message/);
  });

  it('dropConnections resets every open connection (REL-M3 fake); refuseConnections gives ECONNREFUSED (REL-M1 fake) until accepted again', async () => {
    const s = await sim();
    const a = await client(s);
    const b = await client(s);
    expect(s.faults.dropConnections()).toBe(2);
    await Promise.all([a.closed(), b.closed()]);

    await s.faults.refuseConnections();
    expect(await connectError(s.port)).toBe('ECONNREFUSED');
    await s.faults.acceptConnections();
    expect((await (await client(s)).command({ ping: 1 })).ok).toBe(1);

    await s.faults.refuseConnections('reset');
    expect(['ECONNRESET', 'closed']).toContain(await connectError(s.port));
    await s.faults.acceptConnections();
    expect((await (await client(s)).command({ ping: 1 })).ok).toBe(1);
  });
});

describe('simulator auth seam and connectionStatus', () => {
  it('REL-M5 fake: without auth, connectionStatus reports no users; with a principal it reports users, roles and privileges', async () => {
    const anon = await sim();
    const status = await (await client(anon)).command({ connectionStatus: 1, showPrivileges: true });
    expect(status).toEqual({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [], authenticatedUserPrivileges: [] }, ok: 1 });

    const s = await sim({ principal: { user: 'baleen', db: 'admin', roles: [{ role: 'clusterMonitor', db: 'admin' }] } });
    const c = await client(s);
    const plain = await c.command({ connectionStatus: 1 });
    expect(plain.authInfo).toEqual({ authenticatedUsers: [{ user: 'baleen', db: 'admin' }], authenticatedUserRoles: [{ role: 'clusterMonitor', db: 'admin' }] });
    const withPrivs = await c.command({ connectionStatus: 1, showPrivileges: true });
    const cluster = (withPrivs.authInfo.authenticatedUserPrivileges as { resource: object; actions: string[] }[]).find((p) => 'cluster' in p.resource);
    expect(cluster?.actions).toContain('serverStatus');
    expect(cluster?.actions).not.toContain('shutdown');
  });

  it('REL-M5 fake: requireAuth refuses commands that need authentication with code 13 until a principal exists', async () => {
    const s = await sim({ requireAuth: true });
    const c = await client(s);
    expect((await c.command({ ping: 1 })).ok).toBe(1);
    expect((await c.command({ hello: 1 })).ok).toBe(1);
    expect(await c.command({ serverStatus: 1 })).toMatchObject({ ok: 0, code: 13, codeName: 'Unauthorized' });
    const authed = await sim({ requireAuth: true, principal: { user: 'u', db: 'admin', roles: [] } });
    expect((await (await client(authed)).command({ serverStatus: 1 })).ok).toBe(1);
  });
});
