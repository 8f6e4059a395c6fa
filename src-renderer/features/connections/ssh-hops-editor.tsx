import { useEffect, useId, useRef, useState } from 'react';
import { MAX_SSH_HOPS, SSH_AUTH_METHODS, type HostKeyCheck, type SecretStatus, type SshHop, type SshHopAuth, type SshHopInput } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';
import { HostKeyPrompt } from './host-key-prompt';

/** A hop as the form holds it (strings until submitted). */
export interface HopDraft {
  host: string;
  port: string;
  username: string;
  auth: SshHopAuth;
  keyFile: string;
  label: string;
  hostKeyAlias: string;
}

/** Per hop (1-based): secrets typed now, sent once with the save or the test, never shown again. */
export type HopSecretDrafts = Record<number, { password?: string; passphrase?: string }>;

export const draftOf = (h: SshHop): HopDraft => ({
  host: h.host,
  port: String(h.port),
  username: h.username,
  auth: h.auth,
  keyFile: h.keyFile ?? '',
  label: h.label ?? '',
  hostKeyAlias: h.hostKeyAlias ?? '',
});

export const emptyHop = (): HopDraft => ({ host: '', port: '22', username: '', auth: 'key', keyFile: '', label: '', hostKeyAlias: '' });

/** Drafts → the contract's hops (the core validates them again). */
export function hopsOf(drafts: readonly HopDraft[]): SshHopInput[] {
  return drafts.map((d) => ({
    host: d.host.trim(),
    port: Number(d.port) || 22,
    username: d.username.trim(),
    auth: d.auth,
    ...(d.auth === 'key' && d.keyFile.trim() ? { keyFile: d.keyFile.trim() } : {}),
    ...(d.label.trim() ? { label: d.label.trim() } : {}),
    ...(d.hostKeyAlias.trim() ? { hostKeyAlias: d.hostKeyAlias.trim() } : {}),
  }));
}

const AUTH_TEXT: Record<SshHopAuth, string> = {
  key: 'private key file',
  agent: 'ssh-agent',
  password: 'password',
  'keyboard-interactive': 'keyboard-interactive (one-time password)',
};

type Err = Pick<BaleenError, 'code' | 'message'>;
type CheckState = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; result: HostKeyCheck } | { status: 'error'; error: Err };

/**
 * The SSH hops of a profile, in order: hop 1 is dialled from this machine, each next one through the
 * previous, and the last one reaches the MongoDB members by their own names. Each hop's host key can be
 * checked before anything is sent (the pre-flight), and the chain can be imported from ~/.ssh/config.
 */
export function SshHopsEditor(p: {
  hops: HopDraft[];
  onChange(hops: HopDraft[]): void;
  secrets: HopSecretDrafts;
  onSecret(hop: number, kind: 'password' | 'passphrase', value: string): void;
  statusOf(kind: string): SecretStatus | undefined;
  disabled: boolean;
}) {
  const client = useClient();
  const [alias, setAlias] = useState('');
  const [imported, setImported] = useState<{ status: 'idle' } | { status: 'ready'; warnings: string[]; notes: string[] } | { status: 'error'; error: Err }>({ status: 'idle' });
  const aliasId = useId();
  const set = (i: number, patch: Partial<HopDraft>) => p.onChange(p.hops.map((h, j) => (j === i ? { ...h, ...patch } : h)));

  async function importAlias() {
    if (!alias.trim()) return;
    try {
      const r = await client.invoke('connections.importSshConfig', { alias: alias.trim() });
      p.onChange(r.hops.map(draftOf));
      setImported({ status: 'ready', warnings: r.warnings, notes: r.notes });
    } catch (e) {
      setImported({ status: 'error', error: toBaleenError(e) });
    }
  }

  return (
    <fieldset className="ssh-hops">
      <legend>SSH hops</legend>
      {p.hops.length === 0 ? <p className="muted">None: Baleen connects to the members directly.</p> : null}
      <ol className="ssh-hop-list">
        {p.hops.map((h, i) => (
          <HopRow key={i} index={i} count={p.hops.length} hop={h} set={(patch) => set(i, patch)} remove={() => p.onChange(p.hops.filter((_, j) => j !== i))} secrets={p.secrets[i + 1] ?? {}} onSecret={p.onSecret} statusOf={p.statusOf} disabled={p.disabled} />
        ))}
      </ol>
      <div className="actions">
        <button type="button" disabled={p.disabled || p.hops.length >= MAX_SSH_HOPS} onClick={() => p.onChange([...p.hops, emptyHop()])}>
          Add SSH hop
        </button>
        <label htmlFor={aliasId}>ssh config alias</label>
        <input id={aliasId} type="text" autoComplete="off" spellCheck={false} value={alias} placeholder="e.g. db-bastion" disabled={p.disabled} onChange={(e) => setAlias(e.target.value)} />
        <button type="button" disabled={p.disabled || !alias.trim()} onClick={() => void importAlias()}>
          Import from ssh config
        </button>
      </div>
      {imported.status === 'ready' && imported.warnings.length + imported.notes.length > 0 ? (
        <ul className="ssh-import-warnings banner banner-warn" aria-label="ssh config import warnings">
          {[...imported.warnings, ...imported.notes].map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {imported.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={imported.error} />
        </p>
      ) : null}
    </fieldset>
  );
}

function HopRow(p: {
  index: number;
  count: number;
  hop: HopDraft;
  set(patch: Partial<HopDraft>): void;
  remove(): void;
  secrets: { password?: string; passphrase?: string };
  onSecret(hop: number, kind: 'password' | 'passphrase', value: string): void;
  statusOf(kind: string): SecretStatus | undefined;
  disabled: boolean;
}) {
  const client = useClient();
  const n = p.index + 1;
  const ids = { host: useId(), port: useId(), user: useId(), auth: useId(), key: useId() };
  const [check, setCheck] = useState<CheckState>({ status: 'idle' });
  const h = p.hop;
  const role = n === p.count ? (p.count > 1 ? 'last hop: reaches the members' : 'reaches the members') : `jump host ${n}`;
  // A check is about one address: editing it makes the answer stale.
  const checked = useRef('');
  useEffect(() => {
    if (checked.current && checked.current !== `${h.host}:${h.port}:${h.hostKeyAlias}`) setCheck({ status: 'idle' });
  }, [h.host, h.port, h.hostKeyAlias]);

  async function checkKey() {
    setCheck({ status: 'loading' });
    checked.current = `${h.host}:${h.port}:${h.hostKeyAlias}`;
    try {
      const result = await client.invoke('connections.checkHostKey', { host: h.host.trim(), port: Number(h.port) || 22, ...(h.hostKeyAlias.trim() ? { hostKeyAlias: h.hostKeyAlias.trim() } : {}) });
      setCheck({ status: 'ready', result });
    } catch (e) {
      setCheck({ status: 'error', error: toBaleenError(e) });
    }
  }

  return (
    <li className="ssh-hop" data-hop={n}>
      <p className="ssh-hop-title">
        Hop {n} <span className="muted">({role})</span>
      </p>
      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.host}>SSH host (hop {n})</label>
          <input id={ids.host} type="text" autoComplete="off" spellCheck={false} value={h.host} disabled={p.disabled} onChange={(e) => p.set({ host: e.target.value })} />
        </div>
        <div className="field field-narrow">
          <label htmlFor={ids.port}>SSH port (hop {n})</label>
          <input id={ids.port} type="number" min={1} max={65535} value={h.port} disabled={p.disabled} onChange={(e) => p.set({ port: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={ids.user}>SSH user (hop {n})</label>
          <input id={ids.user} type="text" autoComplete="off" spellCheck={false} value={h.username} disabled={p.disabled} onChange={(e) => p.set({ username: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor={ids.auth}>SSH login (hop {n})</label>
          <select id={ids.auth} value={h.auth} disabled={p.disabled} onChange={(e) => p.set({ auth: e.target.value as SshHopAuth })}>
            {SSH_AUTH_METHODS.map((m) => (
              <option key={m} value={m}>
                {AUTH_TEXT[m]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {h.auth === 'key' ? (
        <div className="field-row">
          <div className="field">
            <label htmlFor={ids.key}>Private key file (hop {n})</label>
            <input id={ids.key} type="text" autoComplete="off" spellCheck={false} placeholder="~/.ssh/id_ed25519" value={h.keyFile} disabled={p.disabled} onChange={(e) => p.set({ keyFile: e.target.value })} />
          </div>
          <HopSecret label={`Key passphrase (hop ${n})`} value={p.secrets.passphrase ?? ''} status={p.statusOf(`ssh-passphrase:${n}`)} hint="only if the key is encrypted" disabled={p.disabled} onChange={(v) => p.onSecret(n, 'passphrase', v)} />
        </div>
      ) : null}
      {h.auth === 'password' ? (
        <HopSecret label={`SSH password (hop ${n})`} value={p.secrets.password ?? ''} status={p.statusOf(`ssh-password:${n}`)} disabled={p.disabled} onChange={(v) => p.onSecret(n, 'password', v)} />
      ) : null}
      {h.auth === 'keyboard-interactive' ? <p className="muted">The server's questions (a one-time password) are asked in a dialog each time Baleen logs in.</p> : null}
      {h.auth === 'agent' ? <p className="muted">Keys held by the ssh-agent Baleen was started with (SSH_AUTH_SOCK). Agent forwarding is never turned on.</p> : null}
      <div className="actions">
        <button type="button" disabled={p.disabled || !h.host.trim() || check.status === 'loading'} aria-label={`Check host key of hop ${n}`} onClick={() => void checkKey()}>
          {check.status === 'loading' ? 'Checking…' : 'Check host key'}
        </button>
        <button type="button" disabled={p.disabled} aria-label={`Remove hop ${n}`} onClick={p.remove}>
          Remove
        </button>
      </div>
      {check.status === 'ready' && check.result.verdict === 'trusted' ? (
        <p className="host-key host-key-trusted" role="status">
          Host key known ({check.result.via === 'pinned' ? 'trusted in Baleen' : 'your known_hosts'}): {check.result.challenge.keyType} <code>{check.result.challenge.fingerprint}</code>
        </p>
      ) : null}
      {check.status === 'ready' && check.result.verdict !== 'trusted' ? (
        <HostKeyPrompt
          problem={{ verdict: check.result.verdict, challenge: check.result.challenge, ...(check.result.previous ? { previous: check.result.previous } : {}) }}
        />
      ) : null}
      {check.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={check.error} />
          {n > 1 ? ' (a host behind a jump host is checked by the connection test instead)' : ''}
        </p>
      ) : null}
    </li>
  );
}

function HopSecret(p: { label: string; value: string; status: SecretStatus | undefined; hint?: string; disabled: boolean; onChange(v: string): void }) {
  const id = useId();
  const ref = useRef<HTMLInputElement>(null);
  // Uncontrolled: a controlled input would mirror the secret into the markup (see SecretInput).
  useEffect(() => {
    if (ref.current && ref.current.value !== p.value) ref.current.value = p.value;
  }, [p.value]);
  const saved = p.status?.state === 'keychain' || p.status?.state === 'session';
  const statusText = p.value ? 'new value: saved when you save' : saved ? (p.status!.state === 'keychain' ? 'saved in keychain' : 'session only') : (p.hint ?? 'not set');
  return (
    <div className="field secret-field">
      <label htmlFor={id}>{p.label}</label>
      <input ref={ref} id={id} type="password" autoComplete="new-password" disabled={p.disabled} placeholder={saved ? '•••••• (saved; type to replace)' : ''} onChange={(e) => p.onChange(e.target.value)} />
      <span className="secret-status muted" data-secret-status>
        {statusText}
      </span>
    </div>
  );
}
