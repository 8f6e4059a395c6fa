import type { Document } from 'mongodb';
import type { MemberInfo, ReplicaSetInfo, Topology } from '../../../src-shared/contract';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { canonicalHostPort } from '../../../src-shared/domain/identity';
import type { FeatureGate } from './capabilities';
import { classifyMongoError } from './mongo-errors';
import type { NodeClient } from './node-client';

/**
 * From any seed, the whole deployment: a standalone, a replica set (members with their states,
 * hidden / arbiter / delayed settings from replSetGetConfig and replSetGetStatus where the user may
 * read them, else from each member's own hello), or a sharded cluster (mongos → listShards and
 * getShardMap → every shard's and the config servers' members). Each member is reached through its
 * own direct client, by its name in the set config, through the injected dialer (REL-M2).
 */
export interface DiscoveredNode {
  /** The member's name: its identity. */
  hostPort: string;
  /** What was handed to the dialer (the seed address for a seed, else the member name). */
  dialAddress: string;
  client: NodeClient | null;
  hello: Document | null;
  buildInfo: Document | null;
  error: BaleenError | null;
  role: string;
  shard?: string;
}

export interface DiscoveryResult {
  topology: Topology;
  nodes: DiscoveredNode[];
}

export interface DiscoveryDeps {
  /** Dial and connect one node with the profile's options and secrets. */
  open(hostPort: string, signal: AbortSignal): Promise<NodeClient>;
  /** The feature gate of a member (REL-M5: a refused replSetGetConfig is off for an hour, not an error). */
  gate(hostPort: string): FeatureGate;
  deadlineMs: number;
  now(): number;
}

export interface DiscoveryOptions {
  /** false: the seeds only, each of which must answer (what `connections.add` did before discovery). */
  discover: boolean;
  /** Members already known and polled: not opened again (rediscovery). */
  known?: ReadonlySet<string>;
}

const canonical = (h: string) => {
  try {
    return canonicalHostPort(h);
  } catch {
    return h;
  }
};

const num = (v: unknown): number | null => {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  if (v !== null && typeof v === 'object' && typeof (v as { valueOf?: unknown }).valueOf === 'function') {
    const x = (v as { valueOf(): unknown }).valueOf();
    return typeof x === 'number' ? x : null;
  }
  return null;
};

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The role a member's own hello reports. */
export function roleFromHello(hello: Document): string {
  if (hello.msg === 'isdbgrid') return 'MONGOS';
  if (typeof hello.setName !== 'string') return 'STANDALONE';
  if (hello.arbiterOnly === true) return 'ARBITER';
  if (hello.isWritablePrimary === true || hello.ismaster === true) return 'PRIMARY';
  if (hello.secondary === true) return 'SECONDARY';
  return 'UNKNOWN';
}

/** `rs0/a:1,b:2` (listShards, getShardMap) → set name and hosts; a bare host list has no set name. */
export function parseShardHost(s: string): { setName: string | null; hosts: string[] } {
  const i = s.indexOf('/');
  const setName = i < 0 ? null : s.slice(0, i);
  const hosts = (i < 0 ? s : s.slice(i + 1))
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
    .map(canonical);
  return { setName, hosts };
}

class Discovery {
  readonly nodes = new Map<string, DiscoveredNode>();
  readonly notes: string[] = [];

  constructor(
    private readonly deps: DiscoveryDeps,
    private readonly opts: DiscoveryOptions,
    private readonly signal: AbortSignal,
  ) {}

  private cmdOpts() {
    return { deadlineMs: this.deps.deadlineMs, signal: this.signal };
  }

  /** Opens a node under a dial address; identity comes from its hello.me. Never throws. */
  async probe(dialAddress: string, shard?: string): Promise<DiscoveredNode> {
    const dialKey = canonical(dialAddress);
    for (const n of this.nodes.values()) if (n.hostPort === dialKey || n.dialAddress === dialKey) return n;
    let client: NodeClient | null = null;
    try {
      client = await this.deps.open(dialKey, this.signal);
      const hello = await client.command({ hello: 1 }, this.cmdOpts());
      const buildInfo = await client.command({ buildInfo: 1 }, this.cmdOpts()).catch(() => null);
      let hostPort = dialKey;
      if (typeof hello.me === 'string') hostPort = canonical(hello.me);
      if (hostPort !== dialKey) client.relabel(`${hostPort} (via ${dialKey})`);
      const existing = this.nodes.get(hostPort);
      if (existing?.client) {
        // Reached twice under two names: keep the first client.
        void client.close();
        return existing;
      }
      const node: DiscoveredNode = { hostPort, dialAddress: dialKey, client, hello, buildInfo, error: null, role: roleFromHello(hello), ...(shard ? { shard } : {}) };
      this.nodes.set(hostPort, node);
      return node;
    } catch (e) {
      if (client) void client.close();
      if (this.signal.aborted) throw this.signal.reason instanceof BaleenError ? this.signal.reason : new BaleenError('E_CANCELLED', 'Discovery was cancelled.');
      const error = e instanceof BaleenError ? e : classifyMongoError(e, dialKey);
      const node: DiscoveredNode = { hostPort: dialKey, dialAddress: dialKey, client: null, hello: null, buildInfo: null, error, role: 'UNREACHABLE', ...(shard ? { shard } : {}) };
      if (!this.nodes.has(dialKey)) this.nodes.set(dialKey, node);
      return node;
    }
  }

  /** A member by its set-config name: already known, or opened now. */
  private async member(hostPort: string, shard?: string): Promise<DiscoveredNode> {
    const known = this.nodes.get(hostPort);
    if (known) {
      if (shard && !known.shard) known.shard = shard;
      return known;
    }
    if (this.opts.known?.has(hostPort)) {
      const node: DiscoveredNode = { hostPort, dialAddress: hostPort, client: null, hello: null, buildInfo: null, error: null, role: 'UNKNOWN', ...(shard ? { shard } : {}) };
      this.nodes.set(hostPort, node);
      return node;
    }
    return this.probe(hostPort, shard);
  }

  private async gated(hostPort: string, client: NodeClient, feature: 'replSetGetConfig' | 'replSetGetStatus'): Promise<Document | null> {
    try {
      return await this.deps.gate(hostPort).run(feature, () => client.command({ [feature]: 1 }, this.cmdOpts()));
    } catch (e) {
      if (this.signal.aborted) throw e;
      const err = e instanceof BaleenError ? e : classifyMongoError(e, hostPort);
      this.notes.push(`${feature} on ${hostPort}: ${err.message}`);
      return null;
    }
  }

  async replicaSet(name: string, seeds: string[], shard?: string): Promise<ReplicaSetInfo> {
    let source: DiscoveredNode | undefined;
    for (const s of seeds) {
      const n = await this.member(s, shard);
      if (n.client && n.hello) {
        source = n;
        break;
      }
    }
    if (!source?.client || !source.hello) {
      this.notes.push(`No member of ${name} answered; its members are the ones listed (${seeds.join(', ')}).`);
      const members = await Promise.all(seeds.map(async (s) => this.memberInfo(await this.member(s, shard), null, null)));
      return { name, setVersion: null, members };
    }
    const hello = source.hello;
    const fromHello = [...strings(hello.hosts), ...strings(hello.passives), ...strings(hello.arbiters)].map(canonical);
    const config = await this.gated(source.hostPort, source.client, 'replSetGetConfig');
    const status = await this.gated(source.hostPort, source.client, 'replSetGetStatus');
    const cfgMembers = Array.isArray((config?.config as Document | undefined)?.members) ? ((config!.config as Document).members as Document[]) : null;
    const names = cfgMembers ? cfgMembers.map((m) => canonical(String(m.host))) : fromHello.length > 0 ? fromHello : [source.hostPort];
    const byName = new Map<string, Document>();
    for (const m of Array.isArray(status?.members) ? (status!.members as Document[]) : []) byName.set(canonical(String(m.name)), m);
    const cfgByName = new Map<string, Document>((cfgMembers ?? []).map((m) => [canonical(String(m.host)), m]));
    const nodes = await Promise.all(names.map((n) => this.member(n, shard)));
    const members = nodes.map((n) => this.memberInfo(n, byName.get(n.hostPort) ?? null, cfgByName.get(n.hostPort) ?? null));
    const setVersion = num((config?.config as Document | undefined)?.version) ?? num(hello.setVersion);
    return { name: typeof hello.setName === 'string' ? hello.setName : name, setVersion, members };
  }

  private memberInfo(n: DiscoveredNode, status: Document | null, cfg: Document | null): MemberInfo {
    const own = n.hello;
    let state = typeof status?.stateStr === 'string' ? status.stateStr : own ? roleFromHello(own) : n.error ? 'UNREACHABLE' : 'UNKNOWN';
    if (state === 'STANDALONE') state = 'UNKNOWN';
    n.role = state;
    const arbiter = cfg ? cfg.arbiterOnly === true : own?.arbiterOnly === true || state === 'ARBITER';
    const delay = cfg ? (num(cfg.secondaryDelaySecs) ?? num(cfg.slaveDelay)) : null;
    return {
      hostPort: n.hostPort,
      state,
      health: status ? num(status.health) : null,
      hidden: cfg ? cfg.hidden === true : own?.hidden === true,
      arbiter,
      delaySecs: delay,
      priority: cfg ? num(cfg.priority) : null,
      votes: cfg ? num(cfg.votes) : null,
    };
  }

  standaloneInfo(n: DiscoveredNode): MemberInfo {
    return { hostPort: n.hostPort, state: n.hello ? roleFromHello(n.hello) : n.error ? 'UNREACHABLE' : 'UNKNOWN', health: null, hidden: false, arbiter: false, delaySecs: null, priority: null, votes: null };
  }
}

/**
 * Discovers the deployment behind `seeds`. Throws only when no seed can be reached (the first seed's
 * error), or, without `discover`, when any seed cannot be reached.
 */
export async function discoverDeployment(seeds: readonly string[], deps: DiscoveryDeps, opts: DiscoveryOptions, signal: AbortSignal): Promise<DiscoveryResult> {
  const d = new Discovery(deps, opts, signal);
  const empty = (kind: Topology['kind'], members: MemberInfo[]): Topology => ({ kind, members, replicaSet: null, shards: [], configServers: null, discoveredAt: deps.now(), notes: d.notes });
  const close = () => {
    for (const n of d.nodes.values()) void n.client?.close();
  };
  try {
    if (!opts.discover) {
      const nodes: DiscoveredNode[] = [];
      for (const s of seeds) {
        const n = await d.probe(s);
        if (n.error) throw n.error;
        nodes.push(n);
      }
      const first = nodes[0]!;
      const kind = first.hello?.msg === 'isdbgrid' ? 'sharded' : typeof first.hello?.setName === 'string' ? 'replicaSet' : 'standalone';
      const members = nodes.map((n) => d.standaloneInfo(n));
      const topo = empty(kind, members);
      if (kind === 'replicaSet') topo.replicaSet = { name: String(first.hello!.setName), setVersion: num(first.hello!.setVersion), members };
      if (kind === 'replicaSet') topo.notes.push('Only the seed hosts are polled: turn on discovery to find the other members.');
      return { topology: topo, nodes };
    }

    let seed: DiscoveredNode | undefined;
    let firstError: BaleenError | null = null;
    for (const s of seeds) {
      const n = await d.probe(s);
      if (n.hello) {
        seed = n;
        break;
      }
      firstError ??= n.error;
    }
    if (!seed?.hello) throw firstError ?? new BaleenError('E_UNREACHABLE', 'No seed host answered.');
    const hello = seed.hello;

    if (hello.msg === 'isdbgrid') {
      // Every seed that is a mongos is a router of this cluster.
      for (const s of seeds) await d.probe(s);
      const routers = [...d.nodes.values()].filter((n) => n.hello?.msg === 'isdbgrid');
      const topo = empty('sharded', routers.map((n) => ({ ...d.standaloneInfo(n), state: 'MONGOS' })));
      for (const r of routers) r.role = 'MONGOS';
      let shards: { _id: string; host: string }[] = [];
      try {
        const reply = await seed.client!.command({ listShards: 1 }, { deadlineMs: deps.deadlineMs, signal });
        shards = (Array.isArray(reply.shards) ? (reply.shards as Document[]) : []).filter((s) => typeof s._id === 'string' && typeof s.host === 'string') as { _id: string; host: string }[];
      } catch (e) {
        if (signal.aborted) throw e;
        d.notes.push(`listShards: ${errorMessage(e)}`);
      }
      let configString: string | null = null;
      try {
        const reply = await seed.client!.command({ getShardMap: 1 }, { deadlineMs: deps.deadlineMs, signal });
        const map = reply.map as Document | undefined;
        if (map && typeof map.config === 'string') configString = map.config;
      } catch (e) {
        if (signal.aborted) throw e;
        d.notes.push(`getShardMap: ${errorMessage(e)}`);
      }
      for (const s of shards) {
        const { setName, hosts } = parseShardHost(s.host);
        const info = await d.replicaSet(setName ?? s._id, hosts, s._id);
        topo.shards.push({ ...info, shard: s._id });
      }
      if (configString) {
        const { setName, hosts } = parseShardHost(configString);
        topo.configServers = await d.replicaSet(setName ?? 'config', hosts, 'config');
      } else d.notes.push('The config servers are not known (getShardMap was not available).');
      return { topology: topo, nodes: [...d.nodes.values()] };
    }

    if (typeof hello.setName === 'string') {
      const rs = await d.replicaSet(hello.setName, [seed.hostPort, ...seeds.map(canonical).filter((s) => s !== seed!.dialAddress)]);
      const topo = empty('replicaSet', rs.members);
      topo.replicaSet = rs;
      return { topology: topo, nodes: [...d.nodes.values()] };
    }

    // A standalone: every seed is its own node (a URI may list several standalones).
    for (const s of seeds) await d.probe(s);
    return { topology: empty('standalone', [...d.nodes.values()].map((n) => d.standaloneInfo(n))), nodes: [...d.nodes.values()] };
  } catch (e) {
    close();
    throw e;
  }
}
