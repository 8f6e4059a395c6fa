import { BaleenError } from '../domain/errors';
import type { ClientTransport } from './client';
import { ServerFrame, type ClientFrame } from './wire';

/**
 * Client half of the frame protocol, shared by the WebSocket transport, the Electron preload and
 * the in-memory transport: pending calls by id, event listeners by channel.
 */
export class FrameClient implements ClientTransport {
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  private closedReason: BaleenError | undefined;

  constructor(private readonly send: (frame: ClientFrame) => void) {}

  call(id: string, ch: string, input: unknown): Promise<unknown> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.send({ t: 'call', id, ch, in: input });
      } catch (e) {
        this.pending.delete(id);
        reject(new BaleenError('E_UNREACHABLE', `Could not reach Baleen's core: ${String(e)}`));
      }
    });
  }

  cancel(id: string): void {
    if (this.pending.has(id) && !this.closedReason) this.send({ t: 'cancel', id });
  }

  subscribe(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
      if (!this.closedReason) this.send({ t: 'sub', ch: event });
    }
    set.add(listener);
    return () => {
      const s = this.listeners.get(event);
      if (!s?.delete(listener) || s.size > 0) return;
      this.listeners.delete(event);
      if (!this.closedReason) this.send({ t: 'unsub', ch: event });
    };
  }

  /** Feed one frame from the server. Malformed frames are ignored: the server is trusted but not blindly. */
  receive(raw: unknown): void {
    const parsed = ServerFrame.safeParse(raw);
    if (!parsed.success) return;
    const f = parsed.data;
    if (f.t === 'event') {
      for (const l of this.listeners.get(f.ch) ?? []) l(f.payload);
      return;
    }
    const p = this.pending.get(f.id);
    if (!p) return;
    this.pending.delete(f.id);
    if (f.t === 'result') p.resolve(f.out);
    else p.reject(BaleenError.fromEnvelope(f.err));
  }

  /** Re-send subscriptions after a reconnect. */
  resubscribe(): void {
    for (const ch of this.listeners.keys()) this.send({ t: 'sub', ch });
  }

  /** The connection is gone: every pending call fails now rather than hanging. */
  fail(reason: BaleenError): void {
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
  }

  close(reason = new BaleenError('E_UNREACHABLE', 'The connection to Baleen was closed.')): void {
    this.closedReason = reason;
    this.fail(reason);
  }
}
