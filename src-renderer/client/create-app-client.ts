import { BaleenClient } from '../../src-shared/contract/client';
import { ipcTransport, preloadApiOf } from './ipc-transport';
import { ALWAYS_OPEN, type TransportStateSource } from './transport-state';
import { browserSocket, rpcUrl, WsTransport } from './ws-transport';

export interface AppClient {
  client: BaleenClient;
  transport: TransportStateSource;
  /** "Retry now" while reconnecting; absent where there is nothing to reconnect (IPC). */
  retryNow?: () => void;
  dispose(): void;
}

/** Electron's preload if there is one, else the loopback WebSocket bridge of the page's own origin. */
export function createAppClient(win: Window = window): AppClient {
  const api = preloadApiOf(win);
  if (api) return { client: new BaleenClient(ipcTransport(api)), transport: ALWAYS_OPEN, dispose: () => {} };
  const ws = new WsTransport({ url: rpcUrl(win.location), createSocket: browserSocket }).start();
  return {
    client: new BaleenClient(ws),
    transport: ws.stateSource,
    retryNow: () => ws.retryNow(),
    dispose: () => ws.dispose(),
  };
}
