import { useCallback, useEffect, useState } from 'react';
import type { FtdcImportSummary } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { EmptyState, ErrorState, ErrorText, LoadingState } from '../../components/state-views';
import { formatBytes, formatCompact, formatDateTime } from '../../lib/format';
import { hostHref } from '../host';
import { FtdcImportDialog } from './import-dialog';
import { importHref, nodeRangeHref } from './import-links';
import './imports.css';

type ListState = { status: 'loading' } | { status: 'ready'; items: FtdcImportSummary[] } | { status: 'error'; error: BaleenError };

export function useImportList(): { list: ListState; reload: () => void } {
  const client = useClient();
  const [list, setList] = useState<ListState>({ status: 'loading' });
  const [n, setN] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    client.invoke('ftdc.list', {}, { signal: ac.signal }).then(
      (items) => !ac.signal.aborted && setList({ status: 'ready', items }),
      (e: unknown) => !ac.signal.aborted && setList({ status: 'error', error: toBaleenError(e) }),
    );
    return () => ac.abort();
  }, [client, n]);
  return { list, reload: useCallback(() => setN((x) => x + 1), []) };
}

export const rangeText = (s: Pick<FtdcImportSummary, 'firstTs' | 'lastTs'>): string =>
  s.firstTs !== null && s.lastTs !== null ? `${formatDateTime(s.firstTs)} – ${formatDateTime(s.lastTs)}` : 'no samples';

/** Imported FTDC sets: kept until deleted here, whatever the store's retention. */
export function ImportsPage() {
  const { list, reload } = useImportList();
  const [dialog, setDialog] = useState(false);
  return (
    <div className="page imports-page">
      <header className="node-head">
        <div>
          <h1>Imports</h1>
          <p className="muted">A customer's diagnostic.data, charted like live history. Imported sets stay until you delete them.</p>
        </div>
        <div className="actions">
          {dialog ? null : (
            <button type="button" onClick={() => setDialog(true)}>
              Import FTDC…
            </button>
          )}
        </div>
      </header>
      {dialog ? <FtdcImportDialog onClose={() => setDialog(false)} onImported={reload} /> : null}
      {list.status === 'loading' ? <LoadingState>Loading imports…</LoadingState> : null}
      {list.status === 'error' ? <ErrorState title="Could not list the imports." error={list.error} onRetry={reload} /> : null}
      {list.status === 'ready' && list.items.length === 0 && !dialog ? (
        <EmptyState title="No imports yet">
          <p>Import a diagnostic.data folder (or an archive of one) to diagnose a node offline.</p>
        </EmptyState>
      ) : null}
      {list.status === 'ready' && list.items.length > 0 ? <ImportTable items={list.items} onDeleted={reload} /> : null}
    </div>
  );
}

function ImportTable({ items, onDeleted }: { items: FtdcImportSummary[]; onDeleted: () => void }) {
  return (
    <table className="overview-table imports-table">
      <caption className="visually-hidden">Imported FTDC sets</caption>
      <thead>
        <tr>
          <th scope="col">Import</th>
          <th scope="col">Node</th>
          <th scope="col">Host</th>
          <th scope="col">Version</th>
          <th scope="col">Time range</th>
          <th scope="col">Size</th>
          <th scope="col">Samples</th>
          <th scope="col">Bad chunks</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((s) => (
          <ImportRow key={s.id} s={s} onDeleted={onDeleted} />
        ))}
      </tbody>
    </table>
  );
}

type DeleteState = { status: 'idle' } | { status: 'confirm' } | { status: 'deleting' } | { status: 'error'; error: BaleenError };

function ImportRow({ s, onDeleted }: { s: FtdcImportSummary; onDeleted: () => void }) {
  const client = useClient();
  const [del, setDel] = useState<DeleteState>({ status: 'idle' });
  const range = s.firstTs !== null && s.lastTs !== null ? { from: s.firstTs, to: s.lastTs } : null;
  async function remove() {
    setDel({ status: 'deleting' });
    try {
      await client.invoke('ftdc.delete', { id: s.id });
      onDeleted();
    } catch (e) {
      setDel({ status: 'error', error: toBaleenError(e) });
    }
  }
  return (
    <tr data-import-id={s.id}>
      <th scope="row">
        <a href={importHref(s.id)}>{s.label}</a>
      </th>
      <td>
        {s.nodes.map((n) => (
          <div key={n.nodeId}>{range ? <a href={nodeRangeHref(n.nodeId, range.from, range.to)}>{n.hostPort}</a> : n.hostPort}</div>
        ))}
      </td>
      <td>
        {[...new Set(s.nodes.map((n) => n.hostId))].map((h) => (
          <div key={h}>
            <a href={hostHref(h, range ?? undefined)}>{h}</a>
          </div>
        ))}
      </td>
      <td>{[...new Set(s.nodes.map((n) => n.version ?? '?'))].join(', ')}</td>
      <td>{rangeText(s)}</td>
      <td>{formatBytes(s.bytes)}</td>
      <td title={`${s.values.toLocaleString()} values`}>{formatCompact(s.samples)}</td>
      <td>{s.errorCount}</td>
      <td className="actions">
        {del.status === 'idle' || del.status === 'error' ? (
          <button type="button" onClick={() => setDel({ status: 'confirm' })} aria-label={`Delete ${s.label}`}>
            Delete
          </button>
        ) : null}
        {del.status === 'confirm' ? (
          <>
            <button type="button" className="danger" onClick={() => void remove()}>
              Confirm delete
            </button>
            <button type="button" onClick={() => setDel({ status: 'idle' })}>
              Keep
            </button>
          </>
        ) : null}
        {del.status === 'deleting' ? <span role="status">Deleting…</span> : null}
        {del.status === 'error' ? (
          <span role="alert" className="form-error">
            <ErrorText error={del.error} />
          </span>
        ) : null}
      </td>
    </tr>
  );
}
