// Small parts of the tunnel layer: private-key errors (SEC-S5), the pin store, the tunnel manager.
import { generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { AuditLog } from '../audit/audit-log';
import { systemClock } from '../ports/clock';
import { silentLogger } from '../ports/logger';
import { betterSqliteDriver } from '../store/better-sqlite3.driver';
import { fingerprintOf } from './host-key';
import { SqliteHostKeyStore } from './host-key-store';
import { HostKeyVerifier } from './host-key-verifier';
import { loadPrivateKey } from './private-key.loader';
import { SshTunnel } from './ssh-tunnel';
import { SshTunnelManager } from './ssh-tunnel-manager';
import { noSecrets } from './ssh-types';

const dir = mkdtempSync(join(tmpdir(), 'baleen-tunnel-parts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('private keys (SEC-S5)', () => {
  const noPass = { label: 'k', passphrase: async () => undefined };

  it('a public key, junk and an oversized file are key-invalid, with the reason', async () => {
    const kp = ssh2.utils.generateKeyPairSync('ed25519');
    await expect(loadPrivateKey(kp.public, noPass)).rejects.toMatchObject({ code: 'E_INVALID_INPUT', details: { sshKind: 'key-invalid' }, message: expect.stringMatching(/public key/) });
    await expect(loadPrivateKey('hello', noPass)).rejects.toMatchObject({ message: expect.stringMatching(/not an OpenSSH, PEM or PKCS#8 private key/) });
    await expect(loadPrivateKey('x'.repeat(70_000), noPass)).rejects.toMatchObject({ message: expect.stringMatching(/larger than 64 KiB/) });
  });

  it('an encrypted key without a passphrase says so; the passphrase is asked only for encrypted keys', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const enc = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw-12345' }) as string;
    await expect(loadPrivateKey(enc, noPass)).rejects.toMatchObject({ code: 'E_AUTH', details: { sshKind: 'passphrase-missing' } });
    let asked = 0;
    const plain = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const k = await loadPrivateKey(plain, { label: 'p', passphrase: async () => (asked++, 'x') });
    expect(asked).toBe(0);
    expect(k.type).toBe('ssh-ed25519');
    // The converted key signs what its public half verifies.
    const sig = k.sign(Buffer.from('data'));
    expect(sig).toBeInstanceOf(Buffer);
    expect(k.verify(Buffer.from('data'), sig as Buffer)).toBe(true);
  });
});

describe('host key pins in SQLite', () => {
  it('pins survive a reopen and trusting is audited', async () => {
    const path = join(dir, 'pins.db');
    const audit = new AuditLog(betterSqliteDriver(), join(dir, 'audit.db'), systemClock);
    const blob = Buffer.from(ssh2.utils.generateKeyPairSync('ed25519').public.split(' ')[1]!, 'base64');
    const store = new SqliteHostKeyStore(betterSqliteDriver(), path);
    const v = new HostKeyVerifier({ knownHostsFiles: [], pins: store, audit, clock: systemClock });
    await v.trust({ host: 'Bastion.Example.com', port: 2222, keyType: 'ssh-ed25519', key: blob.toString('base64'), fingerprint: fingerprintOf(blob) }, 'ui');
    store.close();
    const again = new SqliteHostKeyStore(betterSqliteDriver(), path);
    const v2 = new HostKeyVerifier({ knownHostsFiles: [], pins: again, audit, clock: systemClock });
    expect(await v2.check({ host: 'bastion.example.com', port: 2222 }, { type: 'ssh-ed25519', blob })).toMatchObject({ verdict: 'trusted', via: 'pinned' });
    expect(await v2.check({ host: 'bastion.example.com', port: 22 }, { type: 'ssh-ed25519', blob })).toMatchObject({ verdict: 'unknown' });
    expect(await v2.forget({ host: 'bastion.example.com', port: 2222 }, 'ui')).toBe(1);
    expect(audit.list().map((r) => r.action)).toEqual(expect.arrayContaining(['ssh.hostkey.trust', 'ssh.hostkey.forget']));
    again.close();
    audit.close();
  });
});

describe('SshTunnelManager', () => {
  const hops = [{ host: 'bastion', port: 22, username: 'u', auth: {} }];
  const make = () =>
    new SshTunnelManager(
      (scope, h) =>
        new SshTunnel({ id: scope, hops: h, hostKeys: { check: async () => ({ verdict: 'unknown' }) as never, preferredAlgorithms: async () => [] }, secrets: noSecrets, clock: systemClock, log: silentLogger }),
    );

  it('members of one deployment share a tunnel; the last release closes it', async () => {
    const m = make();
    const a = m.acquire('profile-1', hops);
    const b = m.acquire('profile-1', hops);
    const c = m.acquire('profile-2', hops);
    expect(a.tunnel).toBe(b.tunnel);
    expect(c.tunnel).not.toBe(a.tunnel);
    await a.release();
    await a.release();
    expect(b.tunnel.status.state).toBe('idle');
    await b.release();
    expect(b.tunnel.status.state).toBe('closed');
    expect(m.size).toBe(1);
    await m.dispose();
    expect(c.tunnel.status.state).toBe('closed');
    expect(() => m.acquire('profile-3', hops)).toThrow(/Disconnected/);
  });
});
