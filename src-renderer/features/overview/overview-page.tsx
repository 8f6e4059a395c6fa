import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { StatusBadge } from '../../components/status-badge';
import { hrefs } from '../../lib/hrefs';
import { allNodes, useConnectionActions, useConnectionList } from '../connections';

/** Every node Baleen knows, its state at a glance, and the way to its charts. */
export function OverviewPage() {
  const list = useConnectionList();
  const { load } = useConnectionActions();
  const nodes = allNodes(list);
  return (
    <div className="page overview-page">
      <h1>Overview</h1>
      {list.status === 'idle' || list.status === 'loading' ? <LoadingState>Loading nodes…</LoadingState> : null}
      {list.status === 'error' ? <ErrorState title="Could not load the nodes." error={list.error} onRetry={() => void load()} /> : null}
      {list.status === 'ready' && nodes.length === 0 ? (
        <EmptyState title="No nodes yet">
          <p>
            <a href={hrefs.connections}>Add a connection</a> with its mongodb:// URI to start monitoring.
          </p>
        </EmptyState>
      ) : null}
      {nodes.length > 0 ? (
        <table className="overview-table">
          <caption className="visually-hidden">Nodes and their monitoring state</caption>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Connection</th>
              <th scope="col">State</th>
              <th scope="col">Server</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map(({ node, connection }) => (
              <tr key={node.id} data-node-id={node.id}>
                <th scope="row">
                  <a href={hrefs.node(node.id)}>{node.hostPort}</a>
                </th>
                <td>{connection.name}</td>
                <td>
                  <StatusBadge status={node.status} />
                </td>
                <td className="muted">{[node.server, node.version, node.setName ? `set ${node.setName}` : null].filter(Boolean).join(' · ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
