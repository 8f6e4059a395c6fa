import { createHash, timingSafeEqual } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel } from 'ssh2';

/**
 * ssh2's own Server, in-process, for what real sshd cannot easily be made to do: count authentication
 * attempts, answer keyboard-interactive prompts, take a password, refuse forwards, run scripted "exec"
 * commands, and pause or reset its sockets on cue. direct-tcpip channels are relayed to 127.0.0.1.
 */
export interface TestUser {
  username: string;
  password?: string;
  publicKeys?: Buffer[];
  /** keyboard-interactive: prompts shown, answers expected (an OTP bastion). */
  kbd?: { prompts: string[]; answers: string[] };
}

export interface Ssh2ServerOptions {
  hostKey?: string;
  users: TestUser[];
  /** Decide a direct-tcpip request; default: allowed to 127.0.0.1 only. */
  allowForward?: (host: string, port: number) => boolean;
  /** Answer an exec request; default: reject. */
  exec?: (command: string, channel: ServerChannel) => void;
  /** A fixed port (default: a free one), e.g. to come back on the same port with another host key. */
  port?: number;
}

export interface Ssh2ServerHandle {
  host: '127.0.0.1';
  port: number;
  hostKeyBlob: Buffer;
  fingerprint: string;
  /** Every `authentication` event, by method. */
  authAttempts: { method: string; username: string }[];
  /** TCP connections accepted. */
  connections: number;
  /** Sessions that authenticated. */
  sessionsReady: number;
  execCommands: string[];
  openChannels(): number;
  /** Stop reading and writing on every live connection (a half-open peer). */
  pauseAll(): void;
  resumeAll(): void;
  /** Send RST on every live connection. */
  resetAll(): void;
  close(): Promise<void>;
}

export function generateHostKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): string {
  const kp = type === 'ed25519' ? ssh2.utils.generateKeyPairSync('ed25519') : ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 });
  return kp.private;
}

export function publicBlobOf(privateKey: string): Buffer {
  const k = ssh2.utils.parseKey(privateKey);
  if (k instanceof Error) throw k;
  return (Array.isArray(k) ? (k[0] as ParsedKey) : k).getPublicSSH();
}

const fp = (blob: Buffer) => `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startSsh2Server(o: Ssh2ServerOptions): Promise<Ssh2ServerHandle> {
  const hostKey = o.hostKey ?? generateHostKey();
  const live = new Set<{ conn: Connection; sock: Socket }>();
  const channels = new Set<ServerChannel | Socket>();
  const h = {
    authAttempts: [] as { method: string; username: string }[],
    connections: 0,
    sessionsReady: 0,
    execCommands: [] as string[],
  };
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (conn, _info) => {
    h.connections++;
    const sock = (conn as unknown as { _sock: Socket })._sock;
    const entry = { conn, sock };
    live.add(entry);
    conn.on('error', () => undefined);
    conn.on('close', () => live.delete(entry));
    conn.on('authentication', (ctx: AuthContext) => {
      h.authAttempts.push({ method: ctx.method, username: ctx.username });
      const user = o.users.find((u) => u.username === ctx.username);
      if (!user) return ctx.reject();
      const methods = [...(user.password !== undefined ? ['password' as const] : []), ...(user.publicKeys ? ['publickey' as const] : []), ...(user.kbd ? ['keyboard-interactive' as const] : [])];
      switch (ctx.method) {
        case 'password':
          return user.password !== undefined && safeEqual(ctx.password, user.password) ? ctx.accept() : ctx.reject(methods);
        case 'publickey': {
          const match = user.publicKeys?.some((b) => b.equals(ctx.key.data));
          if (!match) return ctx.reject(methods);
          if (!ctx.signature) return ctx.accept(); // the "would you accept this key" probe
          const pub = ssh2.utils.parseKey(ctx.key.data);
          if (pub instanceof Error) return ctx.reject(methods);
          const k = Array.isArray(pub) ? (pub[0] as ParsedKey) : pub;
          return k.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(methods);
        }
        case 'keyboard-interactive': {
          const kbd = user.kbd;
          if (!kbd) return ctx.reject(methods);
          ctx.prompt(
            kbd.prompts.map((p) => ({ prompt: p, echo: false })),
            'OTP',
            'Answer the one-time password prompt',
            (answers) => (answers.length === kbd.answers.length && answers.every((a, i) => safeEqual(a, kbd.answers[i]!)) ? ctx.accept() : ctx.reject(methods)),
          );
          return;
        }
        default:
          return ctx.reject(methods);
      }
    });
    conn.on('ready', () => {
      h.sessionsReady++;
      conn.on('tcpip', (accept, reject, info) => {
        const allowed = o.allowForward ? o.allowForward(info.destIP, info.destPort) : info.destIP === '127.0.0.1';
        if (!allowed) return reject();
        const upstream = tcpConnect({ host: info.destIP, port: info.destPort });
        upstream.on('error', () => undefined);
        upstream.once('connect', () => {
          const ch = accept();
          channels.add(ch);
          channels.add(upstream);
          ch.on('error', () => undefined);
          ch.on('close', () => {
            channels.delete(ch);
            upstream.destroy();
          });
          upstream.on('close', () => {
            channels.delete(upstream);
            ch.destroy();
          });
          ch.pipe(upstream).pipe(ch);
        });
        upstream.once('error', () => reject());
      });
      conn.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, rejectExec, info) => {
          h.execCommands.push(info.command);
          if (!o.exec) return rejectExec();
          const ch = acceptExec();
          channels.add(ch);
          ch.on('error', () => undefined);
          ch.on('close', () => channels.delete(ch));
          o.exec(info.command, ch);
        });
        session.on('signal', () => undefined);
      });
    });
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const blob = publicBlobOf(hostKey);
  return {
    host: '127.0.0.1',
    port,
    hostKeyBlob: blob,
    fingerprint: fp(blob),
    get authAttempts() {
      return h.authAttempts;
    },
    get connections() {
      return h.connections;
    },
    get sessionsReady() {
      return h.sessionsReady;
    },
    get execCommands() {
      return h.execCommands;
    },
    openChannels: () => channels.size,
    pauseAll: () => {
      for (const { sock } of live) sock.pause();
      // Writes from the server side stop too: cork until resumed.
      for (const { sock } of live) sock.cork();
    },
    resumeAll: () => {
      for (const { sock } of live) {
        sock.uncork();
        sock.resume();
      }
    },
    resetAll: () => {
      for (const { sock } of live) sock.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { sock } of live) sock.destroy();
        for (const c of channels) c.destroy();
        server.close(() => resolve());
      }),
  };
}
