import { useId, useState, type ReactNode } from 'react';
import type { ConnectionSummary, NodeSummary } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { EmptyState, ErrorState, ErrorText, LoadingState } from '../../components/state-views';
import { StatusBadge } from '../../components/status-badge';
import { formatDateTime, formatTime } from '../../lib/format';
import { hrefs } from '../../lib/hrefs';
import { redactUri } from '../../lib/redact-uri';
import { AddConnectionForm } from './add-connection-form';
import { useConnectionActions, useConnectionList } from './connections-context';

type ActionState = { status: 'idle' } | { status: 'loading' } | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

/** Run one contract call from a button, with its own busy and error state. */
function useAction() {
  const [state, setState] = useState<ActionState>({ status: 'idle' });
  const run = async (fn: () => Promise<void>) => {
    setState({ status: 'loading' });
    try {
      await fn();
      setState({ status: 'idle' });
    } catch (e) {
      setState({ status: 'error', error: toBaleenError(e) });
    }
  };
  return [state, run] as const;
}

export interface ConnectionsPageProps {
  /** Extra actions for the empty state (a later "Try the demo" button goes here). */
  emptyActions?: ReactNode;
}

export function ConnectionsPage({ emptyActions }: ConnectionsPageProps) {
  const list = useConnectionList();
  const { load } = useConnectionActions();
  return (
    <div className="page connections-page">
      <h1>Connections</h1>
      <AddConnectionForm />
      <section aria-label="Saved connections" className="connection-list">
        {list.status === 'idle' || list.status === 'loading' ? <LoadingState>Loading connections…</LoadingState> : null}
        {list.status === 'error' ? <ErrorState title="Could not load the connections." error={list.error} onRetry={() => void load()} /> : null}
        {list.status === 'ready' && list.connections.length === 0 ? (
          <EmptyState title="No connections yet — add one with its mongodb:// URI">{emptyActions}</EmptyState>
        ) : null}
        {list.status === 'ready' ? list.connections.map((c) => <ConnectionCard key={c.id} connection={c} />) : null}
      </section>
    </div>
  );
}

function ConnectionCard({ connection }: { connection: ConnectionSummary }) {
  const client = useClient();
  const { removeLocal } = useConnectionActions();
  const [confirming, setConfirming] = useState(false);
  const [removal, runRemoval] = useAction();
  const titleId = useId();

  const remove = () =>
    runRemoval(async () => {
      await client.invoke('connections.remove', { id: connection.id });
      removeLocal(connection.id);
    });

  return (
    <article className="connection-card" aria-labelledby={titleId}>
      <header className="connection-head">
        <div>
          <h2 id={titleId}>{connection.name}</h2>
          <code className="uri">{redactUri(connection.uri)}</code>
        </div>
        <div className="actions">
          {confirming ? (
            <>
              <span>Stop monitoring and forget this connection?</span>
              <button type="button" className="danger" disabled={removal.status === 'loading'} onClick={() => void remove()}>
                Confirm remove
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" aria-label={`Remove ${connection.name}`} onClick={() => setConfirming(true)}>
              Remove
            </button>
          )}
        </div>
      </header>
      {removal.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={removal.error} />
        </p>
      ) : null}
      {connection.nodes.length === 0 ? (
        <p className="muted">No nodes discovered yet.</p>
      ) : (
        <ul className="node-list" aria-label={`Nodes of ${connection.name}`}>
          {connection.nodes.map((n) => (
            <NodeRow key={n.id} node={n} />
          ))}
        </ul>
      )}
    </article>
  );
}

function NodeRow({ node }: { node: NodeSummary }) {
  const client = useClient();
  const { upsertNode } = useConnectionActions();
  const [action, run] = useAction();
  const stopped = node.status.state === 'stopped';
  const toggle = () =>
    run(async () => {
      const next = await client.invoke(stopped ? 'connections.startMonitoring' : 'connections.stopMonitoring', { nodeId: node.id });
      upsertNode(next);
    });

  return (
    <li className="node-row" data-node-id={node.id}>
      <a href={hrefs.node(node.id)} className="node-link">
        {node.hostPort}
      </a>
      <StatusBadge status={node.status} />
      {/* An absolute time stays true without re-rendering every second. */}
      <span className="muted since" title={formatDateTime(node.status.since)}>
        since {formatTime(node.status.since)}
      </span>
      <span className="muted server">{[node.server, node.version, node.setName ? `set ${node.setName}` : null].filter(Boolean).join(' · ')}</span>
      <button
        type="button"
        className="small"
        disabled={action.status === 'loading'}
        aria-label={`${stopped ? 'Start' : 'Stop'} monitoring ${node.hostPort}`}
        onClick={() => void toggle()}
      >
        {stopped ? 'Start monitoring' : 'Stop monitoring'}
      </button>
      {action.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={action.error} />
        </p>
      ) : null}
    </li>
  );
}
