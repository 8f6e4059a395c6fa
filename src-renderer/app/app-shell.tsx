import { useEffect, useRef, useState } from 'react';
import type { AppInfo, StoreState } from '../../src-shared/contract';
import { useClient, useRetryNow, useTransportState } from '../client';
import { ErrorBoundary } from '../components/error-boundary';
import { useHashPath } from '../lib/hash-route';
import { hrefs } from '../lib/hrefs';
import { resolve, ROUTES } from './routes';

type InfoState = { status: 'loading' } | { status: 'ready'; info: AppInfo } | { status: 'error' };

function useAppInfo(epoch: number): InfoState {
  const client = useClient();
  const [state, setState] = useState<InfoState>({ status: 'loading' });
  useEffect(() => {
    if (epoch === 0) return;
    const ac = new AbortController();
    client.invoke('app.info', {}, { signal: ac.signal }).then(
      (info) => !ac.signal.aborted && setState({ status: 'ready', info }),
      () => !ac.signal.aborted && setState({ status: 'error' }),
    );
    return () => ac.abort();
  }, [client, epoch]);
  return state;
}

/** Seconds until `until`, ticking; keyed by `until` so each wait counts from its own start. */
function Countdown({ until }: { until: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return <>{Math.max(0, Math.ceil((until - now) / 1000))}</>;
}

function ConnectionBanner() {
  const state = useTransportState();
  const retryNow = useRetryNow();

  if (state.status === 'open') return null;
  if (state.status === 'connecting') {
    return (
      <div className="banner" role="status">
        Connecting to Baleen…
      </div>
    );
  }
  if (state.status === 'closed') {
    return (
      <div className="banner banner-error" role="alert">
        The connection to Baleen is closed. Reload the page to reconnect.
      </div>
    );
  }
  return (
    <div className="banner banner-warn" role="status">
      <span>
        Reconnecting to Baleen… ({state.reason}; next try in <Countdown key={state.retryAt} until={state.retryAt} /> s)
      </span>
      {retryNow ? (
        <button type="button" className="small" onClick={retryNow}>
          Retry now
        </button>
      ) : null}
    </div>
  );
}

/**
 * The metrics writer's trouble, on every page: paused (the disk filled while running; samples wait in
 * memory) or in memory only (the disk was full at start, REL-D4). The store's message says why and what
 * to do. Fetched on each (re)connect, then followed by the `metrics.store` event.
 */
function StorageBanner({ epoch }: { epoch: number }) {
  const client = useClient();
  const [state, setState] = useState<StoreState | null>(null);
  useEffect(() => {
    if (epoch === 0) return;
    const ac = new AbortController();
    const off = client.on('metrics.store', (s) => setState(s));
    client.invoke('metrics.storeState', {}, { signal: ac.signal }).then(
      (s) => !ac.signal.aborted && setState(s),
      () => undefined,
    );
    return () => {
      ac.abort();
      off();
    };
  }, [client, epoch]);
  if (!state || state.state === 'ok') return null;
  const title = state.state === 'memory' ? 'Metrics are kept in memory only' : 'Metrics are not being stored';
  const extra = state.state === 'paused' && (state.buffered > 0 || state.dropped > 0) ? ` (${state.buffered} polls waiting in memory, ${state.dropped} dropped and shown as gaps)` : '';
  return (
    <div className="banner banner-error" role="alert" data-testid="storage-banner">
      <strong>{title}.</strong> {state.message ?? 'The metrics database cannot be written.'}
      {extra}
    </div>
  );
}

export function AppShell() {
  const path = useHashPath();
  const resolved = resolve(path);
  const { epoch } = useTransportState();
  const info = useAppInfo(epoch);
  const activeNav = resolved ? (resolved.route.navId ?? resolved.route.id) : null;
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    // Move focus to the new page so keyboard and screen-reader users land on its content.
    main.current?.focus();
  }, [path]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main" onClick={(e) => {
          // The hash is the router's: focus the content without navigating.
          e.preventDefault();
          main.current?.focus();
        }}>
        Skip to content
      </a>
      <header className="app-header">
        <span className="brand">Baleen</span>
        <span className="version" title={info.status === 'ready' ? `data: ${info.info.dataDir}` : undefined}>
          v{info.status === 'ready' ? info.info.version : __BALEEN_VERSION__}
        </span>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {ROUTES.filter((r) => r.nav).map((r) => (
            <li key={r.id}>
              <a href={r.nav!.href} aria-current={activeNav === r.id ? 'page' : undefined}>
                {r.nav!.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1} className="main">
        <ConnectionBanner />
        <StorageBanner epoch={epoch} />
        {resolved ? (
          <ErrorBoundary resetKey={path}>{resolved.route.render(resolved.params)}</ErrorBoundary>
        ) : (
          <div className="page">
            <h1>Page not found</h1>
            <p>
              Nothing lives at this address. <a href={hrefs.connections}>Go to Connections</a>.
            </p>
          </div>
        )}
      </main>
    </div>
  );
}
