// Real Debian OpenSSH: keys in every format with passphrases and the agent (SEC-S5), unknown keys with
// the fingerprint ssh-keygen prints (SEC-S1), a two-hop chain where sshd A (PermitOpen) is the only way
// on to sshd B, each hop checked by its own name (SEC-S4), the real `mongodb` driver reaching Baleen's
// simulator through both hops, host commands from an allowlist (SEC-S6, REL-S9). sshd and ssh-agent are
// started here on 127.0.0.x and stopped by PID.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import ssh2 from 'ssh2';
import { BaleenError } from '../../src-shared/domain/errors';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import { systemClock } from '../../src-main/core/ports/clock';
import { defineExecTemplate, execAllowlisted, importHopChain, loadPrivateKey, loadSshConfig, sshKindOf, type HostKeyChallenge, type SshHopSpec } from '../../src-main/core/tunnels';
import { tempDir } from '../helpers/tmp';
import { freePort } from '../servers/net';
import { requireOpenSsh, sshKeygen, startSshAgent, startSshd, type KeyPair, type SshAgentHandle, type SshdHandle } from '../servers/sshd';
import { startFaultProxy } from '../servers/ssh-fault-proxy';
import { publicBlobOf, startSsh2Server, type Ssh2ServerHandle } from '../servers/ssh-test-server';
import { pinKey, sshKit, type SshKit } from '../servers/ssh-test-kit';

requireOpenSsh();
const dir = tempDir('baleen-sshd-suite-');
const PASS = 'correct horse battery';

let sim: Simulator;
let a: SshdHandle;
let b: SshdHandle;
let s: Ssh2ServerHandle;
let agent: SshAgentHandle;
let kit: SshKit;
const keys: Record<string, { path: string; passphrase?: string; publicLine: string }> = {};
let agentKey: KeyPair;

/** ed25519 and RSA in PKCS#8 (which ssh2 cannot read by itself), plain and encrypted, from node:crypto. */
function pkcs8(name: string, type: 'ed25519' | 'rsa', passphrase?: string): string {
  const { privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  const pem = privateKey.export(passphrase ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase } : { type: 'pkcs8', format: 'pem' }) as string;
  const path = join(dir, name);
  writeFileSync(path, pem, { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  const gen = (name: string, o: Parameters<typeof sshKeygen>[2] = {}) => {
    const k = sshKeygen(dir, name, o);
    keys[name] = { path: k.path, publicLine: k.publicLine, ...(o.passphrase ? { passphrase: o.passphrase } : {}) };
  };
  gen('openssh-ed25519');
  gen('openssh-ed25519-pass', { passphrase: PASS });
  gen('pem-rsa-pass', { type: 'rsa', format: 'PEM', passphrase: PASS });
  gen('pem-ecdsa', { type: 'ecdsa', format: 'PEM' });
  gen('pkcs8-rsa-pass-keygen', { type: 'rsa', format: 'PKCS8', passphrase: PASS });
  for (const [name, type, pass] of [
    ['pkcs8-ed25519', 'ed25519', undefined],
    ['pkcs8-ed25519-pass', 'ed25519', PASS],
    ['pkcs8-rsa', 'rsa', undefined],
  ] as const) {
    const path = pkcs8(name, type, pass);
    const k = await loadPrivateKey(readFileSync(path), { label: name, passphrase: async () => pass });
    keys[name] = { path, publicLine: `${k.type} ${k.getPublicSSH().toString('base64')}`, ...(pass ? { passphrase: pass } : {}) };
  }
  agentKey = sshKeygen(dir, 'agent-only');
  const authorized = [...Object.values(keys).map((k) => k.publicLine), agentKey.publicLine];

  sim = await startSimulator({ host: '127.0.0.4', me: 'db-behind-bastions.example.net:27017', setName: 'rs0' });
  b = await startSshd({ address: '127.0.0.3', authorizedKeys: authorized, permitOpen: [`127.0.0.4:${sim.port}`] });
  // Hop 2 for the key-mismatch test: ssh2's server counts authentication attempts, sshd cannot.
  s = await startSsh2Server({ users: [{ username: 'root', publicKeys: [Buffer.from(keys['openssh-ed25519']!.publicLine.split(' ')[1]!, 'base64')] }] });
  a = await startSshd({ address: '127.0.0.2', authorizedKeys: authorized, permitOpen: [`127.0.0.3:${b.port}`, `127.0.0.1:${s.port}`] });
  agent = await startSshAgent();
  agent.add(agentKey.path);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), agent?.stop(), s?.close(), sim?.stop()]);
});

beforeEach(async () => {
  kit = sshKit();
});
afterEach(async () => kit.close());

const keyHop = (h: { host: string; port: number }, key = 'openssh-ed25519', extra: Partial<SshHopSpec['auth']> = {}): SshHopSpec => ({
  host: h.host,
  port: h.port,
  username: 'root',
  auth: { identityFiles: [{ path: keys[key]!.path, required: true }], ...extra },
});

async function trustAll(...servers: { host: string; port: number; hostKey: KeyPair }[]) {
  for (const x of servers) await pinKey(kit, x.host, x.port, x.hostKey.blob);
}

describe('SEC-S5: private keys, passphrases and the agent against real sshd', () => {
  const formats = ['openssh-ed25519', 'openssh-ed25519-pass', 'pem-rsa-pass', 'pem-ecdsa', 'pkcs8-rsa-pass-keygen', 'pkcs8-ed25519', 'pkcs8-ed25519-pass', 'pkcs8-rsa'];
  for (const name of formats) {
    it(`SEC-S5: logs in with ${name}`, async () => {
      await trustAll(a);
      const k = keys[name]!;
      if (k.passphrase) kit.secrets.passphrases.set(k.path, k.passphrase);
      const t = kit.tunnel([keyHop(a, name, { methods: ['publickey'] })]);
      const [timing] = await t.open();
      expect(timing!.ms).toBeGreaterThan(0);
      console.log(`${name}: SSH hop 1 connected in ${timing!.ms} ms`);
      expect(a.log()).toMatch(new RegExp(`Accepted publickey for root from 127\\.0\\.0\\.1 port \\d+ ssh2`));
      await t.close();
    });
  }

  it('SEC-S5: a wrong passphrase says "bad passphrase" before any network traffic, and never shows the passphrase', async () => {
    await trustAll(a);
    const proxy = await startFaultProxy(a.host, a.port);
    try {
      for (const name of ['openssh-ed25519-pass', 'pem-rsa-pass', 'pkcs8-rsa-pass-keygen', 'pkcs8-ed25519-pass']) {
        kit.secrets.passphrases.set(keys[name]!.path, 'not-the-passphrase-CANARY');
        const t = kit.tunnel([keyHop({ host: '127.0.0.1', port: proxy.port }, name)]);
        const e = (await t.open().catch((x: unknown) => x)) as BaleenError;
        expect(e, name).toBeInstanceOf(BaleenError);
        expect(sshKindOf(e), name).toBe('bad-passphrase');
        expect(e.message).toBe(`Bad passphrase for the private key ${keys[name]!.path}.`);
        expect(JSON.stringify(e.toEnvelope())).not.toContain('CANARY');
        expect(t.status.state).toBe('ssh-auth-failed');
      }
      expect(proxy.accepted).toBe(0);
      expect(JSON.stringify(kit.audit.list({ limit: 1000 }))).not.toContain('CANARY');
    } finally {
      await proxy.close();
    }
  });

  it('SEC-S5: ssh-agent (SSH_AUTH_SOCK) logs in; agent forwarding is never requested', async () => {
    await trustAll(a);
    const t = kit.tunnel([{ host: a.host, port: a.port, username: 'root', auth: { agent: agent.socket, methods: ['agent'] } }]);
    await t.open();
    // A session channel is where a client would ask for agent forwarding: run one and read sshd's log.
    const r = await execAllowlisted(t, defineExecTemplate('true', ['true']), {}, { deadlineMs: 5000, clock: systemClock });
    expect(r.exitCode).toBe(0);
    const log = a.log();
    expect(log).toMatch(/Accepted publickey for root .* ED25519/);
    expect(log).not.toMatch(/auth-agent-req/);
  });
});

describe('SEC-S1 with real sshd', () => {
  it('SEC-S1: the unknown-key fingerprint is exactly what ssh-keygen -lf prints', async () => {
    const t = kit.tunnel([keyHop(a)]);
    const logBefore = a.log().length;
    const e = (await t.open().catch((x: unknown) => x)) as BaleenError;
    expect(sshKindOf(e)).toBe('host-key-unknown');
    const printed = execFileSync('/usr/bin/ssh-keygen', ['-lf', a.hostKey.pubPath], { encoding: 'utf8' }).split(/\s+/)[1];
    expect((e.details!.challenge as HostKeyChallenge).fingerprint).toBe(printed);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.log().slice(logBefore)).not.toMatch(/Accepted|Failed publickey|userauth-request/);
  });
});

describe('SEC-S4: a two-hop chain, sshd A → sshd B', () => {
  it('SEC-S4: each hop is checked by its own name; per-hop timings; the driver reaches the simulator behind both', async () => {
    const t = kit.tunnel([keyHop(a), keyHop(b)]);
    // Hop 1 unknown first…
    const e1 = (await t.open().catch((x: unknown) => x)) as BaleenError;
    expect([sshKindOf(e1), e1.details!.hop]).toEqual(['host-key-unknown', 1]);
    await kit.verifier.trust(e1.details!.challenge as HostKeyChallenge, 'test');
    // …then hop 2, by ITS name (127.0.0.3:port), reached through hop 1.
    const e2 = (await t.retry().catch((x: unknown) => x)) as BaleenError;
    expect([sshKindOf(e2), e2.details!.hop]).toEqual(['host-key-unknown', 2]);
    const c2 = e2.details!.challenge as HostKeyChallenge;
    expect([c2.host, c2.port, c2.fingerprint]).toEqual(['127.0.0.3', b.port, b.hostKey.fingerprint]);
    await kit.verifier.trust(c2, 'test');
    const timings = await t.retry();
    expect(timings.map((x) => [x.hop, x.host, x.port])).toEqual([
      [1, '127.0.0.2', a.port],
      [2, '127.0.0.3', b.port],
    ]);
    console.log(`SEC-S4 two real sshd hops: ${timings.map((x) => `SSH hop ${x.hop}: ${x.ms} ms`).join(', ')}`);
    // Hop 2's TCP came out of sshd A (its PermitOpen allows exactly B), not from us.
    expect(a.log()).toMatch(new RegExp(`direct-tcpip.*127\\.0\\.0\\.3.*${b.port}|127\\.0\\.0\\.3 port ${b.port}`));

    const fwd = await t.forward('127.0.0.4', sim.port);
    const client = new MongoClient(`mongodb://127.0.0.1:${fwd.localPort}/?directConnection=true`, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 });
    try {
      const started = Date.now();
      const hello = await client.db('admin').command({ hello: 1 });
      console.log(`end to end: MongoClient hello through 2 sshd hops in ${Date.now() - started} ms`);
      expect(hello.me).toBe('db-behind-bastions.example.net:27017');
      expect(hello.ok).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('SEC-S4: hop 1 cannot reach the node itself (PermitOpen): "administratively prohibited", naming the SSH host', async () => {
    await trustAll(a);
    const t = kit.tunnel([keyHop(a)]);
    const e = (await t.connect('127.0.0.4', sim.port, { deadlineMs: 3000 }).catch((x: unknown) => x)) as BaleenError;
    expect(sshKindOf(e)).toBe('channel-open-failed');
    expect(e.message).toMatch(new RegExp(`SSH host root@127\\.0\\.0\\.2:${a.port} cannot reach the MongoDB node 127\\.0\\.0\\.4:${sim.port} \\(administratively prohibited`));
  });

  it('SEC-S4: a key mismatch on hop 2 sends 0 authentication attempts to hop 2', async () => {
    await trustAll(a);
    const wrong = publicBlobOf(ssh2.utils.generateKeyPairSync('ed25519').private);
    await pinKey(kit, '127.0.0.1', s.port, wrong);
    const before = s.authAttempts.length;
    const t = kit.tunnel([keyHop(a), keyHop({ host: '127.0.0.1', port: s.port })]);
    const e = (await t.open().catch((x: unknown) => x)) as BaleenError;
    expect(sshKindOf(e)).toBe('host-key-changed');
    expect(e.details!.hop).toBe(2);
    expect(e.message).toMatch(/SSH host \(hop 2\) root@127\.0\.0\.1:\d+ has CHANGED|The host key of SSH host \(hop 2\)/);
    expect(s.connections).toBeGreaterThan(0); // hop 2 was reached, through A
    expect(s.authAttempts.length - before).toBe(0);
    // Hop 2's key trusted under hop 1's name would not count: it is looked up by its own host:port.
    await pinKey(kit, a.host, a.port, s.hostKeyBlob).catch(() => undefined);
    await expect(t.retry()).rejects.toMatchObject({ details: { sshKind: 'host-key-changed', hop: 2 } });
    expect(s.authAttempts.length - before).toBe(0);
  });

  it('SEC-S4: a hop-1 failure is "jump host 1 unreachable", not the node', async () => {
    const port = await freePort();
    const t = kit.tunnel([keyHop({ host: '127.0.0.1', port }), keyHop(b)]);
    const e = (await t.open().catch((x: unknown) => x)) as BaleenError;
    expect(e.code).toBe('E_UNREACHABLE');
    expect(e.message).toBe(`SSH jump host 1 root@127.0.0.1:${port} is unreachable: connection refused (nothing listens on that port).`);
    expect(e.details).toMatchObject({ hop: 1, role: 'jump', sshKind: 'refused' });
    expect(e.message).not.toMatch(/node/);
  });

  it('a jump host that may not open the next hop says so', async () => {
    await trustAll(a);
    const t = kit.tunnel([keyHop(a), keyHop({ host: '127.0.0.9', port: 22 })]);
    const e = (await t.open().catch((x: unknown) => x)) as BaleenError;
    expect(sshKindOf(e)).toBe('channel-open-failed');
    expect(e.message).toMatch(new RegExp(`SSH jump host 1 root@127\\.0\\.0\\.2:${a.port} cannot reach hop 2 127\\.0\\.0\\.9:22 \\(administratively prohibited`));
  });
});

describe('~/.ssh/config imported as a hop chain', () => {
  it('Host + Include + ProxyJump from a real config file reach the simulator through A and B', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
    const key = keys['openssh-ed25519']!.path;
    writeFileSync(
      join(home, '.ssh', 'config'),
      // As in ssh_config(5), an Include after a Host line would belong to that block: it goes first.
      `Include conf.d/*.conf\n\nHost bastion-a\n  HostName ${a.host}\n  Port ${a.port}\n  User root\n  IdentityFile ${key}\n\nHost *\n  ServerAliveInterval 10\n`,
    );
    writeFileSync(join(home, '.ssh', 'conf.d', 'db.conf'), `Host db-b\n  HostName ${b.host}\n  Port ${b.port}\n  User root\n  ProxyJump bastion-a\n  IdentityFile ${key}\n`);
    const config = await loadSshConfig(join(home, '.ssh', 'config'), { home });
    const { hops, warnings } = importHopChain(config, 'db-b', { home, localUser: 'root' });
    expect(warnings).toEqual([]);
    expect(hops.map((h) => [h.label, h.host, h.port, h.username])).toEqual([
      ['bastion-a', a.host, a.port, 'root'],
      ['db-b', b.host, b.port, 'root'],
    ]);
    await trustAll(a, b);
    const t = kit.tunnel(hops);
    const fwd = await t.forward('127.0.0.4', sim.port);
    const client = new MongoClient(`mongodb://127.0.0.1:${fwd.localPort}/?directConnection=true`, { serverSelectionTimeoutMS: 5000 });
    try {
      expect((await client.db('admin').command({ hello: 1 })).me).toBe('db-behind-bastions.example.net:27017');
    } finally {
      await client.close();
    }
  });
});

describe('host commands over real sshd (SEC-S6, REL-S9)', () => {
  const sleep = defineExecTemplate('sleep', ['sleep', { arg: 'seconds', pattern: /^\d{1,4}$/ }]);
  const flood = defineExecTemplate('yes', ['yes']);
  const print = defineExecTemplate('print', ['printf', '%s', { arg: 'text', pattern: /^[\s\S]{0,300}$/ }]);

  it('REL-S9: a hanging command is stopped at its deadline, a flood is cut at 1 MiB and marked truncated; the session stays usable', async () => {
    await trustAll(a);
    const t = kit.tunnel([keyHop(a)]);
    await t.open();
    const attempts = t.attemptsStarted;
    const started = Date.now();
    const e = (await execAllowlisted(t, sleep, { seconds: '987' }, { deadlineMs: 700, clock: systemClock }).catch((x: unknown) => x)) as BaleenError;
    expect(e.code).toBe('E_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1500);
    // sshd delivers the KILL signal: the process is gone.
    const gone = async () => {
      for (let i = 0; i < 60; i++) {
        try {
          execFileSync('pgrep', ['-f', '^sleep 987$']);
        } catch {
          return true;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return false;
    };
    // Root logins get no "signal" from OpenSSH (no privilege separation); the host-side timeout wrapper stops it.
    expect(await gone()).toBe(true);

    const r = await execAllowlisted(t, flood, {}, { deadlineMs: 10_000, clock: systemClock });
    expect(r.truncated).toBe(true);
    // The cap covers stdout and stderr together (this test sshd's debug mode writes a little to stderr).
    expect(Buffer.byteLength(r.stdout) + Buffer.byteLength(r.stderr)).toBe(1024 * 1024);
    expect(r.stdout.startsWith('y\ny\n')).toBe(true);

    const ok = await execAllowlisted(t, print, { text: 'still usable' }, { deadlineMs: 5000, clock: systemClock });
    expect(ok).toMatchObject({ stdout: 'still usable', exitCode: 0, truncated: false });
    expect(t.attemptsStarted).toBe(attempts);
  });

  it('SEC-S6: hostile text reaches the host only as one quoted argument; the MARKER file is never created', async () => {
    await trustAll(a);
    const t = kit.tunnel([keyHop(a)]);
    const marker = join(dir, 'MARKER');
    const hostile = [`$(touch ${marker})`, `; touch ${marker}`, `\`touch ${marker}\``, `x\ntouch ${marker}`, `' ; touch ${marker}; echo '`, `"; touch ${marker}; "`, `| touch ${marker}`, `&& touch ${marker}`];
    for (const text of hostile) {
      const r = await execAllowlisted(t, print, { text }, { deadlineMs: 5000, clock: systemClock });
      expect(r.stdout).toBe(text);
    }
    expect(existsSync(marker)).toBe(false);
    // Arguments outside a template's pattern never run.
    await expect(execAllowlisted(t, sleep, { seconds: `1; touch ${marker}` }, { deadlineMs: 5000, clock: systemClock })).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
    expect(existsSync(marker)).toBe(false);
  });
});
