import { StrictMode } from 'react';
import { ClientProvider, type AppClient } from '../client';
import { ChartEnvironmentProvider, type ChartEnvironment } from '../components/chart-environment';
import { ConnectionsProvider } from '../features/connections';
import { AppShell } from './app-shell';

export interface AppProps {
  client: AppClient;
  /** Tests render charts as SVG at a fixed size; the app uses canvas. */
  charts?: ChartEnvironment;
}

export function App({ client, charts = { renderer: 'canvas' } }: AppProps) {
  return (
    <StrictMode>
      <ClientProvider value={client}>
        <ChartEnvironmentProvider value={charts}>
          <ConnectionsProvider>
            <AppShell />
          </ConnectionsProvider>
        </ChartEnvironmentProvider>
      </ClientProvider>
    </StrictMode>
  );
}
