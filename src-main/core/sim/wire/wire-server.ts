import net from 'node:net';
import type { Document } from '../../bson/bson';
import { BaleenError } from '../../../../src-shared/domain/errors';
import { type Logger, silentLogger } from '../../ports/logger';
import { type CommandDispatcher, errorReply } from '../commands/command-dispatcher';
import { type SimPrincipal, type SimSession, SimCommandError } from '../commands/command-table';
import type { ConnectionControl, RefuseMode } from '../faults/fault-controller';
import type { ConnectionTicket, SimNode } from '../node/sim-node';
import {
  MessageFramer,
  type OpMsg,
  OpMsgFlag,
  OpReplyFlag,
  type OpQuery,
  WireProtocolError,
  decodeMessage,
  encodeOpMsg,
  encodeOpReply,
} from './wire-protocol';

export interface WireServerOptions {
  host: string;
  port: number;
  logger?: Logger;
}

/** What serves the connections: attached once the port is known, since a node's identity may include it. */
export interface WireRuntime {
  node: SimNode;
  dispatcher: CommandDispatcher;
}

interface Connection {
  readonly socket: net.Socket;
  readonly ticket: ConnectionTicket;
  readonly abort: AbortController;
  readonly framer: MessageFramer;
  readonly session: SimSession;
  /** Requests are served one at a time per connection, like mongod's per-session thread. */
  queue: Promise<void>;
}

/**
 * The TCP side of a simulated mongod: accepts connections, frames bytes into messages, hands commands
 * to the dispatcher and writes replies (OP_MSG, or OP_REPLY for the legacy OP_QUERY handshake), with
 * exhaust streaming for awaitable hello. A connection that sends something it cannot parse is closed;
 * nothing a client sends can throw out of here.
 */
export class WireServer implements ConnectionControl {
  private readonly host: string;
  private boundPort: number;
  private runtime: WireRuntime | undefined;
  private readonly logger: Logger;
  private listener: net.Server | undefined;
  /** Every listener not yet fully closed (a refused listener may still be closing). */
  private readonly listeners = new Set<net.Server>();
  private readonly connections = new Set<Connection>();
  private refuseMode: RefuseMode | undefined;
  /** Identity every new session starts with (no SCRAM yet: "as if authenticated"). */
  defaultPrincipal: SimPrincipal | undefined;
  private stopped = false;
  private nextRequestId = 1;

  constructor(opts: WireServerOptions) {
    this.host = opts.host;
    this.boundPort = opts.port;
    this.logger = opts.logger ?? silentLogger;
  }

  /** Set before the first connection can be served (right after listen() resolves). */
  attach(runtime: WireRuntime): void {
    this.runtime = runtime;
  }

  private get node(): SimNode {
    if (this.runtime === undefined) throw new Error('wire server has no runtime attached');
    return this.runtime.node;
  }

  private get dispatcher(): CommandDispatcher {
    if (this.runtime === undefined) throw new Error('wire server has no runtime attached');
    return this.runtime.dispatcher;
  }

  get port(): number {
    return this.boundPort;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  async listen(): Promise<number> {
    if (this.stopped) throw new BaleenError('E_CONFLICT', 'the simulator was stopped');
    if (this.listener !== undefined) return this.boundPort;
    const server = net.createServer({ noDelay: true }, (socket) => this.onConnection(socket));
    this.listeners.add(server);
    server.on('close', () => this.listeners.delete(server));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException) => {
        this.listeners.delete(server);
        reject(
          new BaleenError(
            e.code === 'EADDRINUSE' ? 'E_CONFLICT' : 'E_UNREACHABLE',
            `simulator cannot listen on ${this.host}:${this.boundPort}: ${e.code ?? e.message}`,
            { host: this.host, port: this.boundPort },
            { cause: e },
          ),
        );
      };
      server.once('error', onError);
      server.listen({ host: this.host, port: this.boundPort, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (e) => this.logger.warn('simulator listener error', { error: e.message }));
    const addr = server.address();
    if (addr !== null && typeof addr === 'object') this.boundPort = addr.port;
    this.listener = server;
    return this.boundPort;
  }

  // ---- ConnectionControl (fault knobs) ------------------------------------------------------

  resetAll(): number {
    const n = this.connections.size;
    for (const c of [...this.connections]) this.drop(c, 'reset');
    return n;
  }

  async refuse(mode: RefuseMode): Promise<void> {
    this.refuseMode = mode;
    if (mode === 'close-listener') this.closeListener();
  }

  async accept(): Promise<void> {
    this.refuseMode = undefined;
    if (!this.stopped && this.listener === undefined) await this.listen();
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Close every connection (FIN, as a shutting-down mongod does). */
  closeAll(): number {
    const n = this.connections.size;
    for (const c of [...this.connections]) this.drop(c, 'close');
    return n;
  }

  /** Stop listening but keep the port number for resumeListening() (a restart's downtime). */
  pauseListening(): void {
    this.closeListener();
  }

  /** Listen again on the same port, unless a fault is refusing connections. */
  async resumeListening(): Promise<void> {
    if (this.refuseMode === undefined) await this.listen();
  }

  /** Close everything; resolves once the port is released and no socket remains. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closeListener();
    // A listener emits 'close' only once the port is released and every socket it accepted is gone.
    const listenersClosed = [...this.listeners].map((s) => new Promise<void>((r) => s.once('close', () => r())));
    const sockets = [...this.connections].map((c) => c.socket);
    for (const c of [...this.connections]) this.drop(c, 'close');
    await Promise.all([...listenersClosed, ...sockets.map(closed)]);
  }

  private closeListener(): void {
    const l = this.listener;
    this.listener = undefined;
    // close() stops accepting at once; its 'close' event waits for that server's sockets, which we own.
    l?.close();
  }

  // ---- connections -----------------------------------------------------------------------------

  private onConnection(socket: net.Socket): void {
    if (this.stopped || this.refuseMode !== undefined || this.runtime === undefined) {
      socket.on('error', () => {});
      socket.resetAndDestroy();
      return;
    }
    const ticket = this.node.connectionOpened();
    const conn: Connection = {
      socket,
      ticket,
      abort: new AbortController(),
      framer: new MessageFramer(),
      session: {
        connectionId: ticket.connectionId,
        remoteAddress: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
        hellos: 0,
        clientMetadata: undefined,
        principal: this.defaultPrincipal,
      },
      queue: Promise.resolve(),
    };
    this.connections.add(conn);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    // ECONNRESET and friends end in 'close', which cleans up.
    socket.on('error', () => {});
    socket.on('close', () => this.forget(conn));
  }

  private onData(conn: Connection, chunk: Uint8Array): void {
    let frames: Uint8Array[];
    try {
      frames = conn.framer.push(chunk);
    } catch (e) {
      this.protocolError(conn, e);
      return;
    }
    for (const frame of frames) {
      conn.queue = conn.queue.then(() => this.serve(conn, frame)).catch((e: unknown) => this.protocolError(conn, e));
    }
  }

  private async serve(conn: Connection, frame: Uint8Array): Promise<void> {
    if (conn.abort.signal.aborted) return;
    this.node.requestReceived(frame.length);
    const msg = decodeMessage(frame);
    if (msg.kind === 'msg') await this.serveOpMsg(conn, msg);
    else if (msg.kind === 'query') await this.serveOpQuery(conn, msg);
    else throw new WireProtocolError('a client sent OP_REPLY');
  }

  private async serveOpQuery(conn: Connection, q: OpQuery): Promise<void> {
    const reply = (doc: Document, flags = 0) => this.write(conn, encodeOpReply({ requestId: this.nextRequestId++, responseTo: q.header.requestId, responseFlags: flags, documents: [doc] }));
    if (!q.fullCollectionName.endsWith('.$cmd')) {
      reply({ $err: 'OP_QUERY is no longer supported for queries; use OP_MSG', code: 5739101, ok: 0 }, OpReplyFlag.queryFailure);
      return;
    }
    const db = q.fullCollectionName.slice(0, -'.$cmd'.length);
    // Old drivers wrap the command when they add a read preference.
    const wrapped = q.query.$query ?? q.query.query;
    const body = typeof wrapped === 'object' && wrapped !== null && !Array.isArray(wrapped) ? (wrapped as Document) : q.query;
    const result = await this.dispatcher.dispatch({ session: conn.session, body, db, legacy: true, signal: conn.abort.signal });
    if (result.kind === 'garbage') this.write(conn, result.bytes);
    else reply(result.doc);
  }

  private async serveOpMsg(conn: Connection, m: OpMsg): Promise<void> {
    const clientMoreToCome = (m.flags & OpMsgFlag.moreToCome) !== 0;
    const exhaustAllowed = (m.flags & OpMsgFlag.exhaustAllowed) !== 0;
    let responseTo = m.header.requestId;
    const send = (doc: Document, flags: number): void => {
      const requestId = this.nextRequestId++;
      this.write(conn, encodeOpMsg({ requestId, responseTo, flags, body: doc }));
      // Streamed replies answer the previous reply, as the exhaust protocol specifies.
      responseTo = requestId;
    };

    let body: Document = { ...m.body };
    for (const [id, docs] of m.sequences) {
      if (id in body) {
        send(errorReply(new SimCommandError('BadValue', `duplicate field '${id}' in the body and a document sequence`)), 0);
        return;
      }
      body[id] = docs;
    }
    if (typeof body.$db !== 'string') {
      if (!clientMoreToCome) send(errorReply(new SimCommandError('Location40571', 'OP_MSG requests require a $db argument')), 0);
      return;
    }

    let endExhaust: (() => void) | undefined;
    try {
      for (;;) {
        const result = await this.dispatcher.dispatch({ session: conn.session, body, db: body.$db as string, legacy: false, signal: conn.abort.signal });
        if (result.kind === 'garbage') {
          this.write(conn, result.bytes);
          return;
        }
        if (clientMoreToCome) return;
        const ok = (result.doc.ok as { valueOf(): unknown } | undefined)?.valueOf() === 1;
        const stream = exhaustAllowed && ok && result.spec?.exhaust?.supports(body, this.node) === true;
        send(result.doc, stream ? OpMsgFlag.moreToCome : 0);
        if (!stream || result.spec?.exhaust === undefined) return;
        endExhaust ??= this.node.exhaustHelloStarted();
        body = result.spec.exhaust.next(body, result.doc);
      }
    } finally {
      endExhaust?.();
    }
  }

  private write(conn: Connection, bytes: Uint8Array): void {
    if (conn.socket.destroyed || !conn.socket.writable) return;
    conn.socket.write(bytes);
    this.node.replySent(bytes.length);
  }

  private protocolError(conn: Connection, e: unknown): void {
    if (conn.abort.signal.aborted) return;
    this.logger.debug('simulator closed a connection', { connectionId: conn.ticket.connectionId, reason: e instanceof Error ? e.message : String(e) });
    this.drop(conn, 'close');
  }

  private drop(conn: Connection, how: 'close' | 'reset'): void {
    this.forget(conn);
    if (conn.socket.destroyed) return;
    if (how === 'reset') conn.socket.resetAndDestroy();
    else conn.socket.destroy();
  }

  private forget(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    conn.abort.abort(new Error('connection closed'));
    this.node.connectionClosed(conn.ticket);
  }
}

function closed(socket: net.Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((r) => socket.once('close', () => r()));
}
