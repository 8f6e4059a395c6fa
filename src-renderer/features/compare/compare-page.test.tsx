import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { MetricsQueryInput, MetricsQueryResult } from '../../../src-shared/contract';
import { connectionSummary, nodeSummary, renderWithApp } from '../../app/test-harness';
import { FakeTransport } from '../../client/fake-transport';
import { ComparePage } from './index';

const NOW = 1_700_000_900_000;
const A = nodeSummary({ hostPort: 'a.one:27017', deployment: 'one' });
const B = nodeSummary({ hostPort: 'b.two:27017', deployment: 'two' });

const history = (input: MetricsQueryInput): MetricsQueryResult => ({
  entity: input.entity,
  from: input.from,
  to: input.to,
  series: input.metrics.map((metric) => ({ metric, unit: '', kind: 'gauge' as const, points: [[NOW - 1000, input.entity.includes('a.one') ? 1 : 2]], unavailable: null })),
  gaps: [],
  resets: [],
});

describe('Compare page', () => {
  it('puts one metric of several nodes on one chart, and follows the choice of metric and nodes', async () => {
    const fake = new FakeTransport()
      .handle('connections.list', () => [connectionSummary({ id: 'one', nodes: [A] }), connectionSummary({ id: 'two', nodes: [B] })])
      .handle('metrics.query', (i) => history(i as MetricsQueryInput));
    renderWithApp(<ComparePage now={() => NOW} />, { fake });
    const chart = await screen.findByTestId('chart-compare');
    await waitFor(() => expect(chart.getAttribute('data-last-values')).toBe(`serverStatus.opcounters.query@${A.id}=1 serverStatus.opcounters.query@${B.id}=2`));
    await userEvent.selectOptions(screen.getByLabelText('Metric'), 'latency|derived.latency.reads');
    await waitFor(() => expect(screen.getByTestId('chart-compare').getAttribute('data-last-values')).toContain(`derived.latency.reads@${B.id}=2`));
    await userEvent.click(screen.getByRole('checkbox', { name: /b\.two:27017/ }));
    await waitFor(() => expect(screen.getByTestId('chart-compare').getAttribute('data-last-values')).toBe(`derived.latency.reads@${A.id}=1`));
  });
});
