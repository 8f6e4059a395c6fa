import { useCallback, useId, useMemo, useState } from 'react';
import type { NodeSummary } from '../../../src-shared/contract';
import { LoadingState } from '../../components/state-views';
import type { TimeRange } from '../../components/time-range';
import { TimeRangePicker } from '../../components/time-range-picker';
import { allNodes, useConnectionList } from '../connections';
import { ChartPanel, DASHBOARD_CHARTS, emptyLive, useEntitySeries, type ChartSpec, type LiveState } from '../dashboard';

/** Every metric a dashboard charts, with the chart it belongs to (for its unit and format). */
const CHOICES = DASHBOARD_CHARTS.flatMap((c) => c.series.map((s) => ({ value: `${c.key}|${s.metric}`, label: `${c.title} — ${s.label}`, chart: c, metric: s.metric })));

export interface ComparePageProps {
  now?: () => number;
}

/** One metric across chosen nodes, on one chart. */
export function ComparePage({ now = Date.now }: ComparePageProps) {
  const list = useConnectionList();
  const nodes = allNodes(list).map((e) => e.node);
  const [choice, setChoice] = useState(CHOICES.find((c) => c.metric === 'serverStatus.opcounters.query')!.value);
  const [picked, setPicked] = useState<string[] | null>(null);
  const [range, setRange] = useState<TimeRange>({ kind: 'live' });
  const metricId = useId();
  if (list.status !== 'ready') return <LoadingState>Loading nodes…</LoadingState>;
  // Until the user picks, compare every node.
  const chosen = nodes.filter((n) => (picked ?? nodes.map((x) => x.id)).includes(n.id));
  const c = CHOICES.find((x) => x.value === choice)!;
  const toggle = (id: string) => setPicked((p) => {
    const cur = p ?? nodes.map((x) => x.id);
    return cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id];
  });
  return (
    <div className="page compare-page">
      <h1>Compare</h1>
      <div className="compare-controls">
        <label htmlFor={metricId}>Metric</label>{' '}
        <select id={metricId} value={choice} onChange={(e) => setChoice(e.target.value)}>
          {CHOICES.map((x) => (
            <option key={x.value} value={x.value}>
              {x.label}
            </option>
          ))}
        </select>
        <fieldset className="compare-nodes">
          <legend>Nodes</legend>
          {nodes.length === 0 ? <p className="muted">No nodes yet: add a connection first.</p> : null}
          {nodes.map((n) => (
            <label key={n.id}>
              <input type="checkbox" checked={chosen.some((x) => x.id === n.id)} onChange={() => toggle(n.id)} /> {n.hostPort} <span className="muted">({n.deployment})</span>
            </label>
          ))}
        </fieldset>
      </div>
      <TimeRangePicker value={range} onChange={setRange} now={now} />
      {chosen.length > 0 ? <CompareChart key={`${c.metric}|${chosen.map((n) => n.id).join('|')}`} nodes={chosen} chart={c.chart} metric={c.metric} range={range} onRange={setRange} now={now} /> : null}
    </div>
  );
}

function CompareChart({ nodes, chart, metric, range, onRange, now }: { nodes: NodeSummary[]; chart: ChartSpec; metric: string; range: TimeRange; onRange: (r: TimeRange) => void; now: () => number }) {
  // The node list is fixed for this component's life (keyed by the parent): hooks in a stable order.
  const lives = nodes.map((n) => useEntitySeries(`node:${n.id}`, [metric], range, now).live); // eslint-disable-line react-hooks/rules-of-hooks
  const onBrush = useCallback((from: number, to: number) => onRange({ kind: 'custom', from, to }), [onRange]);
  const ids = nodes.map((n) => `${metric}@${n.id}`);
  const live = useMemo<LiveState>(() => {
    const base = emptyLive(ids, lives[0]?.windowMs);
    const series = { ...base.series };
    lives.forEach((l, i) => {
      const s = l.series[metric];
      if (s) series[ids[i]!] = { ...s, metric: ids[i]! };
    });
    const fixed = lives.find((l) => l.fixed)?.fixed;
    return { ...base, series, latestTs: Math.max(0, ...lives.map((l) => l.latestTs)), ...(fixed ? { fixed } : {}) };
  }, [lives, ids, metric]);
  const yAxis = chart.series.find((s) => s.metric === metric)?.yAxis ?? 0;
  const spec: ChartSpec = {
    ...chart,
    key: 'compare',
    title: `${chart.title}: ${chart.series.find((s) => s.metric === metric)?.label ?? metric}`,
    axes: [chart.axes[yAxis] ?? chart.axes[0]],
    alternatives: false,
    series: nodes.map((n, i) => ({ metric: ids[i]!, label: `${n.hostPort}${nodes.filter((x) => x.hostPort === n.hostPort).length > 1 ? ` (${n.deployment})` : ''}`, yAxis: 0 })),
  };
  return <ChartPanel spec={spec} live={live} hint="Samples appear at each poll." group="compare" onBrush={onBrush} />;
}
