import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { BaleenClient } from '../../src-shared/contract/client';
import type { AppClient } from './create-app-client';
import type { TransportState } from './transport-state';

const Ctx = createContext<AppClient | null>(null);

export function ClientProvider({ value, children }: { value: AppClient; children: ReactNode }) {
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

function useAppClient(): AppClient {
  const v = useContext(Ctx);
  if (!v) throw new Error('useClient() outside <ClientProvider>: wrap the app (or the test) in one.');
  return v;
}

export function useClient(): BaleenClient {
  return useAppClient().client;
}

export function useTransportState(): TransportState {
  const { transport } = useAppClient();
  return useSyncExternalStore(transport.subscribe, transport.getState, transport.getState);
}

export function useRetryNow(): (() => void) | undefined {
  return useAppClient().retryNow;
}
