import { useEffect, useState } from 'react';
import type { OperationRow, ShapeRow, ShapesResult } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { LogNodeFilter } from '../../components/log-node-filter';
import { EmptyState, ErrorText, LoadingState } from '../../components/state-views';
import { formatCount, formatLogTime, formatMs, nodeLabel } from '../timeline';
import { explainHref } from './explain-link';

type Err = Pick<BaleenError, 'code' | 'message'>;
type SortBy = 'totalMs' | 'count' | 'maxMs';

const iso = (s: string | null) => (s ? formatLogTime(Date.parse(s)) : '—');

/** Slow operations grouped by query shape, sorted by total time: what to fix first. */
export function SlowQueriesPage() {
  const [node, setNode] = useState('');
  const [sortBy, setSortBy] = useState<SortBy>('totalMs');

  return (
    <div className="page slow-queries-page">
      <h1>Slow queries by shape</h1>
      <p className="filters">
        <LogNodeFilter value={node} onChange={setNode} />
        <label>
          Sort by
          <select value={sortBy} onChange={(e) => setSortBy(e.target.value as SortBy)}>
            <option value="totalMs">Total time</option>
            <option value="count">Count</option>
            <option value="maxMs">Slowest</option>
          </select>
        </label>
      </p>
      <Shapes key={`${node}|${sortBy}`} node={node} sortBy={sortBy} />
    </div>
  );
}

/** One query's shapes: a new node or order is a new component, so nothing stale shows while it loads. */
function Shapes({ node, sortBy }: { node: string; sortBy: SortBy }) {
  const client = useClient();
  const [data, setData] = useState<ShapesResult | null>(null);
  const [error, setError] = useState<Err | null>(null);
  const [open, setOpen] = useState<ShapeRow | null>(null);
  useEffect(() => {
    let live = true;
    client.invoke('logs.shapes', { sortBy, limit: 200, ...(node ? { nodes: [node] } : {}) }).then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(toBaleenError(e)),
    );
    return () => {
      live = false;
    };
  }, [client, node, sortBy]);
  return (
    <>
      {error ? (
        <p className="state state-error" role="alert">
          <ErrorText error={error} />
        </p>
      ) : null}
      {!data && !error ? <LoadingState>Grouping operations…</LoadingState> : null}
      {data && data.shapes.length === 0 ? <EmptyState title="No slow operations.">They come from imported or followed logs (mongod's "Slow query" lines).</EmptyState> : null}
      {data && data.shapes.length > 0 ? (
        <>
          <p className="muted">{formatCount(data.operations)} operations, {formatCount(data.shapes.length)} shapes shown.</p>
          <table className="data-table" data-testid="shapes">
            <thead>
              <tr>
                <th>Namespace · op</th>
                <th>Shape</th>
                <th className="num">Count</th>
                <th className="num">Total</th>
                <th className="num">Avg</th>
                <th className="num">p50</th>
                <th className="num">p95</th>
                <th className="num">Max</th>
                <th className="num">Examined/returned</th>
                <th>Plans</th>
                <th>First – last seen</th>
                <th>Nodes</th>
                <th>Clients</th>
              </tr>
            </thead>
            <tbody>
              {data.shapes.map((s) => (
                <tr key={`${s.ns}:${s.op}:${s.hashSource}:${s.hash}:${s.shape}`} className={`clickable${open === s ? ' selected' : ''}`} onClick={() => setOpen(s)} data-ns={s.ns}>
                  <td className="mono">
                    {s.ns} · {s.op}
                  </td>
                  <td className="mono" title={s.shape}>
                    {s.shape.slice(0, 80)}
                  </td>
                  <td className="num">{formatCount(s.count)}</td>
                  <td className="num">{formatMs(s.totalMs)}</td>
                  <td className="num">{formatMs(s.avgMs)}</td>
                  <td className="num">{formatMs(s.p50Ms)}</td>
                  <td className="num">{formatMs(s.p95Ms)}</td>
                  <td className="num">{formatMs(s.maxMs)}</td>
                  <td className="num">{s.examinedPerReturned === null ? '—' : formatCount(Math.round(s.examinedPerReturned))}</td>
                  <td>
                    {s.planSummaries[0]?.plan ?? '—'}
                    {s.planChangeCount > 0 ? <span className="muted"> · changed {s.planChangeCount}×</span> : null}
                  </td>
                  <td className="mono">
                    {iso(s.firstSeen)} – {iso(s.lastSeen)}
                  </td>
                  <td>{s.nodes.map(nodeLabel).join(', ')}</td>
                  <td>{[...s.apps.slice(0, 2).map((a) => a.app), ...s.clients.slice(0, 2).map((c) => c.host)].join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {open ? <ShapeView key={`${open.shapeId}:${open.hash}`} s={open} {...(node ? { node } : {})} /> : null}
    </>
  );
}

function ShapeView({ s, node }: { s: ShapeRow; node?: string }) {
  const client = useClient();
  const [ops, setOps] = useState<OperationRow[] | null>(null);
  useEffect(() => {
    if (s.shapeId === null) return;
    client.invoke('logs.operations', { shapeId: s.shapeId, sort: 'duration', limit: 50, ...(node ? { nodes: [node] } : {}) }).then(setOps, () => setOps([]));
  }, [client, s.shapeId, node]);
  return (
    <section className="incident-detail" aria-label="Shape" data-testid="shape-detail">
      <h2 className="mono">
        {s.ns} · {s.op}
      </h2>
      <pre className="mono">{s.shape}</pre>
      <p>
        <a href={explainHref(s.ns, s.shape)}>Explain this shape</a> <span className="muted">({s.hashSource} {s.hash})</span>
      </p>
      <h3>Plans</h3>
      <ul className="plain-list">
        {s.planSummaries.map((p) => (
          <li key={p.plan}>
            <code>{p.plan}</code> × {formatCount(p.count)} <span className="muted">({iso(p.firstSeen)} – {iso(p.lastSeen)})</span>
          </li>
        ))}
      </ul>
      {s.planChanges.length > 0 ? (
        <>
          <h3>Plan changes</h3>
          <ul className="plain-list">
            {s.planChanges.map((c, i) => (
              <li key={i}>
                {iso(c.ts)}: <code>{c.from}</code> → <code>{c.to}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3>Clients</h3>
      <p>
        {s.apps.map((a) => `${a.app} × ${a.count}`).join(', ') || '—'}
        {s.clients.length ? ` · ${s.clients.map((c) => `${c.host} × ${c.count}`).join(', ')}` : ''}
      </p>
      <h3>Slowest operations</h3>
      {ops === null ? <LoadingState>Loading…</LoadingState> : null}
      {ops && ops.length > 0 ? (
        <table className="data-table">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Node</th>
              <th className="num">Duration</th>
              <th className="num">Docs / keys examined</th>
              <th className="num">Returned</th>
              <th>Plan</th>
              <th>Client</th>
            </tr>
          </thead>
          <tbody>
            {ops.map((o) => (
              <tr key={o.id}>
                <td className="mono">{formatLogTime(o.ts)}</td>
                <td>{nodeLabel(o.node)}</td>
                <td className="num">{formatMs(o.durationMs)}</td>
                <td className="num">
                  {o.docsExamined ?? '—'} / {o.keysExamined ?? '—'}
                </td>
                <td className="num">{o.nreturned ?? '—'}</td>
                <td className="mono">{o.planSummary ?? ''}</td>
                <td>{o.appName ?? o.client ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
