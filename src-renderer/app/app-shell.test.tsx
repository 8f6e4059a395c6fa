import { act, render, screen, waitFor, within } from '@testing-library/react';
import { FakeTransport, FakeTransportState } from '../client/fake-transport';
import { AppShell } from './app-shell';
import { connectionSummary, nodeSummary, renderWithApp } from './test-harness';
import { resolve } from './routes';

function fakeCore() {
  const node = nodeSummary({ hostPort: 'a.example:27017', deployment: 'rs0' });
  return new FakeTransport()
    .handle('app.info', () => ({ version: '9.8.7', startedAt: 0, dataDir: '/tmp/baleen', shell: 'web' }))
    .handle('connections.list', () => [connectionSummary({ id: 'c1', name: 'rs0', nodes: [node] })])
    .handle('metrics.query', (q) => ({ entity: q.entity, from: q.from, to: q.to, series: [], gaps: [], resets: [] }));
}

afterEach(() => {
  window.location.hash = '';
});

describe('routes', () => {
  it('resolves the registry, the default route and node ids', () => {
    expect(resolve('/')?.route.id).toBe('connections');
    expect(resolve('/overview')?.route.id).toBe('overview');
    expect(resolve('/node/rs0%2Fa%3A27017')?.params).toEqual({ nodeId: 'rs0/a:27017' });
    expect(resolve('/nowhere')).toBeNull();
    expect(resolve('/node/%E0%A4%A')).toBeNull();
  });
});

describe('App shell', () => {
  it('shows the version from app.info and the sidebar, and routes by hash', async () => {
    renderWithApp(<AppShell />, { fake: fakeCore() });
    expect(await screen.findByText('v9.8.7')).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Connections' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('heading', { level: 1, name: 'Connections' })).toBeInTheDocument();

    act(() => {
      window.location.hash = '#/overview';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'Overview' })).toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');
    const link = await screen.findByRole('link', { name: 'a.example:27017' });
    expect(link).toHaveAttribute('href', '#/node/rs0%2Fa.example%3A27017');

    act(() => {
      window.location.hash = link.getAttribute('href')!;
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'a.example:27017' })).toBeInTheDocument();
    expect(screen.getByTestId('chart-ops')).toBeInTheDocument();
    expect(screen.getByTestId('chart-connections')).toBeInTheDocument();
    expect(screen.getByTestId('chart-network')).toBeInTheDocument();
    expect(screen.getByTestId('chart-memory')).toBeInTheDocument();
  });

  it('explains on every page when metrics are kept in memory only or not stored (REL-D4, REL-D3)', async () => {
    const memory = 'The disk holding /data/metrics.db is full (SQLITE_IOERR_SHMSIZE): this session\'s metrics are kept in memory only, and history stored before is not shown. Free space on that disk, then restart Baleen.';
    const fake = fakeCore().handle('metrics.storeState', () => ({ state: 'memory', reason: 'disk-full', message: memory, since: 0, buffered: 0, dropped: 0 }));
    renderWithApp(<AppShell />, { fake });
    const banner = await screen.findByTestId('storage-banner');
    expect(banner).toHaveTextContent('Metrics are kept in memory only.');
    expect(banner).toHaveTextContent('Free space on that disk, then restart Baleen.');
    act(() => fake.emit('metrics.store', { state: 'ok', reason: null, message: null, since: 1, buffered: 0, dropped: 0 }));
    await waitFor(() => expect(screen.queryByTestId('storage-banner')).toBeNull());
    act(() => fake.emit('metrics.store', { state: 'paused', reason: 'disk-full', message: 'The disk is full: samples are kept in memory until space frees.', since: 2, buffered: 12, dropped: 3 }));
    expect(await screen.findByTestId('storage-banner')).toHaveTextContent('Metrics are not being stored. The disk is full: samples are kept in memory until space frees. (12 polls waiting in memory, 3 dropped and shown as gaps)');
  });

  it('says "Reconnecting to Baleen…" while the link to the core is down, and reloads after', async () => {
    const state = new FakeTransportState();
    const fake = fakeCore();
    renderWithApp(<AppShell />, { fake, transport: state });
    await screen.findByText('v9.8.7');
    expect(fake.callsTo('connections.list')).toHaveLength(1);
    act(() => state.set({ status: 'reconnecting', epoch: 1, attempt: 2, retryAt: Date.now() + 2000, reason: 'connection closed abnormally' }));
    expect(screen.getByRole('status')).toHaveTextContent(/Reconnecting to Baleen… \(connection closed abnormally; next try in 2 s\)/);
    act(() => state.set({ status: 'open', epoch: 2 }));
    expect(screen.queryByText(/Reconnecting to Baleen/)).toBeNull();
    // Whatever changed while disconnected is fetched again.
    await waitFor(() => expect(fake.callsTo('connections.list')).toHaveLength(2));
  });

  it('has a page for unknown addresses', async () => {
    window.location.hash = '#/nowhere';
    renderWithApp(<AppShell />, { fake: fakeCore() });
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  });
});

describe('Error boundary', () => {
  it('shows a failing page as a message and recovers on navigation', async () => {
    const { ErrorBoundary } = await import('../components/error-boundary');
    const Boom = () => {
      throw new Error('kaboom');
    };
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { rerender } = render(
      <ErrorBoundary resetKey="/a">
        <Boom />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('This page failed: kaboom');
    rerender(
      <ErrorBoundary resetKey="/b">
        <p>fine</p>
      </ErrorBoundary>,
    );
    expect(screen.getByText('fine')).toBeInTheDocument();
    spy.mockRestore();
  });
});
