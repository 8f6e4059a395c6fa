import { EVENT_NAMES, METHOD_NAMES } from '../src-shared/contract';
import { FrameClient } from '../src-shared/contract/frame-client';
import { BaleenError, type ErrorEnvelope } from '../src-shared/domain/errors';

/**
 * What the preload exposes as `window.baleen`: exactly {invoke, cancel, on}, restricted to the
 * contract's channels. Rejections are plain `{code, message, details}` objects because Error subclasses
 * do not survive the context bridge.
 */
export const IPC_CHANNEL = 'baleen:rpc';

export interface IpcRendererLike {
  send(channel: string, payload: unknown): void;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

export interface BaleenBridgeApi {
  invoke(channel: string, input: unknown, callId?: string): Promise<unknown>;
  cancel(callId: string): void;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

const METHODS = new Set<string>(METHOD_NAMES);
const EVENTS = new Set<string>(EVENT_NAMES);

const envelope = (e: unknown): ErrorEnvelope =>
  e instanceof BaleenError ? e.toEnvelope() : { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) };

export function createPreloadApi(ipc: IpcRendererLike): BaleenBridgeApi {
  const frames = new FrameClient((f) => ipc.send(IPC_CHANNEL, f));
  ipc.on(IPC_CHANNEL, (_event, payload) => frames.receive(payload));
  let seq = 0;
  return Object.freeze({
    invoke(channel: string, input: unknown, callId?: string) {
      if (typeof channel !== 'string' || !METHODS.has(channel)) return Promise.reject(envelope(new BaleenError('E_INVALID_INPUT', `Unknown method "${String(channel)}".`)));
      const id = typeof callId === 'string' && callId.length > 0 && callId.length <= 64 ? callId : `p${Date.now().toString(36)}${(seq++).toString(36)}`;
      return frames.call(id, channel, input).catch((e: unknown) => Promise.reject(envelope(e)));
    },
    cancel(callId: string) {
      if (typeof callId === 'string') frames.cancel(callId);
    },
    on(event: string, listener: (payload: unknown) => void) {
      if (typeof event !== 'string' || !EVENTS.has(event)) throw new Error(`Unknown event "${String(event)}".`);
      if (typeof listener !== 'function') throw new Error('listener must be a function');
      return frames.subscribe(event, listener);
    },
  });
}
