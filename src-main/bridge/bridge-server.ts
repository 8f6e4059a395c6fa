import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../core/ports/logger';
import type { Dispatcher } from '../rpc';
import { checkRequest, cookieName, newToken } from './bridge-auth';
import { SECURITY_HEADERS, serveStatic } from './static-files';

/**
 * The loopback bridge: serves the built renderer and the contract at `/rpc` over WebSocket, for a
 * browser (`npm run web`) or headless Chromium. Binds 127.0.0.1 only; every HTTP and WebSocket request
 * passes the Host / Origin / token checks of bridge-auth.
 */
export interface BridgeOptions {
  dispatcher: Dispatcher;
  /** The built renderer (out/renderer); null serves a page saying how to build it. */
  staticDir: string | null;
  port?: number;
  token?: string;
  log: Logger;
}

export interface Bridge {
  port: number;
  token: string;
  /** The URL to open once: it carries the token, which the server swaps for a cookie. */
  url: string;
  close(): Promise<void>;
}

const MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** A client that cannot keep up with events is cut off rather than letting memory grow. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

function deny(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${text}\n`);
}

function denyUpgrade(socket: Socket, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const token = opts.token ?? newToken();
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const sockets = new Set<Socket>();
  let port = 0;

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const v = checkRequest(req, url, port, token);
    if (!v.ok) return deny(res, v.status, v.reason);
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.');
    if (v.via === 'query') {
      // Swap the token for a cookie and drop it from the address bar (and from history and referrers).
      url.searchParams.delete('token');
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search,
        'Cache-Control': 'no-store',
      });
      return res.end();
    }
    if (opts.staticDir === null) return deny(res, 503, 'The console is not built. Run `npm run build` (or `npm run web`), then reload.');
    if (!serveStatic(opts.staticDir, url.pathname, res, req.method === 'HEAD')) deny(res, 404, 'Not found.');
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const v = checkRequest(req, url, port, token);
    if (!v.ok) return denyUpgrade(socket, v.status, v.reason);
    if (url.pathname !== '/rpc') return denyUpgrade(socket, 403, 'Forbidden: unknown endpoint.');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, req.headers.origin ?? 'no-origin'));
  });

  function attach(ws: WebSocket, origin: string): void {
    const session = opts.dispatcher.openSession(
      (frame) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
          opts.log.warn('bridge client too slow; closing it');
          ws.terminate();
          return;
        }
        ws.send(JSON.stringify(frame));
      },
      { transport: 'ws', origin },
    );
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, 30_000);
    ws.on('pong', () => (alive = true));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      session.receive(frame);
    });
    ws.on('close', () => {
      clearInterval(ping);
      session.close();
    });
    ws.on('error', () => ws.terminate());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
