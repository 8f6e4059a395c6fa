import { useEffect, useReducer } from 'react';
import type { MetricsQueryResult, SamplesEvent } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import type { Gap } from '../../../src-shared/domain/samples';
import type { BaleenClient } from '../../../src-shared/contract/client';
import { useClient } from '../../client';
import { CHART_POINTS, LIVE_WINDOW_MS, refreshEveryMs, resolveRange, type TimeRange } from '../../components/time-range';
import { applyBackfill, applyGap, applySamples, emptyLive, fixedRange, type LiveState } from './live-series';

export type SeriesView =
  | { status: 'loading'; live: LiveState }
  | { status: 'ready'; live: LiveState }
  /** The query failed; in live mode, samples still flow into `live`. */
  | { status: 'error'; error: BaleenError; live: LiveState };

type Buffered = { type: 'sample'; ev: SamplesEvent } | { type: 'gap'; gap: Gap };
type Action =
  | { type: 'reset'; live: LiveState }
  | { type: 'backfill'; result: MetricsQueryResult; buffered: Buffered[] }
  | { type: 'fixed'; live: LiveState }
  | { type: 'failed'; error: BaleenError; buffered: Buffered[] }
  | Buffered;

function replay(live: LiveState, items: Buffered[]): LiveState {
  return items.reduce((s, b) => (b.type === 'sample' ? applySamples(s, b.ev) : applyGap(s, b.gap)), live);
}

function reducer(view: SeriesView, a: Action): SeriesView {
  switch (a.type) {
    case 'reset':
      return { status: 'loading', live: a.live };
    case 'backfill':
      return { status: 'ready', live: replay(applyBackfill(view.live, a.result), a.buffered) };
    case 'fixed':
      return { status: 'ready', live: a.live };
    case 'failed':
      return { status: 'error', error: a.error, live: replay(view.live, a.buffered) };
    case 'sample':
      return { ...view, live: applySamples(view.live, a.ev) };
    case 'gap':
      return { ...view, live: applyGap(view.live, a.gap) };
  }
}

/** metrics.query takes at most 64 metrics: larger sets go in batches, answered as one result. */
export async function queryAll(client: BaleenClient, entity: string, metrics: readonly string[], from: number, to: number, maxPoints: number, signal: AbortSignal): Promise<MetricsQueryResult> {
  const batches: string[][] = [];
  for (let i = 0; i < metrics.length; i += 64) batches.push(metrics.slice(i, i + 64));
  const parts = await Promise.all(batches.map((b) => client.invoke('metrics.query', { entity, metrics: b, from, to, maxPoints }, { signal })));
  return {
    entity,
    from,
    to,
    series: parts.flatMap((p) => p.series),
    gaps: parts[0]?.gaps ?? [],
    resets: [...new Set(parts.flatMap((p) => p.resets))].sort((x, y) => x - y),
  };
}

/**
 * One entity's series for the page's time range. Live: the last 15 minutes from the store, then
 * metrics.samples (subscribed before the query is sent and held until it answers, so nothing falls
 * between the two). A rolling "last …" window is asked again as time passes; a custom range once.
 * Long ranges ask for about a chart's width of points (rollup tiers answer them).
 */
export function useEntitySeries(entity: string, metrics: readonly string[], range: TimeRange, now: () => number = Date.now): SeriesView {
  const client = useClient();
  const key = metrics.join('\n');
  const [view, dispatch] = useReducer(reducer, undefined, (): SeriesView => ({ status: 'loading', live: emptyLive(metrics) }));
  const rangeKey = JSON.stringify(range);

  useEffect(() => {
    const list = key === '' ? [] : key.split('\n');
    const r = JSON.parse(rangeKey) as TimeRange;
    const ac = new AbortController();
    const fail = (e: unknown, buffered: Buffered[] = []) => !ac.signal.aborted && dispatch({ type: 'failed', error: toBaleenError(e), buffered });
    dispatch({ type: 'reset', live: emptyLive(list) });
    if (list.length === 0) return () => ac.abort();
    if (r.kind === 'live') {
      let buffer: Buffered[] | null = [];
      const deliver = (b: Buffered) => (buffer ? buffer.push(b) : dispatch(b));
      const offSamples = client.on('metrics.samples', (ev) => ev.entity === entity && deliver({ type: 'sample', ev }));
      const offGap = client.on('metrics.gap', (ev) => ev.entity === entity && deliver({ type: 'gap', gap: ev.gap }));
      const to = now();
      queryAll(client, entity, list, to - LIVE_WINDOW_MS, to, 1000, ac.signal).then(
        (result) => {
          if (ac.signal.aborted) return;
          dispatch({ type: 'backfill', result, buffered: buffer ?? [] });
          buffer = null;
        },
        (e: unknown) => {
          fail(e, buffer ?? []);
          buffer = null;
        },
      );
      return () => {
        ac.abort();
        offSamples();
        offGap();
      };
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      const { from, to } = resolveRange(r, now());
      queryAll(client, entity, list, from, to, CHART_POINTS, ac.signal).then((result) => !ac.signal.aborted && dispatch({ type: 'fixed', live: fixedRange(list, result) }), fail);
      const every = refreshEveryMs(r);
      if (every !== null) timer = setTimeout(load, every);
    };
    load();
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [client, entity, key, rangeKey, now]);

  return view;
}
