// The real OS keychain: the Secret Service of an unlocked gnome-keyring on a private D-Bus session.
// Run through `scripts/with-keyring.sh` (npm test does); the plain vitest run skips this file with a
// notice, so its tests are counted once. Secrets persist across restarts in the keychain and nowhere
// else (SEC-C1), an entry copied to another profile's account is refused (SEC-C6), and a corrupt entry
// lets the app start without it and asks for it again, with one log line and no loop (SEC-C3).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeychainSecretStore, addressMapDialer, napiKeyringBackend } from '../../src-main/core/connections';
import { jsonLineLogger } from '../../src-main/core/ports/logger';
import { registerScramAuth, SimUserDirectory, startSimulator, type Simulator } from '../../src-main/core/sim';
import { eventually, startTestCore, type TestCore } from '../helpers/core';
import { canaryHits } from './connections-fixtures';

const KEYRING_UP = process.env.BALEEN_KEYRING_UP === '1';
if (!KEYRING_UP) console.log('keychain suite skipped: it needs the Secret Service; run it with scripts/with-keyring.sh (npm test does)');

describe.skipIf(!KEYRING_UP)('OS keychain through @napi-rs/keyring (Secret Service)', () => {
  const service = `baleen-test-${randomUUID()}`;
  const backend = KEYRING_UP ? napiKeyringBackend() : undefined!;

  it('opens persistent, and stores one entry per profile and kind whose value names its profile', async () => {
    const store = await KeychainSecretStore.open({ service });
    expect(store.persistence).toEqual({ persistent: true });
    expect(await store.set('prod-1a2b', 'mongodb-password', 's3cret')).toEqual({ persistent: true });
    expect(await store.read('prod-1a2b', 'mongodb-password')).toEqual({ state: 'set', value: 's3cret', persistent: true });
    const raw = await backend.get(service, 'prod-1a2b/mongodb-password');
    expect(JSON.parse(raw!)).toEqual({ baleen: 1, profile: 'prod-1a2b', kind: 'mongodb-password', secret: 's3cret' });
    expect(await store.read('prod-1a2b', 'tls-key-password')).toEqual({ state: 'missing' });
    await store.delete('prod-1a2b', 'mongodb-password');
    expect(await backend.get(service, 'prod-1a2b/mongodb-password')).toBeNull();
  });

  it('SEC-C6: an entry copied to another profile’s account is refused, never applied to the wrong host', async () => {
    const store = await KeychainSecretStore.open({ service });
    await store.set('alpha-0001', 'mongodb-password', 'alpha-pw');
    await backend.set(service, 'beta-0002/mongodb-password', (await backend.get(service, 'alpha-0001/mongodb-password'))!);
    const r = await store.read('beta-0002', 'mongodb-password');
    expect(r).toEqual({ state: 'unreadable', reason: 'the keychain entry belongs to another connection; it was not used' });
    // Same profile, other kind: refused too.
    await backend.set(service, 'alpha-0001/tls-key-password', (await backend.get(service, 'alpha-0001/mongodb-password'))!);
    expect((await store.read('alpha-0001', 'tls-key-password')).state).toBe('unreadable');
    for (const a of ['alpha-0001/mongodb-password', 'alpha-0001/tls-key-password', 'beta-0002/mongodb-password']) await backend.delete(service, a);
  });

  describe('through the core: persists across restarts; a corrupt entry is asked for again (SEC-C1, SEC-C3)', () => {
    const users = new SimUserDirectory();
    const password = `CANARY-${randomUUID()}`;
    let sim: Simulator;
    let dataDir: string;
    let t: TestCore | undefined;
    const logs: string[] = [];
    const map = () => ({ 'kc.corp.internal:27017': sim.address });
    const start = async () =>
      startTestCore({
        dataDir,
        secrets: await KeychainSecretStore.open({ service, log: jsonLineLogger((l) => void logs.push(l), 'baleen', 'debug') }),
        logger: jsonLineLogger((l) => void logs.push(l), 'baleen', 'debug'),
        monitoring: { intervalMs: 200, deadlineMs: 800, connectTimeoutMs: 2000 },
        connectionSeams: { dial: addressMapDialer(map()) },
      });

    beforeAll(async () => {
      users.add({ user: 'mon', db: 'admin', password, roles: [{ role: 'clusterMonitor', db: 'admin' }] });
      sim = await startSimulator({ me: 'kc.corp.internal:27017', requireAuth: true, extendCommands: (tb) => registerScramAuth(tb, users) });
      dataDir = mkdtempSync(join(tmpdir(), 'baleen-keychain-'));
    });
    afterAll(async () => {
      await t?.close();
      await sim?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('saves the password in the keychain, and after a restart the monitor logs in with it', async () => {
      t = await start();
      const c = await t.client.invoke('connections.add', { uri: 'mongodb://mon@kc.corp.internal:27017/?authMechanism=SCRAM-SHA-256&authSource=admin', secrets: { password }, name: 'kc' });
      expect(c.secrets).toEqual([{ kind: 'mongodb-password', state: 'keychain' }]);
      expect(t.core.audit.list({ action: 'secrets.storage_unavailable' })).toEqual([]);
      await t.stop();
      const attempts = users.attempts;
      t = await start();
      await eventually(async () => ((await t!.client.invoke('connections.list', {}))[0]!.nodes[0]!.status.state === 'monitoring' ? true : undefined), 10_000, 'monitoring after restart');
      expect(users.attempts).toBeGreaterThan(attempts);
      const detail = await t.client.invoke('connections.get', { id: c.id });
      expect(detail.secrets).toEqual([{ kind: 'mongodb-password', state: 'keychain' }]);
      expect(detail.secretStorage).toEqual({ persistent: true });
      // In the keychain, and in no file of the data folder.
      const files = readdirSync(dataDir).map((f) => readFileSync(join(dataDir, f)).toString('latin1'));
      expect(canaryHits(files.join('\n'), [password])).toEqual([]);
      expect(canaryHits(logs.join('\n'), [password])).toEqual([]);
      await t.stop();
    });

    it('a corrupt entry: the app starts, the connection loads without it, one log line, and the password is asked for again', async () => {
      const id = (await (async () => {
        const probe = await start();
        const list = await probe.client.invoke('connections.list', {});
        await probe.stop();
        return list[0]!.id;
      })())!;
      await backend.set(service, `${id}/mongodb-password`, '\u0000not json{');
      logs.length = 0;
      t = await start();
      const list = await eventually(async () => {
        const l = await t!.client.invoke('connections.list', {});
        return l[0]!.secrets?.[0]?.state === 'unreadable' ? l : undefined;
      }, 5000, 'secret marked unreadable');
      expect(list[0]!.secrets).toEqual([{ kind: 'mongodb-password', state: 'unreadable', reason: 'the stored secret is not in Baleen’s format' }]);
      const node = await eventually(async () => {
        const n = (await t!.client.invoke('connections.list', {}))[0]!.nodes[0]!;
        return n.status.state === 'auth-failed' ? n : undefined;
      }, 5000, 'auth-failed asking for the password');
      expect(node.status.reason).toMatch(/the saved password could not be read .*Enter it again in the connection editor/);
      await new Promise((r) => setTimeout(r, 1500));
      // Read once, refused once: not re-read on every retry.
      expect(logs.filter((l) => l.includes('a stored secret was refused'))).toHaveLength(1);
      expect(logs.join('\n')).not.toContain('not json');

      await t.client.invoke('connections.update', { id, secrets: { password } });
      await eventually(async () => ((await t!.client.invoke('connections.list', {}))[0]!.nodes[0]!.status.state === 'monitoring' ? true : undefined), 5000, 'monitoring again');
      expect((await t.client.invoke('connections.get', { id })).secrets).toEqual([{ kind: 'mongodb-password', state: 'keychain' }]);
      await t.client.invoke('connections.remove', { id });
      expect(await backend.get(service, `${id}/mongodb-password`)).toBeNull();
    });
  });
});
