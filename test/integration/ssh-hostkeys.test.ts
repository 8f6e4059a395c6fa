// Host keys and authentication against ssh2's own Server in-process, which counts every
// `authentication` event: SEC-S1 (unknown key), SEC-S2 (changed key), SEC-S3 (known_hosts in the loop),
// password and keyboard-interactive (OTP) auth, and the precise errors a user sees.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import ssh2 from 'ssh2';
import { BaleenError } from '../../src-shared/domain/errors';
import { systemClock } from '../../src-main/core/ports/clock';
import { fetchHostKey, fingerprintOf, sshKindOf, type HostKeyChallenge } from '../../src-main/core/tunnels';
import { blackHole, freePort } from '../servers/net';
import { generateHostKey, publicBlobOf, startSsh2Server, type Ssh2ServerHandle } from '../servers/ssh-test-server';
import { pinKey, sshKit, type SshKit } from '../servers/ssh-test-kit';

const clientKey = ssh2.utils.generateKeyPairSync('ed25519');
const clientPub = publicBlobOf(clientKey.private);

let server: Ssh2ServerHandle;
let kit: SshKit;
let echoPort: number;
const echo = createServer((s) => s.pipe(s));

beforeAll(async () => {
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as { port: number }).port;
  server = await startSsh2Server({
    users: [
      { username: 'keyuser', publicKeys: [clientPub] },
      { username: 'pwuser', password: 'correct horse' },
      { username: 'otpuser', kbd: { prompts: ['Verification code: '], answers: ['123456'] } },
    ],
  });
});
afterAll(async () => {
  await server.close();
  await new Promise<void>((r) => echo.close(() => r()));
});
beforeEach(() => {
  kit = sshKit();
});
afterEach(async () => kit.close());

const keyHop = (o: { port?: number; user?: string } = {}) => ({
  host: '127.0.0.1',
  port: o.port ?? server.port,
  username: o.user ?? 'keyuser',
  auth: { privateKeys: [{ label: 'test-key', data: clientKey.private }] },
});

async function roundTrip(t: ReturnType<SshKit['tunnel']>): Promise<string> {
  const ch = await t.connect('127.0.0.1', echoPort, { deadlineMs: 3000 });
  const got = new Promise<string>((resolve) => ch.once('data', (d: Buffer) => resolve(d.toString())));
  ch.write('ping');
  const s = await got;
  ch.destroy();
  return s;
}

describe('SEC-S1: an unknown host key', () => {
  it('SEC-S1: stops before authentication, returns the SHA256 fingerprint; rejecting sends 0 auth attempts', async () => {
    const before = server.authAttempts.length;
    const t = kit.tunnel([keyHop()]);
    const e = await t.open('test').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BaleenError);
    expect(sshKindOf(e)).toBe('host-key-unknown');
    const challenge = (e as BaleenError).details!.challenge as HostKeyChallenge;
    expect(challenge.fingerprint).toBe(server.fingerprint);
    expect(challenge.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect((e as BaleenError).message).toContain(server.fingerprint);
    expect(t.status.state).toBe('host-key-unknown');
    expect(server.authAttempts.length - before).toBe(0);
    // The user rejects: nothing more happens, no retry is scheduled.
    expect(t.status.nextAttemptAt).toBeUndefined();
    expect(server.authAttempts.length - before).toBe(0);
  });

  it('SEC-S1: accepting pins the key (audited ssh.hostkey.trust) and the next connect authenticates', async () => {
    const t = kit.tunnel([keyHop()]);
    const e = (await t.open('test').catch((x: unknown) => x)) as BaleenError;
    const challenge = e.details!.challenge as HostKeyChallenge;
    await kit.verifier.trust(challenge, 'ui:alice');
    const audit = kit.audit.list({ action: 'ssh.hostkey.trust' });
    expect(audit.find((r) => r.kind === 'outcome')?.result).toBe('ok');
    expect(audit.find((r) => r.kind === 'intent')).toMatchObject({ actor: 'ui:alice', target: `[127.0.0.1]:${server.port}`, details: { fingerprint: server.fingerprint, keyType: 'ssh-ed25519' } });
    const timings = await t.retry('ui:alice');
    expect(timings).toHaveLength(1);
    expect(t.status.state).toBe('ready');
    expect(await roundTrip(t)).toBe('ping');
  });

  it('a forged challenge (fingerprint not of its key) is refused', async () => {
    const other = publicBlobOf(generateHostKey());
    const forged: HostKeyChallenge = { host: '127.0.0.1', port: server.port, keyType: 'ssh-ed25519', key: other.toString('base64'), fingerprint: server.fingerprint };
    await expect(kit.verifier.trust(forged, 'x')).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
  });

  it('fetchHostKey: a pre-flight look sends no authentication at all', async () => {
    const before = server.authAttempts.length;
    const c = await fetchHostKey('127.0.0.1', server.port, { clock: systemClock, timeoutMs: 3000 });
    expect(c.fingerprint).toBe(server.fingerprint);
    expect(server.authAttempts.length).toBe(before);
  });
});

describe('SEC-S2: a changed host key', () => {
  it('SEC-S2: refused with host, old and new fingerprints; 0 authentication attempts, with every auth method configured', async () => {
    const oldKey = publicBlobOf(generateHostKey());
    await pinKey(kit, '127.0.0.1', server.port, oldKey);
    kit.secrets.passwords.set(1, 'correct horse');
    kit.secrets.kbdAnswers = ['123456'];
    const before = server.authAttempts.length;
    const t = kit.tunnel([{ ...keyHop(), auth: { privateKeys: [{ label: 'k', data: clientKey.private }], methods: ['publickey', 'keyboard-interactive', 'password'] } }]);
    const e = (await t.open().catch((x: unknown) => x)) as BaleenError;
    expect(sshKindOf(e)).toBe('host-key-changed');
    expect(e.message).toContain(`127.0.0.1:${server.port}`);
    expect(e.message).toContain(fingerprintOf(oldKey));
    expect(e.message).toContain(server.fingerprint);
    expect(server.authAttempts.length - before).toBe(0);
    expect(kit.secrets.requests.filter((r) => r.kind === 'password' || r.kind === 'keyboard-interactive')).toEqual([]);
    expect(t.status.state).toBe('host-key-changed');
    // trust() cannot be used to slip past it…
    await expect(kit.verifier.trust(e.details!.challenge as HostKeyChallenge, 'x')).rejects.toMatchObject({ code: 'E_CONFLICT' });
    // …a retry without an explicit replace is refused again, still before authentication.
    await expect(t.retry()).rejects.toMatchObject({ details: { sshKind: 'host-key-changed' } });
    expect(server.authAttempts.length - before).toBe(0);
  });

  it('SEC-S2: replacing needs the explicit, audited action naming the old key', async () => {
    const oldKey = publicBlobOf(generateHostKey());
    await pinKey(kit, '127.0.0.1', server.port, oldKey);
    const t = kit.tunnel([keyHop()]);
    const e = (await t.open().catch((x: unknown) => x)) as BaleenError;
    const challenge = e.details!.challenge as HostKeyChallenge;
    await expect(kit.verifier.replace({ ...challenge, previousFingerprint: 'SHA256:somethingElse' }, 'ui')).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await kit.verifier.replace({ ...challenge, previousFingerprint: fingerprintOf(oldKey) }, 'ui:bob');
    const rows = kit.audit.list({ action: 'ssh.hostkey.replace' });
    expect(rows.find((r) => r.kind === 'intent')?.details).toMatchObject({ fingerprint: server.fingerprint });
    expect(JSON.stringify(rows)).toContain(fingerprintOf(oldKey));
    await t.retry();
    expect(await roundTrip(t)).toBe('ping');
  });

  it('SEC-S2/SEC-S3: a key in the user known_hosts that differs is a change too; the file is never written', async () => {
    const kh = join(kit.dir, 'known_hosts');
    const oldKey = publicBlobOf(generateHostKey());
    const text = `[127.0.0.1]:${server.port} ssh-ed25519 ${oldKey.toString('base64')}\n`;
    writeFileSync(kh, text);
    const k2 = sshKit({ knownHostsFiles: [kh] });
    try {
      const before = server.authAttempts.length;
      const e = (await k2.tunnel([keyHop()]).open().catch((x: unknown) => x)) as BaleenError;
      expect(sshKindOf(e)).toBe('host-key-changed');
      expect(e.message).toContain(`${kh}:1`);
      expect(server.authAttempts.length - before).toBe(0);
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(kh, 'utf8')).toBe(text);
    } finally {
      await k2.close();
    }
  });

  it('SEC-S3: the right key in known_hosts (hashed) connects without any prompt; a malformed file fails closed', async () => {
    const { createHmac, randomBytes } = await import('node:crypto');
    const salt = randomBytes(20);
    const name = `[127.0.0.1]:${server.port}`;
    const kh = join(kit.dir, 'kh-good');
    writeFileSync(kh, `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')} ssh-ed25519 ${server.hostKeyBlob.toString('base64')}\n`);
    const good = sshKit({ knownHostsFiles: [kh] });
    const bad = join(kit.dir, 'kh-bad');
    writeFileSync(bad, `${name} ssh-ed25519 not-base64!\n`);
    const broken = sshKit({ knownHostsFiles: [bad] });
    try {
      await good.tunnel([keyHop()]).open();
      const before = server.connections;
      const e = (await broken.tunnel([keyHop()]).open().catch((x: unknown) => x)) as BaleenError;
      expect(e.code).toBe('E_PARSE');
      expect(e.message).toContain(`${bad} line 1`);
      expect(server.connections).toBe(before); // failed before dialling
    } finally {
      await good.close();
      await broken.close();
    }
  });

  it('SEC-S3: @revoked refuses with 0 authentication attempts', async () => {
    const kh = join(kit.dir, 'kh-revoked');
    writeFileSync(kh, `@revoked * ssh-ed25519 ${server.hostKeyBlob.toString('base64')}\n`);
    const k2 = sshKit({ knownHostsFiles: [kh] });
    try {
      await pinKey(k2, '127.0.0.1', server.port, server.hostKeyBlob).catch(() => undefined);
      const before = server.authAttempts.length;
      const e = await k2.tunnel([keyHop()]).open().catch((x: unknown) => x);
      expect(sshKindOf(e)).toBe('host-key-revoked');
      expect(server.authAttempts.length - before).toBe(0);
    } finally {
      await k2.close();
    }
  });
});

describe('authentication methods and their errors', () => {
  beforeEach(async () => pinKey(kit, '127.0.0.1', server.port, server.hostKeyBlob));

  it('password: asked through the secrets port, never logged', async () => {
    const lines: string[] = [];
    const log = { debug: (m: string, f?: object) => lines.push(m + JSON.stringify(f ?? {})), info: (m: string, f?: object) => lines.push(m + JSON.stringify(f ?? {})), warn: (m: string, f?: object) => lines.push(m + JSON.stringify(f ?? {})), error: (m: string, f?: object) => lines.push(m + JSON.stringify(f ?? {})), child: () => log };
    kit.secrets.passwords.set(1, 'correct horse');
    const t = kit.tunnel([{ host: '127.0.0.1', port: server.port, username: 'pwuser', auth: {} }], { log });
    await t.open();
    expect(await roundTrip(t)).toBe('ping');
    expect(lines.join('\n')).not.toContain('correct horse');
    expect(JSON.stringify(kit.audit.list())).not.toContain('correct horse');
  });

  it('keyboard-interactive (OTP bastion): the prompt reaches the UI callback and its answer logs in', async () => {
    kit.secrets.kbdAnswers = ['123456'];
    const t = kit.tunnel([{ host: '127.0.0.1', port: server.port, username: 'otpuser', auth: { methods: ['keyboard-interactive'] } }]);
    await t.open();
    expect(kit.secrets.requests.find((r) => r.kind === 'keyboard-interactive')?.prompts).toEqual([{ prompt: 'Verification code: ', echo: false }]);
    expect(await roundTrip(t)).toBe('ping');
  });

  it('a slow answer to the OTP prompt is not cut off by the handshake timer', async () => {
    const t = kit.tunnel([{ host: '127.0.0.1', port: server.port, username: 'otpuser', auth: { methods: ['keyboard-interactive'] } }], { readyTimeoutMs: 300 });
    kit.secrets.keyboardInteractive = async () => {
      await new Promise((r) => setTimeout(r, 700));
      return ['123456'];
    };
    await t.open();
    expect(t.status.state).toBe('ready');
  });

  it('auth failure names the methods tried and those the server accepts; status ssh-auth-failed', async () => {
    kit.secrets.passwords.set(1, 'wrong');
    const other = ssh2.utils.generateKeyPairSync('ed25519');
    const t = kit.tunnel([{ host: '127.0.0.1', port: server.port, username: 'pwuser', auth: { privateKeys: [{ label: 'laptop-key', data: other.private }] } }]);
    const e = (await t.open().catch((x: unknown) => x)) as BaleenError;
    expect(e.code).toBe('E_AUTH');
    expect(sshKindOf(e)).toBe('auth-failed');
    expect(e.message).toMatch(/tried: password/);
    expect(e.message).toMatch(/server accepts: password/);
    expect(e.message).not.toContain('wrong');
    expect(t.status.state).toBe('ssh-auth-failed');
  });

  it('the error classes: refused, DNS, handshake timeout, channel refused by the SSH host', async () => {
    const refusedPort = await freePort();
    const refused = (await kit.tunnel([{ ...keyHop({ port: refusedPort }) }]).open().catch((x: unknown) => x)) as BaleenError;
    expect([refused.code, sshKindOf(refused)]).toEqual(['E_UNREACHABLE', 'refused']);
    expect(refused.message).toMatch(new RegExp(`SSH host keyuser@127\\.0\\.0\\.1:${refusedPort} is unreachable: connection refused`));

    const dns = (await kit.tunnel([{ host: 'no-such-host.invalid', port: 22, username: 'x', auth: {} }]).open().catch((x: unknown) => x)) as BaleenError;
    expect(sshKindOf(dns)).toBe('dns');
    expect(dns.message).toMatch(/the name no-such-host\.invalid does not resolve/);

    const hole = await blackHole();
    try {
      const started = Date.now();
      const timeout = (await kit.tunnel([keyHop({ port: hole.port })], { readyTimeoutMs: 400 }).open().catch((x: unknown) => x)) as BaleenError;
      expect(sshKindOf(timeout)).toBe('timeout');
      expect(timeout.message).toMatch(/no SSH handshake within 400 ms/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await hole.close();
    }

    const t = kit.tunnel([keyHop()]);
    await t.open();
    const chan = (await t.connect('10.255.255.1', 27017, { deadlineMs: 2000 }).catch((x: unknown) => x)) as BaleenError;
    expect(sshKindOf(chan)).toBe('channel-open-failed');
    expect(chan.message).toMatch(/SSH host keyuser@127\.0\.0\.1:\d+ cannot reach the MongoDB node 10\.255\.255\.1:27017 \(connect failed\)\./);
  });
});
