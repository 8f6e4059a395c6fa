import { useEffect, useMemo, useState } from 'react';
import type { BucketsResult, Incident } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { Chart } from '../../components/chart';
import { ErrorText } from '../../components/state-views';
import { refreshEveryMs, resolveRange, type TimeRange } from '../../components/time-range';
import { useColorScheme } from '../../lib/color-scheme';
import { laneModel, laneOption, type LaneModel } from './lane-options';
import { WhatHappened } from './what-happened';
import './timeline.css';

export interface TimelineLaneProps {
  nodeId: string;
  range: TimeRange;
  /** Brushing the lane asks for that range, as the metric charts do. */
  onRange?: (range: TimeRange) => void;
  /** The page's crosshair group: the lane's pointer moves with the charts'. */
  group?: string;
  now?: () => number;
}

type State = { status: 'loading' } | { status: 'ready'; model: LaneModel } | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

/**
 * The node's log lines per minute (or the zoom's step) by severity, under its metric charts on the
 * same time axis and crosshair, with incidents shaded. A brushed window (a custom range) also shows
 * "What happened here?" for it.
 */
export function TimelineLane({ nodeId, range, onRange, group, now = Date.now }: TimelineLaneProps) {
  const client = useClient();
  const dark = useColorScheme() === 'dark';
  const [state, setState] = useState<State>({ status: 'loading' });
  const [nowTs, setNowTs] = useState(() => now());
  const { from, to } = useMemo(() => resolveRange(range, nowTs), [range, nowTs]);

  useEffect(() => {
    const every = range.kind === 'live' ? 30_000 : refreshEveryMs(range);
    if (every === null) return;
    const h = setInterval(() => setNowTs(now()), every);
    return () => clearInterval(h);
  }, [range, now]);

  useEffect(() => {
    let live = true;
    Promise.all([
      client.invoke('logs.buckets', { nodeIds: [nodeId], from: Math.floor(from), to: Math.ceil(to), by: 'severity' }),
      client.invoke('events.incidents', { nodeIds: [nodeId], from: Math.floor(from), to: Math.ceil(to) }),
    ]).then(
      ([b, inc]: [BucketsResult, Incident[]]) => live && setState({ status: 'ready', model: laneModel(b, inc) }),
      (e: unknown) => live && setState({ status: 'error', error: toBaleenError(e) }),
    );
    return () => {
      live = false;
    };
  }, [client, nodeId, from, to]);

  const option = useMemo(() => (state.status === 'ready' ? laneOption(state.model, dark) : null), [state, dark]);
  const model = state.status === 'ready' ? state.model : null;
  return (
    <section className="timeline-lane" aria-label="Log lines">
      <h2 className="dash-group-title">Log lines</h2>
      {/* Secondary to the charts above: a failure is a quiet note, not an alert. */}
      {state.status === 'error' ? (
        <p className="muted lane-note">
          Log lines unavailable: <ErrorText error={state.error} />
        </p>
      ) : null}
      {option && model ? (
        <>
          <Chart
            option={option}
            className="chart lane-chart"
            label={`Log lines: ${model.total} in this range, ${model.incidents.length} incident(s)`}
            testId="timeline-lane"
            {...(group ? { group } : {})}
            {...(onRange ? { onBrush: (a: number, b: number) => onRange({ kind: 'custom', from: a, to: b }) } : {})}
            data={{ 'data-total': String(model.total), 'data-incidents': String(model.incidents.length), 'data-step': String(model.stepMs) }}
          />
          {model.total === 0 ? <p className="muted lane-note">No log lines for this node in this range. Import its logs, follow its file over SSH, or poll getLog (Logs page).</p> : null}
        </>
      ) : null}
      {range.kind === 'custom' ? <WhatHappened key={`${range.from}-${range.to}`} from={range.from} to={range.to} nodeIds={[nodeId]} /> : null}
    </section>
  );
}
