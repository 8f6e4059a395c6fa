import { useMemo, useState } from 'react';
import type { SeriesInfo } from './series-filter';
import { metricDef } from '../../../src-shared/domain/metrics/catalogue';
import { useClient } from '../../client';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { formatCompact, formatDateTime } from '../../lib/format';
import { ChartPanel, useEntitySeries, type ChartSpec } from '../dashboard';
import { useLoad } from '../host';
import { filterSeries } from './series-filter';

/** Every series an entity has (FTDC-only ones too: oplog stats, replSetGetStatus, transport layer…), each chartable. */
export function SeriesBrowserPage({ entity }: { entity: string }) {
  const client = useClient();
  const state = useLoad((signal) => client.invoke('metrics.listSeries', { entity }, { signal }), `series:${entity}`);
  const [q, setQ] = useState('');
  const [picked, setPicked] = useState<SeriesInfo | null>(null);
  const shown = useMemo(() => (state.status === 'ready' ? filterSeries(state.value, q) : []), [state, q]);
  return (
    <div className="page series-browser">
      <h1>Series of {entity}</h1>
      {state.status === 'loading' ? <LoadingState>Loading series…</LoadingState> : null}
      {state.status === 'error' ? <ErrorState title="Could not list the series." error={state.error} /> : null}
      {state.status === 'ready' && state.value.length === 0 ? <EmptyState title="No stored series for this entity." /> : null}
      {picked ? <SeriesChart key={picked.metric} entity={entity} info={picked} /> : null}
      {state.status === 'ready' && state.value.length > 0 ? (
        <>
          <div className="field series-filter">
            <label htmlFor="series-filter">Filter</label>
            <input id="series-filter" type="search" value={q} placeholder="e.g. oplog, repl, wiredTiger.cache" onChange={(e) => setQ(e.target.value)} />
            <p className="muted" role="status">
              {shown.length} of {state.value.length} series
            </p>
          </div>
          <table className="overview-table series-table">
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Kind</th>
                <th scope="col">Samples</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
              </tr>
            </thead>
            <tbody>
              {shown.slice(0, 500).map((s) => (
                <tr key={s.metric} aria-selected={picked?.metric === s.metric}>
                  <th scope="row">
                    <button type="button" onClick={() => setPicked(s)}>
                      {s.metric}
                    </button>
                  </th>
                  <td>{metricDef(s.metric)?.kind ?? 'value'}</td>
                  <td>{formatCompact(s.count)}</td>
                  <td>{s.first !== null ? formatDateTime(s.first) : '—'}</td>
                  <td>{s.last !== null ? formatDateTime(s.last) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length > 500 ? <p className="muted">The first 500 are listed: narrow the filter.</p> : null}
        </>
      ) : null}
    </div>
  );
}

function SeriesChart({ entity, info }: { entity: string; info: SeriesInfo }) {
  const def = metricDef(info.metric);
  const spec: ChartSpec = useMemo(
    () => ({
      key: 'series',
      group: def?.group ?? 'host',
      title: info.metric,
      axes: [def ? (def.kind === 'counter' ? `${def.unit}/s` : def.unit) : 'value'],
      format: def?.kind === 'counter' ? 'ops' : 'count',
      series: [{ metric: info.metric, label: def?.label ?? info.metric.split('.').pop()!, yAxis: 0 }],
    }),
    [info.metric, def],
  );
  const range = useMemo(() => (info.first !== null && info.last !== null && info.first < info.last ? ({ kind: 'custom', from: info.first, to: info.last } as const) : ({ kind: 'last', ms: 3_600_000 } as const)), [info]);
  const view = useEntitySeries(entity, [info.metric], range);
  return <ChartPanel spec={spec} live={view.live} hint={view.status === 'loading' ? 'Loading…' : 'No samples.'} />;
}
