import { useCallback, useEffect, useState } from 'react';
import type { UnparsedRow } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { EmptyState, ErrorText, LoadingState } from '../../components/state-views';
import { formatBytes } from '../../lib/format';

const REASON: Record<UnparsedRow['reason'], string> = {
  oversized: 'longer than 1 MiB (skipped)',
  'bad-json': 'not valid JSON',
  'no-header': 'missing t/s/c/msg',
  'bad-timestamp': 'unreadable time',
};

/** Lines Baleen could not read: kept with their file, line number and why, never dropped silently. */
export function UnparsedView({ sourceId }: { sourceId?: number }) {
  const client = useClient();
  const [rows, setRows] = useState<UnparsedRow[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<Pick<BaleenError, 'code' | 'message'> | null>(null);
  const load = useCallback(
    (afterId?: number) => {
      client.invoke('logs.unparsed', { limit: 200, ...(sourceId !== undefined ? { sourceId } : {}), ...(afterId !== undefined ? { afterId } : {}) }).then(
        (page) => {
          setRows((r) => (afterId === undefined ? page : [...(r ?? []), ...page]));
          setMore(page.length === 200);
        },
        (e: unknown) => setError(toBaleenError(e)),
      );
    },
    [client, sourceId],
  );
  useEffect(() => load(), [load]);
  if (error)
    return (
      <p className="state state-error" role="alert">
        <ErrorText error={error} />
      </p>
    );
  if (rows === null) return <LoadingState>Loading…</LoadingState>;
  if (rows.length === 0) return <EmptyState title="Every line was read.">No line of {sourceId !== undefined ? 'this source' : 'any source'} failed to parse.</EmptyState>;
  return (
    <>
      <table className="data-table" data-testid="unparsed">
        <thead>
          <tr>
            <th>File</th>
            <th className="num">Line</th>
            <th>Why</th>
            <th className="num">Size</th>
            <th>Text (start)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td className="mono">{r.file}</td>
              <td className="num">{r.line}</td>
              <td>{REASON[r.reason]}</td>
              <td className="num">{formatBytes(r.bytes)}</td>
              <td className="mono">{r.text.slice(0, 300)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {more ? (
        <button type="button" onClick={() => load(rows[rows.length - 1]!.id)}>
          More
        </button>
      ) : null}
    </>
  );
}
