// How FTDC names and metadata map onto Baleen's series and identities. Pure: no I/O.
import type { Document } from '../bson/bson';
import { canonicalHostPort, DEFAULT_MONGO_PORT } from '../../../src-shared/domain/identity';

/** 8.0 role-based documents nest collectors under these; the metric underneath is the same counter. */
const ROLE_PREFIXES = ['shard.', 'common.', 'router.'] as const;
/** Host collectors: their series belong to the machine, not to the mongod on it. */
const HOST_PREFIX = 'systemMetrics.';

/** The stored id of a flattened FTDC name: the catalogue's id where it has one. */
export function storedMetricName(name: string): string {
  for (const p of ROLE_PREFIXES) if (name.startsWith(p)) return name.slice(p.length);
  return name;
}

export const isHostMetric = (stored: string): boolean => stored.startsWith(HOST_PREFIX);

/** Which columns of a chunk go to the node and which to the host, under which stored names. */
export interface ColumnMap {
  nodeIdx: Int32Array;
  nodeNames: string[];
  hostIdx: Int32Array;
  hostNames: string[];
}

/**
 * Splits a chunk's names. A name that maps onto one already taken (a key with a dot in it, or the
 * same counter under `shard.` and `common.`) keeps its first column: two columns on one series
 * would otherwise overwrite each other sample by sample.
 */
export function mapColumns(names: readonly string[]): ColumnMap {
  const seen = new Set<string>();
  const nodeIdx: number[] = [];
  const nodeNames: string[] = [];
  const hostIdx: number[] = [];
  const hostNames: string[] = [];
  names.forEach((raw, i) => {
    const name = storedMetricName(raw);
    if (name.length === 0 || name.length > 512 || seen.has(name)) return;
    seen.add(name);
    if (isHostMetric(name)) {
      hostIdx.push(i);
      hostNames.push(name);
    } else {
      nodeIdx.push(i);
      nodeNames.push(name);
    }
  });
  return { nodeIdx: Int32Array.from(nodeIdx), nodeNames, hostIdx: Int32Array.from(hostIdx), hostNames };
}

/** Who wrote a metadata document: enough to name the node and host, and show them. */
export interface FtdcIdentity {
  /** hostInfo.system.hostname without a port, lowercased (the host entity id). */
  hostId: string;
  /** Canonical host:port of the node. */
  hostPort: string;
  version: string | null;
  os: string | null;
  setName: string | null;
  hostInfo: Document | null;
  buildInfo: Document | null;
  getCmdLineOpts: Document | null;
}

function isDoc(x: unknown): x is Document {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function pick(doc: unknown, path: readonly string[]): unknown {
  let cur = doc;
  for (const k of path) {
    if (!isDoc(cur) || !Object.hasOwn(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function firstDoc(roots: readonly Document[], key: string): Document | null {
  for (const r of roots) {
    const d = pick(r, [key]);
    if (isDoc(d)) return d;
  }
  return null;
}

const str = (x: unknown): string | null => (typeof x === 'string' && x.trim() !== '' ? x.trim() : null);

function portOf(x: unknown): number | null {
  const n = typeof x === 'number' ? x : typeof x === 'string' && /^\d{1,5}$/.test(x) ? Number(x) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
}

/**
 * The node and host a type-0 metadata document describes, or null when it names no host. The port
 * is getCmdLineOpts' `net.port`, else one written into the hostname (4.0 on Windows reports
 * `HOST:PORT` there), else 27017 (a mongod started without --port).
 */
export function identityOf(doc: Document): FtdcIdentity | null {
  const roots = [doc, pick(doc, ['common']), pick(doc, ['shard']), pick(doc, ['router'])].filter(isDoc);
  const hostInfo = firstDoc(roots, 'hostInfo');
  const buildInfo = firstDoc(roots, 'buildInfo');
  const getCmdLineOpts = firstDoc(roots, 'getCmdLineOpts');
  const rawHost = str(pick(hostInfo, ['system', 'hostname']));
  if (rawHost === null || rawHost.length > 255) return null;
  let host = rawHost;
  let hostPortInName: number | null = null;
  const m = /^(.*[^:]):(\d{1,5})$/.exec(rawHost);
  if (m && !rawHost.startsWith('[') && (rawHost.match(/:/g) ?? []).length === 1) {
    host = m[1]!;
    hostPortInName = portOf(m[2]);
  }
  const port = portOf(pick(getCmdLineOpts, ['parsed', 'net', 'port'])) ?? hostPortInName ?? DEFAULT_MONGO_PORT;
  let hostPort: string;
  try {
    hostPort = canonicalHostPort(host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`);
  } catch {
    return null;
  }
  const osType = str(pick(hostInfo, ['os', 'type']));
  const osName = str(pick(hostInfo, ['os', 'name']));
  const osVersion = str(pick(hostInfo, ['os', 'version']));
  const os = [osName ?? osType, osVersion].filter((x): x is string => x !== null).join(' ') || null;
  const setName = str(pick(getCmdLineOpts, ['parsed', 'replication', 'replSetName'])) ?? str(pick(getCmdLineOpts, ['parsed', 'replication', 'replSet']));
  return {
    hostId: host.toLowerCase().replace(/\.$/, ''),
    hostPort,
    version: str(pick(buildInfo, ['version'])),
    os,
    setName,
    hostInfo,
    buildInfo,
    getCmdLineOpts,
  };
}

/** The display facts of a node's metadata: what a DBA checks first about a customer's machine. */
export function factsOf(id: Pick<FtdcIdentity, 'hostInfo' | 'buildInfo' | 'getCmdLineOpts'>): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  const add = (label: string, v: unknown, suffix = '') => {
    if (typeof v === 'string' && v.trim() !== '') out.push({ label, value: v.trim() + suffix });
    else if (typeof v === 'number' || typeof v === 'boolean') out.push({ label, value: String(v) + suffix });
  };
  const hi = id.hostInfo;
  const bi = id.buildInfo;
  const opts = pick(id.getCmdLineOpts, ['parsed']);
  add('Hostname', pick(hi, ['system', 'hostname']));
  add('OS', [pick(hi, ['os', 'name']), pick(hi, ['os', 'version'])].filter((x) => typeof x === 'string').join(' '));
  add('Kernel', pick(hi, ['extra', 'kernelVersion']));
  add('CPU', pick(hi, ['extra', 'cpuString']));
  add('CPU architecture', pick(hi, ['system', 'cpuArch']));
  add('Cores', pick(hi, ['system', 'numCores']));
  add('CPU MHz', pick(hi, ['extra', 'cpuFrequencyMHz']));
  add('Memory', pick(hi, ['system', 'memSizeMB']), ' MB');
  add('NUMA', pick(hi, ['system', 'numaEnabled']));
  add('MongoDB', pick(bi, ['version']));
  add('Git version', pick(bi, ['gitVersion']));
  add('Storage engine', pick(opts, ['storage', 'engine']));
  add('dbPath', pick(opts, ['storage', 'dbPath']));
  add('WiredTiger cache', pick(opts, ['storage', 'wiredTiger', 'engineConfig', 'cacheSizeGB']), ' GB');
  add('Replica set', pick(opts, ['replication', 'replSetName']) ?? pick(opts, ['replication', 'replSet']));
  add('Cluster role', pick(opts, ['sharding', 'clusterRole']));
  add('Port', pick(opts, ['net', 'port']));
  add('Bind IP', pick(opts, ['net', 'bindIp']));
  add('Log path', pick(opts, ['systemLog', 'path']));
  return out;
}
