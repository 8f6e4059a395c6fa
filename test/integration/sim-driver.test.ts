// The simulator against the real `mongodb` driver (7.x): handshake, commands, both monitoring modes,
// and the faults tests rely on. Everything runs on loopback; every simulator and client is closed.
import net from 'node:net';
import { MongoClient, MongoNetworkError, MongoNetworkTimeoutError, MongoServerError, type ServerHeartbeatSucceededEvent } from 'mongodb';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src-main/core/sim';

const sims: Simulator[] = [];
const clients: MongoClient[] = [];

async function sim(opts: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator(opts);
  sims.push(s);
  return s;
}

function client(s: Simulator, options: ConstructorParameters<typeof MongoClient>[1] = {}): MongoClient {
  const c = new MongoClient(s.uri, { serverSelectionTimeoutMS: 3_000, connectTimeoutMS: 2_000, ...options });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sim-driver: the real driver talks to the simulator', () => {
  it.each([
    ['directConnection (default monitoring)', {}],
    ["serverMonitoringMode: 'poll'", { serverMonitoringMode: 'poll' as const }],
  ])('%s: hello, ping, serverStatus, buildInfo', async (_mode, options) => {
    const s = await sim({ version: '7.0.14', me: 'node-a.example.net:27017', setName: 'rs0' });
    const c = client(s, options);
    await c.connect();
    const admin = c.db('admin');
    const hello = await admin.command({ hello: 1 });
    expect(hello).toMatchObject({ isWritablePrimary: true, maxWireVersion: 21, me: 'node-a.example.net:27017', setName: 'rs0', hosts: ['node-a.example.net:27017'] });
    expect(typeof hello.connectionId).toBe('number');
    expect(await admin.command({ ping: 1 })).toMatchObject({ ok: 1 });
    const ss = await admin.command({ serverStatus: 1 });
    expect(ss.pid).toBe(s.pid);
    expect(ss.process).toBe('mongod');
    expect(ss.connections.current).toBe(s.stats().openConnections);
    expect((await admin.command({ buildInfo: 1 })).version).toBe('7.0.14');
    if ('serverMonitoringMode' in options) {
      // Polling never sends an awaitable hello.
      expect(s.stats().exhaustHello).toBe(0);
      expect(s.stats().awaitingTopologyChanges).toBe(0);
    }
  });

  it('8.0 announces wire version 25', async () => {
    const s = await sim({ version: '8.0.4' });
    const c = client(s);
    expect((await c.db('admin').command({ hello: 1 })).maxWireVersion).toBe(25);
  });

  it('an awaitable-hello simulator makes the driver stream, without a busy loop', async () => {
    const s = await sim({ awaitableHello: true });
    const c = client(s, { heartbeatFrequencyMS: 500 });
    const beats: ServerHeartbeatSucceededEvent[] = [];
    let failures = 0;
    c.on('serverHeartbeatSucceeded', (e) => beats.push(e));
    c.on('serverHeartbeatFailed', () => failures++);
    await c.connect();
    await sleep(300);
    const start = s.stats().hellos;
    await sleep(2_000);
    const hellos = s.stats().hellos - start;
    expect(s.stats().exhaustHello).toBe(1);
    expect(beats.some((b) => b.awaited)).toBe(true);
    expect(failures).toBe(0);
    // Streaming at 500 ms plus the RTT pinger: about 8 in 2 s. A busy loop would be thousands.
    expect(hellos).toBeGreaterThanOrEqual(3);
    expect(hellos).toBeLessThan(20);
  });

  it('a polling simulator (no topologyVersion) gets polled at the heartbeat frequency', async () => {
    const s = await sim({ awaitableHello: false });
    const c = client(s, { heartbeatFrequencyMS: 500 });
    const beats: ServerHeartbeatSucceededEvent[] = [];
    c.on('serverHeartbeatSucceeded', (e) => beats.push(e));
    await c.connect();
    const start = s.stats().hellos;
    await sleep(2_000);
    const hellos = s.stats().hellos - start;
    expect(beats.every((b) => !b.awaited)).toBe(true);
    expect(hellos).toBeGreaterThanOrEqual(2);
    expect(hellos).toBeLessThan(10);
  });

  // Driver 7.9 ignores timeoutMS ("deprecated ... has no effect"), so the client-side deadline is socketTimeoutMS.
  it('a hung command with maxTimeMS times out on the client side without hanging the test (REL-M7 fake)', async () => {
    const s = await sim();
    const c = client(s, { socketTimeoutMS: 300 });
    const admin = c.db('admin');
    await admin.command({ ping: 1 });
    s.faults.hang('serverStatus');
    const t0 = Date.now();
    await expect(admin.command({ serverStatus: 1, maxTimeMS: 100 })).rejects.toBeInstanceOf(MongoNetworkTimeoutError);
    expect(Date.now() - t0).toBeLessThan(2_000);
    s.faults.clearAll();
    expect((await admin.command({ serverStatus: 1 })).ok).toBe(1);
  });

  it('a hang that honours maxTimeMS fails the command with MaxTimeMSExpired, like a blocked op on a real server', async () => {
    const s = await sim();
    const c = client(s);
    const admin = c.db('admin');
    s.faults.hang('serverStatus', { honorMaxTimeMS: true });
    const t0 = Date.now();
    const err = await admin.command({ serverStatus: 1, maxTimeMS: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err).toMatchObject({ code: 50, codeName: 'MaxTimeMSExpired' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('dropConnections (RST, the REL-M3 fake) surfaces as a network error and the next command reconnects', async () => {
    const s = await sim();
    const c = client(s, { retryReads: false });
    const admin = c.db('admin');
    await admin.command({ ping: 1 });
    const created = s.stats().connectionsCreated;
    s.faults.hang('ping', { times: 1 });
    const inFlight = admin.command({ ping: 1 });
    await vi.waitFor(() => expect(s.stats().commands.ping?.total ?? 0).toBeGreaterThanOrEqual(1));
    await sleep(50);
    expect(s.faults.dropConnections()).toBeGreaterThan(0);
    await expect(inFlight).rejects.toBeInstanceOf(MongoNetworkError);
    s.faults.clearAll();
    expect(await admin.command({ ping: 1 })).toMatchObject({ ok: 1 });
    expect(s.stats().connectionsCreated).toBeGreaterThan(created);
  });

  it('restart() gives a new pid and a lower uptime (what reset detection in derived rates keys on)', async () => {
    const s = await sim();
    const c = client(s);
    const admin = c.db('admin');
    await sleep(1_100);
    const before = await admin.command({ serverStatus: 1 });
    await s.restart();
    const after = await retry(() => admin.command({ serverStatus: 1 }));
    expect(after.pid).not.toBe(before.pid);
    expect(after.pid).toBe(s.pid);
    expect(after.uptimeMillis).toBeLessThan(before.uptimeMillis);
  });

  it('REL-M6 fake: an injected stepdown error reaches the driver as a server error, and the node keeps answering', async () => {
    const s = await sim({ setName: 'rs0' });
    const c = client(s);
    const admin = c.db('admin');
    await admin.command({ ping: 1 });
    s.faults.fail('serverStatus', { code: 11602, codeName: 'InterruptedDueToReplStateChange' }, { times: 1 });
    await expect(admin.command({ serverStatus: 1 })).rejects.toMatchObject({ code: 11602 });
    expect((await retry(() => admin.command({ serverStatus: 1 }))).ok).toBe(1);
  });

  it('REL-M1 fake: a refusing simulator fails a first connect fast with ECONNREFUSED', async () => {
    const s = await sim();
    await s.faults.refuseConnections();
    const c = client(s, { serverSelectionTimeoutMS: 1_000 });
    const t0 = Date.now();
    await expect(c.connect()).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('after stop() the port is free and no sockets remain', async () => {
    const s = await startSimulator();
    const c = new MongoClient(s.uri, { serverSelectionTimeoutMS: 2_000 });
    await c.db('admin').command({ ping: 1 });
    expect(s.stats().openConnections).toBeGreaterThan(0);
    await s.stop();
    expect(s.stats().openConnections).toBe(0);
    await c.close();
    // Binding the same port proves it was released.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(s.port, '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
});

async function retry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await sleep(100);
    }
  }
  throw last;
}
