import { useEffect, useState } from 'react';
import type { PlanHistoryEntry } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';
import { formatDateTime } from '../../lib/format';
import { ms, num } from './plan-format';

/** This shape's plans on this node over time (newest first), with the runs where the plan changed. */
export function HistoryPanel({ nodeId, shapeHash, shapeText, ranAt }: { nodeId: string; shapeHash: string; shapeText: string; ranAt: number }) {
  const client = useClient();
  const [rows, setRows] = useState<PlanHistoryEntry[] | null>(null);
  const [error, setError] = useState<Pick<BaleenError, 'code' | 'message'> | null>(null);
  useEffect(() => {
    let live = true;
    client.invoke('explain.history', { nodeId, shapeHash, limit: 50 }).then(
      (r) => live && setRows(r),
      (e: unknown) => live && setError(toBaleenError(e)),
    );
    return () => {
      live = false;
    };
  }, [client, nodeId, shapeHash, ranAt]);
  return (
    <section className="explain-history" aria-label="Plan history">
      <h3>Plan history of this query shape on this node</h3>
      <p className="muted">
        Shape <code>{shapeText}</code>
      </p>
      {error ? (
        <p className="form-error">
          <ErrorText error={error} />
        </p>
      ) : rows === null ? null : (
        <table className="history-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Plan</th>
              <th scope="col">Verbosity</th>
              <th scope="col">Returned</th>
              <th scope="col">Keys examined</th>
              <th scope="col">Docs examined</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} className={r.changed ? 'plan-changed' : undefined} data-changed={r.changed}>
                <td>{formatDateTime(r.ts)}</td>
                <td>
                  <code>{r.planSummary}</code>
                  {r.changed ? <span className="sev-badge sev-warning">plan changed</span> : null}
                </td>
                <td>{r.verbosity}</td>
                <td>{num(r.nReturned)}</td>
                <td>{num(r.totalKeysExamined)}</td>
                <td>{num(r.totalDocsExamined)}</td>
                <td>{ms(r.executionTimeMillis)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
