import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Incident, IncidentDetail } from '../../../src-shared/contract';
import { renderWithApp } from '../../app/test-harness';
import { FakeTransport } from '../../client/fake-transport';
import { IncidentsPage, stripLayout } from './incidents-page';

const inc = (id: number, start: number, end: number, kind: Incident['kind'] = 'election'): Incident => ({
  id,
  kind,
  title: `Incident ${id}`,
  start,
  end,
  nodes: ['log:db1:27017'],
  kinds: [kind],
  signals: 2,
  failedOperations: 1,
  operations: 3,
  maxDurationMs: 40,
  topErrors: [{ code: 10107, name: 'NotWritablePrimary', count: 1 }],
  marginMs: 60_000,
});

describe('incidents timeline', () => {
  it('lays incidents out along one strip in time order, overlapping ones on another row, long quiet spans compressed', () => {
    const DAY = 86_400_000;
    const l = stripLayout([inc(1, 0, 100_000), inc(2, 50_000, 60_000), inc(3, 200 * DAY, 200 * DAY + 5000), inc(4, 200 * DAY + 60_000, 200 * DAY + 70_000)]);
    expect(l.map((x) => [x.id, x.row])).toEqual([
      [1, 0],
      [2, 1],
      [3, 0],
      [4, 0],
    ]);
    const x = l.map((p) => p.x);
    expect(x).toEqual([...x].sort((a, b) => a - b));
    // 200 days apart does not push the last two into the edge: they stay distinct and visible.
    expect(l[3]!.x - l[2]!.x).toBeGreaterThan(20);
    expect(l[2]!.x).toBeLessThan(800);
    expect(Math.max(...l.map((p) => p.x + p.w))).toBeLessThanOrEqual(1000);
  });

  it('lists incidents and shows one with its evidence and the operations around it', async () => {
    const detail: IncidentDetail = {
      incident: inc(2, 1_710_773_564_658, 1_710_773_564_726),
      signals: [{ id: 9, ts: 1_710_773_564_726, node: 'log:db1:27017', severity: 'I', component: 'ELECTION', mid: 21450, ctx: 'ReplCoord-4', msg: 'Election succeeded, assuming primary role', attr: '{"term":2}', attrTruncated: false }],
      operations: [
        {
          id: 11,
          ts: 1_710_773_564_700,
          node: 'log:db1:27017',
          ns: 'shop.orders',
          op: 'find',
          durationMs: 40,
          keysExamined: null,
          docsExamined: null,
          nreturned: null,
          planSummary: null,
          shapeId: null,
          client: '10.0.0.1:5000',
          ctx: 'conn7',
          appName: 'orders-api',
          user: null,
          failed: true,
          errorCode: 10107,
          errorName: 'NotWritablePrimary',
          lsid: null,
          txnNumber: null,
          sessionId: null,
        },
      ],
    };
    const fake = new FakeTransport()
      .handle('logs.nodes', () => [])
      .handle('events.incidents', () => [inc(1, 1_710_773_346_984, 1_710_773_364_716), detail.incident])
      .handle('events.incident', ({ id }) => (id === 2 ? detail : (() => { throw new Error('no'); })()));
    renderWithApp(<IncidentsPage selectedId={2} />, { fake });
    expect(await screen.findAllByRole('link', { name: 'Incident 1' })).toHaveLength(2); // on the strip and in the list
    const ops = await screen.findByTestId('incident-operations');
    expect(ops).toHaveTextContent('NotWritablePrimary (10107)');
    expect(ops).toHaveTextContent('orders-api');
    expect(screen.getByTestId('incident-signals')).toHaveTextContent('Election succeeded, assuming primary role');
    await userEvent.click(screen.getByRole('button', { name: 'What happened here?' }));
    await waitFor(() => expect(fake.callsTo('events.window')).toHaveLength(1));
  });
});
