import { screen, waitFor, within } from '@testing-library/react';
import type { MetricsQueryInput, MetricsQueryResult, ReplicationSnapshot } from '../../../src-shared/contract';
import type { NodeId } from '../../../src-shared/domain/identity';
import { connectionSummary, nodeSummary, renderWithApp } from '../../app/test-harness';
import { FakeTransport } from '../../client/fake-transport';
import { ReplicationPage } from './index';

const NOW = 1_700_000_900_000;
const now = () => NOW;
const names = ['a.rs:27017', 'b.rs:27017', 'c.rs:27017'];
const NODES = names.map((hostPort) => nodeSummary({ hostPort, deployment: 'rs0', setName: 'rs0' }));

/** a is primary until an election at NOW-5s makes b primary; c lags 4 s all along. */
function history(input: MetricsQueryInput): MetricsQueryResult {
  const host = input.entity.slice(input.entity.indexOf('/') + 1);
  const ts = Array.from({ length: 10 }, (_, i) => NOW - 10_000 + i * 1000);
  const series = input.metrics.map((metric) => {
    let points: [number, number | null][] = [];
    if (metric === 'replSetGetStatus.lagMs') points = host === 'a.rs:27017' ? [] : ts.map((t) => [t, host === 'c.rs:27017' ? 4000 : 0]);
    if (metric === 'replSetGetStatus.myState') points = ts.map((t) => [t, host === 'a.rs:27017' ? (t < NOW - 5000 ? 1 : 2) : host === 'b.rs:27017' ? (t < NOW - 5000 ? 2 : 1) : 2]);
    if (metric === 'replSetGetStatus.term') points = ts.map((t) => [t, t < NOW - 5000 ? 1 : 2]);
    if (metric === 'oplog.windowSecs') points = [[NOW - 5000, 93_600]];
    return { metric, unit: '', kind: 'gauge' as const, points, unavailable: null };
  });
  return { entity: input.entity, from: input.from, to: input.to, series, gaps: [], resets: [] };
}

const snapshot = (nodeId: NodeId): ReplicationSnapshot => ({
  nodeId,
  at: NOW,
  set: 'rs0',
  term: 2,
  myState: 2,
  oplogWindowSecs: 93_600,
  members: [
    { name: names[0]!, state: 2, stateStr: 'SECONDARY', health: 1, self: false, optimeMs: NOW, lagMs: 0, syncSource: names[1]! },
    { name: names[1]!, state: 1, stateStr: 'PRIMARY', health: 1, self: false, optimeMs: NOW, lagMs: null, syncSource: null },
    { name: names[2]!, state: 2, stateStr: 'SECONDARY', health: 1, self: true, optimeMs: NOW - 4000, lagMs: 4000, syncSource: names[1]! },
  ],
});

describe('Replication page', () => {
  it('charts lag per secondary, member states with the election marked, the oplog window, and the set', async () => {
    const fake = new FakeTransport()
      .handle('connections.list', () => [connectionSummary({ id: 'rs0', name: 'rs0', nodes: NODES })])
      .handle('metrics.query', (i) => history(i as MetricsQueryInput))
      .handle('metrics.replication', (i) => snapshot((i as { nodeId: NodeId }).nodeId));
    renderWithApp(<ReplicationPage connectionId="rs0" now={now} />, { fake });
    const lag = await screen.findByTestId('chart-repl-lag');
    await waitFor(() => expect(lag.getAttribute('data-last-values')).toContain('replSetGetStatus.lagMs@c.rs:27017=4000'));
    expect(lag.getAttribute('data-last-values')).not.toContain('@a.rs:27017');
    const states = screen.getByTestId('chart-member-states');
    expect(states).toHaveAttribute('data-markers', '1');
    expect(states).toHaveAccessibleName(/b\.rs:27017 PRIMARY/);
    expect(screen.getByTestId('chart-oplog-window')).toHaveAccessibleName(/26 h/);
    const table = await screen.findByTestId('members-table');
    expect(within(table).getByText(/term 2, oplog window 26 h/)).toBeInTheDocument();
    expect(table.querySelector('[data-member="c.rs:27017"]')).toHaveTextContent('4 s');
    expect(table.querySelector('[data-member="b.rs:27017"]')).toHaveAttribute('data-state', 'PRIMARY');
  });
});
