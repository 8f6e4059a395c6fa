import { useEffect, useId, useRef, useState } from 'react';
import type { ExplainView, IndexBuild } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';
import { keyText, num } from './plan-format';

type Err = Pick<BaleenError, 'code' | 'message'>;

const STATUS_TEXT = {
  covered: 'An existing index already has this key',
  prefix: 'An existing index starts with this key, so it serves the query',
  new: 'No existing index serves it',
  none: 'No index advice',
} as const;

function checkedAgainst(view: ExplainView): string {
  const i = view.indexes;
  switch (i.source) {
    case 'listIndexes':
      return `Checked against the collection's ${i.list.length} index${i.list.length === 1 ? '' : 'es'} (listIndexes).`;
    case 'pasted':
      return `Checked against the ${i.list.length} index${i.list.length === 1 ? '' : 'es'} pasted.`;
    case 'plans':
      return 'Checked only against the indexes the plans name: paste the collection’s indexes (getIndexes()) for a full check.';
    default:
      return 'No list of the collection’s indexes was given: paste getIndexes() output to check against it.';
  }
}

/** ESR advice: the proposed key, whether an index already serves it, the createIndex command, and (live) creating it. */
export function AdvicePanel({ view }: { view: ExplainView }) {
  const a = view.advice;
  return (
    <section className="explain-advice" aria-label="Index advice">
      <h3>Index advice</h3>
      {!a ? (
        <p className="muted">No query shape could be read from this explain.</p>
      ) : (
        <>
          {a.key.length > 0 ? (
            <p className="proposed">
              Proposed index <code>{keyText(a.key)}</code>
              <span className="muted">
                {' '}
                (equality: {a.equality.join(', ') || '—'}; sort: {a.sort.map(([f, d]) => `${f} ${d}`).join(', ') || '—'}; range: {a.range.join(', ') || '—'})
              </span>
            </p>
          ) : null}
          <p className={`advice-status advice-${a.status}`}>
            {STATUS_TEXT[a.status]}
            {a.existingIndex ? (
              <>
                : <code>{a.existingIndex}</code>
              </>
            ) : null}
            .
          </p>
          {a.createIndex ? <pre className="create-index-command">{a.createIndex}</pre> : null}
          {a.supersedes.length > 0 ? <p>Once created, it makes {a.supersedes.join(', ')} redundant.</p> : null}
          {a.notes.length > 0 ? (
            <ul className="advice-notes">
              {a.notes.map((n, i) => (
                <li key={i}>{n}</li>
              ))}
            </ul>
          ) : null}
          <p className="muted">{checkedAgainst(view)}</p>
          {view.indexes.error ? <p className="muted">{view.indexes.error}</p> : null}
          {a.status === 'new' && a.key.length > 0 && view.source.kind === 'live' && a.namespace ? <CreateIndex nodeId={view.source.nodeId} namespace={a.namespace} keyParts={a.key} /> : null}
        </>
      )}
    </section>
  );
}

type Step = { kind: 'closed' } | { kind: 'confirm' } | { kind: 'starting' } | { kind: 'build'; build: IndexBuild } | { kind: 'error'; error: Err };

/** Creating the index from Baleen: typed confirmation, then the build's progress until it ends. */
function CreateIndex({ nodeId, namespace, keyParts }: { nodeId: string; namespace: string; keyParts: Array<[string, 1 | -1]> }) {
  const client = useClient();
  const [step, setStep] = useState<Step>({ kind: 'closed' });
  const [typed, setTyped] = useState('');
  const inputId = useId();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  function poll(buildId: string) {
    timer.current = setTimeout(() => {
      client.invoke('explain.indexBuild', { buildId }).then(
        (b) => {
          if (!alive.current) return;
          setStep({ kind: 'build', build: b });
          if (b.state === 'running') poll(buildId);
        },
        (e: unknown) => alive.current && setStep({ kind: 'error', error: toBaleenError(e) }),
      );
    }, 700);
  }

  async function create() {
    setStep({ kind: 'starting' });
    try {
      const b = await client.invoke('explain.createIndex', { nodeId, namespace, key: keyParts, confirmNamespace: typed });
      if (!alive.current) return;
      setStep({ kind: 'build', build: b });
      if (b.state === 'running') poll(b.buildId);
    } catch (e) {
      setStep({ kind: 'error', error: toBaleenError(e) });
    }
  }

  if (step.kind === 'closed') {
    return (
      <button type="button" onClick={() => setStep({ kind: 'confirm' })}>
        Create this index…
      </button>
    );
  }
  if (step.kind === 'build') {
    const b = step.build;
    const pct = b.progress && b.progress.total > 0 ? Math.round((100 * b.progress.done) / b.progress.total) : null;
    return (
      <div className="index-build" role="status" aria-label="Index build" data-state={b.state}>
        {b.state === 'running' ? (
          <p>
            Building <code>{b.indexName}</code> on {b.hostPort}…{pct !== null ? ` ${pct}% (${num(b.progress!.done)} of ${num(b.progress!.total)} documents)` : ''}
          </p>
        ) : b.state === 'done' ? (
          <p>
            Index <code>{b.indexName}</code> built on {b.hostPort}
            {b.phase ? ` — ${b.phase}` : ''}. Run explain again to see the new plan.
          </p>
        ) : (
          <p className="form-error">
            The build of <code>{b.indexName}</code> failed: {b.error}
          </p>
        )}
        {b.state === 'running' && pct !== null ? <progress max={100} value={pct} aria-label="Build progress" /> : null}
        {b.phase && b.state === 'running' ? <p className="muted">{b.phase}</p> : null}
        {b.progressNote ? <p className="muted">{b.progressNote}</p> : null}
      </div>
    );
  }
  return (
    <form
      className="create-index-confirm"
      aria-label="Create the index"
      onSubmit={(e) => {
        e.preventDefault();
        if (typed === namespace && step.kind !== 'starting') void create();
      }}
    >
      <p>
        Creating an index builds it on the primary, reading the whole collection; it is recorded in the audit log. Type <code>{namespace}</code> to confirm.
      </p>
      <div className="field">
        <label htmlFor={inputId}>Namespace to confirm</label>
        <input id={inputId} value={typed} autoComplete="off" spellCheck={false} onChange={(e) => setTyped(e.target.value)} />
      </div>
      <div className="actions">
        <button type="submit" disabled={typed !== namespace || step.kind === 'starting'}>
          Create index
        </button>
        <button type="button" onClick={() => setStep({ kind: 'closed' })}>
          Cancel
        </button>
      </div>
      {step.kind === 'error' ? (
        <p className="form-error" role="alert">
          <ErrorText error={step.error} />
        </p>
      ) : null}
    </form>
  );
}
