import { promises as dnsPromises } from 'node:dns';
import { ConnectionString } from 'mongodb-connection-string-url';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { canonicalHostPort } from '../../../src-shared/domain/identity';

/**
 * `mongodb+srv://` seed lists (the driver spec "Initial DNS Seedlist Discovery"): an SRV lookup of
 * `_mongodb._tcp.<host>` gives the hosts, one optional TXT record gives `authSource`, `replicaSet` and
 * `loadBalanced` defaults, options written in the URI win, and TLS is on unless the URI turns it off.
 * The resolver is injected so tests never reach real DNS.
 */
export interface SrvResolver {
  resolveSrv(name: string): Promise<{ name: string; port: number }[]>;
  resolveTxt(name: string): Promise<string[][]>;
}

export const systemSrvResolver: SrvResolver = {
  resolveSrv: (name) => dnsPromises.resolveSrv(name),
  resolveTxt: (name) => dnsPromises.resolveTxt(name),
};

const TXT_OPTIONS = new Map([
  ['authsource', 'authSource'],
  ['replicaset', 'replicaSet'],
  ['loadbalanced', 'loadBalanced'],
]);

export interface SrvSeeds {
  /** A plain `mongodb://` URI (no secrets) with the resolved hosts and the merged options. */
  uri: string;
  hosts: string[];
  /** Which options came from TXT (for the connection test's detail line). */
  fromTxt: Record<string, string>;
}

function parentDomain(host: string): { parent: string; labels: number } {
  const labels = host.split('.');
  return { parent: labels.length >= 3 ? labels.slice(1).join('.') : host, labels: labels.length };
}

/** Whether an SRV target may be used for this SRV host (it must share the host's parent domain). */
export function srvTargetAllowed(srvHost: string, target: string): boolean {
  const t = target.toLowerCase().replace(/\.$/, '');
  const h = srvHost.toLowerCase().replace(/\.$/, '');
  const { parent, labels } = parentDomain(h);
  if (labels < 3) return t !== h && t.endsWith(`.${h}`);
  return t.endsWith(`.${parent}`);
}

export function parseTxtOptions(records: string[][]): Record<string, string> {
  if (records.length === 0) return {};
  if (records.length > 1) throw new BaleenError('E_INVALID_INPUT', 'The SRV host has more than one TXT record; the driver specification allows one.', { reason: 'srv-txt' });
  const text = records[0]!.join('');
  const out: Record<string, string> = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const i = pair.indexOf('=');
    const key = decodeURIComponent(i < 0 ? pair : pair.slice(0, i));
    const value = decodeURIComponent(i < 0 ? '' : pair.slice(i + 1));
    const name = TXT_OPTIONS.get(key.toLowerCase());
    if (!name) throw new BaleenError('E_INVALID_INPUT', `The SRV host's TXT record sets "${key}", which only authSource, replicaSet and loadBalanced may set.`, { reason: 'srv-txt' });
    out[name] = value;
  }
  return out;
}

/** Resolves an SRV URI (without secrets) into a plain seed list URI. */
export async function resolveSrvUri(safeUri: string, resolver: SrvResolver = systemSrvResolver, signal?: AbortSignal): Promise<SrvSeeds> {
  const cs = new ConnectionString(safeUri);
  if (!cs.isSRV) return { uri: safeUri, hosts: cs.hosts.map((h) => canonicalHostPort(h)), fromTxt: {} };
  const srvHost = cs.hosts[0]!;
  const service = cs.searchParams.get('srvServiceName') ?? 'mongodb';
  let records: { name: string; port: number }[];
  try {
    records = await resolver.resolveSrv(`_${service}._tcp.${srvHost}`);
  } catch (e) {
    throw new BaleenError('E_UNREACHABLE', `Cannot resolve the SRV record _${service}._tcp.${srvHost}: ${errorMessage(e)}`, { host: srvHost, reason: 'dns' });
  }
  signal?.throwIfAborted();
  if (records.length === 0) throw new BaleenError('E_UNREACHABLE', `The SRV record _${service}._tcp.${srvHost} lists no hosts.`, { host: srvHost, reason: 'dns' });
  const hosts: string[] = [];
  for (const r of records) {
    if (!srvTargetAllowed(srvHost, r.name)) {
      throw new BaleenError('E_INVALID_INPUT', `The SRV record for ${srvHost} points to ${r.name}, outside its domain; the driver specification forbids it.`, { host: srvHost, reason: 'srv-domain' });
    }
    hosts.push(canonicalHostPort(`${r.name.replace(/\.$/, '')}:${r.port}`));
  }
  let txt: string[][] = [];
  try {
    txt = await resolver.resolveTxt(srvHost);
  } catch (e) {
    // No TXT record is normal; any other failure is not.
    const code = (e as { code?: string }).code;
    if (code !== 'ENODATA' && code !== 'ENOTFOUND') throw new BaleenError('E_UNREACHABLE', `Cannot read the TXT record of ${srvHost}: ${errorMessage(e)}`, { host: srvHost, reason: 'dns' });
  }
  const fromTxt = parseTxtOptions(txt);
  const out = new ConnectionString(`mongodb://${hosts.join(',')}/`);
  out.username = cs.username;
  out.pathname = cs.pathname;
  for (const [k, v] of Object.entries(fromTxt)) if (!cs.searchParams.has(k)) out.searchParams.set(k, v);
  for (const [k, v] of cs.searchParams) if (k.toLowerCase() !== 'srvservicename' && k.toLowerCase() !== 'srvmaxhosts') out.searchParams.set(k, v);
  if (!cs.searchParams.has('tls') && !cs.searchParams.has('ssl')) out.searchParams.set('tls', 'true');
  return { uri: out.toString(), hosts, fromTxt };
}
