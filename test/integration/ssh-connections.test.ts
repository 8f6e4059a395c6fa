// MongoDB through SSH, end to end with real parts: Debian's sshd as two bastions (A reaches only B; B
// alone resolves the members' inside names), Baleen's simulator as a 3-member replica set named
// m1..m3.rs.internal:27017, the real `mongodb` driver through the dialer seam (a local forward per member
// name, TLS servername = the real name). Host keys are trusted through the contract (SEC-S1, audited),
// discovery finds all three members through the tunnel, each is polled under its inside name, the
// connection test times each hop, a deliberate disconnect closes the tunnel for good (REL-S8), and killing
// the last bastion during polling is a status, a gap and a recovery (REL-S1 at the poller level).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Long } from '../../src-main/core/bson/bson';
import { encodeFtdcFile } from '../../src-main/core/ftdc/ftdc-reference.fixture';
import { nodeEntityKey, type NodeId } from '../../src-shared/domain/identity';
import type { ConnectionSummary, SshHopInput, TestResult } from '../../src-shared/contract';
import { eventually, startTestCore, type TestCore } from '../helpers/core';
import { RS_MEMBERS, startSshDeployment, type SshDeployment } from '../servers/ssh-deployment';
import { rejection } from './connections-fixtures';

const P = 300;
const D = 1500;
const BACKOFF = [100, 200, 400, 800, 1600, 3000];
const B = BACKOFF[BACKOFF.length - 1]!;

let dep: SshDeployment;
let t: TestCore;
const sampled = new Map<string, number>();

beforeAll(async () => {
  dep = await startSshDeployment({ rates: { insert: 20, query: 50 } });
  t = startTestCore({
    monitoring: { intervalMs: P, deadlineMs: D, connectTimeoutMs: 5000 },
    // The suite's own known_hosts (none) and agent: nothing of the machine's ~/.ssh is read.
    ssh: { knownHostsFiles: [], agentSocket: dep.agent.socket, sshConfigFile: null, tunnel: { backoffMs: BACKOFF, keepaliveIntervalMs: 1000, keepaliveCountMax: 2, readyTimeoutMs: 5000 } },
  });
  t.client.on('metrics.samples', (s) => sampled.set(s.entity, (sampled.get(s.entity) ?? 0) + 1));
}, 60_000);

afterAll(async () => {
  await t?.close();
  await dep?.stop();
});

const list = () => t.client.invoke('connections.list', {});
const byId = async (id: string) => (await list()).find((c) => c.id === id)!;
const secretsFor = () => ({ ssh: [{ hop: 1, passphrase: dep.passphrase }] });

describe('SEC-S1 / SEC-S4: host keys of both hops, trusted through the contract before anything is sent', () => {
  it('SEC-S1: an unknown key at hop 1, then at hop 2, each comes back with its SHA256 fingerprint; trusting pins it (audited)', async () => {
    const hops = dep.twoHops();
    const add = () => t.client.invoke('connections.add', { uri: `mongodb://${RS_MEMBERS[0]}/?replicaSet=rs0`, name: 'behind two bastions', discover: true, sshHops: hops, secrets: secretsFor() });

    // The pre-flight sees hop 1's key without logging in.
    const pre = await t.client.invoke('connections.checkHostKey', { host: dep.a.host, port: dep.a.port });
    expect(pre).toMatchObject({ verdict: 'unknown', challenge: { fingerprint: dep.a.hostKey.fingerprint, host: dep.a.host, port: dep.a.port } });
    expect(dep.a.log()).not.toMatch(/Accepted publickey/);

    const e1 = await rejection(add());
    expect(e1).toMatchObject({ code: 'E_AUTH', details: { sshKind: 'host-key-unknown', hop: 1, challenge: { fingerprint: dep.a.hostKey.fingerprint } } });
    expect(e1.message).toContain(dep.a.hostKey.fingerprint);
    expect(dep.a.log()).not.toMatch(/Accepted publickey/);
    // Nothing is saved by a failed add.
    expect(await list()).toEqual([]);

    await t.client.invoke('connections.trustHostKey', { challenge: pre.challenge });
    const e2 = await rejection(add());
    expect(e2).toMatchObject({ code: 'E_AUTH', details: { sshKind: 'host-key-unknown', hop: 2, challenge: { fingerprint: dep.b.hostKey.fingerprint } } });
    // Hop 1 was logged in to (its key is known now); hop 2 was checked by its own name and got nothing.
    expect(dep.a.log()).toMatch(/Accepted publickey/);
    expect(dep.b.log()).not.toMatch(/Accepted/);
    const pinnedB = await t.client.invoke('connections.trustHostKey', { challenge: e2.details!.challenge as never });
    expect(pinnedB).toMatchObject({ host: dep.b.host, port: dep.b.port, fingerprint: dep.b.hostKey.fingerprint });
    const trusts = t.core.audit.list({ action: 'ssh.hostkey.trust' });
    expect(trusts.map((r) => `${r.kind}:${r.target}`).sort()).toEqual(
      [`intent:[${dep.a.host}]:${dep.a.port}`, `intent:[${dep.b.host}]:${dep.b.port}`, `outcome:[${dep.a.host}]:${dep.a.port}`, `outcome:[${dep.b.host}]:${dep.b.port}`].sort(),
    );
  });
});

describe('discovery and monitoring of a replica set whose names resolve only at the last bastion', () => {
  let conn: ConnectionSummary;

  it('connects through A → B: discovery finds all three members by their inside names', async () => {
    conn = await t.client.invoke('connections.add', { uri: `mongodb://${RS_MEMBERS[0]}/?replicaSet=rs0`, name: 'behind two bastions', discover: true, sshHops: dep.twoHops(), secrets: secretsFor() });
    expect(conn.nodes.map((n) => n.hostPort).sort()).toEqual([...RS_MEMBERS]);
    expect(conn.topology?.kind).toBe('replicaSet');
    expect(conn.topology?.replicaSet?.members.map((m) => m.hostPort).sort()).toEqual([...RS_MEMBERS]);
    expect(conn.tunnel).toMatchObject({ state: 'ready' });
    expect(conn.tunnel!.hops.map((h) => h.hop)).toEqual([1, 2]);
    // The key passphrase went to the secret store under its hop; it is never returned.
    expect(conn.secrets).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'ssh-passphrase:1' })]));
    for (const n of conn.nodes) {
      // Identity is hello.me; the local forward is only an alias.
      expect(n.id.endsWith(`/${n.hostPort}`)).toBe(true);
      expect(n.aliases.some((a) => /^127\.0\.0\.1:\d+$/.test(a)), `${n.hostPort} aliases ${n.aliases.join(', ')}`).toBe(true);
    }
    // Both bastions really carried it: A forwarded to B, B opened the member channels by name.
    expect(dep.b.log()).toMatch(/Accepted publickey for \S+ from 127\.0\.0\.1/);
  });

  it('polls every member: samples arrive under each inside name', async () => {
    await eventually(() => (conn.nodes.every((n) => (sampled.get(nodeEntityKey(n.id as NodeId)) ?? 0) >= 3) ? true : undefined), 20_000, 'three samples per member');
    const now = await byId(conn.id);
    expect(now.nodes.map((n) => n.status.state)).toEqual(['monitoring', 'monitoring', 'monitoring']);
    for (const n of now.nodes) {
      // Stored under the node's own id (its inside name), from where the store reads it back.
      await eventually(async () => {
        const r = await t.client.invoke('metrics.query', { entity: nodeEntityKey(n.id as NodeId), metrics: ['serverStatus.opcounters.insert'], from: 0, to: Date.now() + 1000 });
        return r.series[0]!.points.filter(([, v]) => v !== null).length >= 2 ? true : undefined;
      }, 10_000, `stored insert rates of ${n.hostPort}`);
    }
  });

  it('the connection test times each hop, then TCP, auth, privileges and topology through the tunnel', async () => {
    const r: TestResult = await t.client.invoke('connections.test', { id: conn.id });
    const steps = r.steps.map((s) => `${s.step}:${s.status}${s.hop ? `#${s.hop}` : ''}`);
    expect(r.ok, JSON.stringify(r.steps, null, 1)).toBe(true);
    expect(steps).toEqual(['ssh:ok#1', 'ssh:ok#2', 'dns:skipped', 'tcp:ok', 'tls:skipped', 'auth:ok', 'privileges:ok', 'topology:ok']);
    expect(r.steps[0]!.ms).toBeGreaterThan(0);
    expect(r.steps[1]!.ms).toBeGreaterThan(0);
    expect(r.steps.find((s) => s.step === 'dns')!.detail).toMatch(/resolved by the SSH host at hop 2|resolved by the SSH host \(hop 2\)/);
    expect(r.server?.hostPort).toBe(RS_MEMBERS[0]);
    expect(r.topology?.replicaSet?.members).toHaveLength(3);
    console.log(`connection test through 2 SSH hops: ${r.steps.map((s) => `${s.label}${s.ms === null ? '' : ` ${s.ms} ms`}`).join(', ')}; total ${r.totalMs} ms`);
  });

  it('REL-S8: a deliberate disconnect closes the tunnel and nothing reconnects', async () => {
    const acceptedBefore = (dep.a.log().match(/Accepted publickey/g) ?? []).length;
    const off = await t.client.invoke('connections.disconnect', { id: conn.id });
    expect(off.tunnel).toBeUndefined();
    expect(off.nodes.every((n) => n.status.state === 'stopped')).toBe(true);
    const seen = new Map(sampled);
    await new Promise((r) => setTimeout(r, 4 * P + 2 * B / 3));
    expect((dep.a.log().match(/Accepted publickey/g) ?? []).length).toBe(acceptedBefore);
    for (const n of off.nodes) expect(sampled.get(nodeEntityKey(n.id as NodeId))).toBe(seen.get(nodeEntityKey(n.id as NodeId)));
    const back = await t.client.invoke('connections.connect', { id: conn.id });
    expect(back.tunnel?.state).toBe('ready');
    await eventually(async () => ((await byId(conn.id)).nodes.every((n) => n.status.state === 'monitoring') ? true : undefined), 15_000, 'monitoring again');
  });
});

describe('changing the hops of a connected profile', () => {
  it('tries the new chain first, then swaps: the members keep their ids and polling goes on through B alone', async () => {
    const c = (await list()).find((x) => x.name === 'behind two bastions')!;
    const ids = c.nodes.map((n) => n.id).sort();
    const failed = await t.client.invoke('connections.update', { id: c.id, sshHops: [{ ...dep.oneHop()[0]!, port: dep.b.port + 1 }] }).catch((e: unknown) => e);
    // A chain that does not work changes nothing.
    expect(failed).toMatchObject({ code: 'E_UNREACHABLE', details: { sshKind: 'refused', hop: 1 } });
    expect((await byId(c.id)).sshHops).toHaveLength(2);
    const updated = await t.client.invoke('connections.update', { id: c.id, sshHops: dep.oneHop() });
    expect(updated.sshHops).toHaveLength(1);
    expect(updated.tunnel?.hops).toHaveLength(1);
    expect(updated.nodes.map((n) => n.id).sort()).toEqual(ids);
    const since = Date.now();
    const counts = new Map(sampled);
    await eventually(() => (updated.nodes.every((n) => (sampled.get(nodeEntityKey(n.id as NodeId)) ?? 0) > (counts.get(nodeEntityKey(n.id as NodeId)) ?? 0)) ? true : undefined), 15_000, 'samples through B alone');
    expect(Date.now() - since).toBeLessThan(15_000);
    // The two-hop tunnel is gone: its close is audited.
    expect(t.core.audit.list({ action: 'ssh.tunnel.close' }).some((r) => r.target === c.id)).toBe(true);
  });
});

describe('files on the host, through the profile\'s tunnel (allowlisted commands on the last hop)', () => {
  it("imports a node's diagnostic.data over SSH (sizes first, audited) and follows its log", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baleen-remote-'));
    try {
      const start = Date.UTC(2025, 0, 1);
      const samples = Array.from({ length: 30 }, (_, i) => ({
        start: new Date(start + i * 1000),
        serverStatus: { uptimeMillis: Long.fromNumber(10_000 + i * 1000), opcounters: { insert: Long.fromNumber(100 + i * 7) } },
        end: new Date(start + i * 1000 + 5),
      }));
      const meta = { start: new Date(start), hostInfo: { system: { hostname: 'ftdc-remote.example' } }, getCmdLineOpts: { parsed: { net: { port: 27017 } } } };
      writeFileSync(join(dir, 'metrics.2025-01-01T00-00-00Z-00000'), encodeFtdcFile(samples, { metadata: meta }).bytes);
      writeFileSync(join(dir, 'mongod.log'), '{"t":{"$date":"2025-01-01T00:00:00.000+00:00"},"s":"I","c":"NETWORK","id":22943,"ctx":"listener","msg":"Connection accepted","attr":{"remote":"10.0.0.9:5000","connectionId":1}}\n');

      // B's key may be pinned already by the suites above; trust it through the contract if not.
      const check = await t.client.invoke('connections.checkHostKey', { host: dep.b.host, port: dep.b.port });
      if (check.verdict === 'unknown') await t.client.invoke('connections.trustHostKey', { challenge: check.challenge! });
      const c = await t.client.invoke('connections.add', { uri: `mongodb://${RS_MEMBERS[2]}/`, name: 'files over ssh', sshHops: dep.oneHop() });
      const nodeId = c.nodes[0]!.id as NodeId;
      const preview = await t.client.invoke('ftdc.sshPreview', { nodeId, remoteDir: dir });
      expect(preview.files.map((f) => f.path)).toEqual([`${dir}/metrics.2025-01-01T00-00-00Z-00000`]);
      expect(preview.totalBytes).toBeGreaterThan(0);
      const result = await t.client.invoke('ftdc.sshImport', { nodeId, remoteDir: dir });
      expect(result.status).toBe('imported');
      if (result.status !== 'imported') return;
      expect(result.import.samples).toBe(30);
      expect(result.import.files[0]!.path).toMatch(/^ssh:\/\//);
      const fetches = t.core.audit.list({ action: 'ftdc.ssh-fetch' });
      expect(fetches.map((r) => r.kind).sort()).toEqual(['intent', 'outcome']);

      const source = await t.client.invoke('logs.followRemote', { nodeId, path: join(dir, 'mongod.log') });
      await eventually(async () => {
        const s = (await t.client.invoke('logs.sources', {})).find((x) => x.id === source.id);
        return s && s.events >= 1 ? true : undefined;
      }, 15_000, 'the followed log line');
      await t.client.invoke('logs.stopSource', { sourceId: source.id });

      // A node without SSH is refused with a reason, not a crash.
      const direct = await t.client.invoke('ftdc.sshPreview', { nodeId: 'nowhere/x:1' as NodeId, remoteDir: dir }).catch((e) => e);
      expect(direct.code).toBe('E_UNSUPPORTED');
      await t.client.invoke('connections.remove', { id: c.id });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a single hop', () => {
  it('reaches a member through B alone with a plain key', async () => {
    const hops: SshHopInput[] = dep.oneHop();
    const c = await t.client.invoke('connections.add', { uri: `mongodb://${RS_MEMBERS[1]}/`, name: 'one hop' , sshHops: hops });
    expect(c.nodes.map((n) => n.hostPort)).toEqual([RS_MEMBERS[1]]);
    expect(c.tunnel?.hops).toHaveLength(1);
    await eventually(() => ((sampled.get(nodeEntityKey(c.nodes[0]!.id as NodeId)) ?? 0) >= 2 ? true : undefined), 15_000, 'samples over one hop');
    await t.client.invoke('connections.remove', { id: c.id });
  });
});
