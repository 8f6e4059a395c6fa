import { useEffect, useId, useState, type ReactNode } from 'react';
import { SSH_SECRET_KIND, type ConnectionDetail, type ConnectionSummary, type NodeSummary, type SECRET_KINDS, type SecretStatus, type SecretStorage, type TestResult } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { EmptyState, ErrorState, ErrorText, LoadingState } from '../../components/state-views';
import { StatusBadge } from '../../components/status-badge';
import { formatDateTime, formatTime } from '../../lib/format';
import { hrefs } from '../../lib/hrefs';
import { redactUri } from '../../lib/redact-uri';
import { AddConnectionForm } from './add-connection-form';
import { CapabilityMatrixView } from './capability-matrix';
import { ConnectionTestPanel } from './connection-test-panel';
import { useConnectionActions, useConnectionList } from './connections-context';
import { HostKeyPrompt } from './host-key-prompt';
import { ExportDialog, ImportDialog } from './import-export';
import { ProfileEditor } from './profile-editor';
import { TopologyView } from './topology-view';
import './connections.css';

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

/** Where secrets are kept: said once, plainly, when it is not the OS keychain (SEC-C2). */
function SecretStorageBanner() {
  const client = useClient();
  const [storage, setStorage] = useState<SecretStorage | null>(null);
  useEffect(() => {
    let live = true;
    client.invoke('connections.secretStorage', {}).then(
      (s) => live && setStorage(s),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client]);
  if (!storage || storage.persistent) return null;
  return (
    <p className="banner banner-warn" role="status">
      Passwords are kept for this session only: {storage.reason}. You will be asked for them again after Baleen restarts.
    </p>
  );
}

export function ConnectionsPage({ emptyActions }: ConnectionsPageProps) {
  const list = useConnectionList();
  const { load } = useConnectionActions();
  const [dialog, setDialog] = useState<'import' | 'export' | null>(null);
  return (
    <div className="page connections-page">
      <h1>Connections</h1>
      <SecretStorageBanner />
      <div className="actions page-actions">
        <button type="button" onClick={() => setDialog(dialog === 'import' ? null : 'import')}>
          Import…
        </button>
        <button type="button" onClick={() => setDialog(dialog === 'export' ? null : 'export')}>
          Export…
        </button>
      </div>
      {dialog === 'import' ? <ImportDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'export' ? <ExportDialog onClose={() => setDialog(null)} /> : null}
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

const SECRET_LABEL: Record<(typeof SECRET_KINDS)[number], string> = {
  'mongodb-password': 'Password',
  'tls-key-password': 'Client key passphrase',
  'aws-session-token': 'AWS session token',
  'proxy-password': 'Proxy password',
};

/** `ssh-password:2` → "SSH password (hop 2)". */
function secretLabel(kind: SecretStatus['kind']): string {
  const ssh = SSH_SECRET_KIND.exec(kind);
  if (ssh) return `SSH ${ssh[1] === 'password' ? 'password' : 'key passphrase'} (hop ${ssh[2]})`;
  return SECRET_LABEL[kind as (typeof SECRET_KINDS)[number]] ?? kind;
}

const TUNNEL_TEXT: Record<NonNullable<ConnectionSummary['tunnel']>['state'], string> = {
  idle: 'not open',
  connecting: 'connecting',
  ready: 'open',
  unreachable: 'unreachable',
  'ssh-auth-failed': 'login failed',
  'host-key-unknown': 'host key unknown',
  'host-key-changed': 'host key changed',
  'host-key-revoked': 'host key revoked',
  failed: 'failed',
  closed: 'closed',
};

const describeHopsOf = (c: ConnectionSummary) => (c.sshHops ?? []).map((h) => `${h.username}@${h.host}:${h.port}`).join(' → ');

function secretText(s: SecretStatus): string {
  if (s.state === 'keychain') return 'saved in keychain';
  if (s.state === 'session') return `session only — ${s.reason ?? 'not kept after Baleen quits'}`;
  if (s.state === 'unreadable') return `unreadable — ${s.reason ?? 'enter it again'}`;
  return s.reason ? `not set — ${s.reason}` : 'not set';
}

function ConnectionCard({ connection }: { connection: ConnectionSummary }) {
  const client = useClient();
  const { removeLocal, upsert } = useConnectionActions();
  const [confirming, setConfirming] = useState(false);
  const [removal, runRemoval] = useAction();
  const [action, runAction] = useAction();
  const [editing, setEditing] = useState<ConnectionDetail | null>(null);
  const [test, setTest] = useState<TestResult | null>(null);
  const titleId = useId();
  const connected = connection.connected ?? connection.nodes.length > 0;

  const remove = () =>
    runRemoval(async () => {
      await client.invoke('connections.remove', { id: connection.id });
      removeLocal(connection.id);
    });

  return (
    <article className={`connection-card color-${connection.color ?? 'none'}`} aria-labelledby={titleId} data-connection-id={connection.id}>
      <header className="connection-head">
        <div>
          <h2 id={titleId}>{connection.name}</h2>
          <p className="connection-meta">
            {connection.group ? <span className="tag tag-group">{connection.group}</span> : null}
            {(connection.tags ?? []).map((t) => (
              <span key={t} className="tag">
                {t}
              </span>
            ))}
            {connection.insecureTls ? (
              <span className="badge badge-insecure" title={connection.insecureTls.flags.join(', ')}>
                TLS checks off{connection.insecureTls.confirmed ? '' : ' (not confirmed)'}
              </span>
            ) : null}
            {connection.sshHops?.length ? (
              <span className={`badge badge-tunnel tunnel-${connection.tunnel?.state ?? 'idle'}`} data-tunnel-state={connection.tunnel?.state ?? 'idle'} title={connection.tunnel?.reason ?? describeHopsOf(connection)}>
                via {connection.sshHops.length} SSH hop{connection.sshHops.length === 1 ? '' : 's'}
                {connection.tunnel ? `: ${TUNNEL_TEXT[connection.tunnel.state]}` : ''}
                {connection.tunnel?.state === 'ready' && connection.tunnel.hops.length ? ` (${connection.tunnel.hops.map((h) => `hop ${h.hop} ${h.ms} ms`).join(', ')})` : ''}
              </span>
            ) : null}
            {!connected ? <span className="badge badge-stopped">not connected</span> : null}
          </p>
          <code className="uri">{redactUri(connection.uri)}</code>
          {connection.secrets?.length ? (
            <ul className="secret-list" aria-label={`Secrets of ${connection.name}`}>
              {connection.secrets.map((s) => (
                <li key={s.kind} data-secret-state={s.state}>
                  {secretLabel(s.kind)}: {secretText(s)}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        <div className="actions">
          <button
            type="button"
            aria-label={`Edit ${connection.name}`}
            onClick={() =>
              void runAction(async () => {
                setEditing(editing ? null : await client.invoke('connections.get', { id: connection.id }));
              })
            }
          >
            Edit
          </button>
          <button
            type="button"
            aria-label={`Test ${connection.name}`}
            disabled={action.status === 'loading'}
            onClick={() =>
              void runAction(async () => {
                setTest(null);
                setTest(await client.invoke('connections.test', { id: connection.id }));
              })
            }
          >
            Test
          </button>
          {connected ? (
            <button type="button" aria-label={`Disconnect ${connection.name}`} disabled={action.status === 'loading'} onClick={() => void runAction(async () => upsert(await client.invoke('connections.disconnect', { id: connection.id })))}>
              Disconnect
            </button>
          ) : (
            <button type="button" aria-label={`Connect ${connection.name}`} disabled={action.status === 'loading'} onClick={() => void runAction(async () => upsert(await client.invoke('connections.connect', { id: connection.id })))}>
              Connect
            </button>
          )}
          {connected && connection.discover ? (
            <button type="button" aria-label={`Find the members of ${connection.name} again`} disabled={action.status === 'loading'} onClick={() => void runAction(async () => upsert(await client.invoke('connections.rediscover', { id: connection.id })))}>
              Rediscover
            </button>
          ) : null}
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
      {action.status === 'loading' ? (
        <p role="status" className="muted">
          Working…
        </p>
      ) : null}
      {action.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={action.error} />
        </p>
      ) : null}
      {editing ? <ProfileEditor mode={{ kind: 'edit', detail: editing }} onDone={() => setEditing(null)} onCancel={() => setEditing(null)} /> : null}
      {test ? <ConnectionTestPanel result={test} /> : null}
      {connection.tunnel?.reason && connection.tunnel.state !== 'ready' ? (
        <p className="tunnel-reason muted" data-tunnel-reason>
          SSH tunnel: {connection.tunnel.reason}
        </p>
      ) : null}
      {/* A key problem is shown once per connection (its nodes all wait on the same tunnel). */}
      {connection.tunnel?.ssh?.hostKey ? <HostKeyPrompt problem={connection.tunnel.ssh.hostKey} /> : null}
      {connection.topology ? <TopologyView topology={connection.topology} name={connection.name} /> : null}
      {connection.nodes.length === 0 ? (
        <p className="muted">{connected ? 'No nodes discovered yet.' : 'Not connected: press Connect to find its nodes and start monitoring.'}</p>
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
      <span className="muted server">
        {[node.role, node.shard ? `shard ${node.shard}` : null, node.server, node.version, node.setName ? `set ${node.setName}` : null].filter(Boolean).join(' · ')}
      </span>
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
      {node.capabilities ? <CapabilityMatrixView matrix={node.capabilities} node={node.hostPort} /> : null}
    </li>
  );
}
