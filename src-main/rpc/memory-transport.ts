import { FrameClient } from '../../src-shared/contract/frame-client';
import type { Dispatcher } from './dispatcher';

/** In-process transport: the same frames as the bridge and IPC, without a socket (tests, CLI). */
export function memoryTransport(dispatcher: Dispatcher): FrameClient & { dispose(): void } {
  // Frames are structured-cloned so neither side can share mutable objects with the other.
  const client = new FrameClient((f) => queueMicrotask(() => session.receive(structuredClone(f))));
  const session = dispatcher.openSession((f) => queueMicrotask(() => client.receive(structuredClone(f))), { transport: 'memory', origin: 'memory:' });
  return Object.assign(client, {
    dispose() {
      session.close();
      client.close();
    },
  });
}
