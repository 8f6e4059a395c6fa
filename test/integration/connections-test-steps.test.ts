// The connection test and connecting against a real server: FerretDB with TLS (certificates made here
// by openssl) and SCRAM. Each step has its own result and time; a failure names its step and reason:
// authentication failed (code 18) is never "unreachable" (SEC-C4), and each certificate problem is
// named (REL-M8). Insecure TLS flags need an explicit, audited opt-in.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestResult } from '../../src-shared/contract';
import { addressMapDialer } from '../../src-main/core/connections';
import { jsonLineLogger } from '../../src-main/core/ports/logger';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import { blackHole, freePort } from '../servers/net';
import { startTestCore, type TestCore } from '../helpers/core';
import { canaryHits, makeTestPki, rejection, startFerretDbTls, type FerretTls, type TestPki } from './connections-fixtures';

const USER = 'dba';
const PASSWORD = `pw-${randomUUID()}`;

function dataDirText(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

const step = (r: TestResult, id: string) => r.steps.find((s) => s.step === id && s.status !== 'skipped') ?? r.steps.find((s) => s.step === id)!;

describe('connection test and connect against FerretDB with TLS and SCRAM', () => {
  let pki: TestPki;
  let ok: FerretTls;
  let expired: FerretTls;
  let wrongHost: FerretTls;
  let unknownCa: FerretTls;
  let mtls: FerretTls;
  let t: TestCore;
  const logs: string[] = [];
  const keyPassphrase = `CANARY-${randomUUID()}`;

  beforeAll(async () => {
    pki = makeTestPki(keyPassphrase);
    [ok, expired, wrongHost, unknownCa, mtls] = await Promise.all([
      startFerretDbTls(pki.server, { scram: { user: USER, password: PASSWORD } }),
      startFerretDbTls(pki.expired),
      startFerretDbTls(pki.wrongHost),
      startFerretDbTls(pki.unknownCa),
      startFerretDbTls(pki.server, { clientCa: pki.caFile }),
    ]);
    t = startTestCore({ logger: jsonLineLogger((l) => void logs.push(l), 'baleen', 'debug'), monitoring: { connectTimeoutMs: 3000, intervalMs: 500 } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([ok, expired, wrongHost, unknownCa, mtls].map((f) => f?.stop()));
    pki?.remove();
  });

  const scramUri = () => `mongodb://${USER}@127.0.0.1:${ok.tlsPort}/?tls=true&tlsCAFile=${encodeURIComponent(pki.caFile)}&authMechanism=SCRAM-SHA-256&authSource=admin`;

  it('every step passes with its own time: DNS, TCP, TLS, SCRAM, privileges, topology', async () => {
    const r = await t.client.invoke('connections.test', { uri: scramUri(), secrets: { password: PASSWORD }, name: 'ferret' });
    console.log(`connection test timings (FerretDB, TLS + SCRAM-SHA-256): ${r.steps.map((s) => `${s.step}=${s.ms ?? '-'}ms`).join(' ')} total=${r.totalMs}ms`);
    expect(r.ok, JSON.stringify(r.steps)).toBe(true);
    expect(step(r, 'ssh')).toMatchObject({ status: 'skipped', detail: /no SSH hops/ });
    for (const id of ['dns', 'tcp', 'tls', 'auth', 'privileges', 'topology']) {
      const s = step(r, id);
      expect(['ok', 'warning'], `${id}: ${s.detail}`).toContain(s.status);
      expect(typeof s.ms, id).toBe('number');
      expect(s.ms!, id).toBeGreaterThanOrEqual(0);
    }
    expect(step(r, 'tls').detail).toMatch(/TLSv1\.[23], CN=localhost issued by CN=Baleen Test CA/);
    expect(step(r, 'auth').detail).toMatch(new RegExp(`authenticated as ${USER} \\(SCRAM-SHA-256\\) on admin`));
    expect(r.server).toMatchObject({ server: 'ferretdb', version: '1.24.2' });
    // FerretDB does not list privileges: serverStatus is learned by trying it.
    expect(r.capabilities!.features.find((f) => f.feature === 'serverStatus')!.state).toBe('available');
  });

  it('SEC-C4: a wrong password fails the authentication step with code 18, never "unreachable", and the canary is nowhere', async () => {
    const canary = `CANARY-${randomUUID()}`;
    const r = await t.client.invoke('connections.test', { uri: scramUri(), secrets: { password: canary } });
    expect(r.ok).toBe(false);
    for (const id of ['dns', 'tcp', 'tls']) expect(step(r, id).status, id).toBe('ok');
    const auth = step(r, 'auth');
    expect(auth).toMatchObject({ status: 'failed', code: 'E_AUTH', reason: 'auth-failed' });
    expect(auth.detail).toMatch(/authentication failed \(code 18\)/i);
    expect(step(r, 'privileges').status).toBe('skipped');

    const add = await rejection(t.client.invoke('connections.add', { uri: scramUri(), secrets: { password: canary } }));
    expect(add).toMatchObject({ code: 'E_AUTH' });
    expect(add.message).toMatch(/authentication failed \(code 18\)/i);
    expect(await t.client.invoke('connections.list', {})).toEqual([]);

    expect(canaryHits(JSON.stringify(r), [canary])).toEqual([]);
    expect(canaryHits(JSON.stringify(add), [canary])).toEqual([]);
    expect(canaryHits(logs.join('\n'), [canary])).toEqual([]);
    expect(canaryHits(dataDirText(t.dataDir), [canary])).toEqual([]);
    const audited = t.core.audit.list({ action: 'connection.test', limit: 10 });
    expect(audited.some((a) => a.kind === 'outcome' && a.result === 'error' && a.errorCode === 'E_AUTH')).toBe(true);
  });

  it('REL-M8: an expired certificate, a wrong host name and an unknown CA are each named, in the test and on connect (fast)', async () => {
    const cases: [FerretTls, string, RegExp][] = [
      [expired, 'tls-expired', /certificate has expired/],
      [wrongHost, 'tls-hostname', /not for this host name/],
      [unknownCa, 'tls-unknown-ca', /unknown CA/],
    ];
    for (const [server, reason, text] of cases) {
      const uri = `mongodb://127.0.0.1:${server.tlsPort}/?tls=true&tlsCAFile=${encodeURIComponent(pki.caFile)}`;
      const r = await t.client.invoke('connections.test', { uri });
      expect(step(r, 'tcp').status, reason).toBe('ok');
      expect(step(r, 'tls'), reason).toMatchObject({ status: 'failed', reason });
      expect(step(r, 'tls').detail, reason).toMatch(text);
      const started = Date.now();
      const e = await rejection(t.client.invoke('connections.add', { uri }));
      expect(e, reason).toMatchObject({ code: 'E_UNREACHABLE', details: { reason } });
      expect(e.message, reason).toMatch(text);
      expect(Date.now() - started, `${reason} fails fast (REL-M1)`).toBeLessThan(2500);
    }
  });

  it('REL-M8: tlsAllowInvalidCertificates is refused without the explicit opt-in, then badged and audited', async () => {
    const uri = `mongodb://127.0.0.1:${expired.tlsPort}/?tls=true&tlsCAFile=${encodeURIComponent(pki.caFile)}&tlsAllowInvalidCertificates=true`;
    const refused = await rejection(t.client.invoke('connections.add', { uri }));
    expect(refused).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason: 'tls-opt-in-required', flags: ['tlsAllowInvalidCertificates'] } });
    expect(refused.message).toMatch(/turns off TLS certificate checks/);

    const test = await t.client.invoke('connections.test', { uri, trustInsecureTls: ['tlsAllowInvalidCertificates'] });
    expect(step(test, 'tls')).toMatchObject({ status: 'warning' });
    expect(step(test, 'tls').detail).toMatch(/certificate problem ignored by opt-in: TLS: the server's certificate has expired/);

    const added = await t.client.invoke('connections.add', { uri, name: 'expired-but-trusted', trustInsecureTls: ['tlsAllowInvalidCertificates'] });
    expect(added.insecureTls).toEqual({ flags: ['tlsAllowInvalidCertificates'], confirmed: true });
    const optIn = t.core.audit.list({ action: 'tls.trust_opt_in' });
    expect(optIn).toHaveLength(1);
    expect(optIn[0]).toMatchObject({ target: added.id, details: { flags: ['tlsAllowInvalidCertificates'] } });
    await t.client.invoke('connections.remove', { id: added.id });
  });

  it('X.509 client certificate with an encrypted key: the key password is a secret, and a wrong one is named', async () => {
    const uri = `mongodb://127.0.0.1:${mtls.tlsPort}/?tls=true&tlsCAFile=${encodeURIComponent(pki.caFile)}&tlsCertificateKeyFile=${encodeURIComponent(pki.clientPem)}`;
    const parsed = await t.client.invoke('connections.parse', { uri: `${uri}&tlsCertificateKeyFilePassword=${encodeURIComponent(keyPassphrase)}` });
    expect(parsed.carriesSecrets).toEqual(['tls-key-password']);
    expect(parsed.uri).not.toContain(keyPassphrase);
    expect(JSON.stringify(parsed)).not.toContain(keyPassphrase);

    const good = await t.client.invoke('connections.test', { uri, secrets: { tlsKeyPassword: keyPassphrase } });
    expect(step(good, 'tls').status, step(good, 'tls').detail).toBe('ok');
    expect(step(good, 'auth').status, step(good, 'auth').detail).toBe('ok');
    const bad = await t.client.invoke('connections.test', { uri, secrets: { tlsKeyPassword: 'not-the-passphrase' } });
    expect(step(bad, 'tls')).toMatchObject({ status: 'failed', reason: 'tls-key-passphrase' });

    const added = await t.client.invoke('connections.add', { uri, name: 'mtls', secrets: { tlsKeyPassword: keyPassphrase } });
    expect(added.nodes).toHaveLength(1);
    expect(added.secrets).toEqual([{ kind: 'tls-key-password', state: 'session', reason: 'secrets are kept for this session only' }]);
    expect(canaryHits(JSON.stringify(added), [keyPassphrase])).toEqual([]);
    expect(canaryHits(dataDirText(t.dataDir), [keyPassphrase])).toEqual([]);
    expect(canaryHits(logs.join('\n'), [keyPassphrase])).toEqual([]);
    await t.client.invoke('connections.remove', { id: added.id });
  });
});

describe('connection test: each failure kind is named by its step', () => {
  let sim: Simulator;
  let t: TestCore;

  beforeAll(async () => {
    sim = await startSimulator({ me: 'locked.corp.internal:27017', requireAuth: true });
    t = startTestCore({ monitoring: { connectTimeoutMs: 1500 }, connectionSeams: { dial: addressMapDialer({ 'locked.corp.internal:27017': sim.address }) } });
  });
  afterAll(async () => {
    await t?.close();
    await sim?.stop();
  });

  it('a name that does not resolve fails at name resolution (dns)', async () => {
    const r = await t.client.invoke('connections.test', { uri: 'mongodb://nowhere.corp.internal:27017/' });
    expect(step(r, 'dns')).toMatchObject({ status: 'failed', reason: 'dns', code: 'E_UNREACHABLE' });
    expect(step(r, 'tcp').status).toBe('skipped');
  });

  it('a closed port fails at TCP (refused), in well under the connect timeout', async () => {
    const port = await freePort();
    const r = await t.client.invoke('connections.test', { uri: `mongodb://127.0.0.1:${port}/` });
    expect(step(r, 'dns').status).toBe('ok');
    expect(step(r, 'tcp')).toMatchObject({ status: 'failed', reason: 'refused' });
    expect(step(r, 'tcp').detail).toMatch(/connection refused by 127\.0\.0\.1:\d+/);
    expect(step(r, 'tcp').ms!).toBeLessThan(1000);
  });

  it('a server that accepts TCP but never answers times out at authentication, not at TCP', async () => {
    const hole = await blackHole();
    try {
      const r = await t.client.invoke('connections.test', { uri: `mongodb://127.0.0.1:${hole.port}/` });
      expect(step(r, 'tcp').status).toBe('ok');
      expect(step(r, 'auth')).toMatchObject({ status: 'failed' });
      expect(step(r, 'auth').reason).toBe('timeout');
      expect(step(r, 'auth').ms!).toBeLessThan(4000);
    } finally {
      await hole.close();
    }
  });

  it('no credentials on a server that requires them: not authorized (code 13) at the privileges step', async () => {
    const r = await t.client.invoke('connections.test', { uri: 'mongodb://locked.corp.internal:27017/' });
    expect(step(r, 'auth')).toMatchObject({ status: 'ok', detail: 'no credentials: connected without authentication' });
    expect(step(r, 'privileges')).toMatchObject({ status: 'failed', reason: 'not-authorized', code: 'E_NOT_AUTHORIZED' });
    expect(step(r, 'privileges').detail).toMatch(/Not authorized \(code 13\).*clusterMonitor/);
  });
});
