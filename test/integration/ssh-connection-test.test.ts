// The connection test through SSH, one failure class at a time, each naming its hop (issue 3 §5), with
// real parts: two Debian sshd bastions (A reaches only B; B alone resolves the inside names), ssh2's
// server as a bastion that forwards anywhere on loopback, a blackhole for a hop that never answers,
// FerretDB with TLS (a certificate for its inside name, made here with openssl) and SCRAM behind the
// tunnel, and the simulator with access control. Also records the timings of a good test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestResult, TestStep } from '../../src-shared/contract';
import { fingerprintOf } from '../../src-main/core/tunnels';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import { startTestCore, type TestCore } from '../helpers/core';
import { startFerretDb, type FerretDb } from '../servers/ferretdb';
import { blackHole, freePort } from '../servers/net';
import { RS_MEMBERS, startSshDeployment, type SshDeployment } from '../servers/ssh-deployment';
import { generateHostKey, publicBlobOf, startSsh2Server, type Ssh2ServerHandle } from '../servers/ssh-test-server';
import { sshKeygen, type KeyPair } from '../servers/sshd';
import { scramArgs } from './connections-fixtures';

const FERRET_USER = 'dba';
const FERRET_PW = 'ferret-right-password';

let dep: SshDeployment;
let t: TestCore;
let dir: string;
let ferret: FerretDb;
let locked: Simulator;
let anywhere: Ssh2ServerHandle;
let stranger: KeyPair;
let pki: { ca: string; otherCa: string };

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server certificate for the inside name only, and an unrelated CA. */
function makePki(): { ca: string; otherCa: string; cert: string; key: string } {
  for (const ca of ['ca', 'other-ca']) openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '30', '-subj', `/CN=${ca}`]);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ferret.key', '-out', 'ferret.csr', '-subj', '/CN=ferret.db.internal', '-addext', 'subjectAltName=DNS:ferret.db.internal']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:ferret.db.internal\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'ferret.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'ferret.crt', '-days', '30', '-extfile', 'ext.cnf']);
  return { ca: join(dir, 'ca.crt'), otherCa: join(dir, 'other-ca.crt'), cert: join(dir, 'ferret.crt'), key: join(dir, 'ferret.key') };
}

async function waitTcp(host: string, port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect({ host, port });
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listened on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baleen-ssh-test-steps-'));
  dep = await startSshDeployment();
  const files = makePki();
  pki = { ca: files.ca, otherCa: files.otherCa };
  // FerretDB's TLS listener on the address B knows as ferret.db.internal:27018; SCRAM required.
  ferret = await startFerretDb({
    extraArgs: [`--listen-tls=${dep.ferretAddress}:27018`, `--listen-tls-cert-file=${files.cert}`, `--listen-tls-key-file=${files.key}`, ...scramArgs({ user: FERRET_USER, password: FERRET_PW })],
  });
  await waitTcp(dep.ferretAddress, 27018, 10_000);
  locked = await startSimulator({ me: 'locked.corp.internal:27017', requireAuth: true });
  stranger = sshKeygen(dir, 'not-authorized-anywhere');
  anywhere = await startSsh2Server({ users: [{ username: 'ops', publicKeys: [dep.keys.plain.blob] }], allowForward: () => true });
  t = startTestCore({
    monitoring: { intervalMs: 500, deadlineMs: 3000, connectTimeoutMs: 4000 },
    // Names are never looked up in DNS here: anything that is not an IP "does not resolve".
    connectionSeams: {
      lookup: async (h) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${h}`), { code: 'ENOTFOUND' });
      },
    },
    ssh: { knownHostsFiles: [], agentSocket: dep.agent.socket, sshConfigFile: null, tunnel: { readyTimeoutMs: 1500 } },
  });
  for (const s of [dep.a, dep.b, anywhere]) {
    const k = await t.client.invoke('connections.checkHostKey', { host: s.host, port: s.port });
    await t.client.invoke('connections.trustHostKey', { challenge: k.challenge });
  }
}, 90_000);

afterAll(async () => {
  await t?.close();
  await anywhere?.close();
  await locked?.stop();
  await ferret?.stop();
  await dep?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const secrets = { ssh: [{ hop: 1, passphrase: 'x' }] };
const good = () => ({ ssh: [{ hop: 1, passphrase: dep.passphrase }] });
const test = (uri: string, sshHops: unknown, s: unknown = good()) => t.client.invoke('connections.test', { uri, sshHops: sshHops as never, secrets: s as never });
const failed = (r: TestResult): TestStep => {
  const f = r.steps.find((s) => s.status === 'failed');
  if (!f) throw new Error(`no failed step: ${JSON.stringify(r.steps)}`);
  return f;
};
const member = `mongodb://${RS_MEMBERS[0]}/`;
const hopA = () => dep.twoHops()[0]!;
const hopB = () => dep.twoHops()[1]!;

describe('the SSH hop that failed, and why', () => {
  it('DNS: hop 1 does not resolve', async () => {
    const r = await test(member, [{ ...hopA(), host: 'bastion.nowhere.internal' }, hopB()]);
    expect(failed(r)).toMatchObject({ step: 'ssh', hop: 1, reason: 'dns', code: 'E_UNREACHABLE', detail: expect.stringMatching(/SSH jump host 1 .*bastion\.nowhere\.internal.* does not resolve/) });
    expect(r.steps.filter((s) => s.step === 'ssh').map((s) => `${s.hop}:${s.status}`)).toEqual(['1:failed', '2:skipped']);
  });

  it('refused: nothing listens on hop 1', async () => {
    const port = await freePort();
    const r = await test(member, [{ ...hopA(), host: '127.0.0.1', port }, hopB()]);
    expect(failed(r)).toMatchObject({ step: 'ssh', hop: 1, reason: 'refused', detail: expect.stringMatching(/connection refused/) });
  });

  it('timeout: hop 1 accepts TCP and never says a word', async () => {
    const hole = await blackHole();
    try {
      const r = await test(member, [{ ...hopA(), host: '127.0.0.1', port: hole.port }]);
      expect(failed(r)).toMatchObject({ step: 'ssh', hop: 1, reason: 'timeout', detail: expect.stringMatching(/no SSH handshake within 1500 ms/) });
      expect(failed(r).ms).toBeGreaterThanOrEqual(1400);
    } finally {
      await hole.close();
    }
  });

  it('jump host 1 cannot reach hop 2 (A may open channels to B only)', async () => {
    const r = await test(member, [hopA(), { ...hopB(), port: dep.b.port + 1 }]);
    expect(failed(r)).toMatchObject({ step: 'ssh', hop: 2, reason: 'channel-open-failed', code: 'E_UNREACHABLE', detail: expect.stringMatching(/SSH jump host 1 .* cannot reach hop 2 /) });
    expect(r.steps.find((s) => s.hop === 1)).toMatchObject({ status: 'ok' });
  });

  it('host key unknown: the step carries the fingerprint to trust, and nothing was sent to that host', async () => {
    const fresh = startTestCore({ ssh: { knownHostsFiles: [], agentSocket: dep.agent.socket, sshConfigFile: null } });
    try {
      const r = await fresh.client.invoke('connections.test', { uri: member, sshHops: dep.twoHops(), secrets: good() });
      expect(failed(r)).toMatchObject({ step: 'ssh', hop: 1, reason: 'host-key-unknown', hostKey: { verdict: 'unknown', challenge: { fingerprint: dep.a.hostKey.fingerprint } } });
      expect(failed(r).detail).toContain(dep.a.hostKey.fingerprint);
    } finally {
      await fresh.close();
    }
  });

  it('host key changed: the step names the old and the new fingerprints', async () => {
    const fresh = startTestCore({ ssh: { knownHostsFiles: [], agentSocket: dep.agent.socket, sshConfigFile: null } });
    try {
      // Baleen once trusted another key for A's address.
      const blob = publicBlobOf(generateHostKey());
      const old = fingerprintOf(blob);
      await fresh.client.invoke('connections.trustHostKey', { challenge: { host: dep.a.host, port: dep.a.port, keyType: 'ssh-ed25519', key: blob.toString('base64'), fingerprint: old } });
      const r = await fresh.client.invoke('connections.test', { uri: member, sshHops: dep.twoHops(), secrets: good() });
      const f = failed(r);
      expect(f).toMatchObject({ hop: 1, reason: 'host-key-changed', code: 'E_AUTH', hostKey: { verdict: 'changed', challenge: { fingerprint: dep.a.hostKey.fingerprint }, previous: [{ fingerprint: old, source: 'baleen' }] } });
      expect(f.detail).toContain(old);
      expect(f.detail).toContain(dep.a.hostKey.fingerprint);
    } finally {
      await fresh.close();
    }
  });

  it('bad key passphrase: said before any traffic, for the hop whose key it is', async () => {
    const r = await test(member, dep.twoHops(), secrets);
    expect(failed(r)).toMatchObject({ step: 'ssh', hop: 1, reason: 'bad-passphrase' });
  });

  it('SSH authentication failed: the methods tried and those the server accepts', async () => {
    const r = await test(member, [{ ...hopA(), keyFile: stranger.path }, hopB()]);
    expect(failed(r)).toMatchObject({ step: 'ssh', hop: 1, reason: 'auth-failed', code: 'E_AUTH', detail: expect.stringMatching(/tried: publickey .*not-authorized-anywhere; the server accepts: publickey/) });
  });
});

describe('the last hop cannot reach the member', () => {
  it('the name does not resolve at the last bastion', async () => {
    const r = await test('mongodb://nowhere.rs.internal:27017/', dep.twoHops());
    expect(r.steps.filter((s) => s.step === 'ssh').every((s) => s.status === 'ok')).toBe(true);
    expect(failed(r)).toMatchObject({ step: 'tcp', hop: 2, reason: 'dns', detail: expect.stringMatching(/SSH host \(hop 2\) .* cannot reach the MongoDB node nowhere\.rs\.internal:27017/) });
  });

  it('connection refused behind the last bastion', async () => {
    const r = await test('mongodb://refused.rs.internal:27017/', dep.twoHops());
    expect(failed(r)).toMatchObject({ step: 'tcp', hop: 2, reason: 'refused', detail: expect.stringMatching(/cannot reach the MongoDB node refused\.rs\.internal:27017 .*refused/i) });
  });

  it('not allowed by the bastion (PermitOpen)', async () => {
    const r = await test('mongodb://m9.rs.internal:27017/', dep.twoHops());
    expect(failed(r)).toMatchObject({ step: 'tcp', hop: 2, reason: 'prohibited', detail: expect.stringMatching(/administratively prohibited/) });
  });
});

describe('MongoDB behind the tunnel: TLS checked against the inside name, SCRAM, privileges', () => {
  const ferretUri = (o: { ca?: string; host?: string } = {}) =>
    `mongodb://${FERRET_USER}@${o.host ?? 'ferret.db.internal:27018'}/?tls=true&tlsCAFile=${encodeURIComponent(o.ca ?? pki.ca)}&authMechanism=SCRAM-SHA-256&authSource=admin`;

  it('FerretDB with TLS and SCRAM: every step passes; the certificate is checked for ferret.db.internal', async () => {
    const r = await test(ferretUri(), dep.twoHops(), { password: FERRET_PW, ...good() });
    expect(r.ok, JSON.stringify(r.steps, null, 1)).toBe(true);
    expect(r.steps.find((s) => s.step === 'tls')!.detail).toMatch(/CN=ferret\.db\.internal .*name ferret\.db\.internal checked/);
    expect(r.server?.server).toBe('ferretdb');
    console.log(`connection test, FerretDB (TLS + SCRAM) through 2 SSH hops: ${r.steps.map((s) => `${s.label}${s.ms === null ? '' : ` ${s.ms} ms`}`).join(', ')}; total ${r.totalMs} ms`);
  });

  it('a wrong password is E_AUTH "authentication failed (code 18)", not unreachable', async () => {
    const r = await test(ferretUri(), dep.twoHops(), { password: 'not-the-password', ...good() });
    expect(failed(r)).toMatchObject({ step: 'auth', code: 'E_AUTH', reason: 'auth-failed', detail: expect.stringMatching(/Authentication failed \(code 18\)/) });
    // The add fails the same way, and saves nothing.
    const e = await t.client.invoke('connections.add', { uri: ferretUri(), sshHops: dep.twoHops(), secrets: { password: 'not-the-password', ...good() } }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'E_AUTH', message: expect.stringMatching(/Authentication failed \(code 18\) on ferret\.db\.internal:27018/) });
  });

  it('a certificate from an unknown CA fails the TLS step over the tunnel', async () => {
    const r = await test(ferretUri({ ca: pki.otherCa }), dep.twoHops(), { password: FERRET_PW, ...good() });
    expect(failed(r)).toMatchObject({ step: 'tls', reason: expect.stringMatching(/^tls-(unknown-ca|self-signed)$/) });
  });

  it('a certificate for another name: TLS checks the name dialled through the tunnel (here the bare address)', async () => {
    const hop = [{ host: anywhere.host, port: anywhere.port, username: 'ops', auth: 'key', keyFile: dep.keys.plain.path }];
    const r = await test(ferretUri({ host: `${dep.ferretAddress}:27018` }), hop, { password: FERRET_PW });
    expect(failed(r)).toMatchObject({ step: 'tls', reason: 'tls-hostname' });
  });

  it('not authorized (13): the privileges step says so through the tunnel', async () => {
    const hop = [{ host: anywhere.host, port: anywhere.port, username: 'ops', auth: 'key', keyFile: dep.keys.plain.path }];
    const r = await test(`mongodb://${locked.address}/`, hop, {});
    expect(failed(r)).toMatchObject({ step: 'privileges', reason: 'not-authorized', code: 'E_NOT_AUTHORIZED', detail: expect.stringMatching(/code 13/) });
  });
});
