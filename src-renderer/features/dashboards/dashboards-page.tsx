import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { StatusBadge } from '../../components/status-badge';
import { hrefs } from '../../lib/hrefs';
import { useConnectionActions, useConnectionList } from '../connections';
import { dashboardHrefs } from './links';
import { TryDemoButton } from './try-demo-button';

/** Where the dashboards are: per deployment, its cluster, replication and node pages. */
export function DashboardsPage() {
  const list = useConnectionList();
  const { load } = useConnectionActions();
  return (
    <div className="page dashboards-page">
      <h1>Dashboards</h1>
      {list.status === 'idle' || list.status === 'loading' ? <LoadingState>Loading…</LoadingState> : null}
      {list.status === 'error' ? <ErrorState title="Could not load the connections." error={list.error} onRetry={() => void load()} /> : null}
      {list.status === 'ready' && list.connections.length === 0 ? (
        <EmptyState title="No deployment to show yet">
          <p>
            <a href={hrefs.connections}>Add a connection</a>, or try the demo: a simulated replica set on this machine.
          </p>
          <TryDemoButton />
        </EmptyState>
      ) : null}
      {list.status === 'ready' && list.connections.length > 0 ? (
        <ul className="dashboards-list">
          {list.connections.map((c) => (
            <li key={c.id}>
              <strong>{c.name}</strong> — <a href={dashboardHrefs.cluster(c.id)}>Cluster dashboard</a>
              {c.nodes.some((n) => n.setName) ? (
                <>
                  {' · '}
                  <a href={dashboardHrefs.replication(c.id)}>Replication</a>
                </>
              ) : null}
              <ul>
                {c.nodes.map((n) => (
                  <li key={n.id}>
                    <a href={hrefs.node(n.id)}>{n.hostPort}</a> <StatusBadge status={n.status} showReason={false} /> · <a href={dashboardHrefs.collections(n.id)}>hot collections</a>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      ) : null}
      <p>
        <a href={dashboardHrefs.compare}>Compare one metric across nodes</a>
      </p>
    </div>
  );
}
