import { useId, useState, type FormEvent } from 'react';
import type { ExportResult, ImportResult } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';

type Err = Pick<BaleenError, 'code' | 'message'>;

/**
 * Import profiles (a Baleen export, a Compass connections export, or URIs one per line) and export them:
 * without secrets by default, or with secrets sealed by a passphrase. There is no plain-text option.
 */
export function ImportDialog({ onClose }: { onClose(): void }) {
  const client = useClient();
  const [content, setContent] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [needsPassphrase, setNeedsPassphrase] = useState(false);
  const [state, setState] = useState<{ status: 'idle' } | { status: 'loading' } | { status: 'done'; result: ImportResult } | { status: 'error'; error: Err }>({ status: 'idle' });
  const ids = { file: useId(), text: useId(), pass: useId() };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setState({ status: 'loading' });
    try {
      const result = await client.invoke('connections.import', { content, ...(passphrase ? { passphrase } : {}) });
      setState({ status: 'done', result });
      setPassphrase('');
    } catch (err) {
      const error = toBaleenError(err);
      const reason = (error.details as { reason?: string } | undefined)?.reason;
      if (reason === 'passphraseRequired' || reason === 'passphraseIncorrect') setNeedsPassphrase(true);
      setState({ status: 'error', error });
    }
  }

  return (
    <form className="dialog import-dialog" aria-label="Import connections" onSubmit={(e) => void submit(e)} noValidate>
      <h2>Import connections</h2>
      <p className="muted">A Baleen export, a Compass connections export (JSON), or mongodb:// URIs one per line. Imported connections are saved without connecting.</p>
      <div className="field">
        <label htmlFor={ids.file}>File</label>
        <input
          id={ids.file}
          type="file"
          accept=".json,.txt,application/json,text/plain"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            if (!f) return;
            setFileName(f.name);
            setContent(await f.text());
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.text}>Or paste the content</label>
        <textarea id={ids.text} rows={5} spellCheck={false} value={content} onChange={(e) => setContent(e.target.value)} />
        {fileName ? <span className="muted">Read from {fileName}.</span> : null}
      </div>
      {needsPassphrase ? (
        <div className="field">
          <label htmlFor={ids.pass}>Passphrase of the export</label>
          <input id={ids.pass} type="password" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
        </div>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={state.status === 'loading' || content.trim() === ''}>
          Import
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {state.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={state.error} />
        </p>
      ) : null}
      {state.status === 'done' ? (
        <div role="status" className="notice">
          <p>
            Imported {state.result.imported.length} connection{state.result.imported.length === 1 ? '' : 's'}
            {state.result.secretsImported ? ` with ${state.result.secretsImported} secret${state.result.secretsImported === 1 ? '' : 's'}` : ''}.
          </p>
          {state.result.skipped.length ? (
            <ul aria-label="Skipped entries">
              {state.result.skipped.map((s) => (
                <li key={`${s.entry}`}>
                  Entry {s.entry}
                  {s.name ? ` (${s.name})` : ''}: {s.reason}
                </li>
              ))}
            </ul>
          ) : null}
          {state.result.notes.map((n) => (
            <p key={n} className="muted">
              {n}
            </p>
          ))}
        </div>
      ) : null}
    </form>
  );
}

function download(r: ExportResult): string | null {
  if (typeof URL.createObjectURL !== 'function') return null;
  return URL.createObjectURL(new Blob([r.content], { type: 'application/json' }));
}

export function ExportDialog({ onClose }: { onClose(): void }) {
  const client = useClient();
  const [withSecrets, setWithSecrets] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [state, setState] = useState<{ status: 'idle' } | { status: 'loading' } | { status: 'done'; result: ExportResult; href: string | null } | { status: 'error'; error: Err }>({ status: 'idle' });
  const ids = { secrets: useId(), pass: useId(), again: useId() };
  const mismatch = withSecrets && again !== '' && again !== passphrase;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (withSecrets && (passphrase.length < 8 || passphrase !== again)) return;
    setState({ status: 'loading' });
    try {
      const result = await client.invoke('connections.export', withSecrets ? { passphrase } : {});
      setPassphrase('');
      setAgain('');
      setState({ status: 'done', result, href: download(result) });
    } catch (err) {
      setState({ status: 'error', error: toBaleenError(err) });
    }
  }

  return (
    <form className="dialog export-dialog" aria-label="Export connections" onSubmit={(e) => void submit(e)} noValidate>
      <h2>Export connections</h2>
      <p className="muted">The export holds the connection settings. Secrets are left out unless you seal them with a passphrase; they are never written in clear.</p>
      <label className="checkbox" htmlFor={ids.secrets}>
        <input id={ids.secrets} type="checkbox" checked={withSecrets} onChange={(e) => setWithSecrets(e.target.checked)} /> Include secrets, encrypted with a passphrase
      </label>
      {withSecrets ? (
        <>
          <div className="field">
            <label htmlFor={ids.pass}>Passphrase (8 characters or more)</label>
            <input id={ids.pass} type="password" autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={ids.again}>Passphrase again</label>
            <input id={ids.again} type="password" autoComplete="new-password" value={again} aria-invalid={mismatch || undefined} onChange={(e) => setAgain(e.target.value)} />
            {mismatch ? <p className="field-error">The passphrases differ.</p> : null}
          </div>
        </>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={state.status === 'loading' || (withSecrets && (passphrase.length < 8 || passphrase !== again))}>
          Export
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {state.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={state.error} />
        </p>
      ) : null}
      {state.status === 'done' ? (
        <p role="status" className="notice">
          Exported {state.result.profiles} connection{state.result.profiles === 1 ? '' : 's'}
          {state.result.encrypted ? ` with ${state.result.secretsIncluded} encrypted secret${state.result.secretsIncluded === 1 ? '' : 's'}` : ', without secrets'}.{' '}
          {state.href ? (
            <a href={state.href} download={state.result.filename}>
              Download {state.result.filename}
            </a>
          ) : null}
        </p>
      ) : null}
    </form>
  );
}
