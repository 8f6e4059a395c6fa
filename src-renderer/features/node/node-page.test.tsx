import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { MetricsQueryInput, MetricsQueryResult } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import { connectionSummary, nodeSummary, renderWithApp } from '../../app/test-harness';
import { FakeTransport } from '../../client/fake-transport';
import { NodePage } from './index';

const NODE = nodeSummary({ hostPort: 'a.example:27017', deployment: 'rs0', setName: 'rs0' });
const ENTITY = `node:${NODE.id}`;
const NOW = 1_700_000_900_000;
const now = () => NOW;
const OPS = ['insert', 'query', 'update', 'delete', 'getmore', 'command'].map((o) => `serverStatus.opcounters.${o}`);
const FERRET = 'FerretDB does not report serverStatus.mem';

/** Ten seconds of history for every metric; resident memory is not reported (as on FerretDB). */
function backfill(input: MetricsQueryInput): MetricsQueryResult {
  return {
    entity: input.entity,
    from: input.from,
    to: input.to,
    series: input.metrics.map((metric) => {
      if (metric.startsWith('serverStatus.mem.')) return { metric, unit: 'MiB', kind: 'gauge' as const, points: [], unavailable: FERRET };
      const counter = metric.includes('opcounters') || metric.includes('network');
      return {
        metric,
        unit: counter ? 'ops/s' : 'connections',
        kind: counter ? ('counter' as const) : ('gauge' as const),
        points: Array.from({ length: 10 }, (_, i): [number, number | null] => [NOW - 10_000 + i * 1000, i === 4 ? null : 5]),
        unavailable: null,
      };
    }),
    gaps: [{ from: NOW - 300_000, to: NOW - 240_000, reason: 'connect ECONNREFUSED 10.0.0.5:27017' }],
    resets: [NOW - 6000],
  };
}

function setup(query: (input: MetricsQueryInput) => MetricsQueryResult | Promise<MetricsQueryResult> = backfill) {
  const fake = new FakeTransport()
    .handle('connections.list', () => [connectionSummary({ id: 'c1', name: 'rs0', nodes: [NODE] })])
    .handle('metrics.query', (input) => query(input as MetricsQueryInput))
    .handle('metrics.hotCollections', () => [])
    .handle('metrics.pollStatus', () => ({ nodeId: NODE.id, paused: false, sources: [] }));
  const r = renderWithApp(<NodePage nodeId={NODE.id} now={now} />, { fake });
  return { ...r, fake };
}

const chart = (key: string) => screen.getByTestId(`chart-${key}`);
const points = (key: string) => Number(chart(key).getAttribute('data-points'));

function emitSample(fake: FakeTransport, ts: number, raw: Record<string, number>, unavailable: Record<string, string> = {}) {
  act(() => fake.emit('metrics.samples', { entity: ENTITY, ts, values: raw, unavailable }));
}

describe('Node page', () => {
  it('backfills the last 15 minutes of every charted metric, in batches the contract accepts', async () => {
    const { fake } = setup();
    await waitFor(() => expect(points('ops')).toBe(6 * 9));
    const qs = fake.callsTo('metrics.query') as MetricsQueryInput[];
    for (const q of qs) expect(q).toMatchObject({ entity: ENTITY, from: NOW - 15 * 60_000, to: NOW });
    expect(qs.every((q) => q.metrics.length <= 64)).toBe(true);
    const asked = qs.flatMap((q) => q.metrics);
    expect(asked).toEqual(expect.arrayContaining([...OPS, 'serverStatus.connections.current', 'serverStatus.network.bytesIn', 'serverStatus.mem.resident', 'derived.queryTargeting.keysPerReturned', 'replSetGetStatus.lagMs']));
    expect(new Set(asked).size).toBe(asked.length);
    expect(points('connections')).toBe(3 * 9);
    expect(points('network')).toBe(2 * 9);
    expect(chart('ops')).toHaveAttribute('data-last-ts', String(NOW - 1000));
    expect(screen.getByRole('heading', { level: 1, name: 'a.example:27017' })).toBeInTheDocument();
    // ECharts drew something (SVG under jsdom).
    await waitFor(() => expect(chart('ops').querySelectorAll('svg path').length).toBeGreaterThan(0));
  });

  it('shows the reason of an unavailable metric instead of a zero line', async () => {
    setup();
    await waitFor(() => expect(chart('memory')).toHaveAttribute('data-unavailable', 'serverStatus.mem.resident serverStatus.mem.virtual'));
    expect(points('memory')).toBe(0);
    expect(chart('memory')).toHaveAttribute('data-last-ts', '0');
    expect(screen.getByText(`No data — ${FERRET}`)).toBeInTheDocument();
    expect(chart('memory')).toHaveAccessibleName(`Process memory: No data — ${FERRET}`);
    expect(chart('ops')).toHaveAttribute('data-unavailable', '');
  });

  it('appends live samples as rates derived from raw counters, and breaks the line at a restart', async () => {
    const { fake } = setup();
    await waitFor(() => expect(points('ops')).toBe(54));
    const raw = (ts: number, n: number, uptime: number, pid: number) => {
      const values: Record<string, number> = { 'serverStatus.uptimeMillis': uptime, 'serverStatus.pid': pid, 'serverStatus.connections.current': 7 };
      for (const m of OPS) values[m] = n;
      emitSample(fake, ts, values, { 'serverStatus.mem.resident': FERRET });
    };
    // Samples for another node are not ours.
    act(() => fake.emit('metrics.samples', { entity: 'node:rs0/b:27017', ts: NOW + 500, values: { [OPS[0]!]: 1 }, unavailable: {} }));

    raw(NOW, 1000, 60_000, 42); // first raw value after the backfill: no rate yet (same instant as history)
    expect(points('ops')).toBe(54);
    raw(NOW + 1000, 1010, 61_000, 42); // +10 in 1 s
    expect(points('ops')).toBe(60);
    expect(chart('ops')).toHaveAttribute('data-last-ts', String(NOW + 1000));
    raw(NOW + 2000, 1040, 62_000, 42); // +30 in 1 s
    expect(points('ops')).toBe(66);
    expect(screen.getByTestId('chart-ops')).toHaveAccessibleName(/insert 30\/s/);

    raw(NOW + 3000, 3, 200, 43); // restarted: counters from scratch, new pid
    expect(points('ops')).toBe(66); // a break, not a negative rate
    expect(chart('ops')).toHaveAttribute('data-last-ts', String(NOW + 2000));
    raw(NOW + 4000, 8, 1200, 43);
    expect(points('ops')).toBe(72);
    expect(screen.getByTestId('chart-ops')).toHaveAccessibleName(/insert 5\/s/);
    expect(points('connections')).toBe(27 + 5); // the gauge plots every sample after the backfill's last instant
    expect(points('memory')).toBe(0);
  });

  it('buffers samples that arrive before the history, so none is lost', async () => {
    const answers: (() => void)[] = [];
    const { fake } = setup((input) => new Promise((resolve) => answers.push(() => resolve(backfill(input)))));
    expect(await screen.findByText('Loading…')).toBeInTheDocument();
    await waitFor(() => expect(fake.listenerCount('metrics.samples')).toBe(1));
    emitSample(fake, NOW + 1000, { 'serverStatus.connections.current': 9 });
    emitSample(fake, NOW + 2000, { 'serverStatus.connections.current': 9 });
    expect(points('connections')).toBe(0);
    act(() => answers.forEach((a) => a()));
    await waitFor(() => expect(points('connections')).toBe(27 + 2));
    expect(screen.queryByText('Loading…')).toBeNull();
  });

  it('shades a gap reported live', async () => {
    const { fake } = setup();
    await waitFor(() => expect(points('ops')).toBe(54));
    act(() => fake.emit('metrics.gap', { entity: ENTITY, gap: { from: NOW + 1000, to: NOW + 20_000, reason: 'server selection timed out' } }));
    // The window's right edge follows the gap; the points are still within it.
    expect(points('ops')).toBe(54);
  });

  it('says what went wrong when the history cannot be loaded, and retries', async () => {
    let fail = true;
    const { fake } = setup((input) => {
      if (fail) throw new BaleenError('E_STORE', 'disk I/O error');
      return backfill(input);
    });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('E_STORE');
    expect(alert).toHaveTextContent('disk I/O error');
    fail = false;
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(points('ops')).toBe(54));
    // Each load asks in batches of at most 64 metrics: the retry asked again for all of them.
    const calls = fake.callsTo('metrics.query') as MetricsQueryInput[];
    expect(calls.length % 2).toBe(0);
    expect(calls.length).toBeGreaterThanOrEqual(4);
  });

  it('unsubscribes when it closes', async () => {
    const { fake, unmount } = setup();
    await waitFor(() => expect(points('ops')).toBe(54));
    unmount();
    expect(fake.listenerCount('metrics.samples')).toBe(0);
    expect(fake.listenerCount('metrics.gap')).toBe(0);
  });

  it('says so when the node does not exist', async () => {
    const fake = new FakeTransport().handle('connections.list', () => []).handle('metrics.query', backfill);
    renderWithApp(<NodePage nodeId="rs0/gone:27017" now={now} />, { fake });
    expect(await screen.findByRole('heading', { name: 'Node not found' })).toBeInTheDocument();
  });
});
