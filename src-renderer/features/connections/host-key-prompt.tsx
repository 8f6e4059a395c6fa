import { useState } from 'react';
import { z } from 'zod';
import { HostKeyChallenge, KnownHostKey, type HostKeyPinned, type HostKeyProblem } from '../../../src-shared/contract';
import { toBaleenError } from '../../../src-shared/contract/client';
import type { BaleenError } from '../../../src-shared/domain/errors';
import { useClient } from '../../client';
import { ErrorText } from '../../components/state-views';

type State = { status: 'idle' } | { status: 'confirming' } | { status: 'loading' } | { status: 'done'; pin: HostKeyPinned } | { status: 'error'; error: Pick<BaleenError, 'code' | 'message'> };

const target = (c: HostKeyProblem['challenge']) => (c.port === 22 ? c.host : `[${c.host}]:${c.port}`);

/**
 * An SSH host key the user must decide about. Unknown: the fingerprint, compared by the user with the
 * server's own (`ssh-keygen -lf`), then trusted once (pinned, audited). Changed: refused until the user,
 * shown the old and the new fingerprints, replaces it explicitly after a confirmation (audited).
 * Revoked: nothing to do here. Nothing is ever trusted without a click.
 */
export function HostKeyPrompt({ problem, onResolved }: { problem: HostKeyProblem; onResolved?: (pin: HostKeyPinned) => void }) {
  const client = useClient();
  const [state, setState] = useState<State>({ status: 'idle' });
  const c = problem.challenge;
  const old = problem.previous?.[0];

  async function act(kind: 'trust' | 'replace') {
    setState({ status: 'loading' });
    try {
      const pin =
        kind === 'trust'
          ? await client.invoke('connections.trustHostKey', { challenge: c })
          : await client.invoke('connections.replaceHostKey', { challenge: c, previousFingerprint: old!.fingerprint });
      setState({ status: 'done', pin });
      onResolved?.(pin);
    } catch (e) {
      setState({ status: 'error', error: toBaleenError(e) });
    }
  }

  if (state.status === 'done') {
    return (
      <p className="host-key host-key-done" role="status">
        Host key of {target(c)} {problem.verdict === 'changed' ? 'replaced' : 'trusted'}: <code>{state.pin.fingerprint}</code> (recorded in the audit log).
      </p>
    );
  }
  const busy = state.status === 'loading';
  return (
    <div className={`host-key host-key-${problem.verdict} banner ${problem.verdict === 'unknown' ? 'banner-warn' : 'banner-error'}`} role="group" aria-label={`SSH host key of ${target(c)}`} data-verdict={problem.verdict}>
      {problem.verdict === 'unknown' ? (
        <>
          <p>
            <strong>Unknown host key</strong> for {target(c)}: {c.keyType} <code data-fingerprint>{c.fingerprint}</code>
          </p>
          <p className="muted">Nothing was sent to this server. Compare the fingerprint with the server's own (ssh-keygen -lf on its host key) before you trust it.</p>
          <button type="button" disabled={busy} onClick={() => void act('trust')}>
            Trust this host key
          </button>
        </>
      ) : null}
      {problem.verdict === 'changed' ? (
        <>
          <p>
            <strong>The host key of {target(c)} has CHANGED.</strong> Baleen refused to connect and sent nothing to it: someone may be intercepting the connection.
          </p>
          <dl className="host-key-compare">
            <dt>Known key{old ? ` (${old.source})` : ''}</dt>
            <dd>
              <code data-fingerprint-old>{old ? `${old.keyType} ${old.fingerprint}` : 'unknown'}</code>
            </dd>
            <dt>Key presented now</dt>
            <dd>
              <code data-fingerprint>{`${c.keyType} ${c.fingerprint}`}</code>
            </dd>
          </dl>
          {state.status === 'confirming' ? (
            <p>
              Replace the known key with the new one? Only if you know why the server's key changed (it was reinstalled, its keys were rotated). This is recorded in the audit log.{' '}
              <button type="button" className="danger" onClick={() => void act('replace')}>
                Yes, replace the key
              </button>{' '}
              <button type="button" onClick={() => setState({ status: 'idle' })}>
                Keep the old key
              </button>
            </p>
          ) : old ? (
            <button type="button" disabled={busy} onClick={() => setState({ status: 'confirming' })}>
              Replace the host key…
            </button>
          ) : null}
        </>
      ) : null}
      {problem.verdict === 'revoked' ? (
        <p>
          <strong>The host key {c.fingerprint} of {target(c)} is revoked</strong> in your known_hosts. Baleen will not connect to it.
        </p>
      ) : null}
      {state.status === 'error' ? (
        <p role="alert" className="form-error">
          <ErrorText error={state.error} />
        </p>
      ) : null}
    </div>
  );
}

/** The host-key problem an error carries (an add or connect refused for an unknown or changed key), if any. */
export function hostKeyProblemOf(e: { details?: Record<string, unknown> | undefined } | null | undefined): HostKeyProblem | null {
  const d = e?.details;
  const kind = d?.sshKind;
  if (kind !== 'host-key-unknown' && kind !== 'host-key-changed' && kind !== 'host-key-revoked') return null;
  const challenge = HostKeyChallenge.safeParse(d?.challenge);
  if (!challenge.success) return null;
  const previous = z.array(KnownHostKey).safeParse(d?.previous);
  return {
    verdict: kind === 'host-key-unknown' ? 'unknown' : kind === 'host-key-changed' ? 'changed' : 'revoked',
    challenge: challenge.data,
    ...(previous.success ? { previous: previous.data } : {}),
  };
}
