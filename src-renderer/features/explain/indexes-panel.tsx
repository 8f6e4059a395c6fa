import { useState } from 'react';
import type { IndexReport } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText, LoadingState } from '../../components/state-views';
import { formatDateTime } from '../../lib/format';
import { keyText } from './plan-format';

type State = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; report: IndexReport } | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

/**
 * The collection's indexes: redundant ones (a prefix of another) and unused ones — no `$indexStats`
 * access on any member since each counted from (a restart resets them), so every member is read.
 */
export function IndexesPanel({ nodeId, namespace }: { nodeId: string; namespace: string }) {
  const client = useClient();
  const [state, setState] = useState<State>({ status: 'idle' });
  const load = () => {
    setState({ status: 'loading' });
    client.invoke('explain.indexes', { nodeId, namespace }).then(
      (report) => setState({ status: 'ready', report }),
      (e: unknown) => setState({ status: 'error', error: toBaleenError(e) }),
    );
  };
  return (
    <section className="explain-indexes" aria-label="Indexes of the collection">
      <h3>Indexes of {namespace}</h3>
      {state.status === 'idle' ? (
        <button type="button" onClick={load}>
          Check unused and redundant indexes
        </button>
      ) : state.status === 'loading' ? (
        <LoadingState>Reading listIndexes and $indexStats on every member…</LoadingState>
      ) : state.status === 'error' ? (
        <p className="form-error" role="alert">
          <ErrorText error={state.error} />
        </p>
      ) : (
        <IndexReportView report={state.report} onRefresh={load} />
      )}
    </section>
  );
}

function IndexReportView({ report: r, onRefresh }: { report: IndexReport; onRefresh: () => void }) {
  const unused = r.unused.state === 'checked' ? new Map(r.unused.list.map((u) => [u.name, u])) : null;
  const redundant = new Map(r.redundant.map((x) => [x.name, x]));
  return (
    <>
      <table className="index-table">
        <thead>
          <tr>
            <th scope="col">Index</th>
            <th scope="col">Key</th>
            <th scope="col">Unused</th>
            <th scope="col">Redundant</th>
          </tr>
        </thead>
        <tbody>
          {r.indexes.map((i) => {
            const u = unused?.get(i.name);
            const red = redundant.get(i.name);
            return (
              <tr key={i.name} data-index={i.name}>
                <td>
                  <code>{i.name}</code>
                </td>
                <td>
                  <code>{keyText(i.key)}</code>
                </td>
                <td>
                  {unused === null ? '?' : u ? (
                    <>
                      unused since {formatDateTime(Date.parse(u.since))}
                      {u.caveats.map((c) => (
                        <span key={c} className="muted">
                          {' '}
                          ({c})
                        </span>
                      ))}
                    </>
                  ) : (
                    'no'
                  )}
                </td>
                <td>{red ? `yes: ${red.reason}` : 'no'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {r.unused.state === 'unavailable' ? <p className="muted">Unused indexes not judged: {r.unused.reason}</p> : null}
      <p className="muted">
        $indexStats read on: {r.members.map((m) => `${m.member} ${m.ok ? '✓' : `✗ (${m.error ?? 'failed'})`}`).join(', ') || 'no member'}. Counters restart with each mongod, so “unused since” is the latest
        restart among them.
      </p>
      <button type="button" onClick={onRefresh}>
        Check again
      </button>
    </>
  );
}
