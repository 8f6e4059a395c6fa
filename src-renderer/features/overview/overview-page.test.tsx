import { screen, within } from '@testing-library/react';
import { connectionSummary, nodeSummary, renderWithApp } from '../../app/test-harness';
import { FakeTransport } from '../../client/fake-transport';
import { OverviewPage } from './index';

describe('Overview', () => {
  it('lists every node with its state and a link to its page', async () => {
    const fake = new FakeTransport().handle('connections.list', () => [
      connectionSummary({
        id: 'c1',
        name: 'rs0',
        nodes: [
          nodeSummary({ hostPort: 'a:27017', deployment: 'rs0' }),
          nodeSummary({ hostPort: 'b:27017', deployment: 'rs0', status: { state: 'auth-failed', reason: 'Authentication failed (code 18)', since: 0 } }),
        ],
      }),
      connectionSummary({ id: 'c2', name: 'ferret', nodes: [nodeSummary({ hostPort: '127.0.0.1:27018', server: 'ferretdb', version: '1.24.2' })] }),
    ]);
    renderWithApp(<OverviewPage />, { fake });
    const rows = await screen.findAllByRole('row');
    expect(rows).toHaveLength(4);
    const b = screen.getByRole('link', { name: 'b:27017' }).closest('tr')!;
    expect(within(b).getByText('auth failed')).toBeInTheDocument();
    expect(within(b).getByText('Authentication failed (code 18)')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '127.0.0.1:27018' })).toHaveAttribute('href', '#/node/local%2F127.0.0.1%3A27018');
  });

  it('points to Connections when there is nothing to show', async () => {
    renderWithApp(<OverviewPage />, { fake: new FakeTransport().handle('connections.list', () => []) });
    expect(await screen.findByText('No nodes yet')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Add a connection' })).toHaveAttribute('href', '#/connections');
  });
});
