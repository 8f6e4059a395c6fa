import { useCallback, useMemo, useState } from 'react';
import type { MetricGroup } from '../../../src-shared/domain/metrics/catalogue';
import { LoadingState, ErrorState } from '../../components/state-views';
import type { TimeRange } from '../../components/time-range';
import { risesOf } from './chart-options';
import { DASHBOARD_GROUPS, metricsOfCharts } from './chart-specs';
import { ChartPanel } from './chart-panel';
import { HotCollections } from './hot-collections';
import { useEntitySeries } from './use-entity-series';
import './dashboard.css';

/** The term is not charted but marks elections on the member-state chart. */
const TERM = 'replSetGetStatus.term';

export interface DashboardViewProps {
  entity: string;
  range: TimeRange;
  /** A brushed span becomes the page's custom range. */
  onRange: (range: TimeRange) => void;
  hint: string;
  now?: () => number;
  /** Crosshair group shared by every chart of the page. */
  group: string;
  onRetry?: () => void;
}

/** Every group of a node's dashboard, each chart sharing the page's range, crosshair and zoom. */
export function DashboardView({ entity, range, onRange, hint, now = Date.now, group, onRetry }: DashboardViewProps) {
  const [shown, setShown] = useState<MetricGroup | 'all'>('all');
  const groups = useMemo(() => DASHBOARD_GROUPS.filter((g) => shown === 'all' || g.group === shown), [shown]);
  const metrics = useMemo(() => [...metricsOfCharts(groups.flatMap((g) => g.charts)), ...(groups.some((g) => g.group === 'replication') ? [TERM] : [])], [groups]);
  const view = useEntitySeries(entity, metrics, range, now);
  const onBrush = useCallback((from: number, to: number) => onRange({ kind: 'custom', from, to }), [onRange]);
  const elections = useMemo(() => risesOf(view.live.series[TERM]?.points ?? [], 'election'), [view.live]);

  return (
    <>
      <nav className="group-nav" aria-label="Dashboard groups">
        <button type="button" aria-pressed={shown === 'all'} onClick={() => setShown('all')}>
          All groups
        </button>
        {DASHBOARD_GROUPS.map((g) => (
          <button key={g.group} type="button" aria-pressed={shown === g.group} onClick={() => setShown(g.group)}>
            {g.label}
          </button>
        ))}
      </nav>
      {view.status === 'loading' ? <LoadingState>Loading…</LoadingState> : null}
      {view.status === 'error' ? <ErrorState title="Could not load this node's history. Live samples still appear below." error={view.error} {...(onRetry ? { onRetry } : {})} /> : null}
      {groups.map((g) => (
        <section key={g.group} className="dash-group" aria-label={g.label} data-group={g.group}>
          <h2 className="dash-group-title">{g.label}</h2>
          <div className="chart-grid">
            {g.charts.map((spec) => (
              <ChartPanel key={spec.key} spec={spec} live={view.live} hint={hint} group={group} onBrush={onBrush} headingLevel={3} {...(spec.key === 'member-state' ? { markers: elections } : {})} />
            ))}
            {g.group === 'collectionStats' ? <HotCollections entity={entity} range={range} now={now} /> : null}
          </div>
        </section>
      ))}
    </>
  );
}
