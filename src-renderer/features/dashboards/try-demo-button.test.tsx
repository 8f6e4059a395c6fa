import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { BaleenError } from '../../../src-shared/domain/errors';
import { renderWithApp } from '../../app/test-harness';
import { FakeTransport } from '../../client/fake-transport';
import { TryDemoButton } from './index';

describe('Try the demo', () => {
  it('starts the demo set and opens its cluster dashboard', async () => {
    const fake = new FakeTransport()
      .handle('connections.list', () => [])
      .handle('dashboards.startDemo', () => ({ connectionId: 'demo-1', name: 'Baleen demo', setName: 'baleen-demo', members: ['a', 'b', 'c'], electionEverySecs: 180 }));
    renderWithApp(<TryDemoButton />, { fake });
    await userEvent.click(screen.getByRole('button', { name: 'Try the demo' }));
    await waitFor(() => expect(window.location.hash).toBe('#/cluster/demo-1'));
    expect(fake.callsTo('dashboards.startDemo')).toHaveLength(1);
  });

  it('says why when it cannot start', async () => {
    const fake = new FakeTransport().handle('connections.list', () => []).handle('dashboards.startDemo', () => {
      throw new BaleenError('E_INTERNAL', 'no free port');
    });
    renderWithApp(<TryDemoButton />, { fake });
    await userEvent.click(screen.getByRole('button', { name: 'Try the demo' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('no free port');
  });
});
