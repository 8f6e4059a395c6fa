import { useCallback, useMemo, useState } from 'react';
import type { ConnectionSummary, NodeSummary } from '../../../src-shared/contract';
import type { MetricGroup } from '../../../src-shared/domain/metrics/catalogue';
import { ConnectionNotFound, LoadingState } from '../../components/state-views';
import { StatusBadge } from '../../components/status-badge';
import type { TimeRange } from '../../components/time-range';
import { TimeRangePicker } from '../../components/time-range-picker';
import { hrefs } from '../../lib/hrefs';
import { useConnectionList } from '../connections';
import { ChartPanel, DASHBOARD_GROUPS, emptyHint, metricsOfCharts, risesOf, useEntitySeries, type ChartSpec } from '../dashboard';
import { dashboardHrefs } from '../dashboards';

const TERM = 'replSetGetStatus.term';

export interface ClusterPageProps {
  connectionId: string;
  now?: () => number;
}

/** All members of a deployment side by side, one group of charts at a time, one range and crosshair. */
export function ClusterPage({ connectionId, now = Date.now }: ClusterPageProps) {
  const list = useConnectionList();
  const [range, setRange] = useState<TimeRange>({ kind: 'live' });
  const [group, setGroup] = useState<MetricGroup>('qps');
  if (list.status !== 'ready') return <LoadingState>Loading…</LoadingState>;
  const conn = list.connections.find((c) => c.id === connectionId);
  if (!conn) return <ConnectionNotFound connectionId={connectionId} />;
  return (
    <div className="page cluster-page">
      <h1>{conn.name}: cluster dashboard</h1>
      <p className="muted">
        {conn.nodes.length} member{conn.nodes.length === 1 ? '' : 's'}
        {conn.nodes[0]?.setName ? (
          <>
            {' · '}
            <a href={dashboardHrefs.replication(conn.id)}>Replication</a>
          </>
        ) : null}
      </p>
      <TimeRangePicker value={range} onChange={setRange} now={now} />
      <nav className="group-nav" aria-label="Dashboard groups">
        {DASHBOARD_GROUPS.filter((g) => g.charts.length > 0).map((g) => (
          <button key={g.group} type="button" aria-pressed={group === g.group} onClick={() => setGroup(g.group)}>
            {g.label}
          </button>
        ))}
      </nav>
      <ClusterGroup conn={conn} group={group} range={range} onRange={setRange} now={now} />
    </div>
  );
}

function ClusterGroup({ conn, group, range, onRange, now }: { conn: ConnectionSummary; group: MetricGroup; range: TimeRange; onRange: (r: TimeRange) => void; now: () => number }) {
  const charts = DASHBOARD_GROUPS.find((g) => g.group === group)?.charts ?? [];
  const style = useMemo(() => ({ ['--members' as string]: String(Math.max(1, conn.nodes.length)) }), [conn.nodes.length]);
  return (
    <section aria-label={`${group} by member`}>
      <div className="cluster-row cluster-heads" style={style}>
        {conn.nodes.map((n) => (
          <div key={n.id} className="cluster-member" data-node-id={n.id}>
            <a href={hrefs.node(n.id)}>{n.hostPort}</a> <StatusBadge status={n.status} showReason={false} />
          </div>
        ))}
      </div>
      {charts.map((spec) => (
        <div key={spec.key} className="cluster-row" style={style}>
          {conn.nodes.map((n) => (
            <MemberChart key={n.id} node={n} spec={spec} range={range} onRange={onRange} now={now} group={`cluster:${conn.id}`} />
          ))}
        </div>
      ))}
    </section>
  );
}

function MemberChart({ node, spec, range, onRange, now, group }: { node: NodeSummary; spec: ChartSpec; range: TimeRange; onRange: (r: TimeRange) => void; now: () => number; group: string }) {
  const metrics = useMemo(() => [...metricsOfCharts([spec]), ...(spec.key === 'member-state' ? [TERM] : [])], [spec]);
  const view = useEntitySeries(`node:${node.id}`, metrics, range, now);
  const onBrush = useCallback((from: number, to: number) => onRange({ kind: 'custom', from, to }), [onRange]);
  const markers = useMemo(() => (spec.key === 'member-state' ? risesOf(view.live.series[TERM]?.points ?? [], 'election') : undefined), [spec.key, view.live]);
  return (
    <ChartPanel
      spec={spec}
      live={view.live}
      hint={emptyHint(node)}
      group={group}
      onBrush={onBrush}
      title={`${spec.title} · ${node.hostPort}`}
      testSuffix={node.hostPort}
      headingLevel={3}
      {...(markers ? { markers } : {})}
    />
  );
}
