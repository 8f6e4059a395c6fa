import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { MetricsQueryInput, MetricsQueryResult } from '../../../src-shared/contract';
import { connectionSummary, nodeSummary, renderWithApp } from '../../app/test-harness';
import { FakeTransport } from '../../client/fake-transport';
import { ClusterPage } from './index';

const NOW = 1_700_000_900_000;
const NODES = ['a.rs:27017', 'b.rs:27017'].map((hostPort) => nodeSummary({ hostPort, deployment: 'rs0', setName: 'rs0' }));

function history(input: MetricsQueryInput): MetricsQueryResult {
  const host = input.entity.slice(input.entity.indexOf('/') + 1);
  return {
    entity: input.entity,
    from: input.from,
    to: input.to,
    series: input.metrics.map((metric) => ({ metric, unit: '', kind: 'gauge' as const, points: [[NOW - 1000, host.startsWith('a') ? 10 : 20]], unavailable: null })),
    gaps: [],
    resets: [],
  };
}

describe('Cluster page', () => {
  it('shows each chart once per member, side by side, and asks each member for its own series over the chosen range', async () => {
    const fake = new FakeTransport().handle('connections.list', () => [connectionSummary({ id: 'rs0', name: 'rs0', nodes: NODES })]).handle('metrics.query', (i) => history(i as MetricsQueryInput));
    renderWithApp(<ClusterPage connectionId="rs0" now={() => NOW} />, { fake });
    const a = await screen.findByTestId('chart-ops-a.rs:27017');
    const b = screen.getByTestId('chart-ops-b.rs:27017');
    await waitFor(() => expect(a.getAttribute('data-last-values')).toContain('serverStatus.opcounters.insert=10'));
    expect(b.getAttribute('data-last-values')).toContain('serverStatus.opcounters.insert=20');
    await userEvent.click(screen.getByRole('button', { name: 'Cache usage' }));
    expect(await screen.findByTestId('chart-cache-percent-b.rs:27017')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('radio', { name: '6 h' }));
    await waitFor(() => {
      const last = (fake.callsTo('metrics.query') as MetricsQueryInput[]).at(-1)!;
      expect(last.to - last.from).toBe(6 * 3_600_000);
      expect(last.maxPoints).toBe(600);
    });
  });
});
