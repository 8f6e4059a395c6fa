// SEC-C1 and SEC-E8 with canaries: profiles saved with unique canary secrets (SCRAM password, a client
// key's passphrase, a SOCKS proxy password, an AWS session token, an export passphrase; through SSH: a
// hop's password, a private key's passphrase, a keyboard-interactive one-time password answered through
// the contract, and a wrong SSH password), then used (monitored through the tunnels, tested, a wrong
// password tried, exported), then Baleen quits. The canaries must appear
// nowhere: the data folder (SQLite files with their -wal), the logs, the export, the temp dir, every
// API answer and every event payload, in raw, base64, base64url, hex, percent-encoded, JSON \u-escaped
// and UTF-16LE forms. And no output schema of the contract has a field that could carry one.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { addressMapDialer } from '../../src-main/core/connections';
import { jsonLineLogger } from '../../src-main/core/ports/logger';
import { registerScramAuth, SimUserDirectory, startSimulator, type Simulator } from '../../src-main/core/sim';
import { CONTRACT, EVENT_NAMES, METHOD_NAMES, type EventName } from '../../src-shared/contract';
import { eventually, startTestCore, type TestCore } from '../helpers/core';
import { canaryHits, makeTestPki, startFerretDbTls, type FerretTls, type TestPki } from './connections-fixtures';
import { sshKeygen, type KeyPair } from '../servers/sshd';
import { startSsh2Server, type Ssh2ServerHandle } from '../servers/ssh-test-server';

const c = () => `CANARY-${randomUUID()}`;
const SCRAM_PW = c();
const KEY_PW = c();
const PROXY_PW = c();
const AWS_TOKEN = c();
const EXPORT_PASSPHRASE = c();
const WRONG_PW = c();
const SSH_PW = c();
const SSH_KEY_PASSPHRASE = c();
const SSH_OTP = c();
const WRONG_SSH_PW = c();
const CANARIES = [SCRAM_PW, KEY_PW, PROXY_PW, AWS_TOKEN, EXPORT_PASSPHRASE, WRONG_PW, SSH_PW, SSH_KEY_PASSPHRASE, SSH_OTP, WRONG_SSH_PW];

/** Every file under `dir` modified since `since` (bounded), as latin1 text. */
function filesSince(dir: string, since: number, depth = 3): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory() && depth > 0) out.push(...filesSince(p, since, depth - 1));
    else if (st.isFile() && st.mtimeMs >= since && st.size < 64 * 1024 * 1024) {
      try {
        out.push({ path: p, text: readFileSync(p).toString('latin1') });
      } catch {
        // Another suite's file that vanished or is not readable: not ours.
      }
    }
  }
  return out;
}

/** Keys an output could carry a secret in (SEC-E8). */
const SECRET_FIELD = /^(password|passphrase|privateKey|tls\w*Password|proxyPassword|awsSessionToken|secret)$/i;

function secretFields(schema: z.ZodType, path: string, seen = new Set<unknown>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const out: string[] = [];
  const walk = (s: unknown, p: string) => {
    if (s && typeof s === 'object' && '_zod' in s) out.push(...secretFields(s as z.ZodType, p, seen));
  };
  switch (def.type) {
    case 'object':
      for (const [k, v] of Object.entries(def.shape as Record<string, unknown>)) {
        if (SECRET_FIELD.test(k)) out.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
      break;
    case 'array':
      walk(def.element, `${path}[]`);
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      walk(def.innerType, path);
      break;
    case 'union':
      for (const o of def.options as unknown[]) walk(o, path);
      break;
    case 'record':
      walk(def.valueType, `${path}{}`);
      break;
    case 'pipe':
      walk(def.in, path);
      walk(def.out, path);
      break;
    default:
      break;
  }
  return out;
}

describe('the canary search', () => {
  it('finds a canary in each encoding, at any base64 alignment, inside larger text', () => {
    const k = c();
    const b = Buffer.from(k);
    const samples = [
      `x${k}y`,
      Buffer.concat([Buffer.from('a'), b, Buffer.from('zz')]).toString('base64'),
      Buffer.concat([Buffer.from('ab'), b]).toString('base64url'),
      `0011${b.toString('hex')}ff`,
      encodeURIComponent(`pw=${k}`),
      `"${[...k].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`,
      Buffer.from(`..${k}..`, 'utf16le').toString('latin1'),
    ];
    for (const s of samples) expect(canaryHits(s, [k]).length, s).toBeGreaterThan(0);
    expect(canaryHits('nothing here', [k])).toEqual([]);
  });
});

describe('SEC-E8: no output or event schema can carry a secret', () => {
  it('no method output and no event payload has a password, passphrase, private key or token field', () => {
    const found = [
      ...METHOD_NAMES.flatMap((m) => secretFields(CONTRACT.methods[m].output as z.ZodType, `${m} → output`)),
      ...EVENT_NAMES.flatMap((e) => secretFields(CONTRACT.events[e] as z.ZodType, `${e} → payload`)),
    ];
    expect(found).toEqual([]);
    // The walker does find such a field where there is one (it would not pass silently).
    expect(secretFields(CONTRACT.methods['connections.add'].input as z.ZodType, 'add input')).toEqual([
      'add input.secrets.password',
      'add input.secrets.tlsKeyPassword',
      'add input.secrets.awsSessionToken',
      'add input.secrets.proxyPassword',
      'add input.secrets.ssh[].password',
      'add input.secrets.ssh[].passphrase',
    ]);
  });
});

describe('SEC-C1 / SEC-E8: canary secrets, used, exported, then searched for everywhere', () => {
  const started = Date.now() - 1000;
  let pki: TestPki;
  let mtls: FerretTls;
  let sim: Simulator;
  let t: TestCore;
  let exportDir: string;
  const logs: string[] = [];
  const answers: unknown[] = [];
  const events: unknown[] = [];
  let bastion: Ssh2ServerHandle;
  let sshKey: KeyPair;
  let sshDir: string;

  beforeAll(async () => {
    sshDir = mkdtempSync(join(tmpdir(), 'baleen-canary-ssh-'));
    sshKey = sshKeygen(sshDir, 'id_canary', { passphrase: SSH_KEY_PASSPHRASE });
    // One bastion for every SSH login kind: a password, the encrypted key, and an OTP prompt.
    bastion = await startSsh2Server({
      users: [
        { username: 'pw', password: SSH_PW },
        { username: 'key', publicKeys: [sshKey.blob] },
        { username: 'otp', kbd: { prompts: ['One-time password: '], answers: [SSH_OTP] } },
      ],
    });
    pki = makeTestPki(KEY_PW);
    mtls = await startFerretDbTls(pki.server, { clientCa: pki.caFile });
    const users = new SimUserDirectory([{ user: 'mon', db: 'admin', password: SCRAM_PW, roles: [{ role: 'clusterMonitor', db: 'admin' }] }]);
    sim = await startSimulator({ setName: 'canary', me: 'cn1.corp.internal:27017', requireAuth: true, extendCommands: (tb) => registerScramAuth(tb, users) });
    exportDir = mkdtempSync(join(tmpdir(), 'baleen-export-'));
    t = startTestCore({
      logger: jsonLineLogger((l) => void logs.push(l), 'baleen', 'debug'),
      monitoring: { intervalMs: 200, deadlineMs: 800, connectTimeoutMs: 2000 },
      connectionSeams: { dial: addressMapDialer({ 'cn1.corp.internal:27017': sim.address }) },
      ssh: { knownHostsFiles: [], agentSocket: null, sshConfigFile: null, tunnel: { backoffMs: [200, 400, 800] } },
    });
    for (const e of EVENT_NAMES) t.client.on(e as EventName, (p) => void events.push(p));
    // The OTP bastion's question is answered through the contract, as the UI's dialog does.
    t.client.on('connections.sshPrompt', (q) => void t.client.invoke('connections.answerSshPrompt', { id: q.id, answers: q.prompts.map(() => SSH_OTP) }).then((a) => answers.push(a)));
  });
  afterAll(async () => {
    await t?.close();
    await bastion?.close();
    if (sshDir) rmSync(sshDir, { recursive: true, force: true });
    await sim?.stop();
    await mtls?.stop();
    pki?.remove();
    if (exportDir) rmSync(exportDir, { recursive: true, force: true });
  });

  const call = async <T,>(p: Promise<T>): Promise<T> => {
    try {
      const v = await p;
      answers.push(v);
      return v;
    } catch (e) {
      answers.push({ error: e, message: (e as Error).message });
      throw e;
    }
  };

  it('saves, uses, tests, exports and reads back every profile', async () => {
    const scramUri = `mongodb://mon@cn1.corp.internal:27017/?replicaSet=canary&authMechanism=SCRAM-SHA-256&authSource=admin`;
    const monitored = await call(t.client.invoke('connections.add', { uri: scramUri, secrets: { password: SCRAM_PW }, name: 'scram', discover: true }));
    const mtlsUri = `mongodb://127.0.0.1:${mtls.tlsPort}/?tls=true&tlsCAFile=${encodeURIComponent(pki.caFile)}&tlsCertificateKeyFile=${encodeURIComponent(pki.clientPem)}&tlsCertificateKeyFilePassword=${encodeURIComponent(KEY_PW)}`;
    const keyed = await call(t.client.invoke('connections.add', { uri: mtlsUri, name: 'mtls' }));
    const proxied = await call(
      t.client.invoke('connections.add', { uri: `mongodb://h.corp.internal:27017/?proxyHost=127.0.0.1&proxyPort=1080&proxyUsername=p&proxyPassword=${encodeURIComponent(PROXY_PW)}`, name: 'proxy', connect: false }),
    );
    const aws = await call(t.client.invoke('connections.add', { uri: 'mongodb://aws.corp.internal:27017/?authMechanism=MONGODB-AWS', secrets: { awsSessionToken: AWS_TOKEN }, name: 'aws', connect: false }));
    // Through SSH: the bastion's key is fetched without logging in, and trusted (pinned, audited).
    const hostKey = await call(t.client.invoke('connections.checkHostKey', { host: bastion.host, port: bastion.port }));
    await call(t.client.invoke('connections.trustHostKey', { challenge: hostKey.challenge }));
    const hop = (username: string, auth: 'password' | 'key' | 'keyboard-interactive') => [{ host: bastion.host, port: bastion.port, username, auth, ...(auth === 'key' ? { keyFile: sshKey.path } : {}) }];
    const simUri = `mongodb://mon@${sim.address}/?authMechanism=SCRAM-SHA-256&authSource=admin`;
    const viaPassword = await call(t.client.invoke('connections.add', { uri: simUri, name: 'ssh password', sshHops: hop('pw', 'password'), secrets: { password: SCRAM_PW, ssh: [{ hop: 1, password: SSH_PW }] } }));
    const viaKey = await call(t.client.invoke('connections.add', { uri: simUri, name: 'ssh key', sshHops: hop('key', 'key'), secrets: { password: SCRAM_PW, ssh: [{ hop: 1, passphrase: SSH_KEY_PASSPHRASE }] } }));
    const viaOtp = await call(t.client.invoke('connections.add', { uri: simUri, name: 'ssh otp', sshHops: hop('otp', 'keyboard-interactive'), secrets: { password: SCRAM_PW } }));
    for (const x of [viaPassword, viaKey, viaOtp]) expect(x.tunnel?.state, x.name).toBe('ready');
    expect(viaPassword.secrets!.map((s) => `${s.kind}:${s.state}`)).toEqual(['mongodb-password:session', 'ssh-password:1:session']);
    expect(viaKey.secrets!.map((s) => s.kind)).toEqual(['mongodb-password', 'ssh-passphrase:1']);
    const wrongSsh = await call(t.client.invoke('connections.test', { uri: simUri, sshHops: hop('pw', 'password'), secrets: { password: SCRAM_PW, ssh: [{ hop: 1, password: WRONG_SSH_PW }] } }));
    expect(wrongSsh.steps[0]).toMatchObject({ step: 'ssh', status: 'failed', reason: 'auth-failed', code: 'E_AUTH' });
    const sshConfig = join(sshDir, 'config');
    writeFileSync(sshConfig, `Host canary-bastion\n  HostName ${bastion.host}\n  Port ${bastion.port}\n  User pw\n  CertificateFile ~/.ssh/id_cert-cert.pub\n`);
    expect(proxied.secrets).toEqual([{ kind: 'proxy-password', state: 'session', reason: 'secrets are kept for this session only' }]);
    expect(aws.secrets!.map((s) => s.kind)).toEqual(['aws-session-token']);

    await eventually(async () => ((await t.client.invoke('connections.list', {})).find((x) => x.id === monitored.id)!.nodes[0]!.status.state === 'monitoring' ? true : undefined), 10_000, 'monitoring');
    // Every read method of the connections service, and the others'.
    const reads: Record<string, () => Promise<unknown>> = {
      'app.info': () => t.client.invoke('app.info', {}),
      'connections.list': () => t.client.invoke('connections.list', {}),
      'connections.get': async () => Promise.all([monitored, keyed, proxied, aws].map((x) => t.client.invoke('connections.get', { id: x.id }))),
      'connections.parse': () => t.client.invoke('connections.parse', { uri: mtlsUri }),
      'connections.test': async () => [await t.client.invoke('connections.test', { id: monitored.id }), await t.client.invoke('connections.test', { id: keyed.id }), await t.client.invoke('connections.test', { uri: scramUri, secrets: { password: WRONG_PW } })],
      'connections.capabilities': () => t.client.invoke('connections.capabilities', { nodeId: monitored.nodes[0]!.id }),
      'connections.secretStorage': () => t.client.invoke('connections.secretStorage', {}),
      'connections.rediscover': () => t.client.invoke('connections.rediscover', { id: monitored.id }),
      'connections.export': async () => [await t.client.invoke('connections.export', {}), await t.client.invoke('connections.export', { passphrase: EXPORT_PASSPHRASE })],
      'connections.update': () => t.client.invoke('connections.update', { id: aws.id, name: 'aws (renamed)' }),
      'connections.stopMonitoring': () => t.client.invoke('connections.stopMonitoring', { nodeId: keyed.nodes[0]!.id }),
      'connections.checkHostKey': () => t.client.invoke('connections.checkHostKey', { host: bastion.host, port: bastion.port }),
      'connections.trustHostKey': () => t.client.invoke('connections.trustHostKey', { challenge: hostKey.challenge }),
      // Nothing changed, so a replacement is refused (E_CONFLICT); the refusal is searched too.
      'connections.replaceHostKey': () => t.client.invoke('connections.replaceHostKey', { challenge: hostKey.challenge, previousFingerprint: hostKey.challenge.fingerprint }),
      'connections.answerSshPrompt': () => t.client.invoke('connections.answerSshPrompt', { id: 'no-such-prompt', answers: [SSH_OTP] }),
      'connections.importSshConfig': () => t.client.invoke('connections.importSshConfig', { alias: 'canary-bastion', path: sshConfig }),
      'connections.tests-through-ssh': async () => Promise.all([viaPassword, viaKey, viaOtp].map((x) => t.client.invoke('connections.test', { id: x.id }))),
      'connections.startMonitoring': () => t.client.invoke('connections.startMonitoring', { nodeId: keyed.nodes[0]!.id }),
      'connections.disconnect': () => t.client.invoke('connections.disconnect', { id: keyed.id }),
      'connections.connect': () => t.client.invoke('connections.connect', { id: keyed.id }),
      'connections.import': () => t.client.invoke('connections.import', { content: 'mongodb://imported.corp.internal:27017/' }),
      'metrics.query': () => t.client.invoke('metrics.query', { entity: `node:${monitored.nodes[0]!.id}`, metrics: ['serverStatus.uptimeMillis'], from: 0, to: Date.now() + 1000 }),
    };
    for (const [name, read] of Object.entries(reads)) answers.push({ name, value: await read().catch((e: unknown) => ({ error: String(e) })) });
    const sshTests = (answers.find((a) => (a as { name?: string }).name === 'connections.tests-through-ssh') as { value: { ok: boolean }[] }).value;
    expect(sshTests.map((r) => r.ok)).toEqual([true, true, true]);
    // The OTP went out as an event and came back through answerSshPrompt, and the bastion took it.
    expect(events.some((e) => Array.isArray((e as { prompts?: unknown }).prompts))).toBe(true);
    expect(answers).toContainEqual({ accepted: true });
    expect(bastion.authAttempts.map((x) => `${x.username}:${x.method}`)).toEqual(expect.arrayContaining(['pw:password', 'key:publickey', 'otp:keyboard-interactive']));
    const exported = (answers.find((a) => (a as { name?: string }).name === 'connections.export') as { value: { content: string; filename: string; secretsIncluded: number }[] }).value;
    // Encrypted: the 4 MongoDB-side secrets, 3 SCRAM passwords of the SSH profiles, an SSH password and a key passphrase.
    expect(exported.map((x) => x.secretsIncluded)).toEqual([0, 9]);
    for (const x of exported) writeFileSync(join(exportDir, x.filename), x.content);
    // Every connections method was called (a new one must be added here).
    const covered = new Set([...Object.keys(reads), 'connections.add', 'connections.remove']);
    expect(METHOD_NAMES.filter((m) => m.startsWith('connections.') && !covered.has(m))).toEqual([]);
    await call(t.client.invoke('connections.remove', { id: proxied.id }));
    await t.stop(); // Baleen quits: everything it writes on the way out is written.
  });

  it('finds no canary anywhere: data folder with -wal, logs, exports, temp dir, answers, events', () => {
    const data = filesSince(t.dataDir, 0);
    expect(data.map((f) => f.path.split('/').pop()).sort()).toEqual(expect.arrayContaining(['audit.db', 'config.db', 'metrics.db']));
    const hits: string[] = [];
    for (const f of data) for (const h of canaryHits(f.text, CANARIES)) hits.push(`${f.path}: ${h}`);
    for (const h of canaryHits(logs.join('\n'), CANARIES)) hits.push(`log: ${h}`);
    for (const f of filesSince(exportDir, 0)) for (const h of canaryHits(f.text, CANARIES)) hits.push(`${f.path}: ${h}`);
    for (const f of filesSince(tmpdir(), started, 2)) {
      // The test's own fixtures hold the key passphrase by design (the key file is encrypted with it).
      if (f.path.startsWith(pki.dir)) continue;
      for (const h of canaryHits(f.text, CANARIES)) hits.push(`${f.path}: ${h}`);
    }
    for (const h of canaryHits(JSON.stringify(answers), CANARIES)) hits.push(`answer: ${h}`);
    for (const h of canaryHits(JSON.stringify(events), CANARIES)) hits.push(`event: ${h}`);
    expect(hits).toEqual([]);
    expect(events.length).toBeGreaterThan(10);
    expect(logs.length).toBeGreaterThan(0);
  });
});
