import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import {
  AUTH_MECHANISMS,
  PROFILE_COLORS,
  READ_PREFERENCES,
  type ConnectionDetail,
  type ConnectionForm,
  type InsecureTlsFlag,
  type ParseResult,
  type ProfileColor,
  type SecretKind,
  type SecretStatus,
  type TestResult,
} from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';
import { ConnectionTestPanel } from './connection-test-panel';
import { useConnectionActions } from './connections-context';
import { HostKeyPrompt, hostKeyProblemOf } from './host-key-prompt';
import { SshHopsEditor, draftOf, hopsOf, type HopDraft, type HopSecretDrafts } from './ssh-hops-editor';
import { extractUriSecrets } from './uri-secrets';

/** Client-side check before anything is sent; the core validates again (E_INVALID_INPUT). */
export function validateUri(raw: string): string | null {
  const uri = raw.trim();
  if (uri === '') return 'Enter the MongoDB URI, e.g. mongodb://localhost:27017';
  const m = /^(mongodb(?:\+srv)?):\/\//.exec(uri);
  if (!m) return 'The URI must start with mongodb:// or mongodb+srv://';
  if (uri.length === m[0].length) return `Add a host after ${m[0]}, e.g. ${m[0]}localhost:27017`;
  return null;
}

type Err = Pick<BaleenError, 'code' | 'message' | 'details'>;
type SubmitState = { status: 'idle'; notice?: string } | { status: 'loading'; host: string } | { status: 'error'; error: Err };
type TestState = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; result: TestResult } | { status: 'error'; error: Err };
type ParseState = { status: 'idle' } | { status: 'ready'; result: ParseResult } | { status: 'error'; error: Err };

/** The hosts part of a URI, for "Connecting to …"; never the credentials. */
function hostsOf(uri: string): string {
  const rest = uri.replace(/^mongodb(\+srv)?:\/\//, '');
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  return authority.slice(authority.lastIndexOf('@') + 1) || 'the server';
}

const SECRET_FIELDS = [
  { kind: 'mongodb-password', field: 'password', label: 'Password' },
  { kind: 'tls-key-password', field: 'tlsKeyPassword', label: 'Client key passphrase' },
  { kind: 'proxy-password', field: 'proxyPassword', label: 'Proxy password' },
] as const satisfies readonly { kind: SecretKind; field: string; label: string }[];
type SecretField = (typeof SECRET_FIELDS)[number]['field'];

function secretStatusText(s: SecretStatus | undefined): string {
  if (!s || s.state === 'missing') return s?.reason ? `not set — ${s.reason}` : 'not set';
  if (s.state === 'keychain') return 'saved in keychain';
  if (s.state === 'session') return `session only — ${s.reason ?? 'not kept after Baleen quits'}`;
  return `unreadable — ${s.reason ?? 'enter it again'}`;
}

const FLAG_TEXT: Record<InsecureTlsFlag, string> = {
  tlsAllowInvalidCertificates: 'accept any server certificate (tlsAllowInvalidCertificates)',
  tlsAllowInvalidHostnames: 'accept a certificate for another host name (tlsAllowInvalidHostnames)',
  tlsInsecure: 'turn off every certificate check (tlsInsecure)',
};

export type EditorMode = { kind: 'new' } | { kind: 'edit'; detail: ConnectionDetail };

/**
 * The connection profile editor: a URI (paste one and the form fills in), the form fields, secrets as
 * password inputs that only ever show whether a value is saved, the explicit opt-in for insecure TLS,
 * and the step-by-step connection test. Add mode keeps the `MongoDB URI` box and `Add connection`.
 */
export function ProfileEditor({ mode, onDone, onCancel }: { mode: EditorMode; onDone?: () => void; onCancel?: () => void }) {
  const client = useClient();
  const { upsert } = useConnectionActions();
  const editing = mode.kind === 'edit' ? mode.detail : null;
  const [uri, setUri] = useState(editing?.uri ?? '');
  const [name, setName] = useState(editing?.name ?? '');
  const [group, setGroup] = useState(editing?.group ?? '');
  const [tags, setTags] = useState((editing?.tags ?? []).join(', '));
  const [color, setColor] = useState<ProfileColor>(editing?.color ?? 'none');
  const [discover, setDiscover] = useState(editing?.discover ?? true);
  const [form, setForm] = useState<ConnectionForm | null>(editing?.form ?? null);
  const [showForm, setShowForm] = useState(false);
  const [secrets, setSecrets] = useState<Record<SecretField, string>>({ password: '', tlsKeyPassword: '', proxyPassword: '' });
  const [forget, setForget] = useState<Set<SecretField>>(new Set());
  const [trusted, setTrusted] = useState<boolean>((editing?.insecureTls?.confirmed ?? false) && (editing?.insecureTls?.flags.length ?? 0) > 0);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [parse, setParse] = useState<ParseState>({ status: 'idle' });
  const [submit, setSubmit] = useState<SubmitState>({ status: 'idle' });
  const [test, setTest] = useState<TestState>({ status: 'idle' });
  const [hops, setHops] = useState<HopDraft[]>((editing?.sshHops ?? []).map(draftOf));
  const [hopSecrets, setHopSecrets] = useState<HopSecretDrafts>({});
  const inFlight = useRef<AbortController | null>(null);
  const parseSeq = useRef(0);
  const uriInput = useRef<HTMLInputElement>(null);
  const ids = { uri: useId(), name: useId(), invalid: useId(), result: useId(), group: useId(), tags: useId(), color: useId(), discover: useId() };

  const insecure: InsecureTlsFlag[] = parse.status === 'ready' ? parse.result.insecureTls : (editing?.insecureTls?.flags ?? []);
  const needs: SecretKind[] = parse.status === 'ready' ? parse.result.needsSecrets : (editing?.secrets ?? []).map((s) => s.kind);
  const statusOf = (kind: SecretKind) => editing?.secrets?.find((s) => s.kind === kind);
  const uriChanged = editing ? uri.trim() !== editing.uri : true;

  /** A URI typed or pasted: fill the form, and move any secret it carries into its own field. */
  async function parseUri(text: string) {
    const value = text.trim();
    if (validateUri(value) !== null) return;
    const mine = ++parseSeq.current;
    try {
      const result = await client.invoke('connections.parse', { uri: value });
      if (mine !== parseSeq.current) return;
      setParse({ status: 'ready', result });
      setForm(result.form);
      if (result.carriesSecrets.length > 0) {
        const found = extractUriSecrets(value);
        setSecrets((s) => ({
          password: found.password ?? s.password,
          tlsKeyPassword: found.tlsKeyPassword ?? s.tlsKeyPassword,
          proxyPassword: found.proxyPassword ?? s.proxyPassword,
        }));
        setUri(result.uri);
      }
    } catch (e) {
      if (mine !== parseSeq.current) return;
      setParse({ status: 'error', error: toBaleenError(e) });
    }
  }

  /** A form field changed: the URI is rebuilt by the core, which refuses contradictions with the reason. */
  async function changeForm(next: ConnectionForm) {
    setForm(next);
    const mine = ++parseSeq.current;
    try {
      const result = await client.invoke('connections.parse', { form: next });
      if (mine !== parseSeq.current) return;
      setParse({ status: 'ready', result });
      setUri(result.uri);
    } catch (e) {
      if (mine !== parseSeq.current) return;
      setParse({ status: 'error', error: toBaleenError(e) });
    }
  }

  function secretInput() {
    const out: Partial<Record<SecretField, string | null>> & { ssh?: { hop: number; password?: string; passphrase?: string }[] } = {};
    for (const f of SECRET_FIELDS) {
      if (secrets[f.field] !== '') out[f.field] = secrets[f.field];
      else if (forget.has(f.field)) out[f.field] = null;
    }
    // Only hops that still exist, and only the secret their login uses.
    const ssh = hops.flatMap((h, i) => {
      const s = hopSecrets[i + 1];
      const password = h.auth === 'password' && s?.password ? s.password : undefined;
      const passphrase = h.auth === 'key' && s?.passphrase ? s.passphrase : undefined;
      return password || passphrase ? [{ hop: i + 1, ...(password ? { password } : {}), ...(passphrase ? { passphrase } : {}) }] : [];
    });
    if (ssh.length > 0) out.ssh = ssh;
    return out;
  }

  const sshHops = hopsOf(hops);
  const hopsChanged = JSON.stringify(sshHops) !== JSON.stringify(editing?.sshHops ?? []);

  function commonInput() {
    const tagList = tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const s = secretInput();
    return {
      ...(name.trim() && name.trim() !== editing?.name ? { name: name.trim() } : {}),
      ...((editing ? group.trim() !== (editing.group ?? '') : group.trim() !== '') ? { group: group.trim() } : {}),
      ...((editing ? tagList.join(',') !== (editing.tags ?? []).join(',') : tagList.length > 0) ? { tags: tagList } : {}),
      ...((editing ? (editing.color ?? 'none') !== color : color !== 'none') ? { color } : {}),
      ...(Object.keys(s).length ? { secrets: s } : {}),
      ...(insecure.length && trusted ? { trustInsecureTls: insecure } : {}),
      ...(hopsChanged ? { sshHops } : {}),
    };
  }

  async function save(e: FormEvent | null, connect = true) {
    e?.preventDefault();
    if (submit.status === 'loading') return;
    const problem = validateUri(uri);
    setInvalid(problem);
    if (problem) {
      uriInput.current?.focus();
      return;
    }
    parseSeq.current++; // a parse still in flight must not rewrite the fields now
    const ac = new AbortController();
    inFlight.current = ac;
    setSubmit({ status: 'loading', host: hostsOf(uri.trim()) });
    try {
      const saved = editing
        ? await client.invoke('connections.update', { id: editing.id, ...commonInput(), ...(uriChanged ? { uri: uri.trim() } : {}), ...(discover !== editing.discover ? { discover } : {}) }, { signal: ac.signal })
        : await client.invoke('connections.add', { uri: uri.trim(), ...commonInput(), ...(discover ? { discover: true } : {}), ...(connect ? {} : { connect: false }) }, { signal: ac.signal });
      if (inFlight.current !== ac) return;
      inFlight.current = null;
      upsert(saved);
      setSecrets({ password: '', tlsKeyPassword: '', proxyPassword: '' });
      setHopSecrets({});
      setForget(new Set());
      if (editing) {
        setSubmit({ status: 'idle', notice: `Saved ${saved.name}.` });
        onDone?.();
        return;
      }
      setUri('');
      setName('');
      setGroup('');
      setTags('');
      setColor('none');
      setForm(null);
      setShowForm(false);
      setParse({ status: 'idle' });
      setTest({ status: 'idle' });
      setHops([]);
      setSubmit({ status: 'idle', notice: connect ? `Added ${saved.name}. Monitoring has started.` : `Saved ${saved.name} without connecting.` });
      onDone?.();
    } catch (err) {
      if (inFlight.current !== ac) return;
      inFlight.current = null;
      const error = toBaleenError(err);
      setSubmit(error.code === 'E_CANCELLED' ? { status: 'idle', notice: 'Cancelled.' } : { status: 'error', error });
    }
  }

  async function runTest() {
    const problem = validateUri(uri);
    setInvalid(problem);
    if (problem) return;
    setTest({ status: 'loading' });
    try {
      const result = await client.invoke('connections.test', {
        ...(editing ? { id: editing.id } : {}),
        ...(uriChanged || !editing ? { uri: uri.trim() } : {}),
        ...(Object.keys(secretInput()).length ? { secrets: secretInput() } : {}),
        ...(insecure.length && trusted ? { trustInsecureTls: insecure } : {}),
        // The test runs what the form shows, hops included.
        ...(editing || sshHops.length > 0 ? { sshHops } : {}),
        discover,
      });
      setTest({ status: 'ready', result });
    } catch (e) {
      setTest({ status: 'error', error: toBaleenError(e) });
    }
  }

  function cancel() {
    // The core is told through the AbortSignal; the form does not wait for it to confirm.
    inFlight.current?.abort();
    inFlight.current = null;
    setSubmit({ status: 'idle', notice: 'Cancelled.' });
  }

  const busy = submit.status === 'loading';
  const f = form;
  const title = editing ? `Edit ${editing.name}` : 'Add a connection';
  return (
    <form className="add-connection profile-editor" onSubmit={(e) => void save(e)} noValidate aria-busy={busy} aria-label={title}>
      <h2>{title}</h2>
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
          onBlur={(e) => void parseUri(e.target.value)}
          onPaste={(e) => {
            const pasted = e.clipboardData.getData('text');
            if (pasted) void parseUri(pasted);
          }}
        />
        {invalid ? (
          <p id={ids.invalid} className="field-error" role="alert">
            {invalid}
          </p>
        ) : null}
        {parse.status === 'error' && parse.error.code === 'E_INVALID_INPUT' ? (
          <p className="field-hint field-problem">
            <ErrorText error={parse.error} />
          </p>
        ) : null}
        {parse.status === 'ready' && parse.result.notes.length > 0 ? <p className="field-hint muted">{parse.result.notes.join(' ')}</p> : null}
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.name}>Name (optional)</label>
          <input id={ids.name} name="name" type="text" autoComplete="off" value={name} disabled={busy} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.group}>Group</label>
          <input id={ids.group} type="text" autoComplete="off" value={group} disabled={busy} onChange={(e) => setGroup(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.tags}>Tags (comma-separated)</label>
          <input id={ids.tags} type="text" autoComplete="off" value={tags} disabled={busy} onChange={(e) => setTags(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.color}>Colour</label>
          <select id={ids.color} value={color} disabled={busy} onChange={(e) => setColor(e.target.value as ProfileColor)}>
            {PROFILE_COLORS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
      </div>

      {needs.filter((k) => SECRET_FIELDS.some((s) => s.kind === k)).length > 0 || secrets.password || editing?.secrets?.length ? (
        <fieldset className="secrets">
          <legend>Secrets</legend>
          {SECRET_FIELDS.filter((s) => needs.includes(s.kind) || secrets[s.field] !== '' || statusOf(s.kind)).map((s) => (
            <SecretInput
              key={s.field}
              label={s.label}
              value={secrets[s.field]}
              status={secretStatusText(statusOf(s.kind))}
              saved={statusOf(s.kind)?.state === 'keychain' || statusOf(s.kind)?.state === 'session'}
              forgotten={forget.has(s.field)}
              disabled={busy}
              onChange={(v) => setSecrets((x) => ({ ...x, [s.field]: v }))}
              onForget={(on) =>
                setForget((x) => {
                  const n = new Set(x);
                  if (on) n.add(s.field);
                  else n.delete(s.field);
                  return n;
                })
              }
            />
          ))}
        </fieldset>
      ) : null}

      {insecure.length > 0 ? (
        <div className="tls-opt-in banner banner-warn" role="group" aria-label="Insecure TLS opt-in">
          <p>
            <span className="badge badge-insecure">TLS checks off</span> This connection would {insecure.map((x) => FLAG_TEXT[x]).join(' and ')}: anyone between
            you and the server could read the traffic and the password.
          </p>
          <label className="checkbox">
            <input type="checkbox" checked={trusted} disabled={busy} onChange={(e) => setTrusted(e.target.checked)} /> I understand, and opt in for this connection (recorded in the audit log)
          </label>
        </div>
      ) : null}

      <div className="field checkbox-field">
        <label className="checkbox" htmlFor={ids.discover}>
          <input id={ids.discover} type="checkbox" checked={discover} disabled={busy} onChange={(e) => setDiscover(e.target.checked)} /> Find the whole deployment (replica-set members,
          shards) and poll every node
        </label>
      </div>

      <SshHopsEditor
        hops={hops}
        onChange={setHops}
        secrets={hopSecrets}
        onSecret={(hop, kind, value) => setHopSecrets((x) => ({ ...x, [hop]: { ...x[hop], [kind]: value } }))}
        statusOf={(kind) => editing?.secrets?.find((s) => s.kind === kind)}
        disabled={busy}
      />

      <details className="form-fields" open={showForm} onToggle={(e) => setShowForm((e.target as HTMLDetailsElement).open)}>
        <summary>Connection options{f ? '' : ' (fill in the URI first, or paste one)'}</summary>
        {/* Remounted when the form changes from outside (a pasted URI), so every field shows it. */}
        {f ? <FormFields key={JSON.stringify(f)} form={f} disabled={busy} onChange={(n) => void changeForm(n)} /> : null}
      </details>

      <div className="actions">
        <button type="submit" disabled={busy}>
          {editing ? 'Save changes' : 'Add connection'}
        </button>
        {!editing ? (
          <button type="button" disabled={busy} onClick={() => void save(null, false)}>
            Save without connecting
          </button>
        ) : null}
        <button type="button" disabled={busy || test.status === 'loading'} onClick={() => void runTest()}>
          {test.status === 'loading' ? 'Testing…' : 'Test connection'}
        </button>
        {busy ? (
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        ) : onCancel ? (
          <button type="button" onClick={onCancel}>
            Close
          </button>
        ) : null}
      </div>
      <div id={ids.result} className="form-result">
        {submit.status === 'loading' ? (
          <p role="status" className="busy">
            Connecting to {submit.host}… this can take up to 10 seconds.
          </p>
        ) : null}
        {submit.status === 'error' ? (
          <p role="alert" className="form-error">
            <span className="state-title">{editing ? 'Could not save the changes.' : 'Could not add the connection.'}</span> <ErrorText error={submit.error} />
          </p>
        ) : null}
        {submit.status === 'error' && hostKeyProblemOf(submit.error) ? <HostKeyPrompt problem={hostKeyProblemOf(submit.error)!} onResolved={() => setSubmit({ status: 'idle', notice: 'Host key trusted: add the connection again.' })} /> : null}
        {submit.status === 'idle' && submit.notice ? (
          <p role="status" className="notice">
            {submit.notice}
          </p>
        ) : null}
      </div>
      {test.status === 'ready' ? <ConnectionTestPanel result={test.result} onRetest={() => void runTest()} /> : null}
      {test.status === 'error' ? (
        <p className="form-error test-error">
          <span className="state-title">The test could not run.</span> <ErrorText error={test.error} />
        </p>
      ) : null}
    </form>
  );
}

function SecretInput(p: { label: string; value: string; status: string; saved: boolean; forgotten: boolean; disabled: boolean; onChange(v: string): void; onForget(on: boolean): void }) {
  const id = useId();
  const statusId = useId();
  const ref = useRef<HTMLInputElement>(null);
  // Uncontrolled on purpose: React mirrors a controlled input's value into its `value` attribute,
  // where anything serialising the page (a crash report, an extension) would read the secret.
  useEffect(() => {
    if (ref.current && ref.current.value !== p.value) ref.current.value = p.value;
  }, [p.value]);
  return (
    <div className="field secret-field">
      <label htmlFor={id}>{p.label}</label>
      <input
        ref={ref}
        id={id}
        type="password"
        autoComplete="new-password"
        disabled={p.disabled || p.forgotten}
        placeholder={p.saved ? '•••••• (saved; type to replace)' : ''}
        aria-describedby={statusId}
        onChange={(e) => p.onChange(e.target.value)}
      />
      <span id={statusId} className="secret-status muted" data-secret-status>
        {p.forgotten ? 'will be forgotten' : p.value ? 'new value: saved when you save' : p.status}
      </span>
      {p.saved ? (
        <label className="checkbox">
          <input type="checkbox" checked={p.forgotten} disabled={p.disabled} onChange={(e) => p.onForget(e.target.checked)} /> Forget it
        </label>
      ) : null}
    </div>
  );
}

function Field({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

/** The URI's parts as fields; each change goes back through the core, which builds (or refuses) the URI. */
function FormFields({ form, disabled, onChange }: { form: ConnectionForm; disabled: boolean; onChange(f: ConnectionForm): void }) {
  const set = <K extends keyof ConnectionForm>(k: K, v: ConnectionForm[K] | undefined) => {
    const next = { ...form } as Record<string, unknown>;
    if (v === undefined || v === '') delete next[k];
    else next[k] = v;
    onChange(next as ConnectionForm);
  };
  const auth = (patch: Partial<ConnectionForm['auth']>) => {
    const next: Record<string, unknown> = { ...form.auth, ...patch };
    for (const k of Object.keys(next)) if (next[k] === '' || next[k] === undefined) delete next[k];
    onChange({ ...form, auth: next as ConnectionForm['auth'] });
  };
  const tls = (patch: Partial<ConnectionForm['tls']>) => {
    const next: Record<string, unknown> = { ...form.tls, ...patch };
    for (const k of Object.keys(next)) if (next[k] === '' || next[k] === undefined || next[k] === false) delete next[k];
    onChange({ ...form, tls: next as ConnectionForm['tls'] });
  };
  return (
    <div className="form-grid">
      <Field label="Scheme">
        {(id) => (
          <select id={id} value={form.scheme} disabled={disabled} onChange={(e) => set('scheme', e.target.value as ConnectionForm['scheme'])}>
            <option value="mongodb">mongodb://</option>
            <option value="mongodb+srv">mongodb+srv:// (DNS seed list)</option>
          </select>
        )}
      </Field>
      <Field label="Hosts (comma-separated host:port)">
        {(id) => (
          <input
            id={id}
            type="text"
            defaultValue={form.hosts.join(', ')}
            disabled={disabled}
            onBlur={(e) => {
              const hosts = e.target.value
                .split(',')
                .map((h) => h.trim())
                .filter(Boolean);
              if (hosts.join(',') !== form.hosts.join(',') && hosts.length > 0) set('hosts', hosts);
            }}
          />
        )}
      </Field>
      <Field label="Replica set name">{(id) => <input id={id} type="text" defaultValue={form.replicaSet ?? ''} disabled={disabled} onBlur={(e) => e.target.value !== (form.replicaSet ?? '') && set('replicaSet', e.target.value.trim() || undefined)} />}</Field>
      <Field label="Authentication">
        {(id) => (
          <select id={id} value={form.auth.mechanism} disabled={disabled} onChange={(e) => auth({ mechanism: e.target.value as ConnectionForm['auth']['mechanism'] })}>
            {AUTH_MECHANISMS.map((m) => (
              <option key={m} value={m}>
                {m === 'NONE' ? 'none' : m === 'DEFAULT' ? 'password (SCRAM, negotiated)' : m === 'PLAIN' ? 'LDAP (PLAIN)' : m === 'GSSAPI' ? 'Kerberos (GSSAPI)' : m === 'MONGODB-X509' ? 'X.509 certificate' : m === 'MONGODB-AWS' ? 'AWS IAM' : m}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="User name">{(id) => <input id={id} type="text" autoComplete="off" defaultValue={form.auth.username ?? ''} disabled={disabled} onBlur={(e) => e.target.value !== (form.auth.username ?? '') && auth({ username: e.target.value })} />}</Field>
      <Field label="Auth database (authSource)">{(id) => <input id={id} type="text" defaultValue={form.auth.authSource ?? ''} disabled={disabled} onBlur={(e) => e.target.value !== (form.auth.authSource ?? '') && auth({ authSource: e.target.value.trim() })} />}</Field>
      <Field label="TLS">
        {(id) => (
          <select id={id} value={form.tls.mode} disabled={disabled} onChange={(e) => tls({ mode: e.target.value as ConnectionForm['tls']['mode'] })}>
            <option value="default">default (on for mongodb+srv)</option>
            <option value="on">on</option>
            <option value="off">off</option>
          </select>
        )}
      </Field>
      <Field label="CA file">{(id) => <input id={id} type="text" defaultValue={form.tls.caFile ?? ''} disabled={disabled} onBlur={(e) => e.target.value !== (form.tls.caFile ?? '') && tls({ caFile: e.target.value.trim() })} />}</Field>
      <Field label="Client certificate and key file">
        {(id) => <input id={id} type="text" defaultValue={form.tls.certificateKeyFile ?? ''} disabled={disabled} onBlur={(e) => e.target.value !== (form.tls.certificateKeyFile ?? '') && tls({ certificateKeyFile: e.target.value.trim() })} />}
      </Field>
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={form.tls.allowInvalidCertificates === true} disabled={disabled} onChange={(e) => tls({ allowInvalidCertificates: e.target.checked })} /> Allow invalid certificates
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.tls.allowInvalidHostnames === true} disabled={disabled} onChange={(e) => tls({ allowInvalidHostnames: e.target.checked })} /> Allow invalid host names
        </label>
      </div>
      <Field label="Read preference">
        {(id) => (
          <select id={id} value={form.readPreference ?? ''} disabled={disabled} onChange={(e) => set('readPreference', (e.target.value || undefined) as ConnectionForm['readPreference'])}>
            <option value="">(driver default: primary)</option>
            {READ_PREFERENCES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}
