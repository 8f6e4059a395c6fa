import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ConnectionSummary, ReplicationSnapshot } from '../../../src-shared/contract';
import type { ChartPoint } from '../../../src-shared/domain/samples';
import { useClient } from '../../client';
import { ConnectionNotFound, LoadingState } from '../../components/state-views';
import type { TimeRange } from '../../components/time-range';
import { TimeRangePicker } from '../../components/time-range-picker';
import { formatDuration } from '../../lib/format';
import { useConnectionList } from '../connections';
import { ChartPanel, MEMBER_STATES, emptyLive, formatValue, risesOf, useEntitySeries, type ChartMarker, type ChartSpec, type LiveState } from '../dashboard';
import { dashboardHrefs } from '../dashboards';

const LAG = 'replSetGetStatus.lagMs';
const STATE = 'replSetGetStatus.myState';
const TERM = 'replSetGetStatus.term';
const WINDOW = 'oplog.windowSecs';
const METRICS = [LAG, STATE, TERM, WINDOW];

export interface ReplicationPageProps {
  connectionId: string;
  now?: () => number;
}

/**
 * A replica set over time: lag per secondary, each member's state (elections marked where the term
 * changed), the oplog window; and the set as its members last described it.
 */
export function ReplicationPage({ connectionId, now = Date.now }: ReplicationPageProps) {
  const list = useConnectionList();
  const [range, setRange] = useState<TimeRange>({ kind: 'live' });
  if (list.status !== 'ready') return <LoadingState>Loading…</LoadingState>;
  const conn = list.connections.find((c) => c.id === connectionId);
  if (!conn) return <ConnectionNotFound connectionId={connectionId} />;
  return (
    <div className="page replication-page">
      <h1>{conn.name}: replication</h1>
      <p className="muted">
        <a href={dashboardHrefs.cluster(conn.id)}>Cluster dashboard</a>
      </p>
      <TimeRangePicker value={range} onChange={setRange} now={now} />
      <MembersTable conn={conn} />
      {/* One hook per member (members are fixed while the page shows): React keys by connection. */}
      <ReplicationCharts key={conn.nodes.map((n) => n.id).join('|')} conn={conn} range={range} onRange={setRange} now={now} />
    </div>
  );
}

function useMembersSeries(conn: ConnectionSummary, range: TimeRange, now: () => number): LiveState[] {
  // The member list is fixed for this component's life (see the key above): hooks in a stable order.
  return conn.nodes.map((n) => useEntitySeries(`node:${n.id}`, METRICS, range, now).live); // eslint-disable-line react-hooks/rules-of-hooks
}

/** One chart holding one metric of every member: each member's series renamed to its metric@member. */
function combine(conn: ConnectionSummary, lives: LiveState[], metric: string): { live: LiveState; spec: Omit<ChartSpec, 'key' | 'title' | 'axes' | 'format' | 'group'> } {
  const ids = conn.nodes.map((n) => `${metric}@${n.hostPort}`);
  const base = emptyLive(ids, lives[0]?.windowMs);
  const series = { ...base.series };
  let latestTs = 0;
  lives.forEach((l, i) => {
    const s = l.series[metric];
    if (s) series[ids[i]!] = { ...s, metric: ids[i]! };
    latestTs = Math.max(latestTs, l.latestTs);
  });
  const fixed = lives.find((l) => l.fixed)?.fixed;
  return {
    live: { ...base, series, latestTs, gaps: [], resets: [], ...(fixed ? { fixed } : {}) },
    spec: { series: conn.nodes.map((n, i) => ({ metric: ids[i]!, label: n.hostPort, yAxis: 0 as const })) },
  };
}

function ReplicationCharts({ conn, range, onRange, now }: { conn: ConnectionSummary; range: TimeRange; onRange: (r: TimeRange) => void; now: () => number }) {
  const lives = useMembersSeries(conn, range, now);
  const onBrush = useCallback((from: number, to: number) => onRange({ kind: 'custom', from, to }), [onRange]);
  const group = `replication:${conn.id}`;
  const lag = useMemo(() => combine(conn, lives, LAG), [conn, lives]);
  const state = useMemo(() => combine(conn, lives, STATE), [conn, lives]);
  const window = useMemo(() => combine(conn, lives, WINDOW), [conn, lives]);
  // An election is a new term seen by any member; each is marked once.
  const elections = useMemo<ChartMarker[]>(() => {
    const seen = new Map<number, number>();
    for (const l of lives) {
      const terms: ChartPoint[] = l.series[TERM]?.points ?? [];
      for (const m of risesOf(terms, 'election')) {
        const term = terms.find(([ts]) => ts === m.ts)?.[1];
        if (term !== null && term !== undefined && (!seen.has(term) || seen.get(term)! > m.ts)) seen.set(term, m.ts);
      }
    }
    return [...seen].sort((a, b) => a[1] - b[1]).map(([term, ts]) => ({ ts, label: `election (term ${term})` }));
  }, [lives]);
  const hint = 'Samples appear as replSetGetStatus is polled.';
  return (
    <div className="chart-grid">
      <ChartPanel spec={{ key: 'repl-lag', group: 'replication', title: 'Replication lag per secondary', axes: ['lag'], format: 'ms', ...lag.spec }} live={lag.live} hint={hint} group={group} onBrush={onBrush} />
      <ChartPanel
        spec={{ key: 'member-states', group: 'replication', title: 'Member states', axes: ['state'], format: 'state', step: true, ...state.spec }}
        live={state.live}
        hint={hint}
        group={group}
        onBrush={onBrush}
        markers={elections}
      />
      <ChartPanel spec={{ key: 'oplog-window', group: 'replication', title: 'Oplog window', axes: ['window'], format: 'seconds', ...window.spec }} live={window.live} hint="The oplog window is read every minute." group={group} onBrush={onBrush} />
    </div>
  );
}

function MembersTable({ conn }: { conn: ConnectionSummary }) {
  const client = useClient();
  const [snaps, setSnaps] = useState<Record<string, ReplicationSnapshot | null>>({});
  const ids = conn.nodes.map((n) => n.id).join('|');
  useEffect(() => {
    let live = true;
    const load = () =>
      void Promise.all(ids.split('|').map((nodeId) => client.invoke('metrics.replication', { nodeId: nodeId as never }).catch(() => null))).then(
        (all) => live && setSnaps(Object.fromEntries(ids.split('|').map((id, i) => [id, all[i] ?? null]))),
      );
    load();
    const t = setInterval(load, 5000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [client, ids]);
  // The freshest view of the set: whichever member answered last.
  const latest = Object.values(snaps).reduce<ReplicationSnapshot | null>((a, s) => (s && (!a || s.at > a.at) ? s : a), null);
  if (!latest) return <p className="muted">Waiting for the members to describe the set (replSetGetStatus)…</p>;
  return (
    <table className="members-table" data-testid="members-table">
      <caption>
        Set {latest.set}, term {latest.term}
        {latest.oplogWindowSecs !== null ? `, oplog window ${formatDuration(latest.oplogWindowSecs * 1000)}` : ''}
      </caption>
      <thead>
        <tr>
          <th scope="col">Member</th>
          <th scope="col">State</th>
          <th scope="col">Health</th>
          <th scope="col">Lag</th>
          <th scope="col">Syncs from</th>
        </tr>
      </thead>
      <tbody>
        {latest.members.map((m) => (
          <tr key={m.name} data-member={m.name} data-state={m.stateStr}>
            <th scope="row">{m.name}</th>
            <td>{MEMBER_STATES[m.state] ?? m.stateStr}</td>
            <td>{m.health === 1 ? 'up' : 'down'}</td>
            <td>{m.lagMs === null ? '—' : formatValue('ms', m.lagMs)}</td>
            <td>{m.syncSource ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
