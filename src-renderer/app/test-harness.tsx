// Test support (not part of the bundle): the app's providers around a fake transport.
import { render } from '@testing-library/react';
import { setPlatformAPI, use as registerEcharts } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { ReactNode } from 'react';
import type { ConnectionSummary, NodeSummary } from '../../src-shared/contract';
import type { NodeId } from '../../src-shared/domain/identity';
import { ClientProvider } from '../client';
import { FakeTransport, fakeAppClient } from '../client/fake-transport';
import type { TransportStateSource } from '../client/transport-state';
import { ChartEnvironmentProvider } from '../components/chart-environment';
import { ConnectionsProvider } from '../features/connections';

// jsdom has no canvas: tests draw SVG (ENV-NOTES §8).
registerEcharts([SVGRenderer]);
// Nor text metrics: a fixed-width estimate keeps layout working without canvas warnings.
setPlatformAPI({ measureText: (text = '', font = '') => ({ width: text.length * (Number(/(\d+)px/.exec(font)?.[1]) || 12) * 0.6 }) });
export const SVG_CHARTS = { renderer: 'svg', width: 600, height: 300 } as const;

export function renderWithApp(ui: ReactNode, opts: { fake?: FakeTransport; transport?: TransportStateSource } = {}) {
  const fake = opts.fake ?? new FakeTransport();
  const app = fakeAppClient(fake, opts.transport);
  const utils = render(
    <ClientProvider value={app}>
      <ChartEnvironmentProvider value={SVG_CHARTS}>
        <ConnectionsProvider>{ui}</ConnectionsProvider>
      </ChartEnvironmentProvider>
    </ClientProvider>,
  );
  return { ...utils, fake, app };
}

export function nodeSummary(over: Partial<NodeSummary> & { hostPort: string }): NodeSummary {
  const deployment = over.deployment ?? 'local';
  return {
    id: `${deployment}/${over.hostPort}` as NodeId,
    connectionId: 'c1',
    deployment,
    aliases: [],
    version: '7.0.12',
    server: 'mongod',
    setName: null,
    status: { state: 'monitoring', since: Date.now() - 60_000 },
    ...over,
  };
}

export function connectionSummary(over: Partial<ConnectionSummary> & { id: string; nodes: NodeSummary[] }): ConnectionSummary {
  return { name: over.id, uri: 'mongodb://localhost:27017', createdAt: 0, ...over };
}
