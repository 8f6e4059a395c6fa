import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of an SSH server (real sshd or ssh2's), for network faults the server itself
 * cannot produce: RST every connection, go down (refused) and come back on the SAME port, or go
 * half-open (stop relaying both ways without closing).
 */
export interface FaultProxy {
  host: '127.0.0.1';
  port: number;
  /** TCP connections accepted since start. */
  accepted: number;
  live(): number;
  resetAll(): void;
  pause(): void;
  resume(): void;
  /** Stop listening and reset every connection: the server "died". */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(targetHost: string, targetPort: number): Promise<FaultProxy> {
  const pairs = new Set<{ a: Socket; b: Socket }>();
  let paused = false;
  let accepted = 0;
  let port = 0;
  const wire = (p: { a: Socket; b: Socket }) => {
    p.a.pipe(p.b);
    p.b.pipe(p.a);
  };
  const onConn = (a: Socket) => {
    accepted++;
    const b = connect({ host: targetHost, port: targetPort });
    const p = { a, b };
    pairs.add(p);
    const end = () => {
      pairs.delete(p);
      a.destroy();
      b.destroy();
    };
    a.on('error', end).on('close', end);
    b.on('error', end).on('close', end);
    if (!paused) wire(p);
    else {
      a.pause();
      b.pause();
    }
  };
  let server: Server = createServer(onConn);
  const listen = (s: Server, p: number) =>
    new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(p, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
  await listen(server, 0);
  port = (server.address() as { port: number }).port;
  const resetAll = () => {
    for (const { a, b } of [...pairs]) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    pairs.clear();
  };
  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    live: () => pairs.size,
    resetAll,
    pause: () => {
      paused = true;
      for (const { a, b } of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    resume: () => {
      paused = false;
      for (const p of pairs) {
        wire(p);
        p.a.resume();
        p.b.resume();
      }
    },
    down: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        resetAll();
      });
    },
    up: async () => {
      server = createServer(onConn);
      await listen(server, port);
    },
    close: async () => {
      resetAll();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}
