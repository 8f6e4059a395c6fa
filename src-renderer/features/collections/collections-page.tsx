import { useState } from 'react';
import { LoadingState } from '../../components/state-views';
import type { TimeRange } from '../../components/time-range';
import { TimeRangePicker } from '../../components/time-range-picker';
import { hrefs } from '../../lib/hrefs';
import { useNodeEntry } from '../connections';
import { HotCollections } from '../dashboard';

export interface CollectionsPageProps {
  nodeId: string;
  now?: () => number;
}

/** The busiest collections of one node in the selected window (from `top`), with their sizes ($collStats). */
export function CollectionsPage({ nodeId, now = Date.now }: CollectionsPageProps) {
  const entry = useNodeEntry(nodeId);
  const [range, setRange] = useState<TimeRange>({ kind: 'last', ms: 3_600_000 });
  if (entry === undefined) return <LoadingState>Loading…</LoadingState>;
  const name = entry?.node.hostPort ?? nodeId;
  return (
    <div className="page collections-page">
      <h1>Hot collections on {name}</h1>
      <p className="muted">
        <a href={hrefs.node(nodeId)}>Back to {name}</a>
      </p>
      <TimeRangePicker value={range} onChange={setRange} now={now} />
      <HotCollections entity={`node:${nodeId}`} range={range} limit={25} now={now} />
    </div>
  );
}
