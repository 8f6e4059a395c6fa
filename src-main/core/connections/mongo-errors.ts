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

/** The operating-system reason behind a network failure, in words. */
export function networkReason(e: unknown): { kind: 'refused' | 'dns' | 'timeout' | 'reset' | 'tls' | 'other'; text: string } {
  const all = `${errorMessage(e)} ${errorMessage(rootCause(e))} ${String(rootCause(e).code ?? '')}`;
  if (/ECONNREFUSED/.test(all)) return { kind: 'refused', text: 'connection refused (nothing is listening on that port)' };
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(all)) return { kind: 'dns', text: 'the host name does not resolve' };
  if (/ECONNRESET|EPIPE|socket hang up|closed/i.test(all)) return { kind: 'reset', text: 'the connection was reset' };
  if (/CERT|certificate|self[- ]signed|TLS|SSL|altnames/i.test(all)) return { kind: 'tls', text: `TLS error: ${errorMessage(rootCause(e)) || errorMessage(e)}` };
  if (/ETIMEDOUT|timed out|timeout/i.test(all)) return { kind: 'timeout', text: 'no answer in time' };
  if (/EHOSTUNREACH|ENETUNREACH/.test(all)) return { kind: 'other', text: 'no route to the host' };
  return { kind: 'other', text: errorMessage(rootCause(e)) || errorMessage(e) };
}

export function isTransientServerError(e: unknown): boolean {
  const c = (e as DriverishError)?.code;
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
  if (code === 59 || err?.codeName === 'CommandNotFound') {
    return new BaleenError('E_UNSUPPORTED', `${host} does not support this command: ${err.errmsg ?? errorMessage(e)}`, { host, code: 59 });
  }
  if (/MongoServerSelectionError|MongoNetwork|MongoTopologyClosed|MongoNotConnected/.test(name) || /ECONN|ENOTFOUND|ETIMEDOUT/.test(errorMessage(e))) {
    const r = networkReason(e);
    return new BaleenError('E_UNREACHABLE', `Cannot reach ${host}: ${r.text}.`, { host, reason: r.kind });
  }
  if (name === 'MongoServerError') {
    return new BaleenError('E_INTERNAL', `${host} answered with an error: ${err.codeName ?? ''} ${err.errmsg ?? errorMessage(e)}`.trim(), { host, code });
  }
  return new BaleenError('E_INTERNAL', `Unexpected error talking to ${host}: ${errorMessage(e)}`, { host });
}
