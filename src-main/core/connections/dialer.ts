import { isIP } from 'node:net';
import { BaleenError } from '../../../src-shared/domain/errors';
import { canonicalHostPort } from '../../../src-shared/domain/identity';

/**
 * Where to open a socket for a member name. The seam SSH tunnels plug into: a member's name (what the
 * replica-set config says, e.g. `m1.rs.internal:27017`) stays its identity, while the socket goes to
 * whatever address the dialer returns (a local tunnel port, a mapped address). `servername` keeps TLS
 * checking the member's real name when the socket goes elsewhere.
 */
export interface DialTarget {
  host: string;
  port: number;
  /** TLS SNI and hostname check; defaults to the member's own host name. */
  servername?: string;
  /** How it was reached, for the connection test ("address map", "SSH hop bastion:22"). */
  via?: string;
  /**
   * Why sockets to this address fail, when the dialer knows better than the driver (an SSH tunnel that
   * is down, or an SSH host that could not open the channel): the driver only sees a closed socket.
   */
  failure?: () => BaleenError | undefined;
}

export type Dialer = (hostPort: string, signal?: AbortSignal) => Promise<DialTarget>;

export function splitHostPort(hostPort: string): { host: string; port: number } {
  const canonical = canonicalHostPort(hostPort);
  const i = canonical.lastIndexOf(':');
  const host = canonical.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(canonical.slice(i + 1)) };
}

export const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Dial what the name says: the OS resolves it. */
export const directDialer: Dialer = async (hostPort) => splitHostPort(hostPort);

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * A fixed map from member names to addresses (what a tunnel layer or a hosts file would do). Names
 * not in the map: IP literals and localhost pass through; any other name is refused as not
 * resolvable, so nothing is ever looked up in DNS (tests stay on loopback).
 */
export function addressMapDialer(map: Readonly<Record<string, string>>): Dialer {
  const table = new Map(Object.entries(map).map(([k, v]) => [canonicalHostPort(k), splitHostPort(v)]));
  return async (hostPort) => {
    const key = canonicalHostPort(hostPort);
    const target = table.get(key);
    const { host } = splitHostPort(key);
    if (target) return { ...target, servername: isIP(host) ? undefined : host, via: 'address map' };
    if (isIP(host) || isLoopbackHost(host)) return splitHostPort(key);
    throw new BaleenError('E_UNREACHABLE', `Cannot reach ${key}: the host name does not resolve (it is not in the address map).`, { host: key, reason: 'dns' });
  };
}
