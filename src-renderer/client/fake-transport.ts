import { BaleenClient, type ClientTransport } from '../../src-shared/contract/client';
import type { EventName, Input, MethodName, Output, Payload } from '../../src-shared/contract';
import { BaleenError } from '../../src-shared/domain/errors';
import type { AppClient } from './create-app-client';
import { ALWAYS_OPEN, type TransportState, type TransportStateSource } from './transport-state';

type Handler<C extends MethodName> = (input: Input<C>, signal: AbortSignal) => Output<C> | Promise<Output<C>>;

/**
 * An in-memory ClientTransport for tests: handlers per channel, an event emitter, and a record of
 * calls and cancels. Results and payloads are cloned, as they would be on any real wire.
 */
export class FakeTransport implements ClientTransport {
  readonly calls: { id: string; channel: string; input: unknown }[] = [];
  readonly cancelled: string[] = [];
  private readonly handlers = new Map<string, Handler<MethodName>>();
  private readonly inFlight = new Map<string, AbortController>();
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();

  handle<C extends MethodName>(channel: C, fn: Handler<C>): this {
    this.handlers.set(channel, fn as unknown as Handler<MethodName>);
    return this;
  }

  async call(id: string, channel: string, input: unknown): Promise<unknown> {
    this.calls.push({ id, channel, input: structuredClone(input) });
    const h = this.handlers.get(channel);
    if (!h) throw { code: 'E_INTERNAL', message: `The fake has no handler for ${channel}.` };
    const ac = new AbortController();
    this.inFlight.set(id, ac);
    try {
      return structuredClone(await h(input as Input<MethodName>, ac.signal));
    } catch (e) {
      // Errors cross the wire as envelopes, never as live objects.
      throw e instanceof BaleenError ? e.toEnvelope() : { code: 'E_INTERNAL', message: String(e) };
    } finally {
      this.inFlight.delete(id);
    }
  }

  cancel(id: string): void {
    this.cancelled.push(id);
    this.inFlight.get(id)?.abort(new BaleenError('E_CANCELLED', 'Cancelled by the caller.'));
  }

  subscribe(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<E extends EventName>(event: E, payload: Payload<E>): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) l(structuredClone(payload));
  }

  listenerCount(event: EventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  callsTo(channel: MethodName): unknown[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.input);
  }
}

/** A settable transport state, to drive the reconnect banner in tests. */
export class FakeTransportState implements TransportStateSource {
  private state: TransportState = { status: 'open', epoch: 1 };
  private readonly listeners = new Set<(s: TransportState) => void>();
  getState = (): TransportState => this.state;
  subscribe = (l: (s: TransportState) => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  set(s: TransportState): void {
    this.state = s;
    for (const l of [...this.listeners]) l(s);
  }
}

export function fakeAppClient(fake = new FakeTransport(), transport: TransportStateSource = ALWAYS_OPEN): AppClient & { fake: FakeTransport } {
  return { client: new BaleenClient(fake), transport, fake, dispose: () => {} };
}
