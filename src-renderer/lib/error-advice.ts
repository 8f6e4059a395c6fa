import type { ErrorCode } from '../../src-shared/domain/errors';

/** What the user can do about an error, by code: the message says what happened, this says what next. */
const ADVICE: Partial<Record<ErrorCode, string>> = {
  E_INVALID_INPUT: 'Check the value and its format, then try again.',
  E_UNREACHABLE: 'Check that the server is running and reachable from this machine: host name, port, firewall, VPN or SSH tunnel.',
  E_AUTH: 'Check the user name and password in the URI, and authSource if the user is defined in another database.',
  E_NOT_AUTHORIZED: 'The user is authenticated but lacks a privilege; grant it the clusterMonitor role.',
  E_TIMEOUT: 'The server took too long to answer. Check its load and the network, then try again.',
  E_UNSUPPORTED: 'This server or platform does not support this feature.',
  E_STORE: "Baleen's local database failed. Check free disk space and Baleen's log.",
  E_INTERNAL: "This is a bug in Baleen. Baleen's log has the details.",
};

export function adviceFor(code: ErrorCode): string | undefined {
  return ADVICE[code];
}
