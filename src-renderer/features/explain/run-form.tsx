import { useEffect, useId, useRef, useState } from 'react';
import { DEFAULT_EXPLAIN_MAX_TIME_MS, MAX_EXPLAIN_MAX_TIME_MS, type ExplainView, type ParsedQueryView } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import type { Verbosity } from '../../../src-shared/domain/explain';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';
import { allNodes, useConnectionList } from '../connections';
import type { ExplainLink } from './explain-link';

type Err = Pick<BaleenError, 'code' | 'message' | 'details'>;

/** Roles where executionStats runs the query on a node that takes writes (a mongos runs it on the shards' primaries). */
const RUNS_ON_PRIMARY = new Set(['PRIMARY', 'STANDALONE', 'MONGOS']);

export interface RunFormProps {
  link: ExplainLink;
  onResult: (v: ExplainView) => void;
}

/** Run explain on a node from a query typed in mongosh syntax; the core parses it (never evaluates it). */
export function RunForm({ link, onResult }: RunFormProps) {
  const client = useClient();
  const list = useConnectionList();
  const nodes = allNodes(list);
  const [chosenNode, setNodeId] = useState(link.nodeId ?? '');
  const [db, setDb] = useState(link.db ?? '');
  const [query, setQuery] = useState(link.query);
  const [verbosity, setVerbosity] = useState<Verbosity>('queryPlanner');
  const [maxTimeMs, setMaxTimeMs] = useState(String(DEFAULT_EXPLAIN_MAX_TIME_MS));
  const [confirmed, setConfirmed] = useState(false);
  const [parsedFor, setParsed] = useState<{ key: string; r: { ok: true; q: ParsedQueryView } | { ok: false; error: Err } } | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<Err | null>(null);
  const abort = useRef<AbortController | null>(null);
  const ids = { node: useId(), db: useId(), query: useId(), verbosity: useId(), time: useId(), confirm: useId() };

  // The first node until the user picks one (or the link named one).
  const nodeId = chosenNode !== '' ? chosenNode : (nodes[0]?.node.id ?? '');
  useEffect(() => () => abort.current?.abort(), []);

  // Read the query as it is typed: what it is, where it goes, whether it writes.
  const parseKey = `${db.trim()}\u0000${query}`;
  useEffect(() => {
    if (query.trim() === '') return;
    let live = true;
    const h = setTimeout(() => {
      client.invoke('explain.parseQuery', { query, ...(db.trim() ? { db: db.trim() } : {}) }).then(
        (q) => live && setParsed({ key: parseKey, r: { ok: true, q } }),
        (e: unknown) => live && setParsed({ key: parseKey, r: { ok: false, error: toBaleenError(e) } }),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(h);
    };
  }, [client, query, db, parseKey]);
  const parsed = query.trim() !== '' && parsedFor?.key === parseKey ? parsedFor.r : null;

  const entry = nodes.find((n) => n.node.id === nodeId) ?? null;
  const explainCap = entry?.node.capabilities?.features.find((f) => f.feature === 'explain');
  const off = explainCap && (explainCap.state === 'unavailable' || explainCap.state === 'unsupported') ? explainCap : null;
  const q = parsed?.ok ? parsed.q : null;
  const effective: Verbosity = q?.verbosity ?? verbosity;
  const writesOutput = q?.writesOutput === true;
  const role = entry?.node.role ?? null;
  // The core checks the role itself (hello) when it runs: a refusal shows the box even if the list's role was stale.
  const refusedForRole = error?.details?.reason === 'confirm-run-on-primary';
  const needsConfirm = effective !== 'queryPlanner' && (role === null || RUNS_ON_PRIMARY.has(role.toUpperCase()) || refusedForRole);
  const timeOk = /^\d{1,6}$/.test(maxTimeMs) && Number(maxTimeMs) >= 1 && Number(maxTimeMs) <= MAX_EXPLAIN_MAX_TIME_MS;
  const canRun = !running && entry !== null && query.trim() !== '' && timeOk && !(writesOutput && effective !== 'queryPlanner') && (!needsConfirm || confirmed);

  async function run() {
    const ac = new AbortController();
    abort.current = ac;
    setRunning(true);
    setError(null);
    try {
      const v = await client.invoke(
        'explain.run',
        { nodeId, query, verbosity, maxTimeMs: Number(maxTimeMs), confirmedRunOnPrimary: confirmed, ...(db.trim() ? { db: db.trim() } : {}) },
        { signal: ac.signal },
      );
      onResult(v);
    } catch (e) {
      setError(toBaleenError(e));
    } finally {
      setRunning(false);
      abort.current = null;
    }
  }

  return (
    <form
      className="explain-run"
      aria-label="Run explain on a node"
      onSubmit={(e) => {
        e.preventDefault();
        if (canRun) void run();
      }}
    >
      {link.fromShape ? (
        <p className="banner banner-warn" role="note">
          This query comes from a query shape: its values are type placeholders (&quot;?string&quot;). Put in real values for a representative plan.
        </p>
      ) : null}
      <div className="explain-run-row">
        <div className="field">
          <label htmlFor={ids.node}>Node</label>
          <select id={ids.node} value={nodeId} onChange={(e) => setNodeId(e.target.value)} disabled={running}>
            {nodes.length === 0 ? <option value="">No connected node — add a connection first</option> : null}
            {nodes.map(({ node, connection }) => (
              <option key={node.id} value={node.id}>
                {node.hostPort} — {(node.role ?? 'role unknown').toLowerCase()} ({connection.name})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.db}>Database</label>
          <input id={ids.db} value={db} onChange={(e) => setDb(e.target.value)} disabled={running} spellCheck={false} placeholder="shop" />
        </div>
      </div>
      {off ? (
        <p className="form-error" role="alert">
          Explain is off on this node: {off.reason ?? `needs ${off.needs}`}
          {off.unlockRole ? ` (grant ${off.unlockRole})` : ''}.
        </p>
      ) : null}
      <div className="field">
        <label htmlFor={ids.query}>Query (mongosh syntax)</label>
        <textarea
          id={ids.query}
          rows={4}
          value={query}
          spellCheck={false}
          disabled={running}
          placeholder='db.orders.find({status: "A", qty: {$gt: 5}}).sort({ts: -1})'
          onChange={(e) => setQuery(e.target.value)}
        />
        <p className="muted query-preview" aria-live="polite">
          {parsed === null
            ? 'find, aggregate, count, distinct, update, delete and findAndModify; literals only, nothing is evaluated.'
            : parsed.ok
              ? `${parsed.q.method}() on ${parsed.q.namespace ?? `<database>.${parsed.q.collection}`} — shape ${parsed.q.shapeText}${parsed.q.verbosity ? ` — asks for ${parsed.q.verbosity}` : ''}`
              : `${parsed.error.message}`}
        </p>
      </div>
      <div className="explain-run-row">
        <div className="field">
          <label htmlFor={ids.verbosity}>Verbosity</label>
          <select id={ids.verbosity} value={verbosity} onChange={(e) => setVerbosity(e.target.value as Verbosity)} disabled={running || q?.verbosity != null}>
            <option value="queryPlanner">queryPlanner (plans only, runs nothing)</option>
            <option value="executionStats" disabled={writesOutput}>
              executionStats (runs the query)
            </option>
            <option value="allPlansExecution" disabled={writesOutput}>
              allPlansExecution (runs every candidate plan)
            </option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.time}>Time limit (ms)</label>
          <input id={ids.time} inputMode="numeric" value={maxTimeMs} onChange={(e) => setMaxTimeMs(e.target.value)} disabled={running} aria-invalid={!timeOk} />
        </div>
      </div>
      {writesOutput ? <p className="muted">This pipeline ends in $out or $merge: it is explained at queryPlanner only (on MongoDB 3.6 and 4.0 a higher verbosity really writes).</p> : null}
      {effective !== 'queryPlanner' ? (
        <div className="run-warning" role="note">
          <p>
            <strong>{effective} runs the query</strong> on the server (up to the time limit) and reads what it reads.
          </p>
          {needsConfirm ? (
            <p>
              <input id={ids.confirm} type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} disabled={running} />{' '}
              <label htmlFor={ids.confirm}>
                Run it on {entry?.node.hostPort ?? 'this node'}, a {role ? role.toLowerCase() : 'node of unknown role'} that takes writes
              </label>
            </p>
          ) : null}
        </div>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={!canRun}>
          {running ? 'Running explain…' : 'Run explain'}
        </button>
        {running ? (
          <button type="button" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        ) : null}
      </div>
      {error ? (
        <p className="form-error" role="alert">
          <ErrorText error={error} />
        </p>
      ) : null}
    </form>
  );
}
