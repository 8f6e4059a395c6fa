import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { ConnectionSummary, NodeSummary } from '../../../src-shared/contract';
import { useClient, useTransportState } from '../../client';
import { createConnectionsStore, type ConnectionsState, type ConnectionsStore, type ListState } from './connections-store';
import { SshPromptDialog } from './ssh-prompt-dialog';

const Ctx = createContext<ConnectionsStore | null>(null);

/**
 * Owns the app-wide connections store: follows `connections.changed`, reloads after a reconnect, and
 * shows SSH keyboard-interactive prompts.
 */
export function ConnectionsProvider({ children }: { children: ReactNode }) {
  const client = useClient();
  const store = useMemo(() => createConnectionsStore(client), [client]);
  const { epoch } = useTransportState();

  useEffect(() => store.getState().attach(), [store]);
  useEffect(() => {
    // Events sent while we were disconnected are lost: fetch the whole list on every (re)connect.
    if (epoch > 0) void store.getState().load();
  }, [store, epoch]);

  // SSH one-time-password prompts can come from any connection, whatever page is open.
  return (
    <Ctx.Provider value={store}>
      {children}
      <SshPromptDialog />
    </Ctx.Provider>
  );
}

function useConnectionsStore<T>(selector: (s: ConnectionsState) => T): T {
  const store = useContext(Ctx);
  if (!store) throw new Error('Wrap the app (or the test) in <ConnectionsProvider>.');
  return useStore(store, selector);
}

export const useConnectionList = (): ListState => useConnectionsStore((s) => s.list);

export function useConnectionActions() {
  const upsert = useConnectionsStore((s) => s.upsert);
  const removeLocal = useConnectionsStore((s) => s.removeLocal);
  const upsertNode = useConnectionsStore((s) => s.upsertNode);
  const load = useConnectionsStore((s) => s.load);
  return { upsert, removeLocal, upsertNode, load };
}

export interface NodeEntry {
  node: NodeSummary;
  connection: ConnectionSummary;
}

/** Every node of every connection, in list order. */
export function allNodes(list: ListState): NodeEntry[] {
  if (list.status !== 'ready') return [];
  return list.connections.flatMap((connection) => connection.nodes.map((node) => ({ node, connection })));
}

/** A node by id: `undefined` while the list loads, `null` once it is known not to exist. */
export function useNodeEntry(nodeId: string): NodeEntry | null | undefined {
  const list = useConnectionList();
  if (list.status !== 'ready') return undefined;
  return allNodes(list).find((e) => e.node.id === nodeId) ?? null;
}
