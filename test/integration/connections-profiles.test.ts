// Connection profiles through the contract: a pasted URI fills the form (its secrets taken out, never
// echoed), the form builds the URI, invalid option combinations are refused with the reason,
// mongodb+srv seed lists are resolved and merged (with an injected resolver: no real DNS), profiles
// are edited (name, URI, secrets) with an audit trail and a failed edit loses nothing, and SSH hops are
// kept for the tunnel layer and refused clearly until it lands.
import { randomUUID } from 'node:crypto';
import { addressMapDialer, parseTxtOptions, resolveSrvUri, srvTargetAllowed, type SrvResolver } from '../../src-main/core/connections';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import type { ConnectionForm } from '../../src-shared/contract';
import { eventually, startTestCore, type TestCore } from '../helpers/core';
import { canaryHits } from './connections-fixtures';

const srvResolver = (records: Record<string, { name: string; port: number }[]>, txt: Record<string, string[][]> = {}): SrvResolver => ({
  async resolveSrv(name) {
    const r = records[name];
    if (!r) throw Object.assign(new Error(`querySrv ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return r;
  },
  async resolveTxt(name) {
    const r = txt[name];
    if (!r) throw Object.assign(new Error(`queryTxt ENODATA ${name}`), { code: 'ENODATA' });
    return r;
  },
});

describe('URI and form', () => {
  let t: TestCore;
  beforeAll(() => {
    t = startTestCore();
  });
  afterAll(async () => t.close());

  it('a pasted URI fills the form; its password is taken out and never echoed', async () => {
    const canary = `CANARY-${randomUUID()}`;
    const r = await t.client.invoke('connections.parse', {
      uri: `mongodb://dba%40corp:${encodeURIComponent(canary)}@DB1.corp.example,db2.corp.example:27018/sales?replicaSet=rs0&authSource=admin&authMechanism=SCRAM-SHA-256&tls=true&tlsCAFile=%2Fetc%2Fca.pem&readPreference=secondaryPreferred&appName=compass&maxPoolSize=5`,
    });
    expect(r.form).toEqual({
      scheme: 'mongodb',
      hosts: ['db1.corp.example:27017', 'db2.corp.example:27018'],
      replicaSet: 'rs0',
      auth: { mechanism: 'SCRAM-SHA-256', username: 'dba@corp', authSource: 'admin' },
      tls: { mode: 'on', caFile: '/etc/ca.pem' },
      readPreference: 'secondaryPreferred',
      options: { maxPoolSize: '5' },
    } satisfies ConnectionForm);
    expect(r.carriesSecrets).toEqual(['mongodb-password']);
    expect(r.needsSecrets).toEqual(['mongodb-password']);
    expect(r.uri).toBe('mongodb://dba%40corp@db1.corp.example:27017,db2.corp.example:27018/?replicaSet=rs0&authMechanism=SCRAM-SHA-256&authSource=admin&tls=true&tlsCAFile=%2Fetc%2Fca.pem&readPreference=secondaryPreferred&maxPoolSize=5');
    expect(r.notes.join(' ')).toMatch(/appName is replaced by baleen\/<version>/);
    expect(canaryHits(JSON.stringify(r), [canary])).toEqual([]);
    // The form builds the same URI back.
    const back = await t.client.invoke('connections.parse', { form: r.form });
    expect(back.uri).toBe(r.uri);
    expect(back.form).toEqual(r.form);
  });

  it('knows each mechanism: X.509, LDAP (PLAIN), Kerberos (GSSAPI), AWS', async () => {
    const x509 = await t.client.invoke('connections.parse', { uri: 'mongodb://h/?authMechanism=MONGODB-X509&tls=true&tlsCertificateKeyFile=%2Fk.pem' });
    expect(x509.form.auth).toEqual({ mechanism: 'MONGODB-X509' });
    expect(x509.needsSecrets).toEqual(['tls-key-password']);
    const ldap = await t.client.invoke('connections.parse', { uri: 'mongodb://ann@h/?authMechanism=PLAIN&authSource=%24external' });
    expect(ldap.form.auth).toEqual({ mechanism: 'PLAIN', username: 'ann', authSource: '$external' });
    const krb = await t.client.invoke('connections.parse', { uri: 'mongodb://ann%40REALM@h/?authMechanism=GSSAPI&authMechanismProperties=SERVICE_NAME%3Amongo' });
    expect(krb.form.auth).toEqual({ mechanism: 'GSSAPI', username: 'ann@REALM', serviceName: 'mongo' });
    expect(krb.needsSecrets).toEqual([]);
    const aws = await t.client.invoke('connections.parse', { uri: 'mongodb://h/?authMechanism=MONGODB-AWS&authSource=%24external' });
    expect(aws.form.auth).toEqual({ mechanism: 'MONGODB-AWS', authSource: '$external' });
    expect(aws.needsSecrets).toEqual([]);
    // The 7.x driver reads AWS credentials only through the AWS SDK: keys in the URI are refused, with its reason.
    const keys = await t.client.invoke('connections.parse', { uri: 'mongodb://AKIAEXAMPLE:secret@h/?authMechanism=MONGODB-AWS' }).catch((x: unknown) => x);
    expect(keys).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason: 'driver' }, message: expect.stringMatching(/AWS SDK/) });
    expect((keys as Error).message).not.toMatch(/secret/);
  });

  it.each([
    ['mongodb://h/?authMechanism=MONGODB-X509', 'x509-cert', /needs a client certificate/],
    ['mongodb://u@h/?authMechanism=PLAIN&authSource=admin', 'auth-source', /\$external/],
    ['mongodb://h/?tls=true&tlsInsecure=true&tlsAllowInvalidCertificates=true', 'tls-insecure-conflict', /tlsInsecure cannot be combined/],
    ['mongodb://a,b/?directConnection=true', 'direct-hosts', /exactly one host/],
    ['mongodb://h/?tls=false&tlsCAFile=%2Fca.pem', 'tls-off-options', /TLS is off/],
    ['mongodb://h/?authMechanism=KERBEROS5', 'auth-mechanism', /Unknown authMechanism/],
    ['mongodb://h/?readPreference=fastest', 'read-preference', /Unknown readPreference/],
    ['mongodb://h/?authMechanism=GSSAPI', 'auth-username', /GSSAPI needs a user name/],
    ['mongodb+srv://cluster0.corp.example/?directConnection=true', 'srv-direct', /directConnection cannot be used with mongodb\+srv/],
    ['mongodb://h/?maxPoolSize=lots', 'driver', /not valid/],
    ['mongodb://h:99999/', 'bad-host', /Bad host/],
    ['http://h/', 'uri-syntax', /Not a valid MongoDB URI/],
  ])('refuses %s with the reason (%s)', async (uri, reason, text) => {
    const e = await t.client.invoke('connections.parse', { uri }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason } });
    expect((e as Error).message).toMatch(text);
  });

  it('refuses contradictory forms with the reason', async () => {
    const base: ConnectionForm = { scheme: 'mongodb', hosts: ['h'], auth: { mechanism: 'NONE' }, tls: { mode: 'default' } };
    const cases: [ConnectionForm, string][] = [
      [{ ...base, auth: { mechanism: 'NONE', username: 'u' } }, 'auth-mechanism'],
      [{ ...base, auth: { mechanism: 'SCRAM-SHA-256' } }, 'auth-username'],
      [{ ...base, scheme: 'mongodb+srv', hosts: ['c.example:27017'] }, 'srv-port'],
      [{ ...base, scheme: 'mongodb+srv', hosts: ['a.example', 'b.example'] }, 'srv-hosts'],
      [{ ...base, options: { tls: 'true' } }, 'duplicate-option'],
      [{ ...base, options: { authMechanismProperties: 'AWS_SESSION_TOKEN:x' } }, 'secret-in-options'],
    ];
    for (const [form, reason] of cases) {
      const e = await t.client.invoke('connections.parse', { form }).catch((x: unknown) => x);
      expect(e, reason).toMatchObject({ code: 'E_INVALID_INPUT', details: { reason } });
    }
    const srv = await t.client.invoke('connections.parse', { form: { ...base, scheme: 'mongodb+srv', hosts: ['cluster0.corp.example'] } });
    expect(srv.notes.join(' ')).toMatch(/turns TLS on/);
  });
});

describe('mongodb+srv seed lists (injected resolver, no real DNS)', () => {
  it('merges TXT options under the URI’s own, turns TLS on, and keeps targets inside the domain', async () => {
    const resolver = srvResolver(
      { '_mongodb._tcp.cluster0.corp.example': [{ name: 'shard-00.cluster0.corp.example.', port: 27017 }, { name: 'shard-01.cluster0.corp.example', port: 27018 }] },
      { 'cluster0.corp.example': [['replicaSet=atlas-rs&authSource=', 'admin']] },
    );
    const r = await resolveSrvUri('mongodb+srv://mon@cluster0.corp.example/?authSource=other&retryWrites=true', resolver);
    expect(r.hosts).toEqual(['shard-00.cluster0.corp.example:27017', 'shard-01.cluster0.corp.example:27018']);
    expect(r.fromTxt).toEqual({ replicaSet: 'atlas-rs', authSource: 'admin' });
    expect(r.uri).toBe('mongodb://mon@shard-00.cluster0.corp.example:27017,shard-01.cluster0.corp.example:27018/?replicaSet=atlas-rs&authSource=other&retryWrites=true&tls=true');
    const off = await resolveSrvUri('mongodb+srv://cluster0.corp.example/?tls=false', resolver);
    expect(off.uri).toMatch(/tls=false/);
    expect(off.uri).not.toMatch(/tls=true/);
  });

  it('refuses targets outside the domain and TXT records that set other options', async () => {
    expect(srvTargetAllowed('cluster0.corp.example', 'a.cluster0.corp.example')).toBe(true);
    expect(srvTargetAllowed('cluster0.corp.example', 'a.corp.example')).toBe(true);
    expect(srvTargetAllowed('cluster0.corp.example', 'a.evil.example')).toBe(false);
    expect(srvTargetAllowed('corp.example', 'corp.example')).toBe(false);
    expect(srvTargetAllowed('corp.example', 'db.corp.example')).toBe(true);
    const evil = srvResolver({ '_mongodb._tcp.c.corp.example': [{ name: 'db.attacker.example', port: 27017 }] });
    await expect(resolveSrvUri('mongodb+srv://c.corp.example/', evil)).rejects.toMatchObject({ code: 'E_INVALID_INPUT', details: { reason: 'srv-domain' } });
    expect(() => parseTxtOptions([['ssl=false']])).toThrow(/only authSource, replicaSet and loadBalanced/);
    expect(() => parseTxtOptions([['replicaSet=a'], ['authSource=b']])).toThrow(/more than one TXT record/);
    await expect(resolveSrvUri('mongodb+srv://missing.corp.example/', evil)).rejects.toMatchObject({ code: 'E_UNREACHABLE', details: { reason: 'dns' } });
  });

  it('connects through the SRV seed list and discovers the set', async () => {
    const sim = await startSimulator({ setName: 'srvset', me: 'n1.cluster9.corp.example:27017' });
    const t = startTestCore({
      monitoring: { intervalMs: 500, connectTimeoutMs: 2000 },
      connectionSeams: {
        srv: srvResolver({ '_mongodb._tcp.cluster9.corp.example': [{ name: 'n1.cluster9.corp.example', port: 27017 }] }, { 'cluster9.corp.example': [['replicaSet=srvset']] }),
        dial: addressMapDialer({ 'n1.cluster9.corp.example:27017': sim.address }),
      },
    });
    try {
      // The simulator has no TLS: the URI says so, as it would for a lab cluster.
      const c = await t.client.invoke('connections.add', { uri: 'mongodb+srv://cluster9.corp.example/?tls=false', discover: true });
      expect(c.uri).toBe('mongodb+srv://cluster9.corp.example/?tls=false');
      expect(c.nodes.map((n) => n.hostPort)).toEqual(['n1.cluster9.corp.example:27017']);
      expect(c.topology!.replicaSet!.name).toBe('srvset');
      const test = await t.client.invoke('connections.test', { id: c.id });
      expect(test.steps.find((s) => s.step === 'dns')!.detail).toBe('SRV gives n1.cluster9.corp.example:27017; TXT sets replicaSet=srvset');
      expect(test.ok).toBe(true);
    } finally {
      await t.close();
      await sim.stop();
    }
  });
});

describe('editing profiles', () => {
  let a: Simulator;
  let b: Simulator;
  let t: TestCore;

  beforeAll(async () => {
    a = await startSimulator({ me: 'edit-a.corp.internal:27017' });
    b = await startSimulator({ me: 'edit-b.corp.internal:27017' });
    t = startTestCore({
      monitoring: { intervalMs: 200, deadlineMs: 800, connectTimeoutMs: 1500 },
      connectionSeams: { dial: addressMapDialer({ 'edit-a.corp.internal:27017': a.address, 'edit-b.corp.internal:27017': b.address }) },
      ssh: { agentSocket: null, knownHostsFiles: [], sshConfigFile: null },
    });
  });
  afterAll(async () => {
    await t?.close();
    await a?.stop();
    await b?.stop();
  });

  it('changes name, group, tags and colour; then the URI (reconnecting); each change audited without secrets', async () => {
    const c = await t.client.invoke('connections.add', { uri: 'mongodb://edit-a.corp.internal:27017/', name: 'first' });
    const renamed = await t.client.invoke('connections.update', { id: c.id, name: 'renamed', group: 'lab', tags: ['x'], color: 'teal' });
    expect([renamed.name, renamed.group, renamed.tags, renamed.color]).toEqual(['renamed', 'lab', ['x'], 'teal']);
    expect(renamed.nodes[0]!.id).toBe(c.nodes[0]!.id);

    const moved = await t.client.invoke('connections.update', { id: c.id, uri: 'mongodb://edit-b.corp.internal:27017/' });
    expect(moved.uri).toBe('mongodb://edit-b.corp.internal:27017/');
    expect(moved.nodes.map((n) => n.hostPort)).toEqual(['edit-b.corp.internal:27017']);
    await eventually(async () => ((b.stats().commands.serverStatus?.total ?? 0) > 1 ? true : undefined), 5000, 'b polled');
    const polledA = a.stats().commands.serverStatus?.total ?? 0;
    await new Promise((r) => setTimeout(r, 600));
    expect(a.stats().commands.serverStatus?.total ?? 0).toBe(polledA);

    const updates = t.core.audit.list({ action: 'connection.update' }).filter((r) => r.kind === 'intent');
    expect(updates.map((r) => r.details.changed)).toEqual([['uri'], ['name', 'group', 'tags', 'color']]);
  });

  it('a failed edit loses nothing: the old target keeps being polled and the URI is unchanged', async () => {
    const [c] = await t.client.invoke('connections.list', {});
    const e = await t.client.invoke('connections.update', { id: c!.id, uri: 'mongodb://nowhere.corp.internal:27017/' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'E_UNREACHABLE', details: { reason: 'dns' } });
    const after = (await t.client.invoke('connections.list', {}))[0]!;
    expect(after.uri).toBe(c!.uri);
    expect(after.nodes.map((n) => n.id)).toEqual(c!.nodes.map((n) => n.id));
    const before = b.stats().commands.serverStatus?.total ?? 0;
    await eventually(async () => ((b.stats().commands.serverStatus?.total ?? 0) > before ? true : undefined), 5000, 'still polled');
    expect(t.core.audit.list({ action: 'connection.update' })[0]).toMatchObject({ kind: 'outcome', result: 'error', errorCode: 'E_UNREACHABLE' });
  });

  it('sets, changes and deletes a secret, each audited by kind only', async () => {
    const canary = `CANARY-${randomUUID()}`;
    const c = await t.client.invoke('connections.add', { uri: 'mongodb://u@edit-a.corp.internal:27017/', connect: false });
    expect(c.secrets).toEqual([{ kind: 'mongodb-password', state: 'missing' }]);
    await t.client.invoke('connections.update', { id: c.id, secrets: { password: canary } });
    await t.client.invoke('connections.update', { id: c.id, secrets: { password: `${canary}-2` } });
    const cleared = await t.client.invoke('connections.update', { id: c.id, secrets: { password: null } });
    expect(cleared.secrets).toEqual([{ kind: 'mongodb-password', state: 'missing' }]);
    const acts = ['secret.add', 'secret.change', 'secret.delete'].map((action) => t.core.audit.list({ action }).filter((r) => r.target === `${c.id}/mongodb-password`).map((r) => r.kind));
    expect(acts).toEqual([
      ['outcome', 'intent'],
      ['outcome', 'intent'],
      ['outcome', 'intent'],
    ]);
    expect(canaryHits(JSON.stringify(t.core.audit.list({ limit: 1000 })), [canary])).toEqual([]);
    // Connecting needs the password it no longer has: said plainly, before any server is asked.
    const refused = await t.client.invoke('connections.connect', { id: c.id }).catch((x: unknown) => x);
    expect(refused).toMatchObject({ code: 'E_AUTH', details: { reason: 'secret-missing' } });
  });

  it('disconnect stops polling for good (audited, no reconnect); connect resumes it (audited)', async () => {
    const c = await t.client.invoke('connections.add', { uri: 'mongodb://edit-a.corp.internal:27017/', name: 'switch' });
    await eventually(async () => ((await t.client.invoke('connections.list', {})).find((x) => x.id === c.id)!.nodes[0]!.status.state === 'monitoring' ? true : undefined), 5000, 'monitoring');
    const off = await t.client.invoke('connections.disconnect', { id: c.id });
    expect(off.connected).toBe(false);
    expect(off.nodes[0]!.status.state).toBe('stopped');
    const polled = a.stats().commands.serverStatus?.total ?? 0;
    await new Promise((r) => setTimeout(r, 800));
    expect(a.stats().commands.serverStatus?.total ?? 0).toBe(polled);
    const on = await t.client.invoke('connections.connect', { id: c.id });
    expect(on.connected).toBe(true);
    await eventually(() => ((a.stats().commands.serverStatus?.total ?? 0) > polled ? true : undefined), 5000, 'polled again');
    for (const action of ['connection.disconnect', 'connection.connect']) {
      expect(t.core.audit.list({ action }).filter((r) => r.target === c.id).map((r) => [r.kind, r.result])).toEqual([
        ['outcome', 'ok'],
        ['intent', null],
      ]);
    }
    await t.client.invoke('connections.remove', { id: c.id });
  });

  it('keeps SSH hops with the profile; an agent hop with no agent is refused naming the hop, before any traffic', async () => {
    const hops = [{ host: 'bastion.corp.example', port: 22, username: 'ops', auth: 'agent' as const }];
    const e = await t.client.invoke('connections.add', { uri: 'mongodb://edit-a.corp.internal:27017/', sshHops: hops }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'E_INVALID_INPUT', details: { sshKind: 'key-invalid', hop: 1 } });
    expect((e as Error).message).toMatch(/SSH hop 1 \(ops@bastion\.corp\.example:22\) logs in with the ssh-agent, but no agent is available/);
    const saved = await t.client.invoke('connections.add', { uri: 'mongodb://edit-a.corp.internal:27017/', sshHops: hops, connect: false, name: 'behind bastion' });
    expect(saved.sshHops).toEqual(hops);
    const test = await t.client.invoke('connections.test', { id: saved.id });
    expect(test.ok).toBe(false);
    expect(test.steps[0]).toMatchObject({ step: 'ssh', hop: 1, host: 'ops@bastion.corp.example:22', status: 'failed', reason: 'key-invalid', code: 'E_INVALID_INPUT' });
    expect(test.steps.slice(1).every((s) => s.status === 'skipped')).toBe(true);
    await t.client.invoke('connections.remove', { id: saved.id });
  });
});
