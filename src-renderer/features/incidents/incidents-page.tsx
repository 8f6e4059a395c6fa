import { useEffect, useMemo, useState } from 'react';
import type { Incident, IncidentDetail } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { LogNodeFilter } from '../../components/log-node-filter';
import { EmptyState, ErrorText, LoadingState } from '../../components/state-views';
import { formatCount, formatLogTime, formatMs, nodeLabel, severityClass, WhatHappened } from '../timeline';
import './incidents.css';

type Err = Pick<BaleenError, 'code' | 'message'>;

const KIND_LABEL: Record<Incident['kind'], string> = {
  rollback: 'Rollback',
  election: 'Election',
  stepdown: 'Stepdown',
  restart: 'Restart',
  'state-change': 'State change',
  'connection-storm': 'Connection storm',
  'assertion-burst': 'Assertion burst',
  'log-gap': 'Missed lines',
};

/**
 * Where each incident sits on a strip spanning them all (x and width in 0..1000). Time between
 * incidents is compressed (logarithmically) so months between two imports do not squash a busy
 * hour into one pixel; order and overlap are kept, and overlapping incidents take another row.
 */
export function stripLayout(list: readonly Incident[]): { id: number; x: number; w: number; row: number }[] {
  if (list.length === 0) return [];
  const points = [...new Set(list.flatMap((i) => [i.start, i.end]))].sort((a, b) => a - b);
  const at = new Map<number, number>();
  let t = 0;
  points.forEach((p, k) => {
    if (k > 0) t += 1 + Math.log1p((p - points[k - 1]!) / 1000);
    at.set(p, t);
  });
  const total = Math.max(t, 1);
  const MIN_W = 12;
  const rowsEnd: number[] = [];
  return [...list]
    .sort((a, b) => a.start - b.start || a.id - b.id)
    .map((i) => {
      const x = (at.get(i.start)! / total) * (1000 - MIN_W);
      const w = Math.max(MIN_W, ((at.get(i.end)! - at.get(i.start)!) / total) * (1000 - MIN_W));
      let row = rowsEnd.findIndex((end) => end <= x);
      if (row < 0) row = rowsEnd.length;
      rowsEnd[row] = x + w + 2;
      return { id: i.id, x, w, row };
    });
}

/** Incidents on a timeline: elections, stepdowns, restarts, storms, bursts; each with its evidence and the operations around it. */
export function IncidentsPage({ selectedId }: { selectedId?: number }) {
  const client = useClient();
  const [node, setNode] = useState('');
  const [list, setList] = useState<Incident[] | null>(null);
  const [error, setError] = useState<Err | null>(null);
  useEffect(() => {
    let live = true;
    client.invoke('events.incidents', node ? { nodes: [node] } : {}).then(
      (l) => live && setList(l),
      (e: unknown) => live && setError(toBaleenError(e)),
    );
    return () => {
      live = false;
    };
  }, [client, node]);
  const layout = useMemo(() => stripLayout(list ?? []), [list]);
  const rows = Math.max(1, ...layout.map((l) => l.row + 1));

  return (
    <div className="page incidents-page">
      <h1>Incidents</h1>
      <p className="filters">
        <LogNodeFilter value={node} onChange={setNode} />
      </p>
      {error ? (
        <p className="state state-error" role="alert">
          <ErrorText error={error} />
        </p>
      ) : null}
      {list === null && !error ? <LoadingState>Loading incidents…</LoadingState> : null}
      {list && list.length === 0 ? <EmptyState title="No incidents.">Incidents come from imported or followed logs: elections, stepdowns, restarts, connection storms, assertion bursts.</EmptyState> : null}
      {list && list.length > 0 ? (
        <>
          <svg className="incident-strip" viewBox={`0 0 1000 ${rows * 22}`} preserveAspectRatio="none" role="img" aria-label={`${list.length} incidents from ${formatLogTime(list[0]!.start)} to ${formatLogTime(list[list.length - 1]!.end)}`} data-testid="incident-strip">
            {layout.map((l) => {
              const i = list.find((x) => x.id === l.id)!;
              return (
                <a key={l.id} href={`#/incidents/${l.id}`} aria-label={i.title}>
                  <rect x={l.x} y={l.row * 22 + 2} width={l.w} height={18} rx={3} className={`strip-${i.kind}${selectedId === l.id ? ' strip-selected' : ''}`}>
                    <title>{`${formatLogTime(i.start)} ${i.title}`}</title>
                  </rect>
                </a>
              );
            })}
          </svg>
          <table className="data-table" data-testid="incidents">
            <thead>
              <tr>
                <th>Start (UTC)</th>
                <th>Kind</th>
                <th>What</th>
                <th>Nodes</th>
                <th className="num">Failed ops</th>
                <th className="num">Ops around</th>
              </tr>
            </thead>
            <tbody>
              {list.map((i) => (
                <tr key={i.id} className={`clickable${selectedId === i.id ? ' selected' : ''}`} data-kind={i.kind} data-incident-id={i.id}>
                  <td className="mono">{formatLogTime(i.start)}</td>
                  <td>
                    <span className={`kind-badge strip-${i.kind}`}>{KIND_LABEL[i.kind]}</span>
                  </td>
                  <td>
                    <a href={`#/incidents/${i.id}`}>{i.title}</a>
                  </td>
                  <td>{i.nodes.map(nodeLabel).join(', ')}</td>
                  <td className="num">{formatCount(i.failedOperations)}</td>
                  <td className="num">{formatCount(i.operations)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {selectedId !== undefined ? <IncidentView key={selectedId} id={selectedId} /> : null}
    </div>
  );
}

function IncidentView({ id }: { id: number }) {
  const client = useClient();
  const [d, setD] = useState<IncidentDetail | null>(null);
  const [error, setError] = useState<Err | null>(null);
  const [why, setWhy] = useState(false);
  useEffect(() => {
    client.invoke('events.incident', { id }).then(setD, (e: unknown) => setError(toBaleenError(e)));
  }, [client, id]);
  if (error)
    return (
      <p className="state state-error" role="alert">
        <ErrorText error={error} />
      </p>
    );
  if (!d) return <LoadingState>Loading the incident…</LoadingState>;
  const i = d.incident;
  return (
    <section className="incident-detail" aria-label="Incident" data-testid="incident-detail">
      <h2>{i.title}</h2>
      <p className="muted">
        {formatLogTime(i.start)} → {formatLogTime(i.end)} UTC · {i.kinds.map((k) => KIND_LABEL[k]).join(', ')} · {i.nodes.map(nodeLabel).join(', ')}
      </p>
      {i.topErrors.length > 0 ? (
        <p>
          Errors around it: {i.topErrors.map((e) => `${e.name ?? 'error'}${e.code !== null ? ` (${e.code})` : ''} × ${e.count}`).join(', ')}
        </p>
      ) : null}
      <h3>Evidence ({d.signals.length} lines)</h3>
      <ul className="plain-list" data-testid="incident-signals">
        {d.signals.map((s) => (
          <li key={s.id}>
            <span className={`sev-badge ${severityClass(s.severity)}`}>{s.severity}</span> <span className="mono">{formatLogTime(s.ts)}</span> {nodeLabel(s.node)} <strong>{s.msg}</strong>{' '}
            {s.attr ? <span className="muted mono">{s.attr.slice(0, 160)}</span> : null}
          </li>
        ))}
      </ul>
      <h3>
        Operations around it ({formatCount(i.operations)} within {Math.round(i.marginMs / 1000)} s; {formatCount(i.failedOperations)} failed)
      </h3>
      {d.operations.length === 0 ? <p className="muted">No slow or failed operation was logged around it.</p> : null}
      {d.operations.length > 0 ? (
        <table className="data-table" data-testid="incident-operations">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Node</th>
              <th>Namespace</th>
              <th>Op</th>
              <th className="num">Duration</th>
              <th>Error</th>
              <th>Client</th>
            </tr>
          </thead>
          <tbody>
            {d.operations.map((o) => (
              <tr key={o.id} data-failed={o.failed}>
                <td className="mono">{formatLogTime(o.ts)}</td>
                <td>{nodeLabel(o.node)}</td>
                <td className="mono">{o.ns}</td>
                <td>{o.op}</td>
                <td className="num">{formatMs(o.durationMs)}</td>
                <td>{o.failed ? `${o.errorName ?? 'failed'}${o.errorCode !== null ? ` (${o.errorCode})` : ''}` : ''}</td>
                <td>{o.appName ?? o.client ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p className="actions">
        <a href={`#/logs`}>Open the log explorer</a>
        <button type="button" className="small" onClick={() => setWhy(true)}>
          What happened here?
        </button>
      </p>
      {why ? <WhatHappened from={i.start - i.marginMs} to={i.end + i.marginMs} nodes={i.nodes} /> : null}
    </section>
  );
}
