// SSH secrets in the real OS keychain (the Secret Service of an unlocked gnome-keyring on a private
// D-Bus session): run through `scripts/with-keyring.sh npx vitest run --project node
// test/integration/ssh-keychain.test.ts`; a plain vitest run skips it with a notice. A hop's password
// and a key's passphrase are stored per hop under `<profileId>/ssh-password:<hop>` and
// `<profileId>/ssh-passphrase:<hop>` (SEC-C1), in an envelope naming profile and kind (SEC-C6), are used
// by the tunnel after a restart, never appear in the data folder or the logs, and go with the profile.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeychainSecretStore, napiKeyringBackend } from '../../src-main/core/connections';
import { jsonLineLogger } from '../../src-main/core/ports/logger';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import { eventually, startTestCore, type TestCore } from '../helpers/core';
import { startSsh2Server, type Ssh2ServerHandle } from '../servers/ssh-test-server';
import { sshKeygen, type KeyPair } from '../servers/sshd';
import { canaryHits } from './connections-fixtures';

const KEYRING_UP = process.env.BALEEN_KEYRING_UP === '1';
if (!KEYRING_UP) console.log('ssh keychain suite skipped: it needs the Secret Service; run it with scripts/with-keyring.sh');

describe.skipIf(!KEYRING_UP)('SEC-C1 / SEC-C6: SSH secrets in the OS keychain, per hop', () => {
  const service = `baleen-test-${randomUUID()}`;
  const password = `CANARY-${randomUUID()}`;
  const passphrase = `CANARY-${randomUUID()}`;
  let sim: Simulator;
  let bastion: Ssh2ServerHandle;
  let key: KeyPair;
  let dir: string;
  let dataDir: string;
  let t: TestCore | undefined;
  const logs: string[] = [];
  const start = async () =>
    startTestCore({
      dataDir,
      secrets: await KeychainSecretStore.open({ service, log: jsonLineLogger((l) => void logs.push(l), 'baleen', 'debug') }),
      logger: jsonLineLogger((l) => void logs.push(l), 'baleen', 'debug'),
      monitoring: { intervalMs: 300, deadlineMs: 1500, connectTimeoutMs: 3000 },
      ssh: { knownHostsFiles: [], agentSocket: null, sshConfigFile: null },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baleen-ssh-keychain-'));
    dataDir = join(dir, 'data');
    key = sshKeygen(dir, 'id_kc', { passphrase });
    sim = await startSimulator({ me: 'kc.behind.bastion:27017' });
    // Hop 1 takes the password, hop 2 (the same server again, through hop 1) the encrypted key.
    bastion = await startSsh2Server({ users: [{ username: 'pw', password }, { username: 'key', publicKeys: [key.blob] }] });
  });
  afterAll(async () => {
    await t?.close();
    await bastion?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores each hop’s secret under its own account, uses it after a restart, and deletes it with the profile', async () => {
    const backend = napiKeyringBackend();
    t = await start();
    const k = await t.client.invoke('connections.checkHostKey', { host: bastion.host, port: bastion.port });
    await t.client.invoke('connections.trustHostKey', { challenge: k.challenge });
    const hops = [
      { host: bastion.host, port: bastion.port, username: 'pw', auth: 'password' as const },
      { host: bastion.host, port: bastion.port, username: 'key', auth: 'key' as const, keyFile: key.path },
    ];
    const c = await t.client.invoke('connections.add', { uri: `mongodb://${sim.address}/`, name: 'kc', sshHops: hops, secrets: { ssh: [{ hop: 1, password }, { hop: 2, passphrase }] } });
    expect(c.secrets).toEqual([
      { kind: 'ssh-password:1', state: 'keychain' },
      { kind: 'ssh-passphrase:2', state: 'keychain' },
    ]);
    expect(JSON.parse((await backend.get(service, `${c.id}/ssh-password:1`))!)).toEqual({ baleen: 1, profile: c.id, kind: 'ssh-password:1', secret: password });
    expect(JSON.parse((await backend.get(service, `${c.id}/ssh-passphrase:2`))!)).toMatchObject({ profile: c.id, kind: 'ssh-passphrase:2' });
    await t.stop();

    // After a restart the tunnel logs in with what the keychain holds.
    const logins = bastion.authAttempts.length;
    t = await start();
    await eventually(async () => ((await t!.client.invoke('connections.list', {}))[0]!.nodes[0]!.status.state === 'monitoring' ? true : undefined), 15_000, 'monitoring after restart');
    expect(bastion.authAttempts.slice(logins).map((a) => `${a.username}:${a.method}`)).toEqual(expect.arrayContaining(['pw:password', 'key:publickey']));

    // SEC-C6: hop 1's password copied to hop 2's password account is refused, not used.
    await backend.set(service, `${c.id}/ssh-password:2`, (await backend.get(service, `${c.id}/ssh-password:1`))!);
    const store = await KeychainSecretStore.open({ service });
    expect(await store.read(c.id, 'ssh-password:2')).toEqual({ state: 'unreadable', reason: 'the keychain entry belongs to another connection; it was not used' });
    await backend.delete(service, `${c.id}/ssh-password:2`);

    const files = readdirSync(dataDir).map((f) => readFileSync(join(dataDir, f)).toString('latin1'));
    expect(canaryHits(files.join('\n'), [password, passphrase])).toEqual([]);
    expect(canaryHits(logs.join('\n'), [password, passphrase])).toEqual([]);

    await t.client.invoke('connections.remove', { id: c.id });
    expect(await backend.get(service, `${c.id}/ssh-password:1`)).toBeNull();
    expect(await backend.get(service, `${c.id}/ssh-passphrase:2`)).toBeNull();
  });
});
