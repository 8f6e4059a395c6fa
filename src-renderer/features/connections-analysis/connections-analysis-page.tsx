import { useEffect, useMemo, useState } from 'react';
import type { ConnectionsResult, OperationRow, SessionDetail, SessionRow } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { LogNodeFilter } from '../../components/log-node-filter';
import { Chart } from '../../components/chart';
import { EmptyState, ErrorText, LoadingState } from '../../components/state-views';
import { useColorScheme } from '../../lib/color-scheme';
import { formatCount, formatLogTime, formatMs, nodeLabel, severityClass } from '../timeline';
import { churnOption } from './churn-options';

type Err = Pick<BaleenError, 'code' | 'message'>;
type By = 'app' | 'driver' | 'host' | 'user' | 'os';
const BY: { id: By; label: string }[] = [
  { id: 'app', label: 'Application' },
  { id: 'driver', label: 'Driver' },
  { id: 'host', label: 'Client address' },
  { id: 'user', label: 'User' },
  { id: 'os', label: 'OS' },
];

/** Which applications connected, from where, with which driver, how often, and what each did. */
export function ConnectionsAnalysisPage() {
  const [node, setNode] = useState('');
  const [by, setBy] = useState<By>('app');

  return (
    <div className="page connections-analysis-page">
      <h1>Client connections</h1>
      <p className="filters">
        <LogNodeFilter value={node} onChange={setNode} />
        <label>
          Group by
          <select value={by} onChange={(e) => setBy(e.target.value as By)}>
            {BY.map((b) => (
              <option key={b.id} value={b.id}>
                {b.label}
              </option>
            ))}
          </select>
        </label>
      </p>
      <Analysis key={`${node}|${by}`} node={node} by={by} />
    </div>
  );
}

/** One grouping of one node's (or every node's) connections. */
function Analysis({ node, by }: { node: string; by: By }) {
  const client = useClient();
  const dark = useColorScheme() === 'dark';
  const [data, setData] = useState<ConnectionsResult | null>(null);
  const [error, setError] = useState<Err | null>(null);
  const [group, setGroup] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    client.invoke('logs.connections', { by, ...(node ? { nodes: [node] } : {}) }).then(
      (d) => live && setData(d),
      (e: unknown) => live && setError(toBaleenError(e)),
    );
    return () => {
      live = false;
    };
  }, [client, node, by]);
  const option = useMemo(() => (data ? churnOption(data.churn, dark) : null), [data, dark]);
  return (
    <>
      {error ? (
        <p className="state state-error" role="alert">
          <ErrorText error={error} />
        </p>
      ) : null}
      {!data && !error ? <LoadingState>Reading connections…</LoadingState> : null}
      {data && data.sessions === 0 ? <EmptyState title="No connections in the logs.">They come from imported or followed logs (accepted, client metadata, authentication, end).</EmptyState> : null}
      {data && data.sessions > 0 && option ? (
        <>
          <h2>Churn</h2>
          <Chart option={option} className="chart lane-chart" label={`Connections accepted and ended per ${Math.round(data.churn.stepMs / 60_000)} minutes`} testId="churn" data={{ 'data-buckets': String(data.churn.points.length) }} />
          <h2>Top {BY.find((b) => b.id === by)!.label.toLowerCase()}s</h2>
          <p className="muted">{formatCount(data.sessions)} connections.</p>
          <table className="data-table" data-testid="connection-groups">
            <thead>
              <tr>
                <th>{BY.find((b) => b.id === by)!.label}</th>
                <th className="num">Connections</th>
                <th className="num">Slow ops</th>
                <th className="num">Auth failures</th>
                <th>First – last connected (UTC)</th>
                <th>Drivers</th>
                <th>Apps</th>
                <th>Addresses</th>
              </tr>
            </thead>
            <tbody>
              {data.groups.map((g) => (
                <tr key={g.key} className={`clickable${group === g.key ? ' selected' : ''}`} onClick={() => setGroup(g.key)} data-key={g.key}>
                  <td>{g.key}</td>
                  <td className="num">{formatCount(g.sessions)}</td>
                  <td className="num">{formatCount(g.operations)}</td>
                  <td className="num">{formatCount(g.authFailures)}</td>
                  <td className="mono">
                    {g.firstAccepted !== null ? formatLogTime(g.firstAccepted) : '—'} – {g.lastAccepted !== null ? formatLogTime(g.lastAccepted) : '—'}
                  </td>
                  <td>{g.drivers.join(', ')}</td>
                  <td>{g.apps.join(', ')}</td>
                  <td>{g.hosts.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {group !== null ? <Sessions key={`${by}:${group}`} by={by} value={group} {...(node ? { node } : {})} /> : null}
    </>
  );
}

function Sessions({ by, value, node }: { by: By; value: string; node?: string }) {
  const client = useClient();
  const [rows, setRows] = useState<SessionRow[] | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  useEffect(() => {
    client.invoke('logs.sessions', { [by]: value, limit: 500, ...(node ? { nodes: [node] } : {}) }).then(setRows, () => setRows([]));
  }, [client, by, value, node]);
  if (!rows) return <LoadingState>Loading connections…</LoadingState>;
  return (
    <section className="incident-detail" aria-label="Connections of the group">
      <h2>{value}</h2>
      <table className="data-table" data-testid="sessions">
        <thead>
          <tr>
            <th>Connection</th>
            <th>Node</th>
            <th>From</th>
            <th>Connected – ended (UTC)</th>
            <th>App · driver</th>
            <th>User</th>
            <th className="num">Slow ops</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.id} className={`clickable${open === s.id ? ' selected' : ''}`} onClick={() => setOpen(s.id)}>
              <td className="mono">{s.ctx}</td>
              <td>{nodeLabel(s.node)}</td>
              <td className="mono">{s.remote ?? ''}</td>
              <td className="mono">
                {s.accepted !== null ? formatLogTime(s.accepted) : '(before the log)'} – {s.ended !== null ? formatLogTime(s.ended) : '(open)'}
              </td>
              <td>{[s.appName, s.driver && `${s.driver} ${s.driverVersion ?? ''}`].filter(Boolean).join(' · ')}</td>
              <td>
                {s.user ?? ''}
                {s.authFailures > 0 ? <span className="muted"> ({s.authFailures} failed)</span> : null}
              </td>
              <td className="num">{s.operations}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {open !== null ? <SessionView key={open} id={open} /> : null}
    </section>
  );
}

/** The operations of one logical session (driver session), in order, with their transaction numbers. */
function LsidChain({ lsid }: { lsid: string }) {
  const client = useClient();
  const [ops, setOps] = useState<OperationRow[] | null>(null);
  useEffect(() => {
    client.invoke('logs.operations', { lsid, sort: 'ts', limit: 1000 }).then(setOps, () => setOps([]));
  }, [client, lsid]);
  if (!ops) return <LoadingState>Loading the session's operations…</LoadingState>;
  return (
    <div data-testid="lsid-chain">
      <h4>
        Logical session <code>{lsid}</code>: {ops.length} operation(s), on {new Set(ops.map((o) => o.ctx)).size} connection(s)
      </h4>
      <ol className="plain-list">
        {ops.map((o) => (
          <li key={o.id}>
            <span className="mono">{formatLogTime(o.ts)}</span> {o.txnNumber !== null ? `txn ${o.txnNumber} · ` : ''}
            {o.op} <code>{o.ns}</code> {formatMs(o.durationMs)} <span className="muted">{o.ctx ?? ''}</span>
            {o.failed ? ` — ${o.errorName ?? 'failed'}` : ''}
          </li>
        ))}
      </ol>
    </div>
  );
}

function SessionView({ id }: { id: number }) {
  const client = useClient();
  const [d, setD] = useState<SessionDetail | null>(null);
  const [lsid, setLsid] = useState<string | null>(null);
  useEffect(() => {
    client.invoke('logs.session', { id }).then(setD, () => undefined);
  }, [client, id]);
  if (!d) return <LoadingState>Loading the connection…</LoadingState>;
  return (
    <section aria-label="Connection" data-testid="session-detail">
      <h3>
        {d.session.ctx} on {nodeLabel(d.session.node)}
      </h3>
      <h4>Its lines</h4>
      <ul className="plain-list">
        {d.events.map((e) => (
          <li key={e.id}>
            <span className={`sev-badge ${severityClass(e.severity)}`}>{e.severity}</span> <span className="mono">{formatLogTime(e.ts)}</span> {e.msg}
          </li>
        ))}
      </ul>
      <h4>Its slow operations</h4>
      <ul className="plain-list">
        {d.operations.map((o) => (
          <li key={o.id}>
            <span className="mono">{formatLogTime(o.ts)}</span> {o.op} <code>{o.ns}</code> {formatMs(o.durationMs)}
            {o.failed ? ` — ${o.errorName ?? 'failed'}` : ''}
            {o.lsid ? (
              <button type="button" className="small" onClick={() => setLsid(o.lsid)} aria-label={`Operations of session ${o.lsid}`}>
                session {o.lsid.slice(0, 8)}
                {o.txnNumber !== null ? ` txn ${o.txnNumber}` : ''}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {lsid ? <LsidChain key={lsid} lsid={lsid} /> : null}
    </section>
  );
}
