import type { z } from 'zod';
import {
  CONTRACT,
  ClientFrame,
  isEventName,
  isMethodName,
  type EventName,
  type MethodName,
  type OutputIn,
  type ParsedInput,
  type ServerFrame,
} from '../../src-shared/contract';
import { BaleenError, type ErrorEnvelope } from '../../src-shared/domain/errors';
import type { EventBus } from '../core/events';
import type { Logger } from '../core/ports/logger';

export interface CallContext {
  signal: AbortSignal;
  session: SessionInfo;
}
export interface SessionInfo {
  transport: 'ws' | 'ipc' | 'memory';
  /** Where the caller lives (the page origin); for audit records. */
  origin: string;
}

export type Handler<C extends MethodName> = (input: ParsedInput<C>, ctx: CallContext) => Promise<OutputIn<C>> | OutputIn<C>;
export type Handlers = { [C in MethodName]: Handler<C> };

/** Largest number of calls one session may have in flight; more are refused, not queued. */
const MAX_IN_FLIGHT = 256;

function issuesOf(error: z.ZodError) {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/**
 * Channel → handler, with the contract enforced on both sides: input is parsed (E_INVALID_INPUT),
 * output is checked (a bad output is our bug: E_INTERNAL, logged), errors cross as envelopes.
 * Every transport opens a Session and feeds it frames; closing a session aborts its calls.
 */
export class Dispatcher {
  private readonly subscribers = new Map<EventName, Set<Session>>();
  private readonly busOff = new Map<EventName, () => void>();

  constructor(
    private readonly handlers: Handlers,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  openSession(send: (frame: ServerFrame) => void, info: SessionInfo): Session {
    return new Session(this, send, info);
  }

  /** Run one call through validation; never throws, always an ok result or an envelope. */
  async run(channel: string, rawInput: unknown, ctx: CallContext): Promise<{ ok: true; out: unknown } | { ok: false; err: ErrorEnvelope }> {
    if (!isMethodName(channel)) return { ok: false, err: { code: 'E_INVALID_INPUT', message: `Unknown method "${channel}".` } };
    const def = CONTRACT.methods[channel];
    const input = def.input.safeParse(rawInput ?? {});
    if (!input.success) {
      return {
        ok: false,
        err: { code: 'E_INVALID_INPUT', message: `Invalid input for ${channel}: ${input.error.issues[0]?.message ?? 'schema mismatch'}`, details: { issues: issuesOf(input.error) } },
      };
    }
    try {
      const handler = this.handlers[channel] as (i: unknown, c: CallContext) => Promise<unknown> | unknown;
      const result = await handler(input.data, ctx);
      if (ctx.signal.aborted) return { ok: false, err: { code: 'E_CANCELLED', message: 'Cancelled.' } };
      const out = def.output.safeParse(result);
      if (!out.success) {
        this.log.error('handler output failed its schema', { channel, issues: issuesOf(out.error) });
        return { ok: false, err: { code: 'E_INTERNAL', message: `Baleen produced an invalid answer for ${channel}; this is a bug.` } };
      }
      return { ok: true, out: out.data };
    } catch (e) {
      return { ok: false, err: this.toEnvelope(e, channel, ctx.signal) };
    }
  }

  private toEnvelope(e: unknown, channel: string, signal: AbortSignal): ErrorEnvelope {
    if (e instanceof BaleenError) return e.toEnvelope();
    if (signal.aborted) return { code: 'E_CANCELLED', message: 'Cancelled.' };
    this.log.error('handler threw', { channel, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return { code: 'E_INTERNAL', message: `Unexpected error in ${channel}. See Baleen's log for details.` };
  }

  subscribe(event: string, session: Session): boolean {
    if (!isEventName(event)) return false;
    let set = this.subscribers.get(event);
    if (!set) {
      set = new Set();
      this.subscribers.set(event, set);
      const schema = CONTRACT.events[event] as z.ZodType;
      this.busOff.set(
        event,
        this.bus.on(event, (payload) => {
          const parsed = schema.safeParse(payload);
          if (!parsed.success) {
            this.log.error('event payload failed its schema', { event, issues: issuesOf(parsed.error) });
            return;
          }
          for (const s of this.subscribers.get(event) ?? []) s.deliver(event, parsed.data);
        }),
      );
    }
    set.add(session);
    return true;
  }

  unsubscribe(event: string, session: Session): void {
    if (!isEventName(event)) return;
    const set = this.subscribers.get(event);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) {
      this.subscribers.delete(event);
      this.busOff.get(event)?.();
      this.busOff.delete(event);
    }
  }
}

export class Session {
  private readonly inFlight = new Map<string, AbortController>();
  private readonly events = new Set<string>();
  private closed = false;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly send: (frame: ServerFrame) => void,
    readonly info: SessionInfo,
  ) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Feed one frame from the client (already JSON-decoded, not yet validated). */
  receive(raw: unknown): void {
    if (this.closed) return;
    const parsed = ClientFrame.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : undefined;
      if (id !== undefined && id.length <= 64) this.reply({ t: 'error', id, err: { code: 'E_INVALID_INPUT', message: 'Malformed frame.' } });
      return;
    }
    const f = parsed.data;
    switch (f.t) {
      case 'call':
        void this.call(f.id, f.ch, f.in);
        return;
      case 'cancel':
        this.inFlight.get(f.id)?.abort(new BaleenError('E_CANCELLED', 'Cancelled by the caller.'));
        return;
      case 'sub':
        if (this.dispatcher.subscribe(f.ch, this)) this.events.add(f.ch);
        return;
      case 'unsub':
        this.events.delete(f.ch);
        this.dispatcher.unsubscribe(f.ch, this);
        return;
    }
  }

  private async call(id: string, ch: string, input: unknown): Promise<void> {
    if (this.inFlight.has(id)) return this.reply({ t: 'error', id, err: { code: 'E_INVALID_INPUT', message: `Call id ${id} is already in flight.` } });
    if (this.inFlight.size >= MAX_IN_FLIGHT) return this.reply({ t: 'error', id, err: { code: 'E_CONFLICT', message: 'Too many calls in flight.' } });
    const ac = new AbortController();
    this.inFlight.set(id, ac);
    const r = await this.dispatcher.run(ch, input, { signal: ac.signal, session: this.info });
    this.inFlight.delete(id);
    this.reply(r.ok ? { t: 'result', id, out: r.out } : { t: 'error', id, err: r.err });
  }

  deliver(event: string, payload: unknown): void {
    this.reply({ t: 'event', ch: event, payload });
  }

  private reply(frame: ServerFrame): void {
    if (this.closed) return;
    try {
      this.send(frame);
    } catch {
      // The transport is gone; close() will follow from it.
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ac of this.inFlight.values()) ac.abort(new BaleenError('E_CANCELLED', 'The caller went away.'));
    this.inFlight.clear();
    for (const e of this.events) this.dispatcher.unsubscribe(e, this);
    this.events.clear();
  }
}
