// Tunnels at scale and over time, against ssh2's Server in-process: REL-S1 with the production backoff
// (real time), REL-S6 (20 tunnels, one black-holed: the others keep their rhythm, the event loop stays
// responsive) and REL-S7 (connect/disconnect cycles and forced RSTs: descriptors, listeners, server
// sessions and heap return to baseline). REL-S7 runs 100 cycles + 50 RSTs here; BALEEN_SOAK=1 runs the
// full 1,000 + 500.
import { readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ssh2 from 'ssh2';
import type { SshTunnel } from '../../src-main/core/tunnels';
import { startFaultProxy, type FaultProxy } from '../servers/ssh-fault-proxy';
import { publicBlobOf, startSsh2Server, type Ssh2ServerHandle } from '../servers/ssh-test-server';
import { listeningSockets, pinKey, sshKit, until } from '../servers/ssh-test-kit';

const clientKey = ssh2.utils.generateKeyPairSync('ed25519');
let server: Ssh2ServerHandle;
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
  server = await startSsh2Server({ users: [{ username: 'u', publicKeys: [publicBlobOf(clientKey.private)] }] });
});
afterAll(async () => {
  await server.close();
  for (const s of echoSockets) s.destroy();
  await new Promise<void>((r) => echo.close(() => r()));
});

const hop = (port: number) => ({ host: '127.0.0.1', port, username: 'u', auth: { privateKeys: [{ label: 'k', data: clientKey.private }] } });

async function roundTrip(t: SshTunnel, deadlineMs: number): Promise<void> {
  const ch = await t.connect('127.0.0.1', echoPort, { deadlineMs });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('echo deadline')), deadlineMs);
    ch.once('data', () => (clearTimeout(timer), resolve()));
    ch.write('x');
  }).finally(() => ch.destroy());
}

describe('REL-S1 with production timings', () => {
  it('REL-S1: default backoff (1, 2, 4 s ±20 %): back within B + P ≤ 40 s of the server returning', async () => {
    const proxy = await startFaultProxy('127.0.0.1', server.port);
    const kit = sshKit();
    try {
      await pinKey(kit, '127.0.0.1', proxy.port, server.hostKeyBlob);
      const t = kit.tunnel([hop(proxy.port)]);
      await t.open();
      const down = Date.now();
      await proxy.down();
      await until(() => t.status.state === 'unreachable' && t.status.nextAttemptAt !== undefined, 5000, 'unreachable');
      const unreachableMs = Date.now() - down;
      await new Promise((r) => setTimeout(r, 3000));
      const up = Date.now();
      await proxy.up();
      await until(() => t.status.state === 'ready', 40_000, 'ready');
      const backMs = Date.now() - up;
      await roundTrip(t, 2000);
      console.log(`REL-S1 (production backoff): unreachable after ${unreachableMs} ms; ready ${backMs} ms after the server was back (server down ${up - down} ms)`);
      expect(unreachableMs).toBeLessThan(20_000);
      expect(backMs).toBeLessThan(40_000);
    } finally {
      await kit.close();
      await proxy.close();
    }
  }, 60_000);
});

describe('REL-S6: isolation', () => {
  it('REL-S6: 20 tunnels, 1 black-holed: the other 19 keep P ± 10 %, event-loop p99 < 100 ms', async () => {
    const P = 1000;
    const kit = sshKit();
    const proxies: FaultProxy[] = [];
    try {
      const tunnels: SshTunnel[] = [];
      for (let i = 0; i < 20; i++) {
        const p = await startFaultProxy('127.0.0.1', server.port);
        proxies.push(p);
        await pinKey(kit, '127.0.0.1', p.port, server.hostKeyBlob);
        const t = kit.tunnel([hop(p.port)], { keepaliveIntervalMs: 2000, keepaliveCountMax: 3, readyTimeoutMs: 3000 });
        await t.open();
        tunnels.push(t);
      }
      proxies[7]!.pause(); // black hole: accepts, never answers
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const done: number[][] = tunnels.map(() => []);
      const start = Date.now() + 50;
      const ticks = 6;
      // Each tunnel polls on its own grid with a deadline D < P, as the poll scheduler does.
      await Promise.all(
        tunnels.map(async (t, i) => {
          for (let k = 0; k < ticks; k++) {
            const due = start + k * P + i * 10;
            await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
            try {
              await roundTrip(t, 800);
              done[i]!.push(Date.now());
            } catch {
              // the black-holed one fails within its deadline
            }
          }
        }),
      );
      lag.disable();
      const healthyGaps = done.flatMap((ts, i) => (i === 7 ? [] : ts.slice(1).map((x, j) => x - ts[j]!)));
      expect(done[7]).toEqual([]);
      expect(done.filter((_, i) => i !== 7).every((ts) => ts.length === ticks)).toBe(true);
      const worst = Math.max(...healthyGaps.map((g) => Math.abs(g - P)));
      const p99 = lag.percentile(99) / 1e6;
      console.log(`REL-S6: 19 healthy tunnels, worst poll-gap deviation ${worst} ms (P = ${P}), event-loop p99 ${p99.toFixed(1)} ms`);
      expect(worst).toBeLessThanOrEqual(P * 0.1);
      expect(p99).toBeLessThan(100);
    } finally {
      await kit.close();
      await Promise.all(proxies.map((p) => p.close()));
    }
  }, 60_000);
});

describe('REL-S7: soak', () => {
  const full = process.env.BALEEN_SOAK === '1';
  const cycles = full ? 1000 : 100;
  const resets = full ? 500 : 50;

  function heapAfterGc(): number {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  }
  const fds = () => readdirSync('/proc/self/fd').length;

  it(`REL-S7: ${cycles} connect/disconnect cycles and ${resets} forced RSTs return to baseline`, async () => {
    const proxy = await startFaultProxy('127.0.0.1', server.port);
    const kit = sshKit();
    try {
      await pinKey(kit, '127.0.0.1', proxy.port, server.hostKeyBlob);
      const run = async (n: number, rsts: number) => {
        for (let i = 0; i < n; i++) {
          const t = kit.tunnel([hop(proxy.port)]);
          const fwd = await t.forward('127.0.0.1', echoPort);
          await roundTrip(t, 2000);
          await fwd.close();
          await t.close();
        }
        const t = kit.tunnel([hop(proxy.port)], { backoffMs: [10, 20], jitter: 0 });
        await t.open();
        const sessionsBefore = server.sessionsReady;
        for (let i = 0; i < rsts; i++) {
          proxy.resetAll();
          await until(() => t.status.state === 'ready' && proxy.live() === 1, 5000, `ready after RST ${i + 1}`);
          await roundTrip(t, 2000).catch(async () => {
            await until(() => t.status.state === 'ready', 5000, 'ready');
            await roundTrip(t, 2000);
          });
        }
        // One new session per outage, never two.
        expect(server.sessionsReady - sessionsBefore).toBe(rsts);
        await t.close();
        await until(() => proxy.live() === 0 && server.openChannels() === 0, 5000, 'server side closed');
        await new Promise((r) => setTimeout(r, 1200)); // the 1 s destroy backstop of ended clients
        server.authAttempts.length = 0; // the test server's own log, not the client's memory
      };
      // Warm-up runs every code path once (JIT code counts as heap), then the baseline is taken.
      await run(Math.ceil(cycles / 10), Math.ceil(resets / 10));
      const base = { fds: fds(), listeners: listeningSockets(), channels: server.openChannels(), heap: heapAfterGc() };
      await run(cycles / 2, resets / 2);
      const mid = heapAfterGc();
      await run(cycles / 2, resets / 2);
      const after = { fds: fds(), listeners: listeningSockets(), channels: server.openChannels(), heap: heapAfterGc() };
      console.log(
        `REL-S7 (${cycles} cycles, ${resets} RSTs): fds ${base.fds}→${after.fds}, listeners ${base.listeners}→${after.listeners}, server channels ${base.channels}→${after.channels}, ` +
          `heap ${(base.heap / 1e6).toFixed(1)}→${(mid / 1e6).toFixed(1)}→${(after.heap / 1e6).toFixed(1)} MB`,
      );
      expect(Math.abs(after.fds - base.fds)).toBeLessThanOrEqual(2);
      expect(after.listeners).toBe(base.listeners);
      expect(after.channels).toBe(base.channels);
      expect(after.heap).toBeLessThan(base.heap * 1.1);
    } finally {
      await kit.close();
      await proxy.close();
    }
  }, 300_000);
});
