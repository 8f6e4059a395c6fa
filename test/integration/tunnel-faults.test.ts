// Tunnel reliability under faults, with ssh2's Server in-process behind a TCP fault proxy (RST, down/up,
// half-open): REL-S1, REL-S2, REL-S3, REL-S4, REL-S5, REL-S8 and SEC-S7. Keepalive and backoff run
// scaled (keepalive 150 ms × 3; backoff 1/20 of 1-2-4-8-16-30 s) or on a manual clock (REL-S5).
import { connect as tcpConnect, createServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Client } from 'ssh2';
import { BaleenError } from '../../src-shared/domain/errors';
import { ManualClock } from '../helpers/manual-clock';
import { sshKindOf, type SshTunnel, type TunnelStatus, execAllowlisted, defineExecTemplate } from '../../src-main/core/tunnels';
import { systemClock } from '../../src-main/core/ports/clock';
import { startFaultProxy, type FaultProxy } from '../servers/ssh-fault-proxy';
import { publicBlobOf, startSsh2Server, type Ssh2ServerHandle } from '../servers/ssh-test-server';
import { listeningPorts, listeningSockets, pinKey, sshKit, until, type SshKit } from '../servers/ssh-test-kit';

const clientKey = ssh2.utils.generateKeyPairSync('ed25519');
const SCALED = { keepaliveIntervalMs: 150, keepaliveCountMax: 3, readyTimeoutMs: 600, backoffMs: [50, 100, 200, 400, 800, 1500], jitter: 0.2 };

let server: Ssh2ServerHandle;
let proxy: FaultProxy;
let kit: SshKit;
let echoPort: number;
const echoSockets = new Set<Socket>();
const echo = createServer((s) => {
  echoSockets.add(s);
  s.on('error', () => undefined).on('close', () => echoSockets.delete(s));
  s.pipe(s);
});

beforeAll(async () => {
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as { port: number }).port;
  server = await startSsh2Server({
    users: [
      { username: 'u', publicKeys: [publicBlobOf(clientKey.private)] },
      { username: 'pw', password: 'right' },
    ],
    exec: (cmd, ch) => {
      if (cmd.startsWith('hang')) return; // never answers
      ch.write('ok\n');
      ch.exit(0);
      ch.end();
    },
  });
});
afterAll(async () => {
  await server.close();
  for (const s of echoSockets) s.destroy();
  await new Promise<void>((r) => echo.close(() => r()));
});
beforeEach(async () => {
  proxy = await startFaultProxy('127.0.0.1', server.port);
  kit = sshKit();
  await pinKey(kit, '127.0.0.1', proxy.port, server.hostKeyBlob);
});
afterEach(async () => {
  await kit.close();
  await proxy.close();
});

const hop = () => ({ host: '127.0.0.1', port: proxy.port, username: 'u', auth: { privateKeys: [{ label: 'k', data: clientKey.private }] } });

function recordStatus(t: SshTunnel): { states: TunnelStatus[]; at: (state: string) => number | undefined } {
  const states: TunnelStatus[] = [];
  const t0 = Date.now();
  const times: { state: string; t: number }[] = [];
  t.onStatus((s) => {
    states.push(s);
    times.push({ state: s.state, t: Date.now() - t0 });
  });
  return { states, at: (state) => times.find((x) => x.state === state)?.t };
}

/** One request/response through a local forward, with its own deadline. */
function echoVia(port: number, payload: string, deadlineMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => (s.destroy(), reject(new Error('echo deadline'))), deadlineMs);
    let got = '';
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
    s.on('close', () => (clearTimeout(timer), reject(new Error(`closed after ${JSON.stringify(got)}`))));
    s.on('data', (d) => {
      got += d.toString();
      if (got.length >= payload.length) {
        clearTimeout(timer);
        s.removeAllListeners('close');
        s.destroy();
        resolve(got);
      }
    });
    s.write(payload);
  });
}

describe('REL-S1: the SSH server resets its sockets during use', () => {
  it('REL-S1: unreachable(ssh) at once, the process survives, the same local port works again after the server is back', async () => {
    const t = kit.tunnel([hop()], SCALED);
    const rec = recordStatus(t);
    const baseline = listeningSockets();
    const fwd = await t.forward('127.0.0.1', echoPort);
    expect(await echoVia(fwd.localPort, 'before')).toBe('before');
    // An open stream when the fault hits: it must end, not hang.
    const inUse = tcpConnect({ host: '127.0.0.1', port: fwd.localPort });
    inUse.on('error', () => undefined);
    const inUseClosed = new Promise<void>((r) => inUse.on('close', () => r()));
    await until(() => fwd.activeConnections === 1, 2000, 'stream open');
    const sessionsBefore = server.sessionsReady;

    const faultAt = Date.now();
    await proxy.down(); // RST every connection and refuse new ones
    await until(() => t.status.state === 'unreachable' || (t.status.state === 'connecting' && t.status.error !== undefined), 2000, 'unreachable');
    const detectMs = Date.now() - faultAt;
    await inUseClosed;
    expect(rec.states.some((s) => s.state === 'unreachable' && s.error?.code === 'E_UNREACHABLE')).toBe(true);
    // While down: attempts back off (refused), callers fail fast with the reason.
    await new Promise((r) => setTimeout(r, 500));
    const e = await t.connect('127.0.0.1', echoPort, { deadlineMs: 1000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BaleenError);
    expect(['refused', 'reset', 'timeout']).toContain(sshKindOf(e));

    const upAt = Date.now();
    await proxy.up();
    await until(() => t.status.state === 'ready', 5000, 'ready again');
    const backMs = Date.now() - upAt;
    expect(await echoVia(fwd.localPort, 'after')).toBe('after');
    expect(server.sessionsReady - sessionsBefore).toBe(1);
    console.log(`REL-S1 (scaled backoff cap 1.5 s): unreachable after ${detectMs} ms, ready ${backMs} ms after the server came back`);
    expect(detectMs).toBeLessThan(2000);
    await t.close();
    expect(listeningSockets()).toBe(baseline);
  });
});

describe('REL-S2: a half-open peer', () => {
  it('REL-S2: every in-flight call settles within its deadline; keepalive declares the session dead; it comes back', async () => {
    const t = kit.tunnel([hop()], SCALED);
    await t.open();
    const exec = defineExecTemplate('hang', ['hang']);
    proxy.pause();
    const started = Date.now();
    const inflight = [
      ...Array.from({ length: 5 }, () => t.connect('127.0.0.1', echoPort, { deadlineMs: 500 })),
      execAllowlisted(t, exec, {}, { deadlineMs: 500, clock: systemClock }),
    ].map((p) =>
      p.then(
        () => ({ ok: true, ms: Date.now() - started, e: undefined as unknown }),
        (e: unknown) => ({ ok: false, ms: Date.now() - started, e }),
      ),
    );
    const settled = await Promise.all(inflight);
    for (const s of settled) {
      expect(s.ok).toBe(false);
      expect((s.e as BaleenError).code).toBe('E_TIMEOUT');
      expect(s.ms).toBeLessThan(500 + 250);
    }
    // K = 150 ms × (3 + 1) = 600 ms (+ a tick).
    const deadMs = await until(() => t.status.state !== 'ready', 3000, 'session declared dead');
    const lost = t.status.error ?? t.status;
    expect(JSON.stringify(lost)).toMatch(/keepalive/i);
    console.log(`REL-S2: calls settled by ${Math.max(...settled.map((s) => s.ms))} ms (deadline 500), session dead after ${deadMs + 500} ms (K = 600 ms)`);
    proxy.resume();
    await until(() => t.status.state === 'ready', 5000, 'ready after the peer answers');
    const ch = await t.connect('127.0.0.1', echoPort, { deadlineMs: 1000 });
    ch.destroy();
  });
});

describe('REL-S3: one outage, many waiting callers', () => {
  it('REL-S3: 5 callers waiting during the reconnect get exactly one new server-side session', async () => {
    const t = kit.tunnel([hop()], { ...SCALED, backoffMs: [5000, 10_000] });
    await t.open();
    const before = { sessions: server.sessionsReady, tcp: proxy.accepted };
    // "Sleep": the network is gone, the sockets die; attempts now wait 5 s between tries.
    await proxy.down();
    await until(() => t.status.state === 'unreachable' && t.status.nextAttemptAt !== undefined, 3000, 'waiting in backoff');
    const tcpDuring = proxy.accepted;
    await proxy.up();
    // "Resume": one re-check right away, and five polls arrive while it runs.
    const resumedAt = Date.now();
    t.recheck();
    expect(t.status.state).toBe('connecting');
    const waiting = Array.from({ length: 5 }, () => t.connect('127.0.0.1', echoPort, { deadlineMs: 3000 }));
    const chans = await Promise.all(waiting);
    const readyMs = Date.now() - resumedAt;
    chans.forEach((c) => c.destroy());
    expect(server.sessionsReady - before.sessions).toBe(1);
    expect(proxy.accepted - tcpDuring).toBe(1);
    expect(readyMs).toBeLessThan(15_000);
    console.log(`REL-S3: 5 callers served ${readyMs} ms after resume, ${server.sessionsReady - before.sessions} new session`);
  });
});

describe('REL-S4: ssh2 fatal error', () => {
  it('REL-S4: a fresh ssh2.Client is created, the old one is ended, the next call succeeds', async () => {
    const made: Client[] = [];
    const ended: Client[] = [];
    const t = kit.tunnel([hop()], {
      ...SCALED,
      createClient: () => {
        const c = new ssh2.Client();
        const end = c.end.bind(c);
        c.end = () => {
          ended.push(c);
          return end();
        };
        made.push(c);
        return c;
      },
    });
    await t.open();
    expect(made).toHaveLength(1);
    const old = made[0]!;
    old.emit('error', Object.assign(new Error('Instance unusable after fatal error'), { level: 'protocol' }));
    await until(() => made.length === 2 && t.status.state === 'ready', 3000, 'a fresh client');
    expect(ended).toContain(old);
    expect(made[1]).not.toBe(old);
    const ch = await t.connect('127.0.0.1', echoPort, { deadlineMs: 1000 });
    ch.destroy();
  });
});

describe('REL-S5: authentication failures do not loop', () => {
  it('REL-S5: one attempt per backoff step, then at most one per 5 min after 3 failures; status ssh-auth-failed', async () => {
    const clock = new ManualClock();
    const k = sshKit({ clock });
    try {
      await pinKey(k, '127.0.0.1', proxy.port, server.hostKeyBlob);
      k.secrets.passwords.set(1, 'wrong');
      const t = k.tunnel([{ host: '127.0.0.1', port: proxy.port, username: 'pw', auth: { methods: ['password'] } }], { random: () => 0.5 });
      const baseline = listeningSockets();
      const attempts = () => server.authAttempts.filter((a) => a.username === 'pw' && a.method === 'password').length;
      const a0 = attempts();
      const failuresSettled = (n: number) => until(() => t.status.state === 'ssh-auth-failed' && t.status.failures === n, 5000, `failure ${n}`);
      await t.open().catch(() => undefined);
      await failuresSettled(1);
      expect(t.status.error?.code).toBe('E_AUTH');
      expect(attempts() - a0).toBe(1);
      const steps = [1000, 2000, 300_000, 300_000];
      for (const [i, step] of steps.entries()) {
        await clock.advance(step - 1);
        await new Promise((r) => setTimeout(r, 50));
        expect(attempts() - a0, `no attempt before step ${i + 1} ends`).toBe(i + 1);
        await clock.advance(1);
        await failuresSettled(i + 2);
        expect(attempts() - a0).toBe(i + 2);
        expect(t.status.state).toBe('ssh-auth-failed');
      }
      expect(listeningSockets()).toBe(baseline);
      await t.close();
    } finally {
      await k.close();
    }
  });
});

describe('REL-S8 and SEC-S7: a deliberate close', () => {
  it('REL-S8: no reconnect after close; later calls get "Disconnected."; SEC-S7: the listener count returns to baseline', async () => {
    const baseline = listeningSockets();
    const t = kit.tunnel([hop()], SCALED);
    const fwd = await t.forward('127.0.0.1', echoPort);
    const fwd2 = await t.forward('127.0.0.1', echoPort);
    expect(listeningSockets()).toBe(baseline + 2);
    expect(fwd.localHost).toBe('127.0.0.1');
    expect(await echoVia(fwd.localPort, 'x')).toBe('x');
    const tcp = proxy.accepted;
    await t.close('ui');
    expect(listeningSockets()).toBe(baseline);
    expect(t.status.state).toBe('closed');
    await new Promise((r) => setTimeout(r, 400));
    expect(proxy.accepted).toBe(tcp);
    const e = (await t.connect('127.0.0.1', echoPort).catch((x: unknown) => x)) as BaleenError;
    expect(e.message).toMatch(/^Disconnected\./);
    await expect(echoVia(fwd2.localPort, 'y', 500)).rejects.toThrow(/ECONNREFUSED/);
    expect(kit.audit.list({ action: 'ssh.tunnel.close' })).toHaveLength(1);
  });

  it('SEC-S7: closing a forward after the tunnel failed also returns to baseline, and a new forward gets a port (no EADDRINUSE)', async () => {
    // The proxy's own listener comes and goes in this test: count everything else.
    const ours = () => listeningPorts().filter((p) => p !== `127.0.0.1:${proxy.port}`);
    const baseline = ours();
    const t = kit.tunnel([hop()], SCALED);
    const fwd = await t.forward('127.0.0.1', echoPort);
    expect(ours()).toEqual([...baseline, `127.0.0.1:${fwd.localPort}`].sort());
    await proxy.down();
    await echoVia(fwd.localPort, 'z', 500).catch(() => undefined);
    await fwd.close();
    expect(ours()).toEqual(baseline);
    await proxy.up();
    const again = await t.forward('127.0.0.1', echoPort);
    await until(() => t.status.state === 'ready', 5000, 'ready');
    expect(await echoVia(again.localPort, 'w')).toBe('w');
    await t.close();
    expect(ours()).toEqual(baseline);
  });
});
