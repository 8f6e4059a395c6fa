import { useId, useRef, useState, type FormEvent } from 'react';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';
import { useConnectionActions } from './connections-context';

/** Client-side check before anything is sent; the core validates again (E_INVALID_INPUT). */
export function validateUri(raw: string): string | null {
  const uri = raw.trim();
  if (uri === '') return 'Enter the MongoDB URI, e.g. mongodb://localhost:27017';
  const m = /^(mongodb(?:\+srv)?):\/\//.exec(uri);
  if (!m) return 'The URI must start with mongodb:// or mongodb+srv://';
  if (uri.length === m[0].length) return `Add a host after ${m[0]}, e.g. ${m[0]}localhost:27017`;
  return null;
}

type AddState =
  | { status: 'idle'; notice?: string }
  | { status: 'loading'; host: string }
  | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

/** The hosts part of a URI, for "Connecting to …"; never the credentials. */
function hostsOf(uri: string): string {
  const rest = uri.replace(/^mongodb(\+srv)?:\/\//, '');
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  return authority.slice(authority.lastIndexOf('@') + 1) || 'the server';
}

export function AddConnectionForm() {
  const client = useClient();
  const { upsert } = useConnectionActions();
  const [uri, setUri] = useState('');
  const [name, setName] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [state, setState] = useState<AddState>({ status: 'idle' });
  const inFlight = useRef<AbortController | null>(null);
  const uriInput = useRef<HTMLInputElement>(null);
  const ids = { uri: useId(), name: useId(), invalid: useId(), result: useId() };

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (state.status === 'loading') return;
    const problem = validateUri(uri);
    setInvalid(problem);
    if (problem) {
      uriInput.current?.focus();
      return;
    }
    const ac = new AbortController();
    inFlight.current = ac;
    setState({ status: 'loading', host: hostsOf(uri.trim()) });
    try {
      const added = await client.invoke('connections.add', { uri: uri.trim(), ...(name.trim() ? { name: name.trim() } : {}) }, { signal: ac.signal });
      if (inFlight.current !== ac) return; // Cancelled or superseded: the user has moved on.
      inFlight.current = null;
      upsert(added);
      setUri('');
      setName('');
      setState({ status: 'idle', notice: `Added ${added.name}. Monitoring has started.` });
    } catch (err) {
      if (inFlight.current !== ac) return;
      inFlight.current = null;
      const error = toBaleenError(err);
      setState(error.code === 'E_CANCELLED' ? { status: 'idle', notice: 'Cancelled.' } : { status: 'error', error });
    }
  }

  function cancel() {
    // The core is told through the AbortSignal; the form does not wait for it to confirm.
    inFlight.current?.abort();
    inFlight.current = null;
    setState({ status: 'idle', notice: 'Cancelled.' });
  }

  const busy = state.status === 'loading';
  return (
    <form className="add-connection" onSubmit={submit} noValidate aria-busy={busy}>
      <h2>Add a connection</h2>
      <div className="field">
        <label htmlFor={ids.uri}>MongoDB URI</label>
        <input
          ref={uriInput}
          id={ids.uri}
          name="uri"
          type="text"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          placeholder="mongodb://localhost:27017"
          value={uri}
          disabled={busy}
          aria-invalid={invalid ? true : undefined}
          aria-describedby={invalid ? ids.invalid : undefined}
          onChange={(e) => {
            setUri(e.target.value);
            if (invalid) setInvalid(null);
          }}
        />
        {invalid ? (
          <p id={ids.invalid} className="field-error" role="alert">
            {invalid}
          </p>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={ids.name}>Name (optional)</label>
        <input id={ids.name} name="name" type="text" autoComplete="off" value={name} disabled={busy} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Add connection
        </button>
        {busy ? (
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <div id={ids.result} className="form-result">
        {state.status === 'loading' ? (
          <p role="status" className="busy">
            Connecting to {state.host}… this can take up to 10 seconds.
          </p>
        ) : null}
        {state.status === 'error' ? (
          <p role="alert" className="form-error">
            <span className="state-title">Could not add the connection.</span> <ErrorText error={state.error} />
          </p>
        ) : null}
        {state.status === 'idle' && state.notice ? (
          <p role="status" className="notice">
            {state.notice}
          </p>
        ) : null}
      </div>
    </form>
  );
}
