import { useEffect, useMemo, useRef, useState } from 'react';
import type { FtdcEntityFacts, FtdcImportSummary } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import type { TimeRange } from '../../components/time-range';
import { TimeRangePicker } from '../../components/time-range-picker';
import { ChartPanel, useEntitySeries } from '../dashboard';
import { hostLayout, hostLive, type HostLayout } from './host-charts';
import './host.css';

type Load<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; error: BaleenError };

/** `#/host/<hostId>` or, for a given time range, `#/host/<hostId>/<from>/<to>`. */
export const hostHref = (hostId: string, range?: { from: number; to: number }): string =>
  `#/host/${encodeURIComponent(hostId)}${range ? `/${Math.floor(range.from)}/${Math.ceil(range.to)}` : ''}`;
export const seriesHref = (entity: string): string => `#/series/${encodeURIComponent(entity)}`;

/** Loads once per `key` (which names everything `load` depends on); a new key reads as loading. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: string): Load<T> {
  const [state, setState] = useState<{ key: string; value: Load<T> } | null>(null);
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  useEffect(() => {
    const ac = new AbortController();
    loader.current(ac.signal).then(
      (value) => !ac.signal.aborted && setState({ key, value: { status: 'ready', value } }),
      (e: unknown) => !ac.signal.aborted && setState({ key, value: { status: 'error', error: toBaleenError(e) } }),
    );
    return () => ac.abort();
  }, [key]);
  return state?.key === key ? state.value : { status: 'loading' };
}

export interface HostChartsProps {
  hostId: string;
  range: TimeRange;
  onRange?: (r: TimeRange) => void;
  /** Cores from the metadata, when the capture has no CPU count of its own. */
  cores?: number | null;
  now?: () => number;
}

/** CPU %, memory, disk and network of a host over a range: what `systemMetrics` holds. */
export function HostCharts({ hostId, range, onRange, cores = null, now }: HostChartsProps) {
  const client = useClient();
  const entity = `host:${hostId}`;
  const series = useLoad((signal) => client.invoke('metrics.listSeries', { entity }, { signal }), entity);
  const layout: HostLayout | null = useMemo(() => (series.status === 'ready' ? hostLayout(series.value.map((s) => s.metric)) : null), [series]);
  if (series.status === 'loading') return <LoadingState>Loading the host's series…</LoadingState>;
  if (series.status === 'error') return <ErrorState title="Could not list the host's series." error={series.error} />;
  if (!layout || layout.metrics.length === 0) {
    return (
      <EmptyState title="No host metrics">
        <p>Nothing from systemMetrics is stored for {hostId}.</p>
      </EmptyState>
    );
  }
  return <HostChartGrid entity={entity} layout={layout} range={range} onRange={onRange} cores={cores} now={now} />;
}

function HostChartGrid({ entity, layout, range, onRange, cores, now }: { entity: string; layout: HostLayout; range: TimeRange; onRange: ((r: TimeRange) => void) | undefined; cores: number | null; now: (() => number) | undefined }) {
  const view = useEntitySeries(entity, layout.metrics, range, now);
  const live = useMemo(() => hostLive(view.live, layout, cores), [view.live, layout, cores]);
  const onBrush = onRange ? (from: number, to: number) => onRange({ kind: 'custom', from, to }) : undefined;
  return (
    <>
      {view.status === 'loading' ? <LoadingState>Loading host charts…</LoadingState> : null}
      {view.status === 'error' ? <ErrorState title="Could not load the host's history." error={view.error} /> : null}
      <div className="chart-grid" data-platform={layout.platform}>
        {layout.specs.map((spec) => (
          <ChartPanel
            key={spec.key}
            spec={spec}
            live={live}
            group={entity}
            {...(onBrush ? { onBrush } : {})}
            hint={spec.series.length === 0 ? `This capture has no ${spec.title.toLowerCase()} counters (${layout.platform}).` : 'No samples in this range.'}
          />
        ))}
      </div>
    </>
  );
}

function coresOf(facts: FtdcEntityFacts | null): number | null {
  const v = facts?.facts.find((f) => f.label === 'Cores')?.value;
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** The latest import naming this host: the range the page opens on when none is given. */
function importRange(list: FtdcImportSummary[], hostId: string): TimeRange | null {
  const s = list.find((i) => i.nodes.some((n) => n.hostId === hostId) && i.firstTs !== null && i.lastTs !== null);
  return s ? { kind: 'custom', from: s.firstTs!, to: s.lastTs! } : null;
}

export interface HostPageProps {
  hostId: string;
  from?: number;
  to?: number;
  now?: () => number;
}

/** A machine's page: the facts its metadata gave, and its CPU, memory, disk and network charts. */
export function HostPage({ hostId, from, to, now = Date.now }: HostPageProps) {
  const client = useClient();
  const entity = `host:${hostId}`;
  const facts = useLoad((signal) => client.invoke('ftdc.facts', { entity }, { signal }), entity);
  const imports = useLoad((signal) => client.invoke('ftdc.list', {}, { signal }), 'ftdc.list');
  const given: TimeRange | null = from !== undefined && to !== undefined && from < to ? { kind: 'custom', from, to } : null;
  const [range, setRange] = useState<TimeRange | null>(given);
  const effective = range ?? (imports.status === 'ready' ? (importRange(imports.value, hostId) ?? { kind: 'last', ms: 24 * 3_600_000 }) : imports.status === 'error' ? { kind: 'last', ms: 24 * 3_600_000 } : null);
  const f = facts.status === 'ready' ? facts.value : null;
  return (
    <div className="page host-page">
      <header className="node-head">
        <div>
          <h1>{f?.hostname ?? hostId}</h1>
          <p className="muted">{[f?.os, f?.version ? `MongoDB ${f.version}` : null, 'host metrics'].filter(Boolean).join(' · ')}</p>
        </div>
        <div className="actions">
          <a href={seriesHref(entity)}>Browse all series</a>
        </div>
      </header>
      {facts.status === 'error' ? <ErrorState title="Could not load the host's facts." error={facts.error} /> : null}
      {f && f.facts.length > 0 ? (
        <dl className="host-facts" aria-label="Host facts">
          {f.facts.map((x) => (
            <div key={x.label}>
              <dt>{x.label}</dt>
              <dd>{x.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {effective ? (
        <>
          <TimeRangePicker value={effective} onChange={setRange} now={now} />
          <HostCharts hostId={hostId} range={effective} onRange={setRange} cores={coresOf(f)} now={now} />
        </>
      ) : (
        <LoadingState>Loading…</LoadingState>
      )}
    </div>
  );
}
