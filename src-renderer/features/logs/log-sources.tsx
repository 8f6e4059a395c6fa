import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ConnectionSummary, LogImportProgress, LogSourceInfo } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { EmptyState, ErrorText } from '../../components/state-views';
import { formatBytes } from '../../lib/format';
import { formatCount, formatLogTime } from '../timeline';

type Err = Pick<BaleenError, 'code' | 'message'>;

function useNodes(): { id: string; label: string }[] {
  const client = useClient();
  const [list, setList] = useState<ConnectionSummary[]>([]);
  useEffect(() => {
    client.invoke('connections.list', {}).then(setList, () => undefined);
  }, [client]);
  return list.flatMap((c) => c.nodes.map((n) => ({ id: n.id, label: `${n.hostPort} (${c.name})` })));
}

type ImportStep = { kind: 'editing' } | { kind: 'importing'; progress: LogImportProgress | null } | { kind: 'done'; source: LogSourceInfo } | { kind: 'error'; error: Err };

/**
 * Import a log folder or files. The core reads them where it runs: in the browser build the user
 * types a path on the server (there is no file picker that could give the core a path).
 */
export function LogImportDialog({ onDone }: { onDone: () => void }) {
  const client = useClient();
  const nodes = useNodes();
  const [text, setText] = useState('');
  const [nodeId, setNodeId] = useState('');
  const [step, setStep] = useState<ImportStep>({ kind: 'editing' });
  const abort = useRef<AbortController | null>(null);
  const pathsId = useId();
  const nodeSel = useId();
  const paths = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  useEffect(() => () => abort.current?.abort(), []);

  async function run(e: FormEvent) {
    e.preventDefault();
    const ac = new AbortController();
    abort.current = ac;
    setStep({ kind: 'importing', progress: null });
    let sourceId: number | null = null;
    const off = client.on('logs.progress', (p) => {
      if (sourceId === null) sourceId = p.sourceId;
      if (p.sourceId === sourceId) setStep((s) => (s.kind === 'importing' ? { kind: 'importing', progress: p } : s));
    });
    try {
      const source = await client.invoke('logs.import', { paths, ...(nodeId ? { nodeId } : {}) }, { signal: ac.signal });
      setStep({ kind: 'done', source });
      onDone();
    } catch (err) {
      setStep({ kind: 'error', error: toBaleenError(err) });
      onDone();
    } finally {
      off();
      abort.current = null;
    }
  }

  const busy = step.kind === 'importing';
  return (
    <form className="import-dialog" onSubmit={run} aria-label="Import logs">
      <h2>Import logs</h2>
      <div className="field">
        <label htmlFor={pathsId}>Log files or folders (paths where Baleen runs, one per line)</label>
        <textarea id={pathsId} rows={3} value={text} onChange={(e) => setText(e.target.value)} disabled={busy} placeholder="/var/log/mongodb" />
      </div>
      <div className="field">
        <label htmlFor={nodeSel}>Node (optional: every file is this node; otherwise each file's start-up line says)</label>
        <select id={nodeSel} value={nodeId} onChange={(e) => setNodeId(e.target.value)} disabled={busy}>
          <option value="">From the logs' start-up lines</option>
          {nodes.map((n) => (
            <option key={n.id} value={n.id}>
              {n.label}
            </option>
          ))}
        </select>
      </div>
      <p className="actions">
        <button type="submit" disabled={busy || paths.length === 0}>
          Import
        </button>
        {busy ? (
          <button type="button" onClick={() => abort.current?.abort()}>
            Cancel
          </button>
        ) : null}
      </p>
      {step.kind === 'importing' ? (
        <p role="status" className="import-progress">
          {step.progress
            ? `Importing ${step.progress.path} (file ${step.progress.fileIndex + 1} of ${step.progress.fileCount}): ${formatCount(step.progress.events)} lines, ${formatBytes(step.progress.bytesDone)} of ${formatBytes(step.progress.bytesTotal)}`
            : 'Importing…'}
        </p>
      ) : null}
      {step.kind === 'done' ? (
        <p role="status" data-testid="import-done">
          Imported {formatCount(step.source.events)} lines ({formatCount(step.source.operations)} slow operations, {formatCount(step.source.unparsed)} not parsed) from {step.source.files.length} file(s).
        </p>
      ) : null}
      {step.kind === 'error' ? (
        <p className="state state-error" role="alert">
          <ErrorText error={step.error} />
        </p>
      ) : null}
    </form>
  );
}

function FollowForms({ onDone }: { onDone: () => void }) {
  const client = useClient();
  const nodes = useNodes();
  const [nodeId, setNodeId] = useState('');
  const [path, setPath] = useState('/var/log/mongodb/mongod.log');
  const [sudo, setSudo] = useState(false);
  const [initialMb, setInitialMb] = useState('64');
  const [interval, setIntervalS] = useState('5');
  const [error, setError] = useState<Err | null>(null);
  const ids = { node: useId(), path: useId(), mb: useId(), every: useId() };
  const go = async (what: 'ssh' | 'getLog') => {
    setError(null);
    try {
      const intervalMs = Math.max(1, Number(interval) || 5) * 1000;
      if (what === 'getLog') await client.invoke('logs.pollGetLog', { nodeId, intervalMs });
      else await client.invoke('logs.followRemote', { nodeId, path, sudo, initialBytes: Math.round(Math.max(0, Number(initialMb) || 0) * 1024 * 1024), intervalMs });
      onDone();
    } catch (e) {
      setError(toBaleenError(e));
    }
  };
  return (
    <form className="import-dialog" onSubmit={(e) => e.preventDefault()} aria-label="Follow a node's log">
      <h2>Follow a node's log</h2>
      <div className="filters">
        <label htmlFor={ids.node}>
          Node
          <select id={ids.node} value={nodeId} onChange={(e) => setNodeId(e.target.value)}>
            <option value="">Choose a node…</option>
            {nodes.map((n) => (
              <option key={n.id} value={n.id}>
                {n.label}
              </option>
            ))}
          </select>
        </label>
        <label htmlFor={ids.every}>
          Every (s)
          <input id={ids.every} type="text" size={4} value={interval} onChange={(e) => setIntervalS(e.target.value)} />
        </label>
        <button type="button" disabled={!nodeId} onClick={() => void go('getLog')}>
          Poll getLog
        </button>
      </div>
      <div className="filters">
        <label htmlFor={ids.path}>
          Log file on the host (over the connection's SSH)
          <input id={ids.path} type="text" size={36} value={path} onChange={(e) => setPath(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={sudo} onChange={(e) => setSudo(e.target.checked)} /> Read through sudo -n
        </label>
        <label htmlFor={ids.mb}>
          First import (newest MiB)
          <input id={ids.mb} type="text" size={5} value={initialMb} onChange={(e) => setInitialMb(e.target.value)} />
        </label>
        <button type="button" disabled={!nodeId || !path.startsWith('/')} onClick={() => void go('ssh')}>
          Follow over SSH
        </button>
      </div>
      {error ? (
        <p className="state state-error" role="alert">
          <ErrorText error={error} />
        </p>
      ) : null}
    </form>
  );
}

/** Every log source: imports, followed files, getLog polls; poll now, stop, delete. */
export function LogSources() {
  const client = useClient();
  const [sources, setSources] = useState<LogSourceInfo[] | null>(null);
  const [error, setError] = useState<Err | null>(null);
  const [confirm, setConfirm] = useState<number | null>(null);
  const load = useCallback(() => {
    client.invoke('logs.sources', {}).then(setSources, (e: unknown) => setError(toBaleenError(e)));
  }, [client]);
  useEffect(() => {
    load();
    return client.on('logs.source', (s) => setSources((list) => (list ? (list.some((x) => x.id === s.id) ? list.map((x) => (x.id === s.id ? s : x)) : [...list, s]) : list)));
  }, [client, load]);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(toBaleenError(e));
    }
    load();
  };
  return (
    <div>
      <LogImportDialog onDone={load} />
      <FollowForms onDone={load} />
      <h2>Sources</h2>
      {error ? (
        <p className="state state-error" role="alert">
          <ErrorText error={error} />
        </p>
      ) : null}
      {sources && sources.length === 0 ? <EmptyState title="No logs yet.">Import a log file or folder above, or follow a node's log.</EmptyState> : null}
      {sources && sources.length > 0 ? (
        <table className="data-table" data-testid="log-sources">
          <thead>
            <tr>
              <th>Source</th>
              <th>Kind</th>
              <th>State</th>
              <th className="num">Lines</th>
              <th className="num">Slow ops</th>
              <th className="num">Not parsed</th>
              <th className="num">Missed</th>
              <th>Range (UTC)</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sources.map((s) => (
              <tr key={s.id} data-source-id={s.id} data-state={s.state}>
                <td className="mono">
                  {s.label}
                  {s.error ? <div className="muted">{s.error}</div> : null}
                </td>
                <td>{s.kind}</td>
                <td>{s.state}</td>
                <td className="num">{formatCount(s.events)}</td>
                <td className="num">{formatCount(s.operations)}</td>
                <td className="num">{s.unparsed > 0 ? <a href={`#/logs/unparsed/${s.id}`}>{formatCount(s.unparsed)}</a> : 0}</td>
                <td className="num">{formatCount(s.missed)}</td>
                <td>{s.firstTs !== null && s.lastTs !== null ? `${formatLogTime(s.firstTs)} → ${formatLogTime(s.lastTs)}` : '—'}</td>
                <td className="actions">
                  {s.state === 'following' || s.state === 'waiting' ? (
                    <>
                      <button type="button" className="small" onClick={() => void act(() => client.invoke('logs.pollNow', { sourceId: s.id }))}>
                        Poll now
                      </button>
                      <button type="button" className="small" onClick={() => void act(() => client.invoke('logs.stopSource', { sourceId: s.id }))}>
                        Stop
                      </button>
                    </>
                  ) : null}
                  {confirm === s.id ? (
                    <button
                      type="button"
                      className="small danger"
                      onClick={() => {
                        setConfirm(null);
                        void act(() => client.invoke('logs.deleteSource', { sourceId: s.id }));
                      }}
                    >
                      Confirm delete
                    </button>
                  ) : (
                    <button type="button" className="small" onClick={() => setConfirm(s.id)} aria-label={`Delete ${s.label}`}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
