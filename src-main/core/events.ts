import type { EventName, Payload } from '../../src-shared/contract';

type Listener<E extends EventName> = (payload: Payload<E>) => void;

/** The core's typed event bus. Payloads are validated once, at the rpc boundary, before they leave. */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<(p: never) => void>>();

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (p: never) => void);
    return () => set.delete(listener as (p: never) => void);
  }

  emit<E extends EventName>(event: E, payload: Payload<E>): void {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        (l as Listener<E>)(payload);
      } catch {
        // A listener's failure must not stop the others or the emitter.
      }
    }
  }

  listenerCount(event: EventName): number {
    return this.listeners.get(event)?.size ?? 0;
  }
}
