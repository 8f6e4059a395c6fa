import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BaleenError } from '../../../src-shared/domain/errors';
import type { Logger } from '../ports/logger';

/**
 * A local port for one remote host:port ("ssh -L" for one MongoDB member), for clients that need a
 * TCP address (the MongoDB driver). It listens on 127.0.0.1 port 0 only (SEC-S7) and keeps its port
 * across SSH reconnects, so the driver's address stays valid; while the tunnel is down a new local
 * connection is dropped at once and the driver's own retry takes over.
 */
export interface LocalForward {
  readonly localHost: '127.0.0.1';
  readonly localPort: number;
  readonly remote: { host: string; port: number };
  /** Local connections currently piped. */
  readonly activeConnections: number;
  /**
   * Why the last local connection was dropped (the tunnel down, or the SSH host could not open the
   * channel), until a channel opens again. The driver only sees a closed socket; this says why.
   */
  readonly lastFailure: { error: unknown; at: number } | undefined;
  close(): Promise<void>;
}

export type ChannelOpener = (host: string, port: number) => Promise<Duplex>;

export async function startLocalForward(host: string, port: number, open: ChannelOpener, log: Logger, onClosed?: () => void, now: () => number = Date.now): Promise<LocalForward> {
  const sockets = new Set<Socket>();
  const channels = new Set<Duplex>();
  let closed = false;
  let lastFailure: { error: unknown; at: number } | undefined;
  const server: Server = createServer({ pauseOnConnect: true }, (local) => {
    sockets.add(local);
    local.on('error', () => undefined);
    local.on('close', () => sockets.delete(local));
    if (closed) return void local.destroy();
    open(host, port).then(
      (ch) => {
        if (closed || local.destroyed) return void ch.destroy();
        lastFailure = undefined;
        channels.add(ch);
        const done = () => {
          channels.delete(ch);
          local.destroy();
          ch.destroy();
        };
        ch.on('error', done).on('close', done);
        local.on('close', done);
        local.pipe(ch);
        ch.pipe(local);
        local.resume();
      },
      (e: unknown) => {
        lastFailure = { error: e, at: now() };
        log.debug('local forward: channel refused', { remote: `${host}:${port}`, reason: e instanceof BaleenError ? e.message : String(e) });
        local.destroy();
      },
    );
  });
  server.on('error', (e) => log.warn('local forward listener error', { remote: `${host}:${port}`, error: e.message }));
  await new Promise<void>((resolve, reject) => {
    const onErr = (e: Error) => reject(new BaleenError('E_INTERNAL', `Cannot open a local port for ${host}:${port}: ${e.message}`));
    server.once('error', onErr);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', onErr);
      resolve();
    });
  });
  const addr = server.address();
  const localPort = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    localHost: '127.0.0.1',
    localPort,
    remote: { host, port },
    get activeConnections() {
      return channels.size;
    },
    get lastFailure() {
      return lastFailure;
    },
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      for (const s of sockets) s.destroy();
      for (const c of channels) c.destroy();
      onClosed?.();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
