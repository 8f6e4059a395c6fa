// The Electron shell under plain Node, with Electron's objects passed in (never require('electron')):
// window options (SEC-E2), navigation and window-open (SEC-E3), the IPC sender check (SEC-E4),
// permissions (SEC-E6), the app:// protocol and the preload's allowlist.
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBus } from '../core/events';
import { silentLogger } from '../core/ports/logger';
import { Dispatcher, type Handlers } from '../rpc';
import { createPreloadApi, type IpcRendererLike } from '../../src-preload/preload-api';
import { appProtocolHandler } from './app-protocol';
import { createWindow, windowOptions } from './create-window';
import { attachIpc, checkSender, IPC_CHANNEL, type IpcEventLike, type IpcMainLike } from './ipc-adapter';
import { APP_ENTRY, denyAllPermissions, guardNavigation, isAppUrl, windowOpenHandler } from './security';
import { tempDir } from '../../test/helpers/tmp';

describe('SEC-E2 window factory', () => {
  it('gives every window the hardened web preferences and a preload inside the app bundle', () => {
    const o = windowOptions('/opt/baleen/out/preload/preload.cjs');
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(o.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(o.webPreferences).not.toHaveProperty('experimentalFeatures');
    expect(o.webPreferences?.preload).toMatch(/out\/preload\/preload\.cjs$/);
  });

  it('creates the window through the factory, wires the guards and loads the app origin', () => {
    const handlers: Record<string, (...a: unknown[]) => void> = {};
    let openHandler: ((d: { url: string }) => unknown) | undefined;
    let loaded = '';
    class FakeWindow {
      webContents = {
        on: (ev: string, fn: (...a: unknown[]) => void) => void (handlers[ev] = fn),
        setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => void (openHandler = fn),
      };
      constructor(readonly options: unknown) {}
      once() {}
      show() {}
      loadURL(u: string) {
        loaded = u;
        return Promise.resolve();
      }
    }
    const opened: string[] = [];
    createWindow({ BrowserWindow: FakeWindow as never, shell: { openExternal: async (u: string) => void opened.push(u) }, preloadPath: '/p.cjs' });
    expect(loaded).toBe(APP_ENTRY);
    expect(Object.keys(handlers).sort()).toEqual(['will-attach-webview', 'will-navigate', 'will-redirect']);
    expect(openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    let prevented = false;
    handlers['will-navigate']!({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
  });

  it('finds no use of @electron/remote anywhere in the sources', () => {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : /\.(ts|tsx|mjs|js)$/.test(e.name) ? [join(d, e.name)] : []));
    const hits = ['src-main', 'src-preload', 'src-renderer', 'src-shared']
      .flatMap(walk)
      .filter((f) => !f.endsWith('electron-shell.test.ts') && /@electron\/remote|electron-remote/.test(readFileSync(f, 'utf8')));
    expect(hits).toEqual([]);
  });
});

describe('SEC-E3 navigation and new windows', () => {
  const hostile = [
    'https://app.example.com.attacker.com',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'smb://attacker/share',
    'HTTPS://www.mongodb.com.evil.example/',
    'https://www.mongodb.com@evil.example/',
    'https://user:pw@www.mongodb.com/',
    'https://xn--mngodb-6va.com/', // IDN homograph of mongodb.com
    'data:text/html,<script>alert(1)</script>',
    'app://baleen.evil/',
    'app://evil/',
    'http://www.mongodb.com/docs',
  ];

  it('never lets the window navigate away from the app origin', () => {
    for (const url of hostile) {
      let prevented = false;
      const opened: string[] = [];
      guardNavigation({ preventDefault: () => (prevented = true) }, url, (u) => opened.push(u));
      expect(prevented, url).toBe(true);
      expect(opened, url).toEqual([]);
    }
    let prevented = false;
    guardNavigation({ preventDefault: () => (prevented = true) }, 'app://baleen/index.html#/node/x', () => undefined);
    expect(prevented).toBe(false);
  });

  it('always denies new windows, and opens only allowlisted https links externally (parsed with URL)', () => {
    const opened: string[] = [];
    const h = windowOpenHandler((u) => opened.push(u));
    for (const url of hostile) expect(h({ url }), url).toEqual({ action: 'deny' });
    expect(opened).toEqual([]);
    expect(h({ url: 'https://www.mongodb.com/docs/manual/reference/explain-results/' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://www.mongodb.com/docs/manual/reference/explain-results/']);
  });

  it('compares origins parsed, never by prefix', () => {
    expect(isAppUrl('app://baleen/x')).toBe(true);
    expect(isAppUrl('APP://BALEEN/x')).toBe(true);
    expect(isAppUrl('app://baleen.attacker/x')).toBe(false);
    expect(isAppUrl('app://baleen@evil/x')).toBe(false);
    expect(isAppUrl(null)).toBe(false);
  });
});

describe('SEC-E6 permissions', () => {
  it('denies media, geolocation, notifications and clipboard-read', () => {
    let request: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: ((...a: unknown[]) => boolean) | undefined;
    denyAllPermissions({
      setPermissionRequestHandler: (fn: never) => void (request = fn),
      setPermissionCheckHandler: (fn: never) => void (check = fn),
    } as never);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      let granted: boolean | undefined;
      request!({}, p, (ok) => (granted = ok));
      expect(granted, p).toBe(false);
      expect(check!({}, p, 'app://baleen', {}), p).toBe(false);
    }
  });
});

describe('SEC-E4 IPC sender check', () => {
  function harness() {
    let listener: ((e: IpcEventLike, p: unknown) => void) | undefined;
    const ipcMain: IpcMainLike = { on: (_c, l) => void (listener = l), removeListener: () => undefined };
    const calls: string[] = [];
    const handlers = { 'app.info': () => (calls.push('app.info'), { version: '1', startedAt: 0, dataDir: '/d', shell: 'electron' }) } as unknown as Handlers;
    const rejected: { reason: string; origin: string }[] = [];
    attachIpc({ ipcMain, dispatcher: new Dispatcher(handlers, new EventBus(), silentLogger), onRejected: (i) => rejected.push(i) });
    const sent: unknown[] = [];
    const replies: unknown[] = [];
    const event = (frame: { url: string; parent: unknown } | null): IpcEventLike => ({
      senderFrame: frame,
      sender: { id: 1, send: (_c, p) => sent.push(p), isDestroyed: () => false, once: () => undefined },
      reply: (_c, p) => replies.push(p),
    });
    const send = (frame: { url: string; parent: unknown } | null) => listener!(event(frame), { t: 'call', id: 'x1', ch: 'app.info', in: {} });
    return { send, calls, rejected, sent, replies };
  }

  it('accepts the top frame of the app origin', async () => {
    const h = harness();
    h.send({ url: 'app://baleen/index.html', parent: null });
    await new Promise((r) => setTimeout(r, 10));
    expect(h.calls).toEqual(['app.info']);
    expect(h.sent).toEqual([{ t: 'result', id: 'x1', out: { version: '1', startedAt: 0, dataDir: '/d', shell: 'electron' } }]);
  });

  it('refuses a foreign origin, a null frame and a sub-frame with a typed error and a record, without calling the handler', async () => {
    const h = harness();
    h.send({ url: 'https://evil.example/', parent: null });
    h.send(null);
    h.send({ url: 'app://baleen/index.html', parent: {} });
    h.send({ url: 'file:///etc/passwd', parent: null });
    await new Promise((r) => setTimeout(r, 10));
    expect(h.calls).toEqual([]);
    expect(h.rejected.map((r) => r.origin)).toEqual(['https://evil.example', 'null', 'app://baleen', 'null']);
    expect(h.replies).toHaveLength(4);
    for (const r of h.replies) expect(r).toMatchObject({ t: 'error', id: 'x1', err: { code: 'E_NOT_AUTHORIZED' } });
    expect(checkSender({ url: 'not a url', parent: null }).ok).toBe(false);
  });
});

describe('app:// protocol', () => {
  const dir = tempDir();
  it('serves the renderer with the CSP header and never a file outside it', async () => {
    const root = join(dir, 'renderer');
    mkdirSync(root);
    writeFileSync(join(root, 'index.html'), '<!doctype html>ok');
    writeFileSync(join(dir, 'secret'), 'no');
    const handle = appProtocolHandler(root);
    const ok = await handle(new Request('app://baleen/'));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('<!doctype html>ok');
    expect(ok.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    for (const u of ['app://baleen/../secret', 'app://baleen/%2e%2e/secret', 'app://other/index.html']) {
      expect((await handle(new Request(u))).status, u).toBe(404);
    }
  });
});

describe('preload API', () => {
  function fakeIpc() {
    const sent: { ch: string; payload: unknown }[] = [];
    let onMessage: ((e: unknown, p: unknown) => void) | undefined;
    const ipc: IpcRendererLike = { send: (ch, payload) => void sent.push({ ch, payload }), on: (_c, l) => void (onMessage = l) };
    return { ipc, sent, deliver: (p: unknown) => onMessage!({}, p) };
  }

  it('exposes exactly invoke, cancel and on', () => {
    expect(Object.keys(createPreloadApi(fakeIpc().ipc)).sort()).toEqual(['cancel', 'invoke', 'on']);
  });

  it('sends allowlisted calls as frames and resolves with the result', async () => {
    const f = fakeIpc();
    const api = createPreloadApi(f.ipc);
    const p = api.invoke('app.info', {}, 'id-1');
    expect(f.sent).toEqual([{ ch: IPC_CHANNEL, payload: { t: 'call', id: 'id-1', ch: 'app.info', in: {} } }]);
    f.deliver({ t: 'result', id: 'id-1', out: { ok: 1 } });
    expect(await p).toEqual({ ok: 1 });
  });

  it('refuses channels outside the contract with a plain envelope', async () => {
    const f = fakeIpc();
    const api = createPreloadApi(f.ipc);
    await expect(api.invoke('fs.readFile', {})).rejects.toEqual({ code: 'E_INVALID_INPUT', message: 'Unknown method "fs.readFile".' });
    expect(() => api.on('process.exit', () => undefined)).toThrow(/Unknown event/);
    expect(f.sent).toEqual([]);
    const p = api.invoke('app.info', {}, 'id-2');
    f.deliver({ t: 'error', id: 'id-2', err: { code: 'E_AUTH', message: 'nope' } });
    await expect(p).rejects.toEqual({ code: 'E_AUTH', message: 'nope' });
  });
});
