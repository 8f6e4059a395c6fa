import { useEffect, useState } from 'react';
import type { WindowSummary } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText, LoadingState } from '../../components/state-views';
import { formatCount, formatLogTime, formatMs, nodeLabel, severityClass } from './log-format';

export interface WhatHappenedProps {
  from: number;
  to: number;
  nodeIds?: string[];
  nodes?: string[];
}

type State = { status: 'loading' } | { status: 'ready'; s: WindowSummary } | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

function moverValue(v: number | null, unit: string): string {
  if (v === null) return '—';
  const r = Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
  return `${r.toLocaleString('en-US')} ${unit}`;
}

/**
 * "What happened here?" for a window: the metrics that moved most against the window before it,
 * the incidents, the slow-operation shapes and the log lines that fell in it.
 */
export function WhatHappened({ from, to, nodeIds, nodes }: WhatHappenedProps) {
  const client = useClient();
  const [state, setState] = useState<State>({ status: 'loading' });
  // The selection as one value: a new array with the same nodes must not ask again.
  const selection = JSON.stringify({ nodeIds, nodes });
  useEffect(() => {
    let live = true;
    const ac = new AbortController();
    const sel = JSON.parse(selection) as { nodeIds?: string[]; nodes?: string[] };
    client
      .invoke('events.window', { from: Math.floor(from), to: Math.ceil(to), ...(sel.nodeIds ? { nodeIds: sel.nodeIds } : {}), ...(sel.nodes ? { nodes: sel.nodes } : {}) }, { signal: ac.signal })
      .then(
        (s) => live && setState({ status: 'ready', s }),
        (e: unknown) => live && setState({ status: 'error', error: toBaleenError(e) }),
      );
    return () => {
      live = false;
      ac.abort();
    };
  }, [client, from, to, selection]);

  return (
    <section className="what-happened" aria-label="What happened here?" data-testid="what-happened">
      <h3>
        What happened here? <span className="muted">{formatLogTime(from)} → {formatLogTime(to)} (UTC)</span>
      </h3>
      {state.status === 'loading' ? <LoadingState>Looking at this window…</LoadingState> : null}
      {state.status === 'error' ? (
        <p className="state state-error" role="alert">
          <ErrorText error={state.error} />
        </p>
      ) : null}
      {state.status === 'ready' ? <Summary s={state.s} /> : null}
    </section>
  );
}

function Summary({ s }: { s: WindowSummary }) {
  return (
    <div className="wh-grid">
      <div>
        <h4>Moved most (vs the window before)</h4>
        {s.movers.length === 0 ? <p className="muted">No stored metric moved (or none is stored for this node in this window).</p> : null}
        {s.movers.length > 0 ? (
          <table className="data-table" data-testid="movers">
            <thead>
              <tr>
                <th>Series</th>
                <th>Before</th>
                <th>In window</th>
                <th>Change</th>
              </tr>
            </thead>
            <tbody>
              {s.movers.map((m) => (
                <tr key={`${m.source}:${m.entity}:${m.metric}`} data-metric={m.metric}>
                  <td title={`${m.metric} (${m.source})`}>{m.label}</td>
                  <td>{moverValue(m.before, m.unit)}</td>
                  <td>{moverValue(m.after, m.unit)}</td>
                  <td>{m.relative !== null ? `${m.relative > 0 ? '+' : ''}${Math.round(m.relative * 100)} %` : m.change > 0 ? 'new' : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {s.moverErrors.map((e) => (
          <p key={e.source} className="muted">
            {e.source}: {e.message}
          </p>
        ))}
      </div>
      <div>
        <h4>Incidents</h4>
        {s.incidents.length === 0 ? <p className="muted">None.</p> : null}
        <ul className="plain-list">
          {s.incidents.map((i) => (
            <li key={i.id}>
              <a href={`#/incidents/${i.id}`}>{i.title}</a> <span className="muted">{formatLogTime(i.start)}</span>
            </li>
          ))}
        </ul>
        <h4>Log lines: {formatCount(s.events.total)}</h4>
        <p className="muted">
          {Object.entries(s.events.bySeverity)
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => `${k} ${formatCount(n)}`)
            .join(' · ')}
        </p>
        <ul className="plain-list">
          {s.topMessages.slice(0, 8).map((m) => (
            <li key={`${m.mid}:${m.msg}`}>
              {formatCount(m.count)} × {m.msg} <span className="muted">{m.component}</span>
            </li>
          ))}
        </ul>
      </div>
      <div>
        <h4>Slow operations by shape</h4>
        {s.shapes.length === 0 ? <p className="muted">None.</p> : null}
        <ul className="plain-list">
          {s.shapes.slice(0, 8).map((x) => (
            <li key={`${x.ns}:${x.op}:${x.hash}`}>
              <code>{x.ns}</code> {x.op}: {formatCount(x.count)} ops, {formatMs(x.totalMs)} total, p95 {formatMs(x.p95Ms)}
            </li>
          ))}
        </ul>
        <h4>Notable lines</h4>
        {s.notable.length === 0 ? <p className="muted">No warnings, errors or state changes.</p> : null}
        <ul className="plain-list">
          {s.notable.slice(0, 12).map((e) => (
            <li key={e.id}>
              <span className={`sev-dot ${severityClass(e.severity)}`} aria-hidden /> {formatLogTime(e.ts)} {nodeLabel(e.node)} {e.msg}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
