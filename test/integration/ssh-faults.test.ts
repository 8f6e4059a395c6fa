// Faults on the SSH path while Baleen polls, with real parts and scaled times:
// - REL-S1 at the poller level: the last bastion (real sshd) is SIGKILLed during polling → the node is
//   unreachable(ssh) within P + D + 2 s, every sample committed before is still stored, a gap covers the
//   outage, and the first new sample arrives within B + P of the server being back.
// - REL-S3: after resume (what the Electron shell's power `resume` calls) the tunnel tries again at once:
//   exactly one new SSH session for the nodes behind it.
// - SEC-S2 on a running deployment (ssh2's server, which counts authentication attempts): the host key
//   changes → refused with 0 authentication attempts, the node shows host-key-changed with the old and
//   new fingerprints, other nodes keep polling, and only the explicit, audited replace brings it back.
// - REL-S5 at the node: the bastion's password changes under a running deployment → the node shows
//   ssh-auth-failed (never "auth failed (18)"), attempts follow the backoff, and the new password
//   entered in the editor brings it back at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeEntityKey, type NodeId } from '../../src-shared/domain/identity';
import type { NodeSummary } from '../../src-shared/contract';
import { startSimulator, type Simulator } from '../../src-main/core/sim';
import { eventually, startTestCore, type TestCore } from '../helpers/core';
import { RS_MEMBERS, startSshDeployment, type SshDeployment } from '../servers/ssh-deployment';
import { generateHostKey, startSsh2Server, type Ssh2ServerHandle } from '../servers/ssh-test-server';
import { sshKeygen } from '../servers/sshd';

const P = 500;
const D = 2000;
const BACKOFF = [250, 500, 1000, 2000, 3000];
const B = BACKOFF[BACKOFF.length - 1]!;
const UPTIME = 'serverStatus.uptimeMillis';

function coreFor(agentSocket: string | null): TestCore {
  return startTestCore({
    monitoring: { intervalMs: P, deadlineMs: D, connectTimeoutMs: 3000 },
    // No jitter: the backoff cap B is then exactly what the criteria name.
    ssh: { knownHostsFiles: [], agentSocket, sshConfigFile: null, tunnel: { backoffMs: BACKOFF, jitter: 0, keepaliveIntervalMs: 1000, keepaliveCountMax: 2, readyTimeoutMs: 3000 } },
  });
}

async function node(t: TestCore, id: string): Promise<NodeSummary> {
  for (const c of await t.client.invoke('connections.list', {})) for (const n of c.nodes) if (n.id === id) return n;
  throw new Error(`no node ${id}`);
}

describe('REL-S1 / REL-S3: the last bastion dies during polling, then comes back', () => {
  let dep: SshDeployment;
  let t: TestCore;
  const arrivals: { entity: string; ts: number; at: number }[] = [];

  beforeAll(async () => {
    dep = await startSshDeployment();
    t = coreFor(dep.agent.socket);
    t.client.on('metrics.samples', (s) => void arrivals.push({ entity: s.entity, ts: s.ts, at: Date.now() }));
    for (const s of [dep.a, dep.b]) {
      const k = await t.client.invoke('connections.checkHostKey', { host: s.host, port: s.port });
      await t.client.invoke('connections.trustHostKey', { challenge: k.challenge });
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await dep?.stop();
  });

  it('REL-S1: unreachable(ssh) within P + D + 2 s, no committed sample lost, a gap over the outage, back within B + P', async () => {
    const c = await t.client.invoke('connections.add', { uri: `mongodb://${RS_MEMBERS[0]}/`, name: 'rel-s1', sshHops: dep.twoHops(), secrets: { ssh: [{ hop: 1, passphrase: dep.passphrase }] } });
    const id = c.nodes[0]!.id as NodeId;
    const entity = nodeEntityKey(id);
    // Five serverStatus samples committed (flush: everything that arrived is committed now); exactly those must survive.
    await eventually(() => (t.core.store.flush() && t.core.store.query(entity, UPTIME, 0, Date.now()).length >= 5 ? true : undefined), 15_000, 'five stored samples');
    const killAt = Date.now();
    const before = t.core.store.query(entity, UPTIME, 0, killAt).map((p) => p.ts);
    expect(before.length).toBeGreaterThanOrEqual(5);

    await dep.b.kill();
    const down = await eventually(async () => {
      const n = await node(t, id);
      return n.status.state === 'unreachable' && n.status.ssh ? n : undefined;
    }, P + D + 2000 + 1000, 'unreachable(ssh)');
    const downMs = Date.now() - killAt;
    expect(downMs).toBeLessThanOrEqual(P + D + 2000);
    expect(down.status.reason).toMatch(/SSH (jump host 1|host \(hop 2\))/);
    expect(down.status.ssh!.hop).toBeGreaterThanOrEqual(1);
    console.log(`REL-S1: sshd B killed → node unreachable(ssh) after ${downMs} ms: ${down.status.reason}`);

    await new Promise((r) => setTimeout(r, 2500));
    const restartAt = Date.now();
    await dep.b.restart();
    const back = await eventually(() => arrivals.find((a) => a.entity === entity && a.at > restartAt), B + P + 3000, 'a sample after the restart');
    const backMs = back.at - restartAt;
    console.log(`REL-S1: sshd B back → first new sample after ${backMs} ms (B + P = ${B + P} ms)`);
    expect(backMs).toBeLessThanOrEqual(B + P);
    expect((await node(t, id)).status.state).toBe('monitoring');

    // Every sample committed before the fault is still there, and the outage is one explicit gap.
    const after = new Set(t.core.store.query(entity, UPTIME, 0, killAt).map((p) => p.ts));
    expect(before.filter((ts) => !after.has(ts))).toEqual([]);
    const gaps = t.core.store.gaps(entity, killAt - 10_000, Date.now(), Date.now());
    const outage = gaps.find((g) => g.from <= killAt && g.to >= restartAt - P);
    expect(outage, JSON.stringify(gaps)).toBeDefined();
    const during = t.core.store.query(entity, UPTIME, killAt + D, restartAt);
    expect(during).toEqual([]);
  });

  it('REL-S3: after resume the tunnel tries again at once, with exactly one new SSH session for its nodes', async () => {
    const c = (await t.client.invoke('connections.list', {})).find((x) => x.name === 'rel-s1')!;
    const id = c.nodes[0]!.id;
    const entity = nodeEntityKey(id as NodeId);
    await dep.b.kill();
    await eventually(async () => ((await node(t, id)).status.state === 'unreachable' ? true : undefined), P + D + 3000, 'down again');
    // Several failed attempts: the next scheduled one is now up to B away.
    await new Promise((r) => setTimeout(r, 2000));
    await dep.b.restart();
    const acceptedBefore = (dep.b.log().match(/Accepted publickey/g) ?? []).length;
    const resumeAt = Date.now();
    t.core.connections.recheckAll();
    const first = await eventually(() => arrivals.find((a) => a.entity === entity && a.at > resumeAt), 5000, 'a sample after resume');
    console.log(`REL-S3: resume → first sample after ${first.at - resumeAt} ms`);
    expect(first.at - resumeAt).toBeLessThan(1500);
    await new Promise((r) => setTimeout(r, 1000));
    expect((dep.b.log().match(/Accepted publickey/g) ?? []).length - acceptedBefore).toBe(1);
  });
});

describe('SEC-S2: the host key changes under a running deployment', () => {
  let sim: Simulator;
  let other: Simulator;
  let s1: Ssh2ServerHandle;
  let s2: Ssh2ServerHandle | undefined;
  let t: TestCore;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baleen-hostkey-'));
    sim = await startSimulator({ me: 'db.behind.bastion:27017' });
    other = await startSimulator({ me: 'db.direct:27017' });
    t = coreFor(null);
  });
  afterAll(async () => {
    await t?.close();
    await s1?.close();
    await s2?.close();
    await sim?.stop();
    await other?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SEC-S2: refused with 0 authentication attempts, node host-key-changed with both fingerprints; replace is explicit and audited', async () => {
    const key = sshKeygen(dir, 'id_ops');
    const users = [{ username: 'ops', publicKeys: [key.blob] }];
    s1 = await startSsh2Server({ users });
    const k1 = await t.client.invoke('connections.checkHostKey', { host: s1.host, port: s1.port });
    await t.client.invoke('connections.trustHostKey', { challenge: k1.challenge });
    const direct = await t.client.invoke('connections.add', { uri: `mongodb://${other.address}/`, name: 'direct' });
    const c = await t.client.invoke('connections.add', {
      uri: `mongodb://${sim.address}/`,
      name: 'behind ssh2',
      sshHops: [{ host: s1.host, port: s1.port, username: 'ops', auth: 'key', keyFile: key.path }],
    });
    const id = c.nodes[0]!.id;
    await eventually(async () => ((await node(t, id)).status.state === 'monitoring' ? true : undefined), 10_000, 'monitoring');

    // The bastion is swapped for one with another key, on the same address.
    const port = s1.port;
    s1.resetAll();
    await s1.close();
    s2 = await startSsh2Server({ users, port, hostKey: generateHostKey('ecdsa') });
    const n = await eventually(async () => {
      const x = await node(t, id);
      return x.status.state === 'host-key-changed' ? x : undefined;
    }, 10_000, 'host-key-changed');
    expect(s2.authAttempts).toEqual([]);
    expect(n.status.ssh?.hostKey).toMatchObject({ verdict: 'changed', challenge: { fingerprint: s2.fingerprint, host: s2.host, port } });
    expect(n.status.ssh!.hostKey!.previous![0]).toMatchObject({ fingerprint: s1.fingerprint, source: 'baleen' });
    expect(n.status.reason).toContain(s1.fingerprint);
    expect(n.status.reason).toContain(s2.fingerprint);
    expect(n.status.reason).not.toMatch(/code 18/);
    // The tunnel waits for the user: no retry loop against the new server, and nothing else stops.
    const directSamples = async () => t.core.store.query(nodeEntityKey(direct.nodes[0]!.id as NodeId), UPTIME, 0, Date.now()).length;
    const seen = await directSamples();
    await new Promise((r) => setTimeout(r, 3 * P + 500));
    expect(s2.authAttempts).toEqual([]);
    expect(s2.connections).toBeLessThanOrEqual(2);
    expect(await directSamples()).toBeGreaterThan(seen);

    // Trusting it as if it were unknown is refused: replacing is its own action, naming the old key.
    await expect(t.client.invoke('connections.trustHostKey', { challenge: n.status.ssh!.hostKey!.challenge })).rejects.toMatchObject({ code: 'E_CONFLICT' });
    await t.client.invoke('connections.replaceHostKey', { challenge: n.status.ssh!.hostKey!.challenge, previousFingerprint: s1.fingerprint });
    await eventually(async () => ((await node(t, id)).status.state === 'monitoring' ? true : undefined), 10_000, 'monitoring after the replace');
    expect(s2.authAttempts.length).toBeGreaterThan(0);
    const replaced = t.core.audit.list({ action: 'ssh.hostkey.replace' });
    expect(replaced.map((r) => r.kind).sort()).toEqual(['intent', 'outcome']);
    expect(JSON.stringify(replaced)).toContain(s1.fingerprint);
  });
});

describe('REL-S5: the SSH password changes under a running deployment', () => {
  let sim: Simulator;
  let s1: Ssh2ServerHandle;
  let s2: Ssh2ServerHandle | undefined;
  let t: TestCore;

  beforeAll(async () => {
    sim = await startSimulator({ me: 'db.pw.bastion:27017' });
    t = coreFor(null);
  });
  afterAll(async () => {
    await t?.close();
    await s1?.close();
    await s2?.close();
    await sim?.stop();
  });

  it('REL-S5: ssh-auth-failed on the node, no tight retry loop, and the new password recovers it', async () => {
    const hostKey = generateHostKey();
    s1 = await startSsh2Server({ hostKey, users: [{ username: 'ops', password: 'first-password' }] });
    const k = await t.client.invoke('connections.checkHostKey', { host: s1.host, port: s1.port });
    await t.client.invoke('connections.trustHostKey', { challenge: k.challenge });
    const c = await t.client.invoke('connections.add', {
      uri: `mongodb://${sim.address}/`,
      name: 'password bastion',
      sshHops: [{ host: s1.host, port: s1.port, username: 'ops', auth: 'password' }],
      secrets: { ssh: [{ hop: 1, password: 'first-password' }] },
    });
    expect(c.secrets).toEqual([expect.objectContaining({ kind: 'ssh-password:1' })]);
    const id = c.nodes[0]!.id;
    await eventually(async () => ((await node(t, id)).status.state === 'monitoring' ? true : undefined), 10_000, 'monitoring');

    const port = s1.port;
    s1.resetAll();
    await s1.close();
    s2 = await startSsh2Server({ hostKey, port, users: [{ username: 'ops', password: 'second-password' }] });
    const n = await eventually(async () => {
      const x = await node(t, id);
      return x.status.state === 'ssh-auth-failed' ? x : undefined;
    }, 10_000, 'ssh-auth-failed');
    expect(n.status.ssh).toMatchObject({ kind: 'auth-failed', hop: 1 });
    expect(n.status.reason).toMatch(/SSH authentication to SSH host ops@127\.0\.0\.1:\d+ failed \(tried: password; the server accepts: password\)/);
    expect(n.status.reason).not.toMatch(/code 18/);
    // The tunnel's backoff decides: within 3 s of 250/500/1000/2000 ms waits, at most 5 attempts, not one per poll.
    const passwordTries = () => s2!.authAttempts.filter((a) => a.method === 'password').length;
    const before = passwordTries();
    await new Promise((r) => setTimeout(r, 3000));
    expect(passwordTries() - before).toBeLessThanOrEqual(4);

    await t.client.invoke('connections.update', { id: c.id, secrets: { ssh: [{ hop: 1, password: 'second-password' }] } });
    await eventually(async () => ((await node(t, id)).status.state === 'monitoring' ? true : undefined), 5000, 'monitoring with the new password');
  });
});
