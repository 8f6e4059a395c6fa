import { useId, useMemo, useState } from 'react';
import type { NodeSummary } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient, useTransportState } from '../../client';
import { Chart } from '../../components/chart';
import { EmptyState, ErrorState, ErrorText, LoadingState } from '../../components/state-views';
import { StatusBadge } from '../../components/status-badge';
import { useColorScheme } from '../../lib/color-scheme';
import { hrefs } from '../../lib/hrefs';
import { useConnectionActions, useNodeEntry } from '../connections';
import { buildChartOption, chartModel, formatValue, unavailableNote, type ChartModel } from './chart-options';
import { NODE_CHARTS, type ChartSpec } from './chart-specs';
import type { LiveState } from './live-series';
import { useNodeMetrics } from './use-node-metrics';

export interface NodePageProps {
  nodeId: string;
  /** The clock for the backfill window; must be a stable function. */
  now?: () => number;
}

export function NodePage({ nodeId, now = Date.now }: NodePageProps) {
  const entry = useNodeEntry(nodeId);
  const { epoch } = useTransportState();
  const [attempt, setAttempt] = useState(0);

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
      {/* A new connection to the core, or Retry, starts over: backfill again, then follow live. */}
      <NodeCharts key={`${epoch}:${attempt}`} nodeId={nodeId} node={entry?.node} now={now} onRetry={() => setAttempt((a) => a + 1)} />
    </div>
  );
}

type ToggleState = { status: 'idle' } | { status: 'loading' } | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

function NodeHeader({ nodeId, node }: { nodeId: string; node: NodeSummary | undefined }) {
  const client = useClient();
  const { upsertNode } = useConnectionActions();
  const [toggle, setToggle] = useState<ToggleState>({ status: 'idle' });
  const stopped = node?.status.state === 'stopped';

  async function onToggle() {
    if (!node) return;
    setToggle({ status: 'loading' });
    try {
      upsertNode(await client.invoke(stopped ? 'connections.startMonitoring' : 'connections.stopMonitoring', { nodeId: node.id }));
      setToggle({ status: 'idle' });
    } catch (e) {
      setToggle({ status: 'error', error: toBaleenError(e) });
    }
  }

  return (
    <header className="node-head">
      <div>
        <h1>{node?.hostPort ?? nodeId.slice(nodeId.indexOf('/') + 1)}</h1>
        <p className="muted">
          {node
            ? [node.deployment, node.setName ? `set ${node.setName}` : null, node.server, node.version].filter(Boolean).join(' · ')
            : 'Loading node…'}
        </p>
      </div>
      {node ? (
        <div className="actions">
          <StatusBadge status={node.status} />
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

/** What an empty chart says, from the node's state: the user should know why nothing arrives. */
function emptyHint(node: NodeSummary | undefined): string {
  switch (node?.status.state) {
    case 'stopped':
      return 'Monitoring is stopped: start it to collect samples.';
    case 'unreachable':
      return `The node is unreachable${node.status.reason ? `: ${node.status.reason}` : ''}.`;
    case 'auth-failed':
      return 'Authentication failed: fix the credentials in the connection.';
    case 'not-authorized':
      return 'The user may not run serverStatus: grant it clusterMonitor.';
    case 'connecting':
      return 'Connecting to the node…';
    default:
      return 'Samples appear at each poll.';
  }
}

function NodeCharts({ nodeId, node, now, onRetry }: { nodeId: string; node: NodeSummary | undefined; now: () => number; onRetry: () => void }) {
  const view = useNodeMetrics(nodeId, now);
  const hint = emptyHint(node);
  return (
    <>
      {view.status === 'loading' ? <LoadingState>Loading the last 15 minutes…</LoadingState> : null}
      {view.status === 'error' ? (
        <ErrorState title="Could not load this node's history. Live samples still appear below." error={view.error} onRetry={onRetry} />
      ) : null}
      <div className="chart-grid">
        {NODE_CHARTS.map((spec) => (
          <ChartPanel key={spec.key} spec={spec} live={view.live} hint={hint} />
        ))}
      </div>
    </>
  );
}

function summary(model: ChartModel): string {
  const latest = model.series.map((s) => {
    for (let i = s.points.length - 1; i >= 0; i--) {
      const v = s.points[i]![1];
      if (v !== null) return `${s.label} ${formatValue(model.format, v)}`;
    }
    return null;
  });
  const parts = latest.filter((x): x is string => x !== null);
  return `${model.title}: ${parts.length ? `latest ${parts.join(', ')}` : (unavailableNote(model) ?? 'no samples yet')}`;
}

function ChartPanel({ spec, live, hint }: { spec: ChartSpec; live: LiveState; hint: string }) {
  const dark = useColorScheme() === 'dark';
  const model = useMemo(() => chartModel(spec, live), [spec, live]);
  const option = useMemo(() => buildChartOption(model, { dark, emptyHint: hint }), [model, dark, hint]);
  const note = unavailableNote(model);
  const titleId = useId();
  return (
    <section className="chart-panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{spec.title}</h2>
      <Chart
        option={option}
        label={summary(model)}
        testId={`chart-${spec.key}`}
        data={{
          'data-points': String(model.plotted),
          'data-last-ts': String(model.lastTs ?? 0),
          'data-unavailable': model.unavailable.map((u) => u.metric).join(' '),
        }}
      />
      {note ? <p className="chart-note">{note}</p> : null}
    </section>
  );
}
