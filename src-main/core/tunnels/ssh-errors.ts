import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import type { HopRef, TunnelState } from './ssh-types';

/**
 * The errors a user sees from the tunnel layer, one precise message each. `details.sshKind` lets the UI
 * and the connection layer tell them apart without parsing text; `details.hop` says which hop.
 */
export type SshErrorKind =
  | 'dns'
  | 'refused'
  | 'timeout'
  | 'reset'
  | 'keepalive-timeout'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'host-key-revoked'
  | 'known-hosts-unreadable'
  | 'bad-passphrase'
  | 'passphrase-missing'
  | 'key-invalid'
  | 'auth-failed'
  | 'channel-open-failed'
  | 'handshake-failed'
  | 'closed'
  | 'unreachable';

export const sshKindOf = (e: unknown): SshErrorKind | undefined =>
  e instanceof BaleenError && typeof e.details?.sshKind === 'string' ? (e.details.sshKind as SshErrorKind) : undefined;

/** The hop's role in words: the last hop is "the SSH host", earlier ones are jump hosts. */
export function hopName(h: HopRef, chainLength: number): string {
  const where = `${h.username}@${h.host}:${h.port}${h.label && h.label !== h.host ? ` (${h.label})` : ''}`;
  return h.hop < chainLength ? `SSH jump host ${h.hop} ${where}` : chainLength > 1 ? `SSH host (hop ${h.hop}) ${where}` : `SSH host ${where}`;
}

const hopDetails = (h: HopRef) => ({ hop: h.hop, host: h.host, port: h.port });

interface Ssh2ishError {
  code?: string | number;
  level?: string;
  reason?: number | string;
  message?: string;
}

/** A failure to reach or talk to a hop, classified from ssh2/socket errors. Auth and host keys are built elsewhere. */
export function hopNetworkError(e: unknown, h: HopRef, chainLength: number, readyTimeoutMs: number): BaleenError {
  if (e instanceof BaleenError) return e;
  const err = (e ?? {}) as Ssh2ishError;
  const msg = errorMessage(e);
  const code = String(err.code ?? '');
  const name = hopName(h, chainLength);
  const mk = (kind: SshErrorKind, text: string, code2: 'E_UNREACHABLE' | 'E_TIMEOUT' | 'E_UNSUPPORTED' = 'E_UNREACHABLE') =>
    new BaleenError(code2, `${name} is unreachable: ${text}.`, { sshKind: kind, ...hopDetails(h), role: h.hop < chainLength ? 'jump' : 'ssh-host' }, { cause: e });
  if (err.level === 'client-dns' || /ENOTFOUND|EAI_AGAIN|EAI_NONAME/.test(code + msg)) return mk('dns', `the name ${h.host} does not resolve`);
  if (/ECONNREFUSED/.test(code + msg)) return mk('refused', 'connection refused (nothing listens on that port)');
  if (err.level === 'client-timeout' && /Keepalive/i.test(msg)) return mk('keepalive-timeout', 'it stopped answering keepalives (connection lost)');
  if (err.level === 'client-timeout' || /ETIMEDOUT|Timed out while waiting for handshake/i.test(code + msg)) {
    return mk('timeout', `no SSH handshake within ${readyTimeoutMs} ms`);
  }
  if (/ECONNRESET|EPIPE|Connection lost before handshake|socket hang up|No response from server/i.test(code + msg)) return mk('reset', 'the connection was reset');
  if (err.level === 'handshake' || /no matching|Handshake failed/i.test(msg)) return mk('handshake-failed', `the SSH handshake failed (${msg})`, 'E_UNSUPPORTED');
  if (/EHOSTUNREACH|ENETUNREACH/.test(code + msg)) return mk('unreachable', 'no route to the host');
  return mk('unreachable', msg || 'unknown network error');
}

const CHANNEL_REASONS: Record<number, string> = {
  1: 'administratively prohibited',
  2: 'connect failed',
  3: 'unknown channel type',
  4: 'resource shortage',
};

/** The SSH host (or a jump host) refused or failed to open a TCP channel onward. */
export function channelOpenError(e: unknown, from: HopRef, chainLength: number, toHost: string, toPort: number, toWhat: string): BaleenError {
  const err = (e ?? {}) as Ssh2ishError;
  const raw = errorMessage(e).replace(/^\(SSH\) Channel open failure:\s*/, '');
  const reason = typeof err.reason === 'number' ? CHANNEL_REASONS[err.reason] : undefined;
  const text = reason && raw && !raw.toLowerCase().includes(reason) ? `${reason}: ${raw}` : raw || reason || 'channel open failed';
  return new BaleenError('E_UNREACHABLE', `${hopName(from, chainLength)} cannot reach ${toWhat} ${toHost}:${toPort} (${text}).`, {
    sshKind: 'channel-open-failed',
    ...hopDetails(from),
    target: `${toHost}:${toPort}`,
    reason: reason ?? raw,
  });
}

export function closedError(what: string): BaleenError {
  return new BaleenError('E_UNREACHABLE', `Disconnected. The SSH tunnel to ${what} was closed.`, { sshKind: 'closed' });
}

/** The status a failure puts the tunnel in: "not permitted" is never "unreachable". */
export function stateForError(e: unknown): TunnelState {
  switch (sshKindOf(e)) {
    case 'host-key-unknown':
      return 'host-key-unknown';
    case 'host-key-changed':
      return 'host-key-changed';
    case 'host-key-revoked':
      return 'host-key-revoked';
    case 'bad-passphrase':
    case 'passphrase-missing':
    case 'auth-failed':
      return 'ssh-auth-failed';
    case 'key-invalid':
    case 'known-hosts-unreadable':
      return 'failed';
    default:
      if (e instanceof BaleenError && e.code === 'E_AUTH') return 'ssh-auth-failed';
      if (e instanceof BaleenError && (e.code === 'E_PARSE' || e.code === 'E_INVALID_INPUT' || e.code === 'E_INTERNAL')) return 'failed';
      return 'unreachable';
  }
}
