import type { ClientTransport } from '../../src-shared/contract/client';
import { FrameClient } from '../../src-shared/contract/frame-client';
import type { ClientFrame } from '../../src-shared/contract/wire';
import { BaleenError } from '../../src-shared/domain/errors';
import type { TransportState, TransportStateSource } from './transport-state';

/** The few things the transport needs from a WebSocket; a fake implements them in tests. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: unknown): void;
  onClose(code: number, reason: string): void;
}
export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WsTransportOptions {
  url: string;
  createSocket: SocketFactory;
  timers?: Timers;
  now?: () => number;
  /** Backoff: 1, 2, 4 … capped at 30 s (RELIABILITY "B"). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** An attempt that neither opens nor closes by then is abandoned, so nothing waits forever. */
  connectTimeoutMs?: number;
  /** A socket must stay open this long before the backoff starts again from the beginning. */
  stableMs?: number;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * The browser's transport: the frame protocol over one WebSocket at a time, reconnecting with
 * backoff. Calls made while a socket is opening wait for it; calls made while waiting to retry,
 * and calls in flight when a socket drops, fail at once with E_UNREACHABLE: a call never hangs.
 */
export class WsTransport implements ClientTransport {
  private readonly frames = new FrameClient((f) => this.send(f));
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly connectTimeoutMs: number;
  private readonly stableMs: number;
  private readonly listeners = new Set<(s: TransportState) => void>();

  private socket: SocketLike | undefined;
  /** Identity of the current attempt; handlers of an abandoned socket compare against it. */
  private attemptToken: object | undefined;
  private isOpen = false;
  private openedAt = 0;
  private queued: string[] = [];
  private attempt = 0;
  private epoch = 0;
  private retryTimer: unknown;
  private connectTimer: unknown;
  private disposed = false;
  private state: TransportState = { status: 'connecting', epoch: 0 };

  constructor(private readonly opts: WsTransportOptions) {
    this.timers = opts.timers ?? defaultTimers;
    this.now = opts.now ?? Date.now;
    this.initialDelayMs = opts.initialDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.stableMs = opts.stableMs ?? 5000;
  }

  /** Open the first socket. Separate from the constructor so tests can subscribe first. */
  start(): this {
    if (!this.socket && !this.disposed) this.connect();
    return this;
  }

  call(id: string, channel: string, input: unknown): Promise<unknown> {
    return this.frames.call(id, channel, input);
  }

  cancel(id: string): void {
    this.frames.cancel(id);
  }

  subscribe(event: string, listener: (payload: unknown) => void): () => void {
    return this.frames.subscribe(event, listener);
  }

  onStateChange(listener: (s: TransportState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** TransportStateSource: the UI's view of the connection. */
  readonly stateSource: TransportStateSource = {
    getState: () => this.state,
    subscribe: (l) => this.onStateChange(l),
  };

  /** Skip the rest of the backoff wait ("Retry now"). */
  retryNow(): void {
    if (this.disposed || this.socket) return;
    this.timers.clearTimeout(this.retryTimer);
    this.connect();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.timers.clearTimeout(this.retryTimer);
    this.timers.clearTimeout(this.connectTimer);
    const s = this.socket;
    this.socket = undefined;
    this.attemptToken = undefined;
    this.isOpen = false;
    this.queued = [];
    this.frames.close(new BaleenError('E_CANCELLED', 'The page is closing.'));
    this.setState({ status: 'closed', epoch: this.epoch, reason: 'Closed.' });
    try {
      s?.close(1000, 'bye');
    } catch {
      // Already closed.
    }
  }

  private send(frame: ClientFrame): void {
    const data = JSON.stringify(frame);
    if (this.isOpen && this.socket) {
      try {
        this.socket.send(data);
      } catch (e) {
        // Only a call has someone waiting for it; the FrameClient turns this into E_UNREACHABLE.
        if (frame.t === 'call') throw e;
      }
      return;
    }
    // Subscriptions are re-sent by resubscribe() on open; a cancel is moot once its call has failed.
    if (frame.t !== 'call') return;
    if (this.socket) {
      this.queued.push(data);
      return;
    }
    throw new BaleenError('E_UNREACHABLE', 'Not connected to Baleen; reconnecting.');
  }

  private connect(): void {
    const token = {};
    this.attemptToken = token;
    const current = () => this.attemptToken === token && !this.disposed;
    const handlers: SocketHandlers = {
      onOpen: () => {
        if (current()) this.opened();
      },
      onMessage: (data) => {
        if (current()) this.received(data);
      },
      onClose: (code, reason) => {
        if (current()) this.closed(describeClose(code, reason));
      },
    };
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(this.opts.url, handlers);
    } catch (e) {
      this.closed(`cannot open ${this.opts.url}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (!current()) return; // It failed while being created.
    this.socket = socket;
    this.connectTimer = this.timers.setTimeout(() => {
      if (!current() || this.isOpen) return;
      const s = this.socket;
      this.closed('timed out connecting');
      try {
        s?.close();
      } catch {
        // Nothing more to do with a socket we have abandoned.
      }
    }, this.connectTimeoutMs);
  }

  private opened(): void {
    this.timers.clearTimeout(this.connectTimer);
    this.isOpen = true;
    this.openedAt = this.now();
    this.epoch++;
    this.frames.resubscribe();
    const queued = this.queued;
    this.queued = [];
    for (const data of queued) this.socket?.send(data);
    this.setState({ status: 'open', epoch: this.epoch });
  }

  private received(data: unknown): void {
    if (typeof data !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return; // Not a frame; the FrameClient would drop it anyway.
    }
    this.frames.receive(parsed);
  }

  private closed(reason: string): void {
    const wasOpen = this.isOpen;
    this.timers.clearTimeout(this.connectTimer);
    this.socket = undefined;
    this.attemptToken = undefined;
    this.isOpen = false;
    this.queued = [];
    this.frames.fail(
      new BaleenError('E_UNREACHABLE', wasOpen ? `The connection to Baleen was lost (${reason}).` : `Could not connect to Baleen (${reason}).`),
    );
    if (this.disposed) return;
    // A socket that opens and drops at once (a refused token, a crash loop) must not retry every second.
    if (wasOpen && this.now() - this.openedAt >= this.stableMs) this.attempt = 0;
    const delay = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** this.attempt);
    this.attempt++;
    this.setState({ status: 'reconnecting', epoch: this.epoch, attempt: this.attempt, retryAt: this.now() + delay, reason });
    this.retryTimer = this.timers.setTimeout(() => this.connect(), delay);
  }

  private setState(s: TransportState): void {
    this.state = s;
    for (const l of [...this.listeners]) l(s);
  }
}

function describeClose(code: number, reason: string): string {
  if (reason) return `${reason} (code ${code})`;
  return code === 1006 ? 'connection closed abnormally' : `code ${code}`;
}

/** `/rpc` on the page's own origin, ws: or wss: to match the page. */
export function rpcUrl(loc: { protocol: string; host: string; search: string }): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  // If the bridge handed the page a session token in its URL, pass it on to the socket.
  const token = new URLSearchParams(loc.search).get('token');
  return `${scheme}//${loc.host}/rpc${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** The real socket, adapted to SocketLike. */
export const browserSocket: SocketFactory = (url, h) => {
  const ws = new WebSocket(url);
  ws.onopen = () => h.onOpen();
  ws.onmessage = (e: MessageEvent) => h.onMessage(e.data);
  ws.onclose = (e: CloseEvent) => h.onClose(e.code, e.reason);
  // An error is always followed by close, which carries what we report.
  ws.onerror = () => {};
  return {
    send: (d) => ws.send(d),
    close: (code, reason) => ws.close(code, reason),
  };
};
