import type { ClientTransport } from '../../src-shared/contract/client';

/** What the Electron preload exposes as `window.baleen` (src-preload, contextBridge). */
export interface PreloadApi {
  invoke(channel: string, input: unknown, callId: string): Promise<unknown>;
  cancel(callId: string): void;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** `window.baleen` when a preload put a usable one there; never trusts its shape blindly. */
export function preloadApiOf(win: object): PreloadApi | undefined {
  const api = (win as { baleen?: unknown }).baleen;
  if (typeof api !== 'object' || api === null) return undefined;
  const { invoke, cancel, on } = api as Record<string, unknown>;
  return typeof invoke === 'function' && typeof cancel === 'function' && typeof on === 'function' ? (api as PreloadApi) : undefined;
}

/** Electron IPC as a ClientTransport. Errors arrive as envelopes; BaleenClient turns them back into BaleenError. */
export function ipcTransport(api: PreloadApi): ClientTransport {
  return {
    call: (id, channel, input) => api.invoke(channel, input, id),
    cancel: (id) => api.cancel(id),
    subscribe: (event, listener) => api.on(event, listener),
  };
}
