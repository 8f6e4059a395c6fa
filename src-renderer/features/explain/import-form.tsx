import { useId, useState } from 'react';
import { MAX_IMPORT_CHARS, type ExplainView } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';
import { formatBytes } from '../../lib/format';

type Err = Pick<BaleenError, 'code' | 'message'>;

/** The bridge carries at most 4 MiB per frame; JSON escaping of the text must fit in it. */
const MAX_FRAME_TEXT = 3.5 * 1024 * 1024;

/** Refuses text the core would refuse anyway, before it is sent: too long, or too long once escaped. */
export function importTextProblem(text: string): string | null {
  if (text.trim() === '') return 'The explain is empty.';
  if (text.length > MAX_IMPORT_CHARS) return `The explain is ${formatBytes(text.length)}; at most ${formatBytes(MAX_IMPORT_CHARS)} can be imported here (the CLI, baleen explain FILE, reads up to 64 MiB).`;
  if (JSON.stringify(text).length > MAX_FRAME_TEXT) return 'The explain is too large to send once escaped; use baleen explain FILE on the command line.';
  return null;
}

/**
 * Import an explain as the DBA received it: pasted, or a file read here in the page (FileReader) and
 * sent to the core as text, where it is parsed (JSON, Extended JSON relaxed or canonical, mongosh text).
 */
export function ImportForm({ onResult }: { onResult: (v: ExplainView) => void }) {
  const client = useClient();
  const [text, setText] = useState('');
  const [indexes, setIndexes] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Err | null>(null);
  const ids = { paste: useId(), file: useId(), indexes: useId() };

  async function send(t: string, name: string | undefined) {
    const problem = importTextProblem(t) ?? (indexes.length > MAX_IMPORT_CHARS ? 'The indexes pasted are too long.' : null);
    if (problem) {
      setError({ code: 'E_INVALID_INPUT', message: problem });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onResult(await client.invoke('explain.import', { text: t, ...(name ? { name } : {}), ...(indexes.trim() ? { indexes } : {}) }));
    } catch (e) {
      setError(toBaleenError(e));
    } finally {
      setBusy(false);
    }
  }

  function openFile(file: File) {
    // Bytes ≥ characters for UTF-8: a file over the cap in bytes is refused without reading it.
    if (file.size > MAX_IMPORT_CHARS * 2) {
      setError({ code: 'E_INVALID_INPUT', message: `${file.name} is ${formatBytes(file.size)}; at most ${formatBytes(MAX_IMPORT_CHARS)} can be imported here (the CLI, baleen explain FILE, reads up to 64 MiB).` });
      return;
    }
    const reader = new FileReader();
    reader.onerror = () => setError({ code: 'E_INVALID_INPUT', message: `${file.name} could not be read.` });
    reader.onload = () => {
      if (typeof reader.result === 'string') void send(reader.result, file.name);
    };
    reader.readAsText(file);
  }

  return (
    <form
      className="explain-import"
      aria-label="Import an explain"
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy) void send(text, undefined);
      }}
    >
      <div className="field">
        <label htmlFor={ids.file}>Open an explain file</label>
        <input
          id={ids.file}
          type="file"
          accept=".json,.txt,.js,.log,application/json,text/plain"
          disabled={busy}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) openFile(f);
            e.target.value = '';
          }}
        />
        <p className="muted">JSON, Extended JSON (relaxed or canonical) or mongosh output, up to {formatBytes(MAX_IMPORT_CHARS)}. The file is read in this page and parsed by Baleen; nothing is evaluated.</p>
      </div>
      <div className="field">
        <label htmlFor={ids.paste}>Or paste an explain</label>
        <textarea id={ids.paste} rows={6} value={text} spellCheck={false} disabled={busy} onChange={(e) => setText(e.target.value)} placeholder='{ "queryPlanner": { … }, "executionStats": { … } }' />
      </div>
      <details>
        <summary>The collection’s indexes (optional)</summary>
        <div className="field">
          <label htmlFor={ids.indexes}>Indexes (getIndexes() or listIndexes output)</label>
          <textarea id={ids.indexes} rows={4} value={indexes} spellCheck={false} disabled={busy} onChange={(e) => setIndexes(e.target.value)} placeholder='[ { v: 2, key: { _id: 1 }, name: "_id_" } ]' />
        </div>
      </details>
      <div className="actions">
        <button type="submit" disabled={busy || text.trim() === ''}>
          {busy ? 'Reading…' : 'Read pasted explain'}
        </button>
      </div>
      {error ? (
        <p className="form-error" role="alert">
          <ErrorText error={error} />
        </p>
      ) : null}
    </form>
  );
}
