import { BaleenClient } from '../../src-shared/contract/client';
import { createAppClient } from './create-app-client';
import { ipcTransport, preloadApiOf, type PreloadApi } from './ipc-transport';

function fakePreload() {
  const listeners = new Map<string, (p: unknown) => void>();
  const api: PreloadApi & { cancelled: string[]; invoked: unknown[][] } = {
    cancelled: [],
    invoked: [],
    invoke(channel, input, callId) {
      this.invoked.push([channel, input, callId]);
      if (channel === 'connections.add') return Promise.reject({ code: 'E_AUTH', message: 'Authentication failed (code 18)' });
      return Promise.resolve({ version: '1', startedAt: 0, dataDir: '/d', shell: 'electron' });
    },
    cancel(callId) {
      this.cancelled.push(callId);
    },
    on(event, listener) {
      listeners.set(event, listener);
      return () => listeners.delete(event);
    },
  };
  return { api, listeners };
}

describe('IPC transport', () => {
  it('passes calls, cancels and events through the preload, with errors as BaleenError', async () => {
    const { api, listeners } = fakePreload();
    const client = new BaleenClient(ipcTransport(api));
    await expect(client.invoke('app.info', {})).resolves.toMatchObject({ shell: 'electron' });
    expect(api.invoked[0]![0]).toBe('app.info');
    await expect(client.invoke('connections.add', { uri: 'mongodb://h' })).rejects.toMatchObject({ name: 'BaleenError', code: 'E_AUTH' });

    const ac = new AbortController();
    void client.invoke('app.info', {}, { signal: ac.signal });
    ac.abort();
    expect(api.cancelled).toEqual([api.invoked[2]![2]]);

    const got: unknown[] = [];
    const off = client.on('connections.changed', (p) => got.push(p));
    listeners.get('connections.changed')!({ connections: [] });
    off();
    expect(got).toEqual([{ connections: [] }]);
    expect(listeners.size).toBe(0);
  });

  it('uses window.baleen only when it has the expected shape', () => {
    expect(preloadApiOf({})).toBeUndefined();
    expect(preloadApiOf({ baleen: { invoke: 1 } })).toBeUndefined();
    const { api } = fakePreload();
    expect(preloadApiOf({ baleen: api })).toBe(api);
  });

  it('picks IPC when a preload is present: no socket, always connected', () => {
    const { api } = fakePreload();
    const win = { baleen: api, location: window.location } as unknown as Window;
    const app = createAppClient(win);
    expect(app.transport.getState()).toEqual({ status: 'open', epoch: 1 });
    expect(app.retryNow).toBeUndefined();
  });
});
