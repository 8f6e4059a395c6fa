import { useCallback, useEffect, useState } from 'react';
import type { NodeSummary, PollStatus } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient, useTransportState } from '../../client';
import { EmptyState, ErrorText } from '../../components/state-views';
import { StatusBadge } from '../../components/status-badge';
import type { TimeRange } from '../../components/time-range';
import { TimeRangePicker } from '../../components/time-range-picker';
import { hrefs } from '../../lib/hrefs';
import { useConnectionActions, useNodeEntry } from '../connections';
import { DashboardView, emptyHint } from '../dashboard';
import { dashboardHrefs } from '../dashboards';
import { TimelineLane } from '../timeline';

export interface NodePageProps {
  nodeId: string;
  /** The clock for the backfill window; must be a stable function. */
  now?: () => number;
  /** The range the page opens on (an FTDC import's), instead of live. */
  initialRange?: TimeRange;
}

/** One node's dashboard: every group of charts over one time range, with one crosshair. */
export function NodePage({ nodeId, now = Date.now, initialRange }: NodePageProps) {
  const entry = useNodeEntry(nodeId);
  const { epoch } = useTransportState();
  const [attempt, setAttempt] = useState(0);
  const [range, setRange] = useState<TimeRange>(initialRange ?? { kind: 'live' });

  if (entry === null) {
    return (
      <div className="page node-page">
        <h1>Node not found</h1>
        <EmptyState title={`${nodeId} is not among your connections.`}>
          <p>
            It may have been removed. <a href={hrefs.connections}>Go to Connections</a> to add it again.
          </p>
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="page node-page">
      <NodeHeader nodeId={nodeId} node={entry?.node} />
      <TimeRangePicker value={range} onChange={setRange} now={now} />
      {/* A new connection to the core, or Retry, starts over: backfill again, then follow live. */}
      <DashboardView
        key={`${epoch}:${attempt}`}
        entity={`node:${nodeId}`}
        range={range}
        onRange={setRange}
        hint={emptyHint(entry?.node)}
        now={now}
        group={`node:${nodeId}`}
        onRetry={() => setAttempt((a) => a + 1)}
      />
      <TimelineLane nodeId={nodeId} range={range} onRange={setRange} group={`node:${nodeId}`} now={now} />
    </div>
  );
}

type ToggleState = { status: 'idle' } | { status: 'loading' } | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

function NodeHeader({ nodeId, node }: { nodeId: string; node: NodeSummary | undefined }) {
  const client = useClient();
  const { upsertNode } = useConnectionActions();
  const [toggle, setToggle] = useState<ToggleState>({ status: 'idle' });
  const [poll, setPoll] = useState<PollStatus | null>(null);
  const stopped = node?.status.state === 'stopped' && !poll?.paused;

  useEffect(() => {
    let live = true;
    client.invoke('metrics.pollStatus', { nodeId }).then(
      (p) => live && setPoll(p),
      () => undefined,
    );
    const off = client.on('metrics.pollStatus', (p) => p.nodeId === nodeId && setPoll(p));
    return () => {
      live = false;
      off();
    };
  }, [client, nodeId]);

  const run = useCallback(
    async (fn: () => Promise<void>) => {
      setToggle({ status: 'loading' });
      try {
        await fn();
        setToggle({ status: 'idle' });
      } catch (e) {
        setToggle({ status: 'error', error: toBaleenError(e) });
      }
    },
    [],
  );
  const onToggle = () =>
    run(async () => {
      if (!node) return;
      upsertNode(await client.invoke(stopped ? 'connections.startMonitoring' : 'connections.stopMonitoring', { nodeId: node.id }));
    });
  const onPause = () => run(async () => setPoll(await client.invoke(poll?.paused ? 'metrics.resume' : 'metrics.pause', { nodeId })));

  return (
    <header className="node-head">
      <div>
        <h1>{node?.hostPort ?? nodeId.slice(nodeId.indexOf('/') + 1)}</h1>
        <p className="muted">
          {node
            ? [node.deployment, node.setName ? `set ${node.setName}` : null, node.server, node.version].filter(Boolean).join(' · ')
            : 'Loading node…'}
        </p>
        {node ? (
          <p className="node-links">
            <a href={dashboardHrefs.cluster(node.connectionId)}>Cluster dashboard</a>
            {node.setName ? (
              <>
                {' · '}
                <a href={dashboardHrefs.replication(node.connectionId)}>Replication</a>
              </>
            ) : null}
            {' · '}
            <a href={dashboardHrefs.collections(node.id)}>Hot collections</a>
          </p>
        ) : null}
        {poll ? (
          <p className="poll-sources" aria-label="Poll sources">
            {poll.sources.map((s) => (
              <span key={s.source} data-source={s.source} data-state={s.state} title={s.reason}>
                {s.source} every {s.intervalMs >= 1000 ? `${s.intervalMs / 1000} s` : `${s.intervalMs} ms`}
                {s.state !== 'on' ? ` (${s.state}${s.reason ? `: ${s.reason}` : ''})` : ''}
                {s.skipped > 0 ? `, ${s.skipped} skipped` : ''}
                {'; '}
              </span>
            ))}
          </p>
        ) : null}
      </div>
      {node ? (
        <div className="actions">
          <StatusBadge status={node.status} />
          {node.status.state !== 'stopped' || poll?.paused ? (
            <button type="button" disabled={toggle.status === 'loading'} onClick={() => void onPause()}>
              {poll?.paused ? 'Resume monitoring' : 'Pause monitoring'}
            </button>
          ) : null}
          <button type="button" disabled={toggle.status === 'loading'} onClick={() => void onToggle()}>
            {stopped ? 'Start monitoring' : 'Stop monitoring'}
          </button>
        </div>
      ) : null}
      {toggle.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={toggle.error} />
        </p>
      ) : null}
    </header>
  );
}
