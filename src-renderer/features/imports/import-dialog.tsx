import { useEffect, useId, useRef, useState } from 'react';
import type { FtdcImportPreview, FtdcImportProgress, FtdcImportResult } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import type { NodeId } from '../../../src-shared/domain/identity';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';
import { formatBytes, formatCompact, formatDateTime } from '../../lib/format';
import { importHref } from './import-links';

/**
 * The import dialog. The core reads the files (in the browser build there is no file picker that
 * could hand the core a path, so the user types one that exists where Baleen runs); a check shows
 * sizes and earlier imports first; progress arrives as `ftdc.progress` events for this job; Cancel
 * aborts the call and the core keeps nothing of it.
 */
type Step =
  | { kind: 'editing' }
  | { kind: 'checking' }
  | { kind: 'checked'; preview: FtdcImportPreview }
  | { kind: 'importing'; progress: FtdcImportProgress | null }
  | { kind: 'done'; result: FtdcImportResult }
  | { kind: 'error'; error: Pick<BaleenError, 'code' | 'message'>; cancelled: boolean };

export function pathsOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

const newJobId = () => `imp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

export function progressText(p: FtdcImportProgress): string {
  if (p.phase === 'checking') return 'Checking the files…';
  const file = p.filesTotal > 0 ? `file ${Math.min(p.filesDone + 1, p.filesTotal)} of ${p.filesTotal}` : 'reading';
  const bad = p.errors > 0 ? `, ${p.errors} bad chunk${p.errors === 1 ? '' : 's'} skipped` : '';
  return `Importing ${file}: ${p.chunks} chunks, ${formatCompact(p.samples)} samples, ${formatCompact(p.values)} values${bad}`;
}

export interface ImportDialogProps {
  onClose: () => void;
  onImported: (result: FtdcImportResult) => void;
}

export function FtdcImportDialog({ onClose, onImported }: ImportDialogProps) {
  const client = useClient();
  const [text, setText] = useState('');
  const [label, setLabel] = useState('');
  const [step, setStep] = useState<Step>({ kind: 'editing' });
  const abort = useRef<AbortController | null>(null);
  const pathsId = useId();
  const labelId = useId();
  const paths = pathsOf(text);
  const busy = step.kind === 'checking' || step.kind === 'importing';
  // A node's diagnostic.data can also be fetched over its connection's SSH tunnel.
  const [source, setSource] = useState<'local' | 'ssh'>('local');
  const [sshNodes, setSshNodes] = useState<{ id: string; label: string }[]>([]);
  const [sshNode, setSshNode] = useState('');
  const [remoteDir, setRemoteDir] = useState('/var/lib/mongodb/diagnostic.data');
  const sshNodeId = useId();
  const remoteDirId = useId();
  const ready = source === 'ssh' ? sshNode !== '' && remoteDir.trim().startsWith('/') : paths.length > 0;
  const sshTarget = () => ({ nodeId: sshNode as NodeId, remoteDir: remoteDir.trim() });

  useEffect(() => {
    const ac = new AbortController();
    client.invoke('connections.list', {}, { signal: ac.signal }).then(
      (list) => {
        if (ac.signal.aborted) return;
        const nodes = list.filter((c) => (c.sshHops?.length ?? 0) > 0).flatMap((c) => c.nodes.map((n) => ({ id: n.id, label: `${n.hostPort} (${c.name})` })));
        setSshNodes(nodes);
        setSshNode((cur) => cur || nodes[0]?.id || '');
      },
      () => undefined,
    );
    return () => ac.abort();
  }, [client]);

  const [native, setNative] = useState(false);
  const [pickError, setPickError] = useState<Pick<BaleenError, 'code' | 'message'> | null>(null);

  // Leaving the page cancels a running import: nothing half-imported stays behind.
  useEffect(() => () => abort.current?.abort(), []);
  // The desktop shell has a native picker; the browser build has none (the user types a path).
  useEffect(() => {
    const ac = new AbortController();
    client.invoke('app.info', {}, { signal: ac.signal }).then(
      (info) => !ac.signal.aborted && setNative(info.shell === 'electron'),
      () => undefined,
    );
    return () => ac.abort();
  }, [client]);

  async function pick(kind: 'folder' | 'files') {
    setPickError(null);
    try {
      const { paths: picked } = await client.invoke('ftdc.pickPaths', { kind });
      if (picked && picked.length > 0) {
        setText(picked.join('\n'));
        setStep({ kind: 'editing' });
      }
    } catch (e) {
      setPickError(toBaleenError(e));
    }
  }

  async function check() {
    setStep({ kind: 'checking' });
    try {
      const preview = source === 'ssh' ? await client.invoke('ftdc.sshPreview', sshTarget()) : await client.invoke('ftdc.preview', { paths });
      setStep({ kind: 'checked', preview });
    } catch (e) {
      setStep({ kind: 'error', error: toBaleenError(e), cancelled: false });
    }
  }

  async function run() {
    const jobId = newJobId();
    const ac = new AbortController();
    abort.current = ac;
    setStep({ kind: 'importing', progress: null });
    const off = client.on('ftdc.progress', (p) => {
      if (p.jobId === jobId && (p.phase === 'importing' || p.phase === 'checking')) setStep((s) => (s.kind === 'importing' ? { kind: 'importing', progress: p } : s));
    });
    try {
      const named = label.trim() ? { label: label.trim() } : {};
      const result =
        source === 'ssh'
          ? await client.invoke('ftdc.sshImport', { ...sshTarget(), jobId, ...named }, { signal: ac.signal })
          : await client.invoke('ftdc.import', { paths, jobId, ...named }, { signal: ac.signal });
      setStep({ kind: 'done', result });
      onImported(result);
    } catch (e) {
      const err = toBaleenError(e);
      setStep({ kind: 'error', error: err, cancelled: err.code === 'E_CANCELLED' });
    } finally {
      off();
      abort.current = null;
    }
  }

  const p = step.kind === 'importing' ? step.progress : null;
  const pct = p && p.bytesTotal > 0 ? Math.round((100 * p.bytesDone) / p.bytesTotal) : 0;

  return (
    <section className="import-dialog" role="dialog" aria-modal="false" aria-labelledby={`${pathsId}-title`}>
      <h2 id={`${pathsId}-title`}>Import FTDC</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy && ready) void run();
        }}
      >
        <fieldset className="field" disabled={busy}>
          <legend>Source</legend>
          <label>
            <input type="radio" name="ftdc-source" checked={source === 'local'} onChange={() => (setSource('local'), setStep({ kind: 'editing' }))} /> Files on the machine running Baleen
          </label>
          <label>
            <input type="radio" name="ftdc-source" checked={source === 'ssh'} onChange={() => (setSource('ssh'), setStep({ kind: 'editing' }))} /> A node's diagnostic.data over SSH
          </label>
        </fieldset>
        {source === 'ssh' ? (
          <div className="field">
            <label htmlFor={sshNodeId}>Node</label>
            <select id={sshNodeId} value={sshNode} disabled={busy} onChange={(e) => setSshNode(e.target.value)}>
              {sshNodes.length === 0 ? <option value="">No node is reached through SSH</option> : null}
              {sshNodes.map((n) => (
                <option key={n.id} value={n.id}>
                  {n.label}
                </option>
              ))}
            </select>
            <label htmlFor={remoteDirId}>Folder on the node</label>
            <input id={remoteDirId} value={remoteDir} disabled={busy} spellCheck={false} onChange={(e) => (setRemoteDir(e.target.value), setStep({ kind: 'editing' }))} />
            <p className="muted">Read with allowlisted commands on the connection's last SSH hop; Check shows the files and their size before anything is copied.</p>
          </div>
        ) : (
        <div className="field">
          <label htmlFor={pathsId}>Paths on the machine running Baleen</label>
          <textarea
            id={pathsId}
            rows={3}
            value={text}
            disabled={busy}
            spellCheck={false}
            placeholder="/home/me/cases/4711/diagnostic.data"
            onChange={(e) => {
              setText(e.target.value);
              if (step.kind !== 'editing') setStep({ kind: 'editing' });
            }}
          />
          <p className="muted">A diagnostic.data folder, metrics.* files, or a .tar, .tar.gz or .zip of them; one path per line.</p>
          {native ? (
            <p className="actions">
              <button type="button" disabled={busy} onClick={() => void pick('folder')}>
                Choose folder…
              </button>
              <button type="button" disabled={busy} onClick={() => void pick('files')}>
                Choose files…
              </button>
            </p>
          ) : null}
          {pickError ? (
            <p role="alert" className="form-error">
              <ErrorText error={pickError} />
            </p>
          ) : null}
        </div>
        )}
        <div className="field">
          <label htmlFor={labelId}>Label (optional)</label>
          <input id={labelId} value={label} disabled={busy} maxLength={200} onChange={(e) => setLabel(e.target.value)} />
        </div>
        <div className="actions">
          <button type="button" disabled={busy || !ready} onClick={() => void check()}>
            Check files
          </button>
          <button type="submit" disabled={busy || !ready}>
            Import
          </button>
          {step.kind === 'importing' ? (
            <button type="button" onClick={() => abort.current?.abort()}>
              Cancel import
            </button>
          ) : (
            <button type="button" disabled={busy} onClick={onClose}>
              Close
            </button>
          )}
        </div>
      </form>
      {step.kind === 'checking' ? <p role="status">Checking the files…</p> : null}
      {step.kind === 'checked' ? (
        <div className="import-preview">
          <table className="overview-table">
            <caption>
              {step.preview.files.length} file{step.preview.files.length === 1 ? '' : 's'}, {formatBytes(step.preview.totalBytes)}
            </caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Size</th>
                <th scope="col">Already imported</th>
              </tr>
            </thead>
            <tbody>
              {step.preview.files.map((f) => (
                <tr key={f.path}>
                  <td className="path">{f.path}</td>
                  <td>{formatBytes(f.bytes)}</td>
                  <td>{f.importedAs === null ? 'no' : <a href={importHref(f.importedAs)}>yes, import {f.importedAs}</a>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {step.kind === 'importing' ? (
        <div className="import-progress">
          <progress max={100} value={pct} aria-label="Import progress" />
          <p role="status" data-chunks={p?.chunks ?? 0} data-samples={p?.samples ?? 0}>
            {p ? progressText(p) : 'Starting…'}
          </p>
          {p?.lastError ? (
            <p className="muted">
              Skipped a bad chunk in {p.lastError.file} at offset {p.lastError.offset}: {p.lastError.message}
            </p>
          ) : null}
        </div>
      ) : null}
      {step.kind === 'done' ? <ImportOutcome result={step.result} /> : null}
      {step.kind === 'error' ? (
        <p role="alert" className="form-error">
          {step.cancelled ? 'Import cancelled: nothing of it was kept.' : <ErrorText error={step.error} />}
        </p>
      ) : null}
    </section>
  );
}

function ImportOutcome({ result }: { result: FtdcImportResult }) {
  if (result.status === 'duplicate') {
    return (
      <p role="status">
        These files were imported before ({result.importIds.map((id, i) => (
          <span key={id}>
            {i > 0 ? ', ' : ''}
            <a href={importHref(id)}>import {id}</a>
          </span>
        ))}
        ): nothing new to read.
      </p>
    );
  }
  const s = result.import;
  return (
    <div role="status" className="import-outcome" data-import-id={s.id}>
      <p>
        Imported <a href={importHref(s.id)}>{s.label}</a>: {formatCompact(s.samples)} samples ({formatCompact(s.values)} values)
        {s.firstTs !== null && s.lastTs !== null ? ` from ${formatDateTime(s.firstTs)} to ${formatDateTime(s.lastTs)}` : ''}.
      </p>
      {s.errorCount > 0 ? (
        <p className="muted">
          {s.errorCount} bad chunk{s.errorCount === 1 ? ' was' : 's were'} skipped; see the import for where.
        </p>
      ) : null}
      {result.skippedFiles.length > 0 ? <p className="muted">{result.skippedFiles.length} file(s) were already imported and were skipped.</p> : null}
    </div>
  );
}
