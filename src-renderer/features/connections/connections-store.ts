import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ConnectionSummary, NodeSummary } from '../../../src-shared/contract';
import { toBaleenError, type BaleenClient } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';

export type ListState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; connections: ConnectionSummary[] }
  | { status: 'error'; error: BaleenError };

export interface ConnectionsState {
  list: ListState;
  /** Fetch the list; a `connections.changed` that lands meanwhile wins, being newer. */
  load(): Promise<void>;
  /** Follow `connections.changed`; returns the unsubscribe. */
  attach(): () => void;
  /** Fold in a result the user's own action returned, before its event arrives. */
  upsert(c: ConnectionSummary): void;
  removeLocal(id: string): void;
  upsertNode(n: NodeSummary): void;
}

export type ConnectionsStore = StoreApi<ConnectionsState>;

export function createConnectionsStore(client: BaleenClient): ConnectionsStore {
  let eventSeq = 0;
  let loadSeq = 0;
  const ready = (connections: ConnectionSummary[]): ListState => ({ status: 'ready', connections });
  const current = (s: ConnectionsState) => (s.list.status === 'ready' ? s.list.connections : []);

  return createStore<ConnectionsState>()((set, get) => ({
    list: { status: 'idle' },

    async load() {
      const seenEvents = eventSeq;
      const mine = ++loadSeq;
      if (get().list.status !== 'ready') set({ list: { status: 'loading' } });
      try {
        const connections = await client.invoke('connections.list', {});
        if (mine !== loadSeq || eventSeq !== seenEvents) return;
        set({ list: ready(connections) });
      } catch (e) {
        if (mine !== loadSeq || eventSeq !== seenEvents) return;
        // A list already on screen stays: a failed refresh is not a reason to blank it.
        if (get().list.status !== 'ready') set({ list: { status: 'error', error: toBaleenError(e) } });
      }
    },

    attach() {
      return client.on('connections.changed', ({ connections }) => {
        eventSeq++;
        set({ list: ready(connections) });
      });
    },

    upsert(c) {
      const list = current(get());
      const i = list.findIndex((x) => x.id === c.id);
      set({ list: ready(i < 0 ? [...list, c] : list.map((x) => (x.id === c.id ? c : x))) });
    },

    removeLocal(id) {
      set({ list: ready(current(get()).filter((c) => c.id !== id)) });
    },

    upsertNode(n) {
      set({
        list: ready(
          current(get()).map((c) => (c.id !== n.connectionId ? c : { ...c, nodes: c.nodes.map((x) => (x.id === n.id ? n : x)) })),
        ),
      });
    },
  }));
}
