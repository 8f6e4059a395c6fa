import WebSocket from 'ws';
import { BaleenClient } from '../../src-shared/contract/client';
import { FrameClient } from '../../src-shared/contract/frame-client';
import { BaleenError } from '../../src-shared/domain/errors';
import { startBridge } from '../../src-main/bridge';
import { silentLogger } from '../../src-main/core/ports/logger';
import { memoryTransport, type Dispatcher } from '../../src-main/rpc';

export interface Connected {
  client: BaleenClient;
  close(): Promise<void>;
}

/** A Node WebSocket client for the bridge, speaking the same frames as the browser. */
export async function wsClient(url: string, headers: Record<string, string> = {}): Promise<Connected & { frames: FrameClient }> {
  const ws = new WebSocket(url, { headers });
  const frames = new FrameClient((f) => ws.send(JSON.stringify(f)));
  ws.on('message', (d) => frames.receive(JSON.parse(d.toString())));
  ws.on('close', () => frames.close(new BaleenError('E_UNREACHABLE', 'closed')));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return {
    client: new BaleenClient(frames),
    frames,
    close: () =>
      new Promise<void>((r) => {
        if (ws.readyState === ws.CLOSED) return r();
        ws.once('close', () => r());
        ws.close();
      }),
  };
}

/** Every transport the contract travels over, for suites that must hold on all of them. */
export const TRANSPORTS: { name: string; connect(d: Dispatcher): Promise<Connected> }[] = [
  {
    name: 'memory',
    async connect(d) {
      const t = memoryTransport(d);
      return { client: new BaleenClient(t), close: async () => t.dispose() };
    },
  },
  {
    name: 'websocket bridge',
    async connect(d) {
      const bridge = await startBridge({ dispatcher: d, staticDir: null, log: silentLogger });
      const c = await wsClient(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`);
      return {
        client: c.client,
        async close() {
          await c.close();
          await bridge.close();
        },
      };
    },
  },
];
