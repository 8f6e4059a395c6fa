import { useEffect, useReducer } from 'react';
import type { MetricsQueryResult, SamplesEvent } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import type { Gap } from '../../../src-shared/domain/samples';
import { useClient } from '../../client';
import { NODE_METRICS } from './chart-specs';
import { applyBackfill, applyGap, applySamples, emptyLive, WINDOW_MS, type LiveState } from './live-series';

export type MetricsView =
  | { status: 'loading'; live: LiveState }
  | { status: 'ready'; live: LiveState }
  /** The backfill failed; live samples still flow into `live`. */
  | { status: 'error'; error: BaleenError; live: LiveState };

type Action =
  | { type: 'backfill'; result: MetricsQueryResult; buffered: Buffered[] }
  | { type: 'failed'; error: BaleenError; buffered: Buffered[] }
  | { type: 'sample'; ev: SamplesEvent }
  | { type: 'gap'; gap: Gap };

type Buffered = { type: 'sample'; ev: SamplesEvent } | { type: 'gap'; gap: Gap };

function replay(live: LiveState, items: Buffered[]): LiveState {
  return items.reduce((s, b) => (b.type === 'sample' ? applySamples(s, b.ev) : applyGap(s, b.gap)), live);
}

function reducer(view: MetricsView, a: Action): MetricsView {
  switch (a.type) {
    case 'backfill':
      return { status: 'ready', live: replay(applyBackfill(view.live, a.result), a.buffered) };
    case 'failed':
      return { status: 'error', error: a.error, live: replay(view.live, a.buffered) };
    case 'sample':
      return { ...view, live: applySamples(view.live, a.ev) };
    case 'gap':
      return { ...view, live: applyGap(view.live, a.gap) };
  }
}

/**
 * The last 15 minutes of a node from metrics.query, then live from metrics.samples. Events are
 * subscribed before the query is sent and held until it answers, so nothing falls between the two.
 * Mount it again (a React key) to start over, e.g. after a reconnect.
 */
export function useNodeMetrics(nodeId: string, now: () => number = Date.now): MetricsView {
  const client = useClient();
  const [view, dispatch] = useReducer(reducer, undefined, (): MetricsView => ({ status: 'loading', live: emptyLive(NODE_METRICS) }));

  useEffect(() => {
    const entity = `node:${nodeId}`;
    const ac = new AbortController();
    let buffer: Buffered[] | null = [];
    const deliver = (b: Buffered) => (buffer ? buffer.push(b) : dispatch(b));
    const offSamples = client.on('metrics.samples', (ev) => {
      if (ev.entity === entity) deliver({ type: 'sample', ev });
    });
    const offGap = client.on('metrics.gap', (ev) => {
      if (ev.entity === entity) deliver({ type: 'gap', gap: ev.gap });
    });
    const to = now();
    client.invoke('metrics.query', { entity, metrics: [...NODE_METRICS], from: to - WINDOW_MS, to }, { signal: ac.signal }).then(
      (result) => {
        if (ac.signal.aborted) return;
        dispatch({ type: 'backfill', result, buffered: buffer ?? [] });
        buffer = null;
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        dispatch({ type: 'failed', error: toBaleenError(e), buffered: buffer ?? [] });
        buffer = null;
      },
    );
    return () => {
      ac.abort();
      offSamples();
      offGap();
    };
  }, [client, nodeId, now]);

  return view;
}
