import { BaleenError, ErrorEnvelope } from '../domain/errors';
import type { EventName, Input, MethodName, Output, Payload } from './index';

/**
 * The renderer's side of a transport: WebSocket (browser), IPC (Electron preload) or in-memory
 * (tests). Each moves opaque frames; the typed client below is the same over all three.
 */
export interface ClientTransport {
  call(id: string, channel: string, input: unknown): Promise<unknown>;
  cancel(id: string): void;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}

let seq = 0;
const nextId = () => `c${Date.now().toString(36)}${(seq++).toString(36)}`;

export class BaleenClient {
  constructor(private readonly transport: ClientTransport) {}

  async invoke<C extends MethodName>(channel: C, input: Input<C>, opts: { signal?: AbortSignal } = {}): Promise<Output<C>> {
    const { signal } = opts;
    if (signal?.aborted) throw new BaleenError('E_CANCELLED', 'Cancelled before it started.');
    const id = nextId();
    const onAbort = () => this.transport.cancel(id);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return (await this.transport.call(id, channel, input)) as Output<C>;
    } catch (e) {
      throw toBaleenError(e);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  on<E extends EventName>(event: E, listener: (payload: Payload<E>) => void): () => void {
    return this.transport.subscribe(event, listener as (p: unknown) => void);
  }
}

export function toBaleenError(e: unknown): BaleenError {
  if (e instanceof BaleenError) return e;
  const env = ErrorEnvelope.safeParse(e);
  if (env.success) return BaleenError.fromEnvelope(env.data);
  return new BaleenError('E_INTERNAL', e instanceof Error ? e.message : String(e));
}
