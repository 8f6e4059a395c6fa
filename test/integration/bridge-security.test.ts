// The loopback bridge refuses anyone without the launch token, any foreign Origin or Host, and is not
// reachable beyond 127.0.0.1.
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBridge, type Bridge } from '../../src-main/bridge';
import { EventBus } from '../../src-main/core/events';
import { silentLogger } from '../../src-main/core/ports/logger';
import { Dispatcher, type Handlers } from '../../src-main/rpc';
import { tempDir } from '../helpers/tmp';
import { wsClient } from '../helpers/transports';

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('bridge security', () => {
  const dir = tempDir();
  let bridge: Bridge;
  let cookie: string;

  beforeAll(async () => {
    const root = join(dir, 'renderer');
    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Baleen</title>');
    writeFileSync(join(dir, 'secret.txt'), 'outside the root');
    const bus = new EventBus();
    const handlers = { 'app.info': () => ({ version: '1', startedAt: 0, dataDir: '/d', shell: 'web' }) } as unknown as Handlers;
    bridge = await startBridge({ dispatcher: new Dispatcher(handlers, bus, silentLogger), staticDir: root, log: silentLogger });
    cookie = `baleen_${bridge.port}=${bridge.token}`;
  });
  afterAll(async () => bridge.close());

  it('uses a per-launch token of at least 128 bits, handed over in the printed URL', () => {
    expect(Buffer.from(bridge.token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/?token=${bridge.token}`);
  });

  it('no token → 401; wrong token → 401 (HTTP and WebSocket)', async () => {
    expect((await get(bridge.port, '/')).status).toBe(401);
    expect((await get(bridge.port, '/?token=wrong')).status).toBe(401);
    expect((await get(bridge.port, '/', { cookie: `baleen_${bridge.port}=${bridge.token.slice(0, -1)}x` })).status).toBe(401);
    // A cookie for another port's Baleen is not ours.
    expect((await get(bridge.port, '/', { cookie: `baleen_1=${bridge.token}` })).status).toBe(401);
    await expect(wsClient(`ws://127.0.0.1:${bridge.port}/rpc`)).rejects.toThrow(/401/);
    await expect(wsClient(`ws://127.0.0.1:${bridge.port}/rpc?token=nope`)).rejects.toThrow(/401/);
  });

  it('swaps the URL token for an HttpOnly SameSite=Strict cookie named per port, and drops it from the URL', async () => {
    const r = await get(bridge.port, `/?token=${bridge.token}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const set = String(r.headers['set-cookie']);
    expect(set).toContain(`baleen_${bridge.port}=${bridge.token}`);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    const page = await get(bridge.port, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Baleen</title>');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('foreign Origin → 403, even with the right token (HTTP and WebSocket)', async () => {
    expect((await get(bridge.port, '/', { cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await get(bridge.port, '/', { cookie, origin: `http://127.0.0.1:${bridge.port + 1}` })).status).toBe(403);
    expect((await get(bridge.port, '/', { cookie, origin: `http://127.0.0.1:${bridge.port}` })).status).toBe(200);
    await expect(wsClient(`ws://127.0.0.1:${bridge.port}/rpc`, { cookie, origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const ok = await wsClient(`ws://127.0.0.1:${bridge.port}/rpc`, { cookie, origin: `http://localhost:${bridge.port}` });
    expect(await ok.client.invoke('app.info', {})).toMatchObject({ version: '1' });
    await ok.close();
  });

  it('a bad Host header → 403 (DNS rebinding)', async () => {
    expect((await get(bridge.port, '/', { cookie, host: `evil.example:${bridge.port}` })).status).toBe(403);
    expect((await get(bridge.port, '/', { cookie, host: '127.0.0.1' })).status).toBe(403);
    expect((await get(bridge.port, '/', { cookie, host: `localhost:${bridge.port}` })).status).toBe(200);
  });

  it('never serves files outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%00']) {
      const r = await get(bridge.port, p, { cookie });
      expect(r.status).toBe(404);
      expect(r.body).not.toContain('outside the root');
    }
  });

  it('is not reachable on a non-loopback address', async () => {
    const addrs = Object.values(networkInterfaces())
      .flat()
      .filter((a): a is NonNullable<typeof a> => !!a && a.family === 'IPv4' && !a.internal)
      .map((a) => a.address);
    if (addrs.length === 0) console.warn('notice: no non-loopback IPv4 address on this machine; checking the bound address only');
    for (const address of addrs) {
      const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        const s = connect({ host: address, port: bridge.port, timeout: 2000 });
        s.once('connect', () => (s.destroy(), resolve(null)));
        s.once('error', (e) => resolve(e));
        s.once('timeout', () => (s.destroy(), resolve(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }))));
      });
      expect(err?.code, `reachable on ${address}`).toMatch(/ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH/);
    }
  });
});
