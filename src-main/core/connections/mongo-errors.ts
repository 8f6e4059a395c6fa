import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';

/**
 * Driver errors → Baleen error codes with a message a DBA can act on. "Not permitted" (13) is never
 * "unreachable", and a failed login (18) is never "down" (REL-M4, REL-M5).
 */
const TRANSIENT_CODES = new Set([189, 11602, 91, 10107, 13436, 13435, 11600, 6, 7, 89, 9001]);

interface DriverishError {
  name?: string;
  code?: number | string;
  codeName?: string;
  errmsg?: string;
  message?: string;
  cause?: unknown;
}

function rootCause(e: unknown): DriverishError {
  let cur = e as DriverishError | undefined;
  for (let i = 0; i < 6 && cur && typeof cur === 'object'; i++) {
    const next = (cur.cause ?? (cur as { reason?: { error?: unknown } }).reason?.error) as DriverishError | undefined;
    if (!next || typeof next !== 'object') break;
    cur = next;
  }
  return cur ?? {};
}

export type NetworkReasonKind = 'refused' | 'dns' | 'timeout' | 'reset' | 'tls' | 'other';
export type TlsReasonKind = 'tls-expired' | 'tls-not-yet-valid' | 'tls-hostname' | 'tls-unknown-ca' | 'tls-self-signed' | 'tls-revoked' | 'tls-client-cert' | 'tls-handshake';

/** What a TLS failure means, from the OpenSSL / Node error code (REL-M8: each one named). */
export function tlsReason(e: unknown): { kind: TlsReasonKind; text: string } | null {
  const root = rootCause(e);
  const code = String(root.code ?? (e as DriverishError)?.code ?? '');
  const msg = `${errorMessage(e)} ${errorMessage(root)}`;
  if (code === 'CERT_HAS_EXPIRED' || /certificate has expired/i.test(msg)) return { kind: 'tls-expired', text: "TLS: the server's certificate has expired" };
  if (code === 'CERT_NOT_YET_VALID' || /certificate is not yet valid/i.test(msg)) return { kind: 'tls-not-yet-valid', text: "TLS: the server's certificate is not valid yet (check the clocks)" };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altnames|does not match certificate|Hostname\/IP does not match/i.test(msg)) {
    return { kind: 'tls-hostname', text: `TLS: the server's certificate is not for this host name (${/Host: ([^\s.]+[^\s]*)\. is not in the cert's altnames: (.*)$/.exec(errorMessage(root))?.slice(1).join(' vs ') ?? errorMessage(root)})` };
  }
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || /self[- ]signed/i.test(msg)) {
    return { kind: 'tls-self-signed', text: "TLS: the server's certificate is self-signed and not trusted (give its CA file)" };
  }
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' || code === 'UNABLE_TO_GET_ISSUER_CERT' || /unable to (verify|get).*(issuer|leaf)/i.test(msg)) {
    return { kind: 'tls-unknown-ca', text: "TLS: the server's certificate was issued by an unknown CA (give the right CA file)" };
  }
  if (code === 'CERT_REVOKED') return { kind: 'tls-revoked', text: "TLS: the server's certificate has been revoked" };
  if (/certificate required|alert bad certificate|alert unknown ca|tlsv13 alert certificate required|handshake failure/i.test(msg)) {
    return { kind: 'tls-client-cert', text: `TLS: the server refused the client certificate (${errorMessage(root).slice(0, 160)})` };
  }
  if (/^ERR_SSL_|^ERR_TLS_|^ERR_OSSL_/.test(code) || /SSL routines|wrong version number|TLS|ssl3_|tls_/i.test(msg)) {
    return { kind: 'tls-handshake', text: `TLS handshake failed (${errorMessage(root).slice(0, 160)})` };
  }
  return null;
}

/** The operating-system reason behind a network failure, in words. */
export function networkReason(e: unknown): { kind: NetworkReasonKind; text: string; tls?: TlsReasonKind } {
  const root = rootCause(e);
  const all = `${errorMessage(e)} ${errorMessage(root)} ${String(root.code ?? '')}`;
  if (/ECONNREFUSED/.test(all)) return { kind: 'refused', text: 'connection refused (nothing is listening on that port)' };
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME|getaddrinfo|does not resolve/.test(all)) return { kind: 'dns', text: 'the host name does not resolve' };
  const t = tlsReason(e);
  if (t) return { kind: 'tls', text: t.text, tls: t.kind };
  if (/ECONNRESET|EPIPE|socket hang up|closed/i.test(all)) return { kind: 'reset', text: 'the connection was reset' };
  if (/CERT|certificate|SSL|altnames/i.test(all)) return { kind: 'tls', text: `TLS error: ${errorMessage(root) || errorMessage(e)}`, tls: 'tls-handshake' };
  if (/ETIMEDOUT|timed out|timeout/i.test(all)) return { kind: 'timeout', text: 'no answer in time' };
  if (/EHOSTUNREACH|ENETUNREACH/.test(all)) return { kind: 'other', text: 'no route to the host' };
  return { kind: 'other', text: errorMessage(root) || errorMessage(e) };
}

/** Stepdown / recovering / shutting down (SDAM error tables): skip a sample, do not call the node down (REL-M6). */
export function isTransientServerError(e: unknown): boolean {
  // Errors reach the poller already classified; the server's code rides in the details.
  const c = e instanceof BaleenError ? e.details?.code : (e as DriverishError)?.code;
  return typeof c === 'number' && TRANSIENT_CODES.has(c);
}

export function classifyMongoError(e: unknown, host: string): BaleenError {
  if (e instanceof BaleenError) return e;
  const err = e as DriverishError;
  const code = typeof err?.code === 'number' ? err.code : undefined;
  const name = err?.name ?? '';
  if (code === 18 || err?.codeName === 'AuthenticationFailed' || /Authentication failed/i.test(errorMessage(e))) {
    return new BaleenError('E_AUTH', `Authentication failed (code 18) on ${host}: check the user name, password and authSource.`, { host, code: 18 });
  }
  if (code === 13 || err?.codeName === 'Unauthorized') {
    return new BaleenError('E_NOT_AUTHORIZED', `Not authorized (code 13) on ${host}: ${err.errmsg ?? errorMessage(e)}. The clusterMonitor role is the minimum for monitoring.`, { host, code: 13 });
  }
  if (code === 50 || name === 'MongoOperationTimeoutError' || err?.codeName === 'MaxTimeMSExpired') {
    return new BaleenError('E_TIMEOUT', `${host} did not answer within the time limit.`, { host });
  }
  if (code === 76 || err?.codeName === 'NoReplicationEnabled') {
    return new BaleenError('E_UNSUPPORTED', `${host} is not a replica-set member: ${err.errmsg ?? errorMessage(e)}`, { host, code: 76 });
  }
  if (code === 59 || code === 115 || err?.codeName === 'CommandNotFound' || err?.codeName === 'CommandNotSupported') {
    return new BaleenError('E_UNSUPPORTED', `${host} does not support this command: ${err.errmsg ?? errorMessage(e)}`, { host, code: 59 });
  }
  if (name === 'MongoPoolClearedError') {
    // The driver cleared the pool because another command got a state-change error (SDAM: e.g. 91
    // ShutdownInProgress): a command waiting for a connection fails with that error as its cause. Like
    // the cause, it is transient (REL-M6): the next tick tries again.
    const cause = (err as { cause?: DriverishError }).cause;
    const causeCode = typeof cause?.code === 'number' ? cause.code : undefined;
    if (causeCode !== undefined && TRANSIENT_CODES.has(causeCode)) {
      return new BaleenError('E_INTERNAL', `${host} reset its connections after ${cause?.codeName ?? `code ${causeCode}`}: trying again.`, { host, code: causeCode });
    }
  }
  if (/MongoServerSelectionError|MongoNetwork|MongoTopologyClosed|MongoNotConnected/.test(name) || /ECONN|ENOTFOUND|ETIMEDOUT/.test(errorMessage(e))) {
    const r = networkReason(e);
    return new BaleenError('E_UNREACHABLE', `Cannot reach ${host}: ${r.text}.`, { host, reason: r.tls ?? r.kind });
  }
  if (name === 'MongoServerError') {
    return new BaleenError('E_INTERNAL', `${host} answered with an error: ${err.codeName ?? ''} ${err.errmsg ?? errorMessage(e)}`.trim(), { host, code });
  }
  return new BaleenError('E_INTERNAL', `Unexpected error talking to ${host}: ${errorMessage(e)}`, { host });
}
