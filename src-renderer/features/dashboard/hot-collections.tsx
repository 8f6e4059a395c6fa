import { useEffect, useId, useState } from 'react';
import type { HotCollection } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorState } from '../../components/state-views';
import { refreshEveryMs, resolveRange, type TimeRange } from '../../components/time-range';
import { formatBytes, formatCompact } from '../../lib/format';

type State = { status: 'loading' } | { status: 'ready'; rows: HotCollection[] } | { status: 'error'; error: BaleenError };
type By = 'total' | 'read' | 'write';

const ms = (us: number) => `${formatCompact(us / 1000)} ms`;

/** The collections that took the most time in the selected window (from `top`), with their size. */
export function HotCollections({ entity, range, limit = 10, now = Date.now }: { entity: string; range: TimeRange; limit?: number; now?: () => number }) {
  const client = useClient();
  const [by, setBy] = useState<By>('total');
  const [state, setState] = useState<State>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const byId = useId();
  const rangeKey = JSON.stringify(range);

  useEffect(() => {
    const r = JSON.parse(rangeKey) as TimeRange;
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      const { from, to } = resolveRange(r, now());
      client.invoke('metrics.hotCollections', { entity, from, to, limit, by }, { signal: ac.signal }).then(
        (rows) => !ac.signal.aborted && setState({ status: 'ready', rows }),
        (e: unknown) => !ac.signal.aborted && setState({ status: 'error', error: toBaleenError(e) }),
      );
      // Live and rolling windows move: ask again now and then.
      const every = r.kind === 'live' ? 10_000 : refreshEveryMs(r);
      if (every !== null) timer = setTimeout(load, every);
    };
    load();
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [client, entity, rangeKey, limit, by, now, attempt]);

  return (
    <section className="chart-panel hot-collections" aria-label="Hot collections">
      <div className="hot-head">
        <h2>Hot collections</h2>
        <label htmlFor={byId}>by</label>
        <select id={byId} value={by} onChange={(e) => setBy(e.target.value as By)}>
          <option value="total">total time</option>
          <option value="read">read time</option>
          <option value="write">write time</option>
        </select>
      </div>
      {state.status === 'error' ? <ErrorState title="Could not rank the collections." error={state.error} onRetry={() => setAttempt((a) => a + 1)} /> : null}
      {state.status === 'ready' && state.rows.length === 0 ? <p className="muted">No collection activity recorded in this window (top is polled every 10 s).</p> : null}
      {state.status === 'ready' && state.rows.length > 0 ? (
        <table className="hot-table" data-testid="hot-collections">
          <thead>
            <tr>
              <th scope="col">Collection</th>
              <th scope="col">Total</th>
              <th scope="col">Read</th>
              <th scope="col">Write</th>
              <th scope="col">Reads</th>
              <th scope="col">Writes</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {state.rows.map((r) => (
              <tr key={r.ns} data-ns={r.ns}>
                <th scope="row">{r.ns}</th>
                <td>{ms(r.totalUs)}</td>
                <td>{ms(r.readUs)}</td>
                <td>{ms(r.writeUs)}</td>
                <td>{formatCompact(r.reads)}</td>
                <td>{formatCompact(r.writes)}</td>
                <td>{r.sizeBytes === null ? '—' : formatBytes(r.sizeBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
