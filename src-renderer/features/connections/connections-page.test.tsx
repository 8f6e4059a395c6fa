import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { BaleenError } from '../../../src-shared/domain/errors';
import { FakeTransport } from '../../client/fake-transport';
import { connectionSummary, nodeSummary, renderWithApp } from '../../app/test-harness';
import { ConnectionsPage, validateUri } from './index';

function setup(initial = [] as ReturnType<typeof connectionSummary>[]) {
  const fake = new FakeTransport().handle('connections.list', () => initial);
  const user = userEvent.setup();
  const r = renderWithApp(<ConnectionsPage />, { fake });
  return { ...r, user };
}

describe('URI validation', () => {
  it('accepts mongodb:// and mongodb+srv:// URIs with a host, and says what is wrong otherwise', () => {
    expect(validateUri(' mongodb://localhost:27017 ')).toBeNull();
    expect(validateUri('mongodb+srv://cluster0.example.net')).toBeNull();
    expect(validateUri('   ')).toMatch(/Enter the MongoDB URI/);
    expect(validateUri('http://localhost:27017')).toMatch(/must start with mongodb:\/\/ or mongodb\+srv:\/\//);
    expect(validateUri('localhost:27017')).toMatch(/must start with/);
    expect(validateUri('mongodb://')).toMatch(/Add a host/);
  });
});

describe('Add connection form', () => {
  it('refuses an empty or malformed URI without calling the core', async () => {
    const { user, fake } = setup();
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter the MongoDB URI');
    const input = screen.getByRole('textbox', { name: 'MongoDB URI' });
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription(/Enter the MongoDB URI/);

    await user.type(input, 'postgres://db:5432');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(screen.getByRole('alert')).toHaveTextContent('must start with mongodb:// or mongodb+srv://');
    expect(fake.callsTo('connections.add')).toEqual([]);
  });

  it.each([
    ['E_UNREACHABLE', 'Cannot reach db.example:27017: connection refused', /server is running and reachable/],
    ['E_AUTH', 'Authentication failed (code 18)', /user name and password/],
    ['E_INVALID_INPUT', 'Invalid option "replicaSet="', /Check the value and its format/],
  ] as const)('shows the server error %s inline with its code, message and what to do', async (code, message, advice) => {
    const { user, fake } = setup();
    fake.handle('connections.add', () => {
      throw new BaleenError(code, message);
    });
    await user.type(screen.getByRole('textbox', { name: 'MongoDB URI' }), 'mongodb://db.example:27017');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(code);
    expect(alert).toHaveTextContent(message);
    expect(alert).toHaveTextContent(advice);
    // The URI stays, so the user can fix it.
    expect(screen.getByRole('textbox', { name: 'MongoDB URI' })).toHaveValue('mongodb://db.example:27017');
  });

  it('is busy while connecting, and Cancel aborts the call through its signal', async () => {
    const { user, fake } = setup();
    let aborted = false;
    fake.handle(
      'connections.add',
      (_input, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new BaleenError('E_CANCELLED', 'Cancelled.'));
          });
        }),
    );
    await user.type(screen.getByRole('textbox', { name: 'MongoDB URI' }), 'mongodb://admin:pw@slow.example:27017/?authSource=admin');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    const busy = await screen.findByRole('status');
    expect(busy).toHaveTextContent('Connecting to slow.example:27017');
    expect(busy).not.toHaveTextContent('pw');
    expect(screen.getByRole('button', { name: 'Add connection' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(aborted).toBe(true);
    expect(fake.cancelled).toHaveLength(1);
    expect(screen.getByRole('status')).toHaveTextContent('Cancelled.');
    expect(screen.getByRole('button', { name: 'Add connection' })).toBeEnabled();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
  });

  it('adds the connection, clears the form and lists it', async () => {
    const { user, fake } = setup();
    const added = connectionSummary({ id: 'c9', name: 'prod', uri: 'mongodb://admin@db.example:27017', nodes: [nodeSummary({ hostPort: 'db.example:27017' })] });
    fake.handle('connections.add', () => added);
    await user.type(screen.getByRole('textbox', { name: 'MongoDB URI' }), 'mongodb://admin:pw@db.example:27017');
    await user.type(screen.getByRole('textbox', { name: 'Name (optional)' }), 'prod');
    await user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(await screen.findByRole('link', { name: 'db.example:27017' })).toHaveAttribute('href', '#/node/local%2Fdb.example%3A27017');
    expect(fake.callsTo('connections.add')).toEqual([{ uri: 'mongodb://admin:pw@db.example:27017', name: 'prod', discover: true }]);
    expect(screen.getByRole('textbox', { name: 'MongoDB URI' })).toHaveValue('');
    expect(screen.getByRole('status')).toHaveTextContent('Added prod');
  });
});

describe('Connection list', () => {
  it('shows the empty state until a connection exists', async () => {
    setup();
    expect(await screen.findByText('No connections yet — add one with its mongodb:// URI')).toBeInTheDocument();
  });

  it('follows connections.changed: nodes, status badges and reasons', async () => {
    const { fake } = setup();
    await screen.findByText(/No connections yet/);
    const a = nodeSummary({ hostPort: 'a.example:27017', status: { state: 'monitoring', since: Date.now() } });
    act(() => fake.emit('connections.changed', { connections: [connectionSummary({ id: 'c1', name: 'rs0', uri: 'mongodb://a.example:27017', nodes: [a] })] }));
    const card = screen.getByRole('article', { name: 'rs0' });
    expect(within(card).getByRole('link', { name: 'a.example:27017' })).toBeInTheDocument();
    expect(within(card).getByText('monitoring')).toHaveAttribute('data-state', 'monitoring');

    act(() =>
      fake.emit('connections.changed', {
        connections: [
          connectionSummary({
            id: 'c1',
            name: 'rs0',
            nodes: [{ ...a, status: { state: 'unreachable', reason: 'connect ECONNREFUSED 10.0.0.5:27017', since: Date.now() } }],
          }),
        ],
      }),
    );
    expect(within(card).getByText('unreachable')).toHaveAttribute('data-state', 'unreachable');
    expect(within(card).getByText('connect ECONNREFUSED 10.0.0.5:27017')).toBeInTheDocument();

    act(() => fake.emit('connections.changed', { connections: [] }));
    expect(screen.queryByRole('article')).toBeNull();
    expect(screen.getByText(/No connections yet/)).toBeInTheDocument();
  });

  it('never shows a password, even if one slipped into a URI', async () => {
    setup([connectionSummary({ id: 'c1', name: 'x', uri: 'mongodb://u:CANARY-123@h:1/', nodes: [] })]);
    expect(await screen.findByText('mongodb://u:***@h:1/')).toBeInTheDocument();
    expect(document.body.textContent).not.toContain('CANARY-123');
  });

  it('stops and starts monitoring a node, and removes a connection after confirmation', async () => {
    const node = nodeSummary({ hostPort: 'a:27017' });
    const { user, fake } = setup([connectionSummary({ id: 'c1', name: 'rs0', nodes: [node] })]);
    fake.handle('connections.stopMonitoring', () => ({ ...node, status: { state: 'stopped', since: Date.now() } }));
    fake.handle('connections.remove', () => ({ removed: true }));
    await user.click(await screen.findByRole('button', { name: 'Stop monitoring a:27017' }));
    expect(await screen.findByText('stopped')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Start monitoring a:27017' })).toBeInTheDocument();
    expect(fake.callsTo('connections.stopMonitoring')).toEqual([{ nodeId: 'local/a:27017' }]);

    await user.click(screen.getByRole('button', { name: 'Remove rs0' }));
    expect(fake.callsTo('connections.remove')).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Confirm remove' }));
    await waitFor(() => expect(screen.queryByRole('article')).toBeNull());
    expect(fake.callsTo('connections.remove')).toEqual([{ id: 'c1' }]);
  });

  it('says what failed when the list cannot be loaded, and retries', async () => {
    let fail = true;
    const fake = new FakeTransport().handle('connections.list', () => {
      if (fail) throw new BaleenError('E_STORE', 'database is locked');
      return [];
    });
    const user = userEvent.setup();
    renderWithApp(<ConnectionsPage />, { fake });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('E_STORE');
    expect(alert).toHaveTextContent('database is locked');
    fail = false;
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText(/No connections yet/)).toBeInTheDocument();
  });
});
