// SEC-C2: no OS keychain. Run with no D-Bus session at all (the real failure on a headless Linux box),
// and with a keychain that works at start and then fails. Secrets are kept for the session only, the
// UI is told why, `secrets.storage_unavailable` is audited, nothing is written to a file instead, and
// after a restart the connection loads and asks for the password again.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeychainSecretStore, addressMapDialer, openEnvelope, sealEnvelope, type KeyringBackend } from '../../src-main/core/connections';
import { registerScramAuth, SimUserDirectory, startSimulator, type Simulator } from '../../src-main/core/sim';
import { eventually, startTestCore, type TestCore } from '../helpers/core';
import { canaryHits } from './connections-fixtures';

describe('SEC-C2: no keychain (no D-Bus session bus)', () => {
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
  const canary = `CANARY-${randomUUID()}`;
  let dataDir: string;
  let sim: Simulator;
  let t: TestCore | undefined;

  beforeAll(async () => {
    // Whatever the environment, this suite has no session bus to talk to.
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(tmpdir(), `no-bus-${randomUUID()}`)}`;
    dataDir = mkdtempSync(join(tmpdir(), 'baleen-nokeychain-'));
    const users = new SimUserDirectory([{ user: 'mon', db: 'admin', password: canary, roles: [{ role: 'clusterMonitor', db: 'admin' }] }]);
    sim = await startSimulator({ me: 'nk.corp.internal:27017', requireAuth: true, extendCommands: (tb) => registerScramAuth(tb, users) });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  });

  const start = async () =>
    startTestCore({
      dataDir,
      secrets: await KeychainSecretStore.open({ service: `baleen-test-${randomUUID()}` }),
      connectionSeams: { dial: addressMapDialer({ 'nk.corp.internal:27017': sim.address }) },
      monitoring: { intervalMs: 200, deadlineMs: 800, connectTimeoutMs: 2000 },
    });

  it('opens session-only with the reason, audits secrets.storage_unavailable, and tells the UI', async () => {
    const store = await KeychainSecretStore.open({ service: 'baleen-test' });
    expect(store.persistence.persistent).toBe(false);
    expect(store.persistence).toMatchObject({ reason: expect.stringMatching(/^the OS keychain is unavailable \(.+\)$/) });
    t = await start();
    const storage = await t.client.invoke('connections.secretStorage', {});
    expect(storage).toEqual({ persistent: false, reason: expect.stringMatching(/OS keychain is unavailable/) });
    const rows = t.core.audit.list({ action: 'secrets.storage_unavailable' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details).toEqual({ reason: storage.reason });
  });

  it('a password is kept for this session only, says so, and is used', async () => {
    const c = await t!.client.invoke('connections.add', { uri: 'mongodb://mon@nk.corp.internal:27017/?authSource=admin&authMechanism=SCRAM-SHA-256', secrets: { password: canary }, name: 'nk', connect: false });
    expect(c.secrets).toEqual([{ kind: 'mongodb-password', state: 'session', reason: expect.stringMatching(/OS keychain is unavailable/) }]);
    expect(c.connected).toBe(false);
    const connected = await t!.client.invoke('connections.connect', { id: c.id });
    expect(connected.nodes).toHaveLength(1);
    const files = readdirSync(dataDir).map((f) => readFileSync(join(dataDir, f)).toString('latin1'));
    expect(canaryHits(files.join('\n'), [canary])).toEqual([]);
    await t!.stop();
  });

  it('after a restart the connection loads without it and asks for it again', async () => {
    t = await start();
    const [c] = await t.client.invoke('connections.list', {});
    const list = await eventually(async () => {
      const l = await t!.client.invoke('connections.list', {});
      return l[0]!.secrets?.length ? l : undefined;
    }, 5000, 'secret states');
    expect(list[0]!.secrets).toEqual([{ kind: 'mongodb-password', state: 'missing', reason: expect.stringMatching(/OS keychain is unavailable.*: enter it again$/) }]);
    const node = await eventually(async () => {
      const n = (await t!.client.invoke('connections.list', {}))[0]!.nodes[0]!;
      return n.status.state === 'auth-failed' ? n : undefined;
    }, 5000, 'asks for the password');
    expect(node.status.reason).toMatch(/no password was entered in this session .*Enter it again in the connection editor/);
    await t.client.invoke('connections.update', { id: c!.id, secrets: { password: canary } });
    await eventually(async () => ((await t!.client.invoke('connections.list', {}))[0]!.nodes[0]!.status.state === 'monitoring' ? true : undefined), 5000, 'monitoring');
  });
});

describe('SEC-C2: a keychain that fails after start', () => {
  it('falls back to the session for that secret, and audits the loss with the reason', async () => {
    const entries = new Map<string, string>();
    let broken = false;
    const flaky: KeyringBackend = {
      async get(s, a) {
        return entries.get(`${s}|${a}`) ?? null;
      },
      async set(s, a, v) {
        if (broken) throw new Error('Platform failure: the collection is locked');
        entries.set(`${s}|${a}`, v);
      },
      async delete(s, a) {
        return entries.delete(`${s}|${a}`);
      },
    };
    const store = await KeychainSecretStore.open({ backend: flaky, service: 'svc' });
    expect(store.persistence).toEqual({ persistent: true });
    const t = startTestCore({ secrets: store });
    try {
      const a = await t.client.invoke('connections.add', { uri: 'mongodb://u@a.example:27017/', secrets: { password: 'one' }, connect: false });
      expect(a.secrets).toEqual([{ kind: 'mongodb-password', state: 'keychain' }]);
      broken = true;
      const b = await t.client.invoke('connections.add', { uri: 'mongodb://u@b.example:27017/', secrets: { password: 'two' }, connect: false });
      expect(b.secrets).toEqual([{ kind: 'mongodb-password', state: 'session', reason: 'the OS keychain failed while saving a secret (Platform failure: the collection is locked)' }]);
      expect(await t.client.invoke('connections.secretStorage', {})).toEqual({ persistent: false, reason: 'the OS keychain failed while saving a secret (Platform failure: the collection is locked)' });
      expect(t.core.audit.list({ action: 'secrets.storage_unavailable' }).map((r) => r.details)).toEqual([{ reason: 'the OS keychain failed while saving a secret (Platform failure: the collection is locked)' }]);
      // Nothing reached the (broken) store for b; a's stays where it was.
      expect([...entries.keys()].map((k) => k.split('|')[1])).toEqual([`${a.id}/mongodb-password`]);
    } finally {
      await t.close();
    }
  });
});

describe('SEC-C6: the stored envelope', () => {
  it('names its profile and kind, and refuses any other', () => {
    const sealed = sealEnvelope('p1', 'mongodb-password', 'x');
    expect(openEnvelope(sealed, 'p1', 'mongodb-password')).toEqual({ state: 'set', value: 'x', persistent: true });
    expect(openEnvelope(sealed, 'p2', 'mongodb-password').state).toBe('unreadable');
    expect(openEnvelope(sealed, 'p1', 'tls-key-password').state).toBe('unreadable');
    for (const junk of ['', 'x', '{}', '[1]', '{"baleen":2,"profile":"p1","kind":"mongodb-password","secret":"x"}', 'null']) {
      expect(openEnvelope(junk, 'p1', 'mongodb-password').state, junk).toBe('unreadable');
    }
  });
});
