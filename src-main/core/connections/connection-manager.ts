import type { Document } from 'mongodb';
import {
  MAX_SSH_HOPS,
  SECRET_KINDS,
  isSshSecretKind,
  sshSecretKind,
  type AddConnectionRequest,
  type CapabilityMatrix,
  type ConnectionForm,
  type ConnectionDetail,
  type ConnectionSummary,
  type ExportRequest,
  type ExportResult,
  type ImportRequest,
  type ImportResult,
  type InsecureTlsFlag,
  type NodeStatus,
  type NodeSummary,
  type ParseResult,
  type SecretKind,
  type SecretStatus,
  type SecretsInput,
  type TestConnectionRequest,
  type TestResult,
  type Topology,
  type UpdateConnectionRequest,
  type HostKeyCheck,
  type HostKeyChallenge,
  type HostKeyPinned,
  type ImportSshConfigResult,
  type SshHop,
} from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import { canonicalHostPort, makeNodeId, type AliasSource, type NodeId } from '../../../src-shared/domain/identity';
import type { AuditLog } from '../audit/audit-log';
import type { EventBus } from '../events';
import { NodeMonitor } from '../metrics/node-monitor';
import { toNumber } from '../metrics/server-status.collector';
import { leanField, leanValues } from '../bson/lean-reply';
import type { PollScheduler } from '../metrics/poll-scheduler';
import type { Clock, TimerHandle } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { SecretStore } from '../ports/secret-store';
import type { ConfigStore, NodeRow, ProfileRow } from '../store/config.store';
import type { MetricStore } from '../store/metric-store';
import { FeatureGate, matrixFromConnectionStatus } from './capabilities';
import { formOf, fromForm, insecureFlags, neededSecrets, parseUri, requiredSecrets, type ParsedTarget } from './connection-profile';
import { runConnectionTest, systemLookup, type Lookup } from './connection-test';
import { directDialer, joinHostPort, type Dialer } from './dialer';
import { NodeClient, type NodeSecrets } from './node-client';
import { buildExport, parseImport, type TransferProfile, type TransferSecret } from './profile-transfer';
import { resolveSrvUri, systemSrvResolver, type SrvResolver } from './srv';
import { discoverDeployment, type DiscoveredNode, type DiscoveryResult } from './topology-discovery';
import { fetchHostKey, importHopChain, loadSshConfig, SshTunnel, SshTunnelManager, type HopTiming, type HostKeyPin, type HostKeyVerifier, type SshHopSpec, type SshSecretsPort, type SshTunnelOptions } from '../tunnels';
import type { ExecSessionSource } from '../tunnels/exec-allowlist';
import { SshPromptBroker } from './ssh-prompts';
import { describeHops, hopSpecsOf, nodeStatusWithSsh, sshSecretKindsOf, sshSecretsPort, SshRoute, tunnelSummary } from './ssh-route';

export interface MonitoringSettings {
  appName: string;
  /** serverStatus poll interval (default 1 s). */
  intervalMs: number;
  /** Per-poll deadline D. */
  deadlineMs: number;
  /** Connect timeout for adding a connection. */
  connectTimeoutMs: number;
  /** Slow re-discovery of each deployment (members added or removed); hello changes trigger it sooner. */
  rediscoverMs?: number;
}

/** Tunnel timings a caller may scale (tests) or tune; the rest are the tunnel layer's defaults. */
export type TunnelTuning = Partial<
  Pick<SshTunnelOptions, 'keepaliveIntervalMs' | 'keepaliveCountMax' | 'readyTimeoutMs' | 'backoffMs' | 'jitter' | 'authFailuresBeforeCap' | 'authFailureCapMs' | 'channelTimeoutMs'>
>;

/** What the SSH side needs from the host: host keys, the agent, the user's ssh config. */
export interface SshSettings {
  verifier: HostKeyVerifier;
  /** ssh-agent socket for hops that log in with the agent (SSH_AUTH_SOCK at start-up), or null. */
  agentSocket: string | null;
  /** ~/.ssh/config for "import from ssh config", and what `~` means there. */
  sshConfigFile: string | null;
  home: string;
  localUser: string;
  tunnel?: TunnelTuning;
}

/** The seams tests and the tunnel layer plug into: where sockets go, and how names resolve. */
export interface ConnectionSeams {
  dial?: Dialer;
  srv?: SrvResolver;
  lookup?: Lookup;
}

export interface ConnectionManagerDeps {
  config: ConfigStore;
  store: MetricStore;
  secrets: SecretStore;
  audit: AuditLog;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  scheduler: PollScheduler;
  settings: MonitoringSettings;
  random: () => number;
  seams?: ConnectionSeams;
  ssh: SshSettings;
}

interface NodeFacts {
  hostPort: string;
  version: string | null;
  server: string | null;
  setName: string | null;
}

/** What `hello` and `buildInfo` say about a node: its identity and what kind of server it is. */
export function nodeFacts(dialled: string, hello: Document, buildInfo: Document | null): NodeFacts {
  let hostPort = dialled;
  if (typeof hello.me === 'string') {
    try {
      hostPort = canonicalHostPort(hello.me);
    } catch {
      // A malformed `me` is ignored: identity falls back to the seed.
    }
  }
  // A compatible server reports a MongoDB version it imitates; its own version is what explains its gaps.
  const ferret = typeof buildInfo?.ferretdbVersion === 'string' ? buildInfo.ferretdbVersion.replace(/^v/, '') : null;
  return {
    hostPort,
    version: ferret ?? (typeof buildInfo?.version === 'string' ? buildInfo.version : null),
    server: ferret ? 'ferretdb' : hello.msg === 'isdbgrid' ? 'mongos' : 'mongod',
    setName: typeof hello.setName === 'string' ? hello.setName : null,
  };
}

/** How errors name a node: its identity, and the address actually dialled when that differs (a tunnel, a seed). */
export const nodeLabel = (hostPort: string, dialled: string): string => (hostPort === dialled ? hostPort : `${hostPort} (via ${dialled})`);

export function serverLabel(n: Pick<NodeRow, 'server' | 'version'>): string {
  if (n.server === 'ferretdb') return `FerretDB ${n.version ?? '(unknown version)'}`;
  return `${n.server === 'mongos' ? 'mongos' : 'MongoDB'} ${n.version ?? '(unknown version)'}`;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'conn';
}

/** Input secret fields → keychain kinds (SSH secrets come per hop, in `ssh`). */
const SECRET_FIELDS: Record<Exclude<keyof SecretsInput, 'ssh'>, SecretKind> = {
  password: 'mongodb-password',
  tlsKeyPassword: 'tls-key-password',
  awsSessionToken: 'aws-session-token',
  proxyPassword: 'proxy-password',
};

interface Target {
  parsed: ParsedTarget | undefined;
  /** Secrets to set (value) or delete (null), by kind. */
  secretChanges: Map<SecretKind, string | null>;
}

const kindsOf = (t: ParsedTarget) => Object.keys(t.secrets) as SecretKind[];
const DEFAULT_REDISCOVER_MS = 5 * 60_000;

export class ConnectionManager {
  private readonly monitors = new Map<NodeId, NodeMonitor>();
  private readonly gates = new Map<NodeId, FeatureGate>();
  private readonly secretStatus = new Map<string, SecretStatus[]>();
  /** Secrets found unreadable: not read again (one log line, no loop) until the user enters them again (SEC-C3). */
  private readonly unreadable = new Map<string, string>();
  private readonly srvCache = new Map<string, string>();
  private readonly rediscoverTimers = new Map<string, TimerHandle>();
  private readonly rediscovering = new Map<string, Promise<void>>();
  private readonly triggered = new Set<string>();
  private readonly dial: Dialer;
  private readonly srv: SrvResolver;
  private readonly lookup: Lookup;
  private disposed = false;
  /** SSH: one shared tunnel per profile and hop chain, the profile's route through it, and OTP prompts. */
  private readonly tunnels: SshTunnelManager;
  private readonly routes = new Map<string, SshRoute>();
  private readonly prompts: SshPromptBroker;
  /** SSH secrets being changed by a call in flight (add, update): used before they reach the store. */
  private readonly sshOverrides = new Map<string, Map<SecretKind, string | null>>();

  constructor(private readonly d: ConnectionManagerDeps) {
    this.dial = d.seams?.dial ?? directDialer;
    this.srv = d.seams?.srv ?? systemSrvResolver;
    this.lookup = d.seams?.lookup ?? systemLookup;
    this.prompts = new SshPromptBroker(d.bus, d.clock);
    this.tunnels = new SshTunnelManager((scope, hops) => this.newTunnel(scope, hops, this.profileSshSecrets(scope)));
  }

  // ---------------------------------------------------------------------------------------------
  // SSH tunnels: routes per profile.

  private newTunnel(id: string, hops: readonly SshHopSpec[], secrets: SshSecretsPort, extra: Partial<SshTunnelOptions> = {}): SshTunnel {
    return new SshTunnel({ id, hops, hostKeys: this.d.ssh.verifier, secrets, clock: this.d.clock, log: this.d.log.child('ssh'), audit: this.d.audit, random: this.d.random, ...this.d.ssh.tunnel, ...extra });
  }

  private profileSshSecrets(profileId: string): SshSecretsPort {
    return sshSecretsPort({
      profileId,
      store: this.d.secrets,
      override: (k) => {
        const m = this.sshOverrides.get(profileId);
        return m?.has(k) ? { value: m.get(k)! } : undefined;
      },
      ask: (req, signal) => this.prompts.ask(profileId, req, signal),
    });
  }

  /** The profile's route through its hops (made on first use; a change of hops makes a new one). */
  private routeFor(p: { id: string; sshHops: readonly SshHop[] }): SshRoute | null {
    if (p.sshHops.length === 0) return null;
    const key = JSON.stringify(p.sshHops);
    const existing = this.routes.get(p.id);
    if (existing && existing.key === key && existing.tunnel.status.state !== 'closed') return existing;
    if (existing) void existing.close();
    const route = this.makeRoute(p.id, p.sshHops);
    this.routes.set(p.id, route);
    return route;
  }

  private makeRoute(profileId: string, hops: readonly SshHop[]): SshRoute {
    const specs = hopSpecsOf(hops, this.d.ssh.agentSocket);
    return new SshRoute(profileId, JSON.stringify(hops), this.tunnels.acquire(profileId, specs), {
      clock: this.d.clock,
      deadlineMs: this.d.settings.connectTimeoutMs,
      describe: describeHops(hops),
      onStatus: (route, _s, transition) => {
        if (this.routes.get(profileId) !== route) return;
        // Down: each node polls now and names the hop at once; back: each node polls now, not at its
        // next backoff step (REL-S1: the first sample within B + P).
        if (transition) for (const n of this.d.config.nodesOf(profileId)) this.monitors.get(n.id)?.recheck();
        this.changed();
      },
    });
  }

  private async closeRoute(profileId: string): Promise<void> {
    const r = this.routes.get(profileId);
    if (!r) return;
    this.routes.delete(profileId);
    await r.close();
  }

  private dialFor(p: { id: string; sshHops: readonly SshHop[] }): Dialer {
    return this.routeFor(p)?.dial ?? this.dial;
  }

  /** Opens the profile's tunnel now, for a user's action (audited by the tunnel as ssh.tunnel.open). */
  private async openRoute(route: SshRoute | null, actor: string, signal: AbortSignal): Promise<void> {
    if (route) await route.tunnel.open(actor, signal);
  }

  // ---------------------------------------------------------------------------------------------
  // Start-up, list, detail.

  /** Resume monitoring what was being monitored when Baleen last stopped. */
  restore(): void {
    for (const p of this.d.config.listProfiles()) {
      if (!p.monitoring) continue;
      for (const n of this.d.config.nodesOf(p.id)) {
        if (n.monitoring) this.monitorFor(p, n).start();
      }
      this.armRediscovery(p);
    }
    // Secret states are read from the keychain in the background; the list shows them once known.
    void this.refreshAllSecretStatus();
  }

  private async refreshAllSecretStatus(): Promise<void> {
    for (const p of this.d.config.listProfiles()) await this.refreshSecretStatus(p).catch(() => undefined);
    this.changed();
  }

  list(): ConnectionSummary[] {
    return this.d.config.listProfiles().map((p) => this.summary(p));
  }

  private summary(p: ProfileRow): ConnectionSummary {
    const flags = safeInsecure(p.uri);
    return {
      id: p.id,
      name: p.name,
      uri: p.uri,
      createdAt: p.createdAt,
      nodes: this.d.config.nodesOf(p.id).map((n) => this.nodeSummary(n)),
      ...(p.group ? { group: p.group } : {}),
      tags: p.tags,
      color: p.color ?? 'none',
      ...(flags.length > 0 ? { insecureTls: { flags, confirmed: flags.every((f) => p.trustedInsecureTls.includes(f)) } } : {}),
      secrets: this.secretStatus.get(p.id) ?? [],
      ...(p.topology ? { topology: this.withNodeIds(p.id, p.topology) } : {}),
      connected: p.monitoring && this.d.config.nodesOf(p.id).length > 0,
      sshHops: p.sshHops,
      ...(this.routes.get(p.id) ? { tunnel: tunnelSummary(this.routes.get(p.id)!.tunnel.status) } : {}),
      discover: p.discover,
      updatedAt: p.updatedAt,
    };
  }

  private withNodeIds(profileId: string, t: Topology): Topology {
    const id = (m: { hostPort: string }) => {
      try {
        return makeNodeId(profileId, m.hostPort);
      } catch {
        return undefined;
      }
    };
    const fill = <T extends { hostPort: string }>(ms: T[]) => ms.map((m) => ({ ...m, ...(id(m) ? { nodeId: id(m)! } : {}) }));
    return {
      ...t,
      members: fill(t.members),
      replicaSet: t.replicaSet ? { ...t.replicaSet, members: fill(t.replicaSet.members) } : null,
      shards: t.shards.map((s) => ({ ...s, members: fill(s.members) })),
      configServers: t.configServers ? { ...t.configServers, members: fill(t.configServers.members) } : null,
    };
  }

  private nodeSummary(n: NodeRow): NodeSummary {
    let status: NodeStatus = this.monitors.get(n.id)?.status ?? { state: 'stopped', since: this.d.clock.now() };
    // The monitor knows the message; the route knows which SSH failure (kind, hop, host key) it was.
    const sshError = status.state !== 'monitoring' && status.state !== 'stopped' ? this.routes.get(n.connectionId)?.explain(status.reason) : undefined;
    if (sshError) status = nodeStatusWithSsh(status, sshError);
    const gate = this.gates.get(n.id);
    return {
      id: n.id,
      connectionId: n.connectionId,
      deployment: n.deployment,
      hostPort: n.hostPort,
      aliases: this.d.config.aliasesOf(n.id).filter((a) => a !== n.hostPort),
      version: n.version,
      server: n.server,
      setName: n.setName,
      status,
      ...(n.role ? { role: n.role } : {}),
      ...(n.shard ? { shard: n.shard } : {}),
      ...(gate ? { capabilities: gate.current } : {}),
    };
  }

  async get(id: string): Promise<ConnectionDetail> {
    const p = this.requireProfile(id);
    await this.refreshSecretStatus(p);
    return { ...this.summary(p), form: formOf(p.uri), secretStorage: this.secretStorage() };
  }

  secretStorage(): { persistent: boolean; reason?: string } {
    const s = this.d.secrets.persistence;
    return s.persistent ? { persistent: true } : { persistent: false, reason: s.reason };
  }

  private changed(): void {
    if (this.disposed) return;
    this.d.bus.emit('connections.changed', { connections: this.list() });
  }

  private requireProfile(id: string): ProfileRow {
    const p = this.d.config.getProfile(id);
    if (!p) throw new BaleenError('E_NOT_FOUND', `No connection ${id}.`);
    return p;
  }

  // ---------------------------------------------------------------------------------------------
  // Secrets: statuses for the renderer, values only for the driver.

  private async refreshSecretStatus(p: ProfileRow): Promise<SecretStatus[]> {
    // SSH passwords are needed by their hops; a key's passphrase only shows once one was given.
    const sshNeeded = sshSecretKindsOf(p.sshHops).filter((k) => k.startsWith('ssh-password:'));
    const kinds = new Set<SecretKind>([...neededSecretsOf(p.uri), ...sshNeeded, ...p.secretKinds]);
    const out: SecretStatus[] = [];
    for (const kind of orderedKinds(kinds)) {
      const known = this.unreadable.get(`${p.id}/${kind}`);
      if (known) {
        out.push({ kind, state: 'unreadable', reason: known });
        continue;
      }
      const r = await this.d.secrets.read(p.id, kind);
      if (r.state === 'set') out.push(r.persistent ? { kind, state: 'keychain' } : { kind, state: 'session', reason: this.sessionReason() });
      else if (r.state === 'missing') out.push({ kind, state: 'missing', ...(p.secretKinds.includes(kind) && !this.d.secrets.persistence.persistent ? { reason: `${this.sessionReason()}: enter it again` } : {}) });
      else {
        this.unreadable.set(`${p.id}/${kind}`, r.reason);
        out.push({ kind, state: 'unreadable', reason: r.reason });
      }
    }
    this.secretStatus.set(p.id, out);
    return out;
  }

  private sessionReason(): string {
    const s = this.d.secrets.persistence;
    return s.persistent ? 'kept for this session only' : s.reason;
  }

  /** The secrets a node needs, from the store; a required one that is missing or unreadable is an auth problem to fix in the editor. */
  private async loadSecrets(p: ProfileRow, form = formOf(p.uri)): Promise<NodeSecrets> {
    const out: NodeSecrets = {};
    const kinds = new Set<SecretKind>([...neededSecrets(form), ...p.secretKinds]);
    for (const kind of kinds) {
      if (isSshSecretKind(kind)) continue; // read by the tunnel when a hop asks for it
      const known = this.unreadable.get(`${p.id}/${kind}`);
      const r = known ? ({ state: 'unreadable', reason: known } as const) : await this.d.secrets.read(p.id, kind);
      if (r.state === 'set') {
        if (kind === 'mongodb-password') out.password = r.value;
        else if (kind === 'tls-key-password') out.tlsKeyPassword = r.value;
        else if (kind === 'aws-session-token') out.awsSessionToken = r.value;
        else if (kind === 'proxy-password') out.proxyPassword = r.value;
        continue;
      }
      if (r.state === 'unreadable' && !known) {
        this.unreadable.set(`${p.id}/${kind}`, r.reason);
        void this.refreshSecretStatus(p).then(() => this.changed());
      }
      if (requiredSecrets(form).includes(kind)) {
        const what = kind === 'mongodb-password' ? 'password' : kind;
        const why =
          r.state === 'unreadable'
            ? `the saved ${what} could not be read (${r.reason})`
            : this.d.secrets.persistence.persistent
              ? `no ${what} is saved for it`
              : `no ${what} was entered in this session (${this.d.secrets.persistence.reason})`;
        throw new BaleenError('E_AUTH', `Cannot log in to ${p.name}: ${why}. Enter it again in the connection editor.`, { reason: 'secret-missing', kind });
      }
    }
    return out;
  }

  /** Applies secret changes, each audited with its kind and where it went; never its value. */
  private async applySecrets(profileId: string, changes: Map<SecretKind, string | null>, actor: string, existing: readonly SecretKind[]): Promise<SecretKind[]> {
    const kinds = new Set(existing);
    for (const [kind, value] of changes) {
      if (value === null) {
        await this.d.audit.run({ action: 'secret.delete', target: `${profileId}/${kind}`, actor, details: { kind } }, () => this.d.secrets.delete(profileId, kind));
        kinds.delete(kind);
      } else {
        const action = kinds.has(kind) ? 'secret.change' : 'secret.add';
        await this.d.audit.run({ action, target: `${profileId}/${kind}`, actor, details: { kind } }, async () => {
          const where = await this.d.secrets.set(profileId, kind, value);
          if (!where.persistent) this.d.log.warn('a secret is kept for this session only', { account: `${profileId}/${kind}`, reason: where.reason });
        });
        kinds.add(kind);
      }
      this.unreadable.delete(`${profileId}/${kind}`);
    }
    return orderedKinds(kinds);
  }

  // ---------------------------------------------------------------------------------------------
  // Targets: URI or form, secrets, the TLS opt-in.

  private target(input: { uri?: string | undefined; secrets?: SecretsInput | undefined }): Target | null {
    let parsed: ParsedTarget | null = null;
    if (input.uri !== undefined) parsed = parseUri(input.uri);
    const changes = new Map<SecretKind, string | null>();
    if (parsed) for (const k of kindsOf(parsed)) changes.set(k, parsed.secrets[k]!);
    for (const [field, kind] of Object.entries(SECRET_FIELDS) as [Exclude<keyof SecretsInput, 'ssh'>, SecretKind][]) {
      const v = input.secrets?.[field];
      if (v !== undefined) changes.set(kind, v);
    }
    for (const h of input.secrets?.ssh ?? []) {
      if (h.password !== undefined) changes.set(sshSecretKind('password', h.hop), h.password);
      if (h.passphrase !== undefined) changes.set(sshSecretKind('passphrase', h.hop), h.passphrase);
    }
    if (!parsed && changes.size === 0) return null;
    return { parsed: parsed ?? undefined, secretChanges: changes };
  }

  /** Insecure TLS flags need the explicit opt-in (REL-M8); returns the flags now trusted. */
  private checkTrust(flags: InsecureTlsFlag[], confirmed: readonly InsecureTlsFlag[] | undefined): InsecureTlsFlag[] {
    const missing = flags.filter((f) => !(confirmed ?? []).includes(f));
    if (missing.length > 0) {
      throw new BaleenError(
        'E_INVALID_INPUT',
        `${missing.join(' and ')} turn${missing.length === 1 ? 's' : ''} off TLS certificate checks, which lets anyone in the middle read the traffic and the password. Confirm the opt-in explicitly to use ${missing.length === 1 ? 'it' : 'them'}.`,
        { reason: 'tls-opt-in-required', flags: missing },
      );
    }
    return flags;
  }

  private async newId(name: string): Promise<string> {
    for (;;) {
      const id = `${slug(name)}-${Math.floor(this.d.random() * 0xffff).toString(16).padStart(4, '0')}`;
      if (!this.d.config.getProfile(id)) return id;
    }
  }

  private defaultName(t: ParsedTarget): string {
    return t.form.replicaSet ?? t.form.hosts[0]!;
  }

  // ---------------------------------------------------------------------------------------------
  // Connecting: seeds (SRV), discovery, node rows, monitors.

  private clientOptions() {
    const s = this.d.settings;
    return { appName: s.appName, connectTimeoutMS: s.connectTimeoutMs, serverSelectionTimeoutMS: s.connectTimeoutMs, commandDeadlineMs: Math.max(s.deadlineMs, s.connectTimeoutMs) };
  }

  /** A plain mongodb:// base URI and its seeds (SRV resolved, cached for the session). */
  private async seedsOf(profileId: string | null, uri: string, signal?: AbortSignal): Promise<{ baseUri: string; seeds: string[] }> {
    if (!/^mongodb\+srv:/i.test(uri)) return { baseUri: uri, seeds: formOf(uri).hosts };
    const cached = profileId ? this.srvCache.get(profileId) : undefined;
    const base = cached ?? (await resolveSrvUri(uri, this.srv, signal)).uri;
    if (profileId) this.srvCache.set(profileId, base);
    return { baseUri: base, seeds: formOf(base).hosts };
  }

  gateFor(nodeId: NodeId): FeatureGate {
    let g = this.gates.get(nodeId);
    if (!g) {
      g = new FeatureGate(this.d.clock);
      g.onChange(() => this.changed());
      this.gates.set(nodeId, g);
    }
    return g;
  }

  /**
   * Finds the deployment from its seeds. Through SSH, every member (seeds and the members the set
   * config names) is reached by its real name through the route's dialer: the last hop resolves it.
   */
  private async openDeployment(
    p: { id: string; uri: string; discover: boolean },
    secrets: NodeSecrets,
    signal: AbortSignal,
    dial: Dialer,
    known?: ReadonlySet<string>,
    extraSeeds: string[] = [],
  ): Promise<DiscoveryResult> {
    const { baseUri, seeds } = await this.seedsOf(p.id, p.uri, signal);
    return discoverDeployment(
      [...extraSeeds, ...seeds.filter((s) => !extraSeeds.includes(s))],
      {
        open: (hostPort, sig) => NodeClient.connect({ baseUri, hostPort, secrets, dial }, this.clientOptions(), sig),
        gate: (hostPort) => this.gateFor(makeNodeId(p.id, hostPort)),
        deadlineMs: this.d.settings.connectTimeoutMs,
        now: () => this.d.clock.now(),
      },
      { discover: p.discover, ...(known ? { known } : {}) },
      signal,
    );
  }

  private nodeRows(profileId: string, found: readonly DiscoveredNode[]): { nodes: NodeRow[]; aliases: { alias: string; nodeId: NodeId; source: AliasSource }[] } {
    const nodes: NodeRow[] = [];
    const aliases: { alias: string; nodeId: NodeId; source: AliasSource }[] = [];
    for (const f of found) {
      const facts = f.hello ? nodeFacts(f.hostPort, f.hello, f.buildInfo) : { hostPort: f.hostPort, version: null, server: null, setName: null };
      const id = makeNodeId(profileId, f.hostPort);
      nodes.push({ id, connectionId: profileId, deployment: profileId, hostPort: f.hostPort, dialAddress: f.dialAddress, version: facts.version, server: facts.server, setName: facts.setName, monitoring: true, role: f.role, shard: f.shard ?? null });
      aliases.push({ alias: f.hostPort, nodeId: id, source: f.hello?.me ? 'hello.me' : 'seed' });
      if (f.dialAddress !== f.hostPort) aliases.push({ alias: f.dialAddress, nodeId: id, source: 'seed' });
      // Through SSH the socket went to a local forward: a name for this node, never its identity.
      const d = f.client?.dialled;
      if (d?.via?.startsWith('SSH ')) aliases.push({ alias: joinHostPort(d.host, d.port), nodeId: id, source: 'seed' });
    }
    return { nodes, aliases };
  }

  /** Reads what this user may do on a node (connectionStatus), keeping refusals seen within the hour. */
  private async readCapabilities(nodeId: NodeId, client: NodeClient, signal?: AbortSignal): Promise<void> {
    const gate = this.gateFor(nodeId);
    const opts = { deadlineMs: this.d.settings.deadlineMs, ...(signal ? { signal } : {}) };
    try {
      const status = await client.command({ connectionStatus: 1, showPrivileges: true }, opts);
      const m = matrixFromConnectionStatus(status, this.d.clock.now());
      if (m.users.length === 0) {
        // Nobody logged in: serverStatus answers whether the server enforces access control at all.
        try {
          await client.command({ serverStatus: 1 }, opts);
          gate.replace({ ...m, source: 'no-access-control', features: m.features.map((f) => ({ ...f, state: 'available', reason: 'the server does not enforce access control' })) });
        } catch (e) {
          if (!(e instanceof BaleenError && e.code === 'E_NOT_AUTHORIZED')) throw e;
          gate.replace({ ...m, features: m.features.map((f) => ({ ...f, state: 'unavailable', reason: 'not logged in, and the server requires authentication', unlockRole: 'clusterMonitor' })) });
        }
      } else gate.replace(m);
    } catch (e) {
      this.d.log.info('could not read privileges', { node: nodeId, code: e instanceof BaleenError ? e.code : 'E_INTERNAL' });
    }
  }

  /** Topology changes show in serverStatus.repl (setVersion, hosts): then the deployment is found again. */
  private instrument(profileId: string, nodeId: NodeId, client: NodeClient): void {
    client.observe((cmd, reply) => {
      if (!('serverStatus' in cmd)) return;
      this.gates.get(nodeId)?.succeeded('serverStatus');
      // serverStatus is read lean: `repl` may be raw BSON (bson/lean-reply.ts).
      const field = (k: string) => leanField(reply.repl, k);
      const setName = field('setName');
      if (typeof setName !== 'string') return;
      const p = this.d.config.getProfile(profileId);
      if (!p?.discover || !p.topology) return;
      const sets = [p.topology.replicaSet, ...p.topology.shards, p.topology.configServers].filter((s): s is NonNullable<typeof s> => s !== null);
      const known = sets.find((s) => s.name === setName);
      const rawVersion = field('setVersion');
      const version = toNumber(rawVersion) ?? NaN;
      const rawHosts = field('hosts');
      const hosts = rawHosts !== null && typeof rawHosts === 'object' ? leanValues(rawHosts).filter((h): h is string => typeof h === 'string').map((h) => canonicalHostPort(h)) : [];
      const members = new Set(known?.members.map((m) => m.hostPort) ?? []);
      if (!known || (Number.isFinite(version) && known.setVersion !== null && version !== known.setVersion) || hosts.some((h) => !members.has(h))) {
        this.triggerRediscovery(profileId);
      }
    });
  }

  private monitorFor(p: ProfileRow, n: NodeRow): NodeMonitor {
    let m = this.monitors.get(n.id);
    if (m) return m;
    m = new NodeMonitor({
      nodeId: n.id,
      hostPort: n.hostPort,
      serverLabel: () => serverLabel(this.d.config.getNode(n.id) ?? n),
      connect: (signal) => this.connectNode(p.id, n, signal),
      store: this.d.store,
      bus: this.d.bus,
      clock: this.d.clock,
      log: this.d.log.child('monitor'),
      scheduler: this.d.scheduler,
      intervalMs: this.d.settings.intervalMs,
      deadlineMs: this.d.settings.deadlineMs,
      phaseMs: Math.floor(this.d.random() * this.d.settings.intervalMs),
      onStatus: () => this.changed(),
      gate: this.gateFor(n.id),
    });
    this.monitors.set(n.id, m);
    return m;
  }

  private async connectNode(profileId: string, n: NodeRow, signal: AbortSignal): Promise<NodeClient> {
    const p = this.requireProfile(profileId);
    const secrets = await this.loadSecrets(p);
    const { baseUri } = await this.seedsOf(p.id, p.uri, signal);
    const client = await NodeClient.connect({ baseUri, hostPort: n.dialAddress, label: nodeLabel(n.hostPort, n.dialAddress), secrets, dial: this.dialFor(p) }, this.clientOptions(), signal);
    this.instrument(p.id, n.id, client);
    if (!this.gates.has(n.id) || this.gates.get(n.id)!.current.source === 'first-use') void this.readCapabilities(n.id, client);
    return client;
  }

  /** Saves discovered nodes and starts their monitors, handing over the clients discovery opened. */
  private startNodes(p: ProfileRow, found: readonly DiscoveredNode[], rows: readonly NodeRow[]): void {
    rows.forEach((n, i) => {
      const f = found[i]!;
      if (f.client) this.instrument(p.id, n.id, f.client);
      this.monitorFor(p, n).start(f.client ?? undefined);
    });
  }

  private closeClients(found: readonly DiscoveredNode[]): void {
    for (const f of found) void f.client?.close();
  }

  // ---------------------------------------------------------------------------------------------
  // Add, update, remove.

  async add(input: AddConnectionRequest, actor: string, signal: AbortSignal): Promise<ConnectionSummary> {
    const t = this.target(input);
    const parsed = t?.parsed;
    if (!t || !parsed) throw new BaleenError('E_INVALID_INPUT', 'Enter a mongodb:// URI.');
    const name = input.name?.trim() || this.defaultName(parsed);
    const id = await this.newId(name);
    const trusted = this.checkTrust(parsed.insecureTls, input.trustInsecureTls);
    const connect = input.connect ?? true;
    const discover = input.discover ?? false;
    const sshHops = input.sshHops ?? [];
    const secretsInUse = new Map([...t.secretChanges].filter((e): e is [SecretKind, string] => e[1] !== null));
    const form = parsed.form;
    const missing = requiredSecrets(form).filter((k) => !secretsInUse.has(k));
    if (connect && missing.length > 0) {
      throw new BaleenError('E_INVALID_INPUT', `Enter the password for ${form.auth.username ?? 'the user'} to connect (or save the connection without connecting).`, { reason: 'secret-missing', kinds: missing });
    }
    const sshMissing = sshHops.flatMap((h, i) => (h.auth === 'password' && !secretsInUse.has(sshSecretKind('password', i + 1)) ? [i + 1] : []));
    if (connect && sshMissing.length > 0) {
      throw new BaleenError('E_INVALID_INPUT', `Enter the SSH password for hop ${sshMissing.join(', ')} to connect (or save the connection without connecting).`, {
        reason: 'secret-missing',
        kinds: sshMissing.map((h) => sshSecretKind('password', h)),
      });
    }
    const details = { uri: parsed.safeUri, hosts: form.hosts, connect, discover, ...(trusted.length ? { insecureTls: trusted } : {}), secrets: [...secretsInUse.keys()] };
    return this.d.audit.run({ action: 'connection.add', target: id, actor, details }, async () => {
      if (trusted.length > 0) this.d.audit.record({ action: 'tls.trust_opt_in', target: id, actor, details: { flags: trusted } });
      const now = this.d.clock.now();
      const base: ProfileRow = {
        id,
        name,
        uri: parsed.safeUri,
        createdAt: now,
        monitoring: connect,
        group: input.group?.trim() || null,
        tags: input.tags ?? [],
        color: input.color ?? null,
        trustedInsecureTls: trusted,
        sshHops,
        discover,
        secretKinds: [],
        updatedAt: now,
        topology: null,
      };
      if (!connect) {
        this.d.config.saveProfile(base, [], []);
        const kinds = await this.applySecrets(id, t.secretChanges, actor, []);
        this.d.config.updateProfile(id, { secretKinds: kinds });
        await this.refreshSecretStatus(this.requireProfile(id));
        this.changed();
        return this.summary(this.requireProfile(id));
      }
      // SSH secrets reach the tunnel from here until the add has worked and they are in the store.
      this.sshOverrides.set(id, new Map(t.secretChanges));
      let found: DiscoveryResult;
      try {
        const route = this.routeFor(base);
        await this.openRoute(route, actor, signal);
        found = await this.openDeployment(base, nodeSecrets(secretsInUse), signal, route?.dial ?? this.dial);
      } catch (e) {
        this.sshOverrides.delete(id);
        await this.closeRoute(id);
        throw e;
      }
      try {
        const { nodes, aliases } = this.nodeRows(id, found.nodes);
        for (const n of found.nodes) if (n.client) await this.readCapabilities(makeNodeId(id, n.hostPort), n.client, signal);
        const profile: ProfileRow = { ...base, topology: found.topology };
        // The secrets go to the store only once the connection has worked: a failed add saves nothing.
        const kinds = await this.applySecrets(id, t.secretChanges, actor, []);
        this.sshOverrides.delete(id);
        this.d.config.saveProfile({ ...profile, secretKinds: kinds }, nodes, aliases);
        this.startNodes(profile, found.nodes, nodes);
        this.armRediscovery(profile);
        await this.refreshSecretStatus(this.requireProfile(id));
        this.changed();
        return this.summary(this.requireProfile(id));
      } catch (e) {
        this.closeClients(found.nodes);
        for (const n of found.nodes) this.gates.delete(makeNodeId(id, n.hostPort));
        this.sshOverrides.delete(id);
        await this.closeRoute(id);
        throw e;
      }
    });
  }

  async update(input: UpdateConnectionRequest, actor: string, signal: AbortSignal): Promise<ConnectionSummary> {
    const p = this.requireProfile(input.id);
    const t = this.target(input);
    const targetChanged = t?.parsed !== undefined && t.parsed.safeUri !== p.uri;
    const parsed = t?.parsed ?? null;
    const flags = parsed ? parsed.insecureTls : safeInsecure(p.uri);
    const confirmed = input.trustInsecureTls ?? (targetChanged ? [] : p.trustedInsecureTls);
    const trusted = this.checkTrust(flags, confirmed);
    const newlyTrusted = trusted.filter((f) => !p.trustedInsecureTls.includes(f));
    const changedFields = [
      ...(input.name !== undefined && input.name.trim() !== p.name ? ['name'] : []),
      ...(input.group !== undefined ? ['group'] : []),
      ...(input.tags !== undefined ? ['tags'] : []),
      ...(input.color !== undefined ? ['color'] : []),
      ...(targetChanged ? ['uri'] : []),
      ...(input.discover !== undefined && input.discover !== p.discover ? ['discover'] : []),
      ...(input.sshHops !== undefined ? ['sshHops'] : []),
      ...(newlyTrusted.length ? ['trustInsecureTls'] : []),
      ...(t && t.secretChanges.size > 0 ? ['secrets'] : []),
    ];
    const details = { changed: changedFields, uri: parsed?.safeUri ?? p.uri, ...(newlyTrusted.length ? { insecureTls: newlyTrusted } : {}) };
    return this.d.audit.run({ action: 'connection.update', target: p.id, actor, details }, async () => {
      if (newlyTrusted.length > 0) this.d.audit.record({ action: 'tls.trust_opt_in', target: p.id, actor, details: { flags: newlyTrusted } });
      const next: ProfileRow = {
        ...p,
        ...(input.name?.trim() ? { name: input.name.trim() } : {}),
        ...(input.group !== undefined ? { group: input.group.trim() || null } : {}),
        ...(input.tags !== undefined ? { tags: input.tags } : {}),
        ...(input.color !== undefined ? { color: input.color } : {}),
        ...(parsed ? { uri: parsed.safeUri } : {}),
        ...(input.discover !== undefined ? { discover: input.discover } : {}),
        ...(input.sshHops !== undefined ? { sshHops: input.sshHops } : {}),
        trustedInsecureTls: trusted,
        updatedAt: this.d.clock.now(),
      };
      const hopsChanged = input.sshHops !== undefined && JSON.stringify(input.sshHops) !== JSON.stringify(p.sshHops);
      const reconnect = p.monitoring && (targetChanged || hopsChanged);
      const changes = new Map(t?.secretChanges ?? []);
      if (hopsChanged) {
        // Secrets of hops that are gone (or no longer use them) are deleted, not left behind.
        const still = new Set(sshSecretKindsOf(next.sshHops));
        for (const k of p.secretKinds) if (isSshSecretKind(k) && !still.has(k) && !changes.has(k)) changes.set(k, null);
      }
      let found: DiscoveryResult | null = null;
      let trial: SshRoute | null = null;
      if (reconnect) {
        // The new target is tried before anything is changed: a failed edit loses nothing.
        const merged = await this.mergedSecrets(p, changes);
        const missing = requiredSecrets(formOf(next.uri)).filter((k) => merged[fieldOf(k)] === undefined);
        if (missing.length > 0) throw new BaleenError('E_INVALID_INPUT', 'Enter the password to connect with the changed settings.', { reason: 'secret-missing', kinds: missing });
        this.sshOverrides.set(p.id, changes);
        try {
          trial = next.sshHops.length > 0 ? this.makeRoute(p.id, next.sshHops) : null;
          await this.openRoute(trial, actor, signal);
          found = await this.openDeployment(next, merged, signal, trial?.dial ?? this.dial);
        } catch (e) {
          this.sshOverrides.delete(p.id);
          await trial?.close();
          throw e;
        }
      }
      try {
        const kinds = changes.size > 0 ? await this.applySecrets(p.id, changes, actor, p.secretKinds) : p.secretKinds;
        this.sshOverrides.delete(p.id);
        if (targetChanged || (reconnect && found)) {
          for (const n of this.d.config.nodesOf(p.id)) {
            await this.monitors.get(n.id)?.stop('Connection settings changed');
            this.monitors.delete(n.id);
          }
          this.srvCache.delete(p.id);
          this.d.config.deleteNodesOf(p.id);
        }
        if (reconnect) {
          const old = this.routes.get(p.id);
          if (trial) this.routes.set(p.id, trial);
          else this.routes.delete(p.id);
          if (old && old !== trial) await old.close();
        } else if (hopsChanged) await this.closeRoute(p.id);
        this.d.config.updateProfile(p.id, { ...next, secretKinds: kinds, ...(targetChanged ? { topology: found?.topology ?? null } : {}) });
        const saved = this.requireProfile(p.id);
        if (found) {
          const { nodes, aliases } = this.nodeRows(p.id, found.nodes);
          for (const n of found.nodes) if (n.client) await this.readCapabilities(makeNodeId(p.id, n.hostPort), n.client, signal);
          this.d.config.addNodes(nodes, aliases);
          this.d.config.updateProfile(p.id, { topology: found.topology });
          this.startNodes(this.requireProfile(p.id), found.nodes, nodes);
        } else if (saved.monitoring && changes.size > 0) {
          // New credentials: the tunnel and every node log in again now rather than at their next backoff step.
          const route = this.routes.get(p.id);
          if (route && route.tunnel.status.state !== 'ready' && [...changes.keys()].some(isSshSecretKind)) void route.tunnel.retry(actor).catch(() => undefined);
          for (const n of this.d.config.nodesOf(p.id)) this.monitors.get(n.id)?.recheck();
        }
        if (input.discover === true && !p.discover && saved.monitoring && !targetChanged) void this.rediscover(p.id, 'system', new AbortController().signal).catch(() => undefined);
        this.armRediscovery(this.requireProfile(p.id));
        await this.refreshSecretStatus(this.requireProfile(p.id));
        this.changed();
        return this.summary(this.requireProfile(p.id));
      } catch (e) {
        if (found) this.closeClients(found.nodes);
        this.sshOverrides.delete(p.id);
        if (trial && this.routes.get(p.id) !== trial) await trial.close();
        throw e;
      }
    });
  }

  private async mergedSecrets(p: ProfileRow, changes: Map<SecretKind, string | null>): Promise<NodeSecrets> {
    const out: NodeSecrets = {};
    for (const kind of ['mongodb-password', 'tls-key-password', 'aws-session-token', 'proxy-password'] as const) {
      const change = changes.get(kind);
      if (change === null) continue;
      const value = change ?? (this.unreadable.has(`${p.id}/${kind}`) ? undefined : await this.d.secrets.read(p.id, kind).then((r) => (r.state === 'set' ? r.value : undefined)));
      if (value !== undefined) out[fieldOf(kind)] = value;
    }
    return out;
  }

  async remove(id: string, actor: string): Promise<boolean> {
    const p = this.d.config.getProfile(id);
    if (!p) return false;
    return this.d.audit.run({ action: 'connection.remove', target: id, actor, details: { uri: p.uri } }, async () => {
      this.disarmRediscovery(id);
      for (const n of this.d.config.nodesOf(id)) {
        await this.monitors.get(n.id)?.stop('Connection removed');
        this.monitors.delete(n.id);
        this.gates.delete(n.id);
      }
      await this.closeRoute(id);
      const kinds = new Set<SecretKind>([...p.secretKinds, ...neededSecretsOf(p.uri), ...sshSecretKindsOf(p.sshHops)]);
      for (const kind of kinds) {
        await this.d.audit.run({ action: 'secret.delete', target: `${id}/${kind}`, actor, details: { kind } }, () => this.d.secrets.delete(id, kind)).catch(() => undefined);
        this.unreadable.delete(`${id}/${kind}`);
      }
      this.secretStatus.delete(id);
      this.srvCache.delete(id);
      const removed = this.d.config.deleteProfile(id);
      this.changed();
      return removed;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Connect, disconnect, rediscover.

  async connect(id: string, actor: string, signal: AbortSignal): Promise<ConnectionSummary> {
    const p = this.requireProfile(id);
    return this.d.audit.run({ action: 'connection.connect', target: id, actor, details: { uri: p.uri } }, async () => {
      this.checkTrust(safeInsecure(p.uri), p.trustedInsecureTls);
      const existing = this.d.config.nodesOf(id);
      // Through SSH the tunnel opens first: a host key to trust or a login that fails is said now.
      const route = this.routeFor(p);
      try {
        await this.openRoute(route, actor, signal);
      } catch (e) {
        if (!p.monitoring) await this.closeRoute(id);
        throw e;
      }
      if (existing.length === 0) {
        const secrets = await this.loadSecrets(p);
        const found = await this.openDeployment(p, secrets, signal, route?.dial ?? this.dial);
        try {
          const { nodes, aliases } = this.nodeRows(id, found.nodes);
          for (const n of found.nodes) if (n.client) await this.readCapabilities(makeNodeId(id, n.hostPort), n.client, signal);
          this.d.config.addNodes(nodes, aliases);
          this.d.config.updateProfile(id, { monitoring: true, topology: found.topology });
          this.startNodes(this.requireProfile(id), found.nodes, nodes);
        } catch (e) {
          this.closeClients(found.nodes);
          throw e;
        }
      } else {
        this.d.config.updateProfile(id, { monitoring: true });
        const fresh = this.requireProfile(id);
        for (const n of existing) {
          this.d.config.setNodeMonitoring(n.id, true);
          this.monitorFor(fresh, n).start();
        }
      }
      this.armRediscovery(this.requireProfile(id));
      this.changed();
      return this.summary(this.requireProfile(id));
    });
  }

  /** A deliberate disconnect: no reconnect afterwards (REL-S8) until the user connects again. */
  async disconnect(id: string, actor: string): Promise<ConnectionSummary> {
    const p = this.requireProfile(id);
    return this.d.audit.run({ action: 'connection.disconnect', target: id, actor, details: { uri: p.uri } }, async () => {
      this.disarmRediscovery(id);
      // A rediscovery already running would start monitors again: let it finish first.
      await this.rediscovering.get(id);
      this.d.config.updateProfile(id, { monitoring: false });
      for (const n of this.d.config.nodesOf(id)) {
        await this.monitors.get(n.id)?.stop('Disconnected');
        this.monitors.delete(n.id);
      }
      // The tunnel closes with the last monitor: a closed tunnel never reconnects on its own (REL-S8).
      await this.closeRoute(id);
      this.changed();
      return this.summary(this.requireProfile(id));
    });
  }

  private armRediscovery(p: ProfileRow): void {
    this.disarmRediscovery(p.id);
    if (!p.discover || !p.monitoring || this.disposed) return;
    const ms = this.d.settings.rediscoverMs ?? DEFAULT_REDISCOVER_MS;
    this.rediscoverTimers.set(
      p.id,
      this.d.clock.setTimeout(() => {
        this.rediscoverTimers.delete(p.id);
        void this.rediscover(p.id, 'system', new AbortController().signal)
          .catch((e: unknown) => this.d.log.info('rediscovery failed', { connection: p.id, code: e instanceof BaleenError ? e.code : 'E_INTERNAL' }))
          .finally(() => {
            const fresh = this.d.config.getProfile(p.id);
            if (fresh) this.armRediscovery(fresh);
          });
      }, ms),
    );
  }

  private disarmRediscovery(id: string): void {
    this.rediscoverTimers.get(id)?.cancel();
    this.rediscoverTimers.delete(id);
  }

  /** A member changed (hello / serverStatus.repl): find the deployment again, once, soon. */
  private triggerRediscovery(profileId: string): void {
    if (this.triggered.has(profileId) || this.rediscovering.has(profileId) || this.disposed) return;
    this.triggered.add(profileId);
    this.d.clock.setTimeout(() => {
      this.triggered.delete(profileId);
      if (this.disposed) return;
      void this.rediscover(profileId, 'system', new AbortController().signal).catch((e: unknown) =>
        this.d.log.info('rediscovery failed', { connection: profileId, code: e instanceof BaleenError ? e.code : 'E_INTERNAL' }),
      );
    }, 250);
  }

  async rediscover(id: string, actor: string, signal: AbortSignal): Promise<ConnectionSummary> {
    const running = this.rediscovering.get(id);
    if (running) {
      await running.catch(() => undefined);
      return this.summary(this.requireProfile(id));
    }
    const work = this.doRediscover(id, actor, signal);
    this.rediscovering.set(
      id,
      work.then(
        () => undefined,
        () => undefined,
      ),
    );
    try {
      await work;
      return this.summary(this.requireProfile(id));
    } finally {
      this.rediscovering.delete(id);
    }
  }

  private async doRediscover(id: string, actor: string, signal: AbortSignal): Promise<void> {
    const p = this.requireProfile(id);
    if (!p.monitoring) throw new BaleenError('E_INVALID_INPUT', `${p.name} is disconnected: connect it first.`);
    await this.d.audit.run({ action: 'connection.rediscover', target: id, actor, details: { uri: p.uri } }, async () => {
      const existing = this.d.config.nodesOf(id);
      const known = new Set(existing.map((n) => n.hostPort));
      const secrets = await this.loadSecrets(p);
      const found = await this.openDeployment({ ...p, discover: true }, secrets, signal, this.dialFor(p), known, existing.map((n) => n.dialAddress));
      const fresh = found.nodes.filter((n) => !known.has(n.hostPort));
      const stale = found.nodes.filter((n) => known.has(n.hostPort));
      this.closeClients(stale);
      const { nodes, aliases } = this.nodeRows(id, fresh);
      for (const n of fresh) if (n.client) await this.readCapabilities(makeNodeId(id, n.hostPort), n.client, signal);
      this.d.config.addNodes(nodes, aliases);
      const members = new Set(allMembers(found.topology).map((m) => m.hostPort));
      for (const n of existing) {
        const f = found.nodes.find((x) => x.hostPort === n.hostPort);
        if (f && f.role !== 'UNKNOWN') this.d.config.setNodeRole(n.id, f.role, f.shard ?? n.shard ?? null);
        if (!members.has(n.hostPort) && n.monitoring && found.topology.kind !== 'standalone') {
          // Removed from the set: stop polling it, keep its history.
          await this.monitors.get(n.id)?.stop('No longer a member of the deployment');
          this.monitors.delete(n.id);
          this.d.config.setNodeMonitoring(n.id, false);
          this.d.config.setNodeRole(n.id, 'REMOVED', n.shard ?? null);
        }
      }
      this.d.config.updateProfile(id, { topology: mergeKnownStates(found.topology, existing) });
      this.startNodes(this.requireProfile(id), fresh, nodes);
    });
    this.changed();
  }

  // ---------------------------------------------------------------------------------------------
  // Monitoring switches and features.

  private requireNode(nodeId: NodeId): { p: ProfileRow; n: NodeRow } {
    const n = this.d.config.getNode(nodeId);
    const p = n && this.d.config.getProfile(n.connectionId);
    if (!n || !p) throw new BaleenError('E_NOT_FOUND', `No node ${nodeId}.`);
    return { p, n };
  }

  async startMonitoring(nodeId: NodeId, actor: string): Promise<NodeSummary> {
    const { p, n } = this.requireNode(nodeId);
    await this.d.audit.run({ action: 'monitoring.start', target: nodeId, actor }, async () => {
      this.d.config.setNodeMonitoring(nodeId, true);
      if (!p.monitoring) this.d.config.updateProfile(p.id, { monitoring: true });
      this.monitorFor(p, n).start();
    });
    this.changed();
    return this.nodeSummary(this.d.config.getNode(nodeId)!);
  }

  async stopMonitoring(nodeId: NodeId, actor: string): Promise<NodeSummary> {
    this.requireNode(nodeId);
    await this.d.audit.run({ action: 'monitoring.stop', target: nodeId, actor }, async () => {
      this.d.config.setNodeMonitoring(nodeId, false);
      await this.monitors.get(nodeId)?.stop();
    });
    this.changed();
    return this.nodeSummary(this.d.config.getNode(nodeId)!);
  }

  capabilities(nodeId: NodeId): CapabilityMatrix {
    this.requireNode(nodeId);
    return this.gateFor(nodeId).current;
  }

  /**
   * Runs one privileged feature on a node through its gate (REL-M5): a code-13 refusal turns the
   * feature off with the reason and it is tried again at most once an hour; the node stays up.
   */
  async runFeature<T>(nodeId: NodeId, feature: Parameters<FeatureGate['run']>[0], fn: (client: NodeClient) => Promise<T>, signal: AbortSignal): Promise<T> {
    const { p, n } = this.requireNode(nodeId);
    return this.gateFor(nodeId).run(feature, async () => {
      const client = await this.connectNode(p.id, n, signal);
      try {
        return await fn(client);
      } finally {
        await client.close();
      }
    });
  }

  /**
   * After sleep/resume: every SSH tunnel that is down tries again now (one attempt each, which the
   * nodes behind it join), and every monitored node is checked right away, not at its next backoff
   * step (REL-S3).
   */
  /**
   * The SSH session source behind a node (its profile's tunnel; commands run on the last hop, normally the
   * database host), for allowlisted host commands such as following a log or fetching diagnostic.data.
   * Null when the node is not reached through SSH.
   */
  sshExecSource(nodeId: NodeId): ExecSessionSource | null {
    const n = this.d.config.getNode(nodeId);
    const p = n && this.d.config.getProfile(n.connectionId);
    return p ? (this.routeFor(p)?.tunnel ?? null) : null;
  }

  recheckAll(): void {
    this.tunnels.recheckAll();
    for (const m of this.monitors.values()) m.recheck();
  }

  monitor(nodeId: NodeId): NodeMonitor | undefined {
    return this.monitors.get(nodeId);
  }

  // ---------------------------------------------------------------------------------------------
  // Parse, test.

  parse(input: { uri?: string | undefined; form?: ConnectionForm | undefined }): ParseResult {
    const t = input.uri !== undefined ? parseUri(input.uri) : fromForm(input.form!);
    return { form: t.form, uri: t.safeUri, carriesSecrets: kindsOf(t), needsSecrets: neededSecrets(t.form), insecureTls: insecureFlags(t.form), notes: t.notes };
  }

  async test(input: TestConnectionRequest, actor: string, signal: AbortSignal): Promise<TestResult> {
    const saved = input.id !== undefined ? this.requireProfile(input.id) : null;
    const t = this.target(input);
    const parsed = t?.parsed ?? (saved ? parseUri(saved.uri) : null);
    if (!parsed) throw new BaleenError('E_INVALID_INPUT', 'Enter a URI or fill in the form to test.');
    const flags = parsed.insecureTls;
    this.checkTrust(flags, input.trustInsecureTls ?? (saved && (!t?.parsed || t.parsed.safeUri === saved.uri) ? saved.trustedInsecureTls : []));
    const secrets = saved ? await this.mergedSecrets(saved, t?.secretChanges ?? new Map()) : nodeSecrets(new Map([...(t?.secretChanges ?? new Map())].filter((e): e is [SecretKind, string] => e[1] !== null)));
    const target = {
      safeUri: parsed.safeUri,
      form: parsed.form,
      secrets,
      sshHops: input.sshHops ?? saved?.sshHops ?? [],
      discover: input.discover ?? saved?.discover ?? false,
    };
    const audited = {
      action: 'connection.test',
      target: saved?.id ?? 'unsaved',
      actor,
      details: { uri: parsed.safeUri, hosts: parsed.form.hosts, ...(target.sshHops.length ? { ssh: describeHops(target.sshHops) } : {}) },
    };
    // Through SSH the test builds its own tunnel (never the monitors' one), so each hop is really
    // dialled and timed now; it is closed when the test ends.
    const testSsh = target.sshHops.length > 0 ? this.testTunnel(saved?.id ?? null, target.sshHops, t?.secretChanges ?? new Map()) : null;
    let result: TestResult | undefined;
    try {
      return await this.d.audit.run(audited, async () => {
        const dial = testSsh?.route?.dial ?? this.dial;
        result = await runConnectionTest(
          target,
          {
            dial,
            lookup: this.lookup,
            srv: this.srv,
            clock: this.d.clock,
            connectTimeoutMs: this.d.settings.connectTimeoutMs,
            deadlineMs: this.d.settings.connectTimeoutMs,
            open: (baseUri, hostPort, s, sig) => NodeClient.connect({ baseUri, hostPort, secrets: s, dial }, this.clientOptions(), sig),
            ...(testSsh ? { ssh: testSsh.deps(actor) } : {}),
          },
          signal,
        );
        if (!result.ok) {
          const failed = result.steps.find((s) => s.status === 'failed');
          // Recorded as a failed outcome in the audit log; the caller still gets the full result.
          throw new BaleenError(failed?.code ?? 'E_UNREACHABLE', `${failed?.label ?? 'A step'} failed: ${failed?.detail ?? ''}`);
        }
        return result;
      });
    } catch (e) {
      if (result && !result.ok) return result;
      throw e;
    } finally {
      await testSsh?.route?.close();
    }
  }

  /** A private tunnel for one connection test: the unsaved secrets first, then the keychain. */
  private testTunnel(profileId: string | null, hops: readonly SshHop[], changes: ReadonlyMap<SecretKind, string | null>) {
    let onHop: ((t: HopTiming) => void) | undefined;
    let route: SshRoute | null = null;
    let prepared: unknown = null;
    try {
      const secrets = sshSecretsPort({
        profileId,
        store: this.d.secrets,
        override: (k) => (changes.has(k) ? { value: changes.get(k)! } : undefined),
        ask: (req, sig) => this.prompts.ask(profileId ?? 'unsaved', req, sig),
      });
      const tunnel = this.newTunnel(`test:${profileId ?? 'unsaved'}`, hopSpecsOf(hops, this.d.ssh.agentSocket), secrets, { onHop: (t) => onHop?.(t) });
      route = new SshRoute(profileId ?? 'unsaved', JSON.stringify(hops), { tunnel, release: () => tunnel.close() }, { clock: this.d.clock, deadlineMs: this.d.settings.connectTimeoutMs, describe: describeHops(hops), onStatus: () => undefined });
    } catch (e) {
      // A hop that cannot be set up (the agent missing) fails as that hop's step.
      prepared = e;
    }
    return {
      route,
      deps: (actor: string) => ({
        prepare: () => {
          if (!route) throw prepared;
        },
        open: async (fn: (t: HopTiming) => void, signal: AbortSignal) => {
          if (!route) throw prepared;
          onHop = fn;
          await route.tunnel.open(actor, signal);
        },
        connect: (host: string, port: number, signal: AbortSignal) => route!.tunnel.connect(host, port, { deadlineMs: this.d.settings.connectTimeoutMs, signal }),
      }),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // SSH host keys, keyboard-interactive answers, ssh config import.

  /**
   * The pre-flight (SEC-S1): the server's host key, fetched with a handshake that stops before any
   * authentication, and what the user's known_hosts and Baleen's pins say about it.
   */
  async checkHostKey(input: { host: string; port: number; hostKeyAlias?: string | undefined }, signal: AbortSignal): Promise<HostKeyCheck> {
    const started = this.d.clock.monotonic();
    const challenge = await fetchHostKey(input.host, input.port, { clock: this.d.clock, timeoutMs: this.d.settings.connectTimeoutMs, signal });
    // Checked under the name the tunnel will use: the HostKeyAlias (port 22, as OpenSSH does), else host:port.
    const target = input.hostKeyAlias ? { host: input.hostKeyAlias, port: 22 } : { host: input.host, port: input.port };
    const blob = Buffer.from(challenge.key, 'base64');
    const d = await this.d.ssh.verifier.check(target, { type: challenge.keyType, blob });
    const ms = Math.round(this.d.clock.monotonic() - started);
    if (d.verdict === 'trusted') return { verdict: 'trusted', challenge: { ...challenge, host: target.host.toLowerCase(), port: target.port }, via: d.via, ms };
    return { verdict: d.verdict, challenge: d.challenge, ...(d.verdict === 'changed' ? { previous: d.previous } : {}), ms };
  }

  /** SEC-S1: the user accepted an unknown key (audited); tunnels waiting for it try again now. */
  async trustHostKey(challenge: HostKeyChallenge, actor: string): Promise<HostKeyPinned> {
    const pin = await this.d.ssh.verifier.trust(challenge, actor);
    this.retryHostKeyWaits(actor);
    return pinned(pin);
  }

  /** SEC-S2: the user, shown both fingerprints, replaces a changed key (audited); tunnels waiting for it try again. */
  async replaceHostKey(challenge: HostKeyChallenge, previousFingerprint: string, actor: string): Promise<HostKeyPinned> {
    const pin = await this.d.ssh.verifier.replace({ ...challenge, previousFingerprint }, actor);
    this.retryHostKeyWaits(actor);
    return pinned(pin);
  }

  private retryHostKeyWaits(actor: string): void {
    for (const r of this.routes.values()) {
      const st = r.tunnel.status.state;
      if (st === 'host-key-unknown' || st === 'host-key-changed' || st === 'host-key-revoked') void r.tunnel.retry(actor).catch(() => undefined);
    }
  }

  answerSshPrompt(id: string, answers: string[] | null): { accepted: boolean } {
    return { accepted: this.prompts.answer(id, answers) };
  }

  /** Hops from ~/.ssh/config by alias: ProxyJump chains in order, and what could not be carried over. */
  async importSshConfig(input: { alias: string; path?: string | undefined }): Promise<ImportSshConfigResult> {
    const path = input.path ?? this.d.ssh.sshConfigFile;
    if (!path) throw new BaleenError('E_NOT_FOUND', 'No ssh config file is known on this machine.');
    const opts = { home: this.d.ssh.home, localUser: this.d.ssh.localUser, authSock: this.d.ssh.agentSocket ?? undefined };
    const config = await loadSshConfig(path, { home: this.d.ssh.home });
    const imported = importHopChain(config, input.alias, opts);
    const notes: string[] = [];
    const hops: SshHop[] = imported.hops.map((h, i) => {
      const files = h.auth.identityFiles ?? [];
      const explicit = files.filter((f) => f.required);
      const methods = h.auth.methods ?? [];
      let auth: SshHop['auth'];
      let keyFile: string | undefined;
      if (explicit.length > 0) {
        auth = 'key';
        keyFile = explicit[0]!.path;
        if (explicit.length > 1) notes.push(`Hop ${i + 1} (${h.label ?? h.host}): ${explicit.length} IdentityFile entries; Baleen uses the first, ${keyFile}.`);
      } else if (h.auth.agent && methods.includes('agent')) auth = 'agent';
      else if (methods.includes('keyboard-interactive') && !methods.includes('password')) auth = 'keyboard-interactive';
      else if (methods.includes('password')) auth = 'password';
      else {
        auth = 'agent';
        notes.push(`Hop ${i + 1} (${h.label ?? h.host}): no IdentityFile and no agent; choose how it logs in.`);
      }
      return {
        host: h.host,
        port: h.port,
        username: h.username,
        auth,
        ...(keyFile ? { keyFile } : {}),
        ...(h.label ? { label: h.label } : {}),
        ...(h.hostKeyAlias ? { hostKeyAlias: h.hostKeyAlias } : {}),
      };
    });
    if (hops.length > MAX_SSH_HOPS) throw new BaleenError('E_UNSUPPORTED', `${input.alias} goes through ${hops.length} hops; Baleen supports at most ${MAX_SSH_HOPS}.`);
    return { hops, warnings: imported.warnings.map((w) => `${w.source} line ${w.line}: ${w.message}`), notes };
  }

  // ---------------------------------------------------------------------------------------------
  // Import, export (SEC-C5).

  async importProfiles(input: ImportRequest, actor: string): Promise<ImportResult> {
    return this.d.audit.run({ action: 'profiles.import', target: 'profiles', actor, details: { format: input.format, bytes: input.content.length, withPassphrase: input.passphrase !== undefined } }, async () => {
      const parsed = await parseImport(input);
      const out: ImportResult = { imported: [], skipped: [...parsed.skipped], secretsImported: 0, notes: [...parsed.notes] };
      let resetTrust = 0;
      for (const [i, entry] of parsed.profiles.entries()) {
        let target: ParsedTarget;
        try {
          target = parseUri(entry.uri);
        } catch (e) {
          out.skipped.push({ entry: entry.entry, ...(entry.name ? { name: entry.name } : {}), reason: e instanceof BaleenError ? e.message : 'not a valid URI' });
          continue;
        }
        const name = entry.name.trim() || this.defaultName(target);
        const id = await this.newId(name);
        const now = this.d.clock.now();
        if (target.insecureTls.length > 0) resetTrust++;
        this.d.config.saveProfile(
          {
            id,
            name,
            uri: target.safeUri,
            createdAt: now,
            monitoring: false,
            group: entry.group ?? null,
            tags: entry.tags ?? [],
            color: entry.color ?? null,
            // An opt-in is the importing user's decision, never the file's.
            trustedInsecureTls: [],
            sshHops: entry.sshHops ?? [],
            discover: entry.discover ?? false,
            secretKinds: [],
            updatedAt: now,
          },
          [],
          [],
        );
        const changes = new Map<SecretKind, string | null>(Object.entries(target.secrets) as [SecretKind, string][]);
        for (const s of parsed.secrets) if (s.profile === i) changes.set(s.kind, s.value);
        const kinds = await this.applySecrets(id, changes, actor, []);
        out.secretsImported += changes.size;
        this.d.config.updateProfile(id, { secretKinds: kinds });
        await this.refreshSecretStatus(this.requireProfile(id));
        out.imported.push({ id, name });
      }
      if (resetTrust > 0) out.notes.push(`${resetTrust} connection(s) turn off TLS certificate checks: confirm that opt-in in the editor before connecting.`);
      this.changed();
      return out;
    });
  }

  async exportProfiles(input: ExportRequest, actor: string): Promise<ExportResult> {
    const all = this.d.config.listProfiles();
    const chosen = input.ids ? all.filter((p) => input.ids!.includes(p.id)) : all;
    if (input.ids && chosen.length !== input.ids.length) throw new BaleenError('E_NOT_FOUND', 'Some of the connections to export no longer exist.');
    const encrypted = input.passphrase !== undefined;
    return this.d.audit.run({ action: 'profiles.export', target: 'profiles', actor, details: { profiles: chosen.length, encrypted } }, async () => {
      const profiles: TransferProfile[] = chosen.map((p) => ({
        name: p.name,
        ...(p.group ? { group: p.group } : {}),
        ...(p.tags.length ? { tags: p.tags } : {}),
        ...(p.color ? { color: p.color } : {}),
        uri: p.uri,
        ...(p.trustedInsecureTls.length ? { trustInsecureTls: p.trustedInsecureTls } : {}),
        ...(p.sshHops.length ? { sshHops: p.sshHops } : {}),
        ...(p.discover ? { discover: true } : {}),
      }));
      const secrets: TransferSecret[] = [];
      if (encrypted) {
        for (const [i, p] of chosen.entries()) {
          for (const kind of p.secretKinds) {
            if (this.unreadable.has(`${p.id}/${kind}`)) continue;
            const r = await this.d.secrets.read(p.id, kind);
            if (r.state === 'set') secrets.push({ profile: i, kind, value: r.value });
          }
        }
      }
      const built = await buildExport(profiles, secrets, input.passphrase, new Date(this.d.clock.now()));
      const stamp = new Date(this.d.clock.now()).toISOString().slice(0, 10);
      return { filename: `baleen-connections-${stamp}${encrypted ? '-encrypted' : ''}.json`, content: built.content, profiles: profiles.length, secretsIncluded: built.secretsIncluded, encrypted };
    });
  }

  /** Stops every monitor without recording a user stop (Baleen is quitting; the next start records the gap). */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const t of this.rediscoverTimers.values()) t.cancel();
    this.rediscoverTimers.clear();
    await Promise.all([...this.rediscovering.values()]);
    await this.d.scheduler.dispose();
    await Promise.all([...this.monitors.values()].map((m) => m.stop('Baleen stopped')));
    this.monitors.clear();
    this.prompts.dispose();
    this.routes.clear();
    await this.tunnels.dispose();
  }
}

const NODE_SECRET_FIELDS: Partial<Record<SecretKind, keyof NodeSecrets>> = {
  'mongodb-password': 'password',
  'tls-key-password': 'tlsKeyPassword',
  'aws-session-token': 'awsSessionToken',
  'proxy-password': 'proxyPassword',
};

function fieldOf(kind: SecretKind): keyof NodeSecrets {
  return NODE_SECRET_FIELDS[kind] ?? 'password';
}

function nodeSecrets(values: Map<SecretKind, string>): NodeSecrets {
  const out: NodeSecrets = {};
  for (const [k, v] of values) {
    const f = NODE_SECRET_FIELDS[k];
    if (f) out[f] = v;
  }
  return out;
}

/** MongoDB kinds in their fixed order, then SSH kinds by hop. */
function orderedKinds(kinds: Iterable<SecretKind>): SecretKind[] {
  const all = [...kinds];
  const ssh = all.filter(isSshSecretKind).sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1]) || a.localeCompare(b));
  return [...SECRET_KINDS.filter((k) => all.includes(k)), ...ssh];
}

const pinned = (p: HostKeyPin): HostKeyPinned => ({ host: p.host, port: p.port, keyType: p.key.type, fingerprint: p.fingerprint, pinnedAt: p.pinnedAt });

function safeInsecure(uri: string): InsecureTlsFlag[] {
  try {
    return insecureFlags(formOf(uri));
  } catch {
    return [];
  }
}

function neededSecretsOf(uri: string): SecretKind[] {
  try {
    return neededSecrets(formOf(uri));
  } catch {
    return [];
  }
}

function allMembers(t: Topology) {
  return [...t.members, ...(t.replicaSet?.members ?? []), ...t.shards.flatMap((s) => s.members), ...(t.configServers?.members ?? [])];
}

/** Members rediscovery did not open keep the state last seen rather than UNKNOWN. */
function mergeKnownStates(t: Topology, nodes: readonly NodeRow[]): Topology {
  const roles = new Map(nodes.map((n) => [n.hostPort, n.role ?? null]));
  const fix = <T extends { hostPort: string; state: string }>(ms: T[]): T[] => ms.map((m) => (m.state === 'UNKNOWN' && roles.get(m.hostPort) ? { ...m, state: roles.get(m.hostPort)! } : m));
  return {
    ...t,
    members: fix(t.members),
    replicaSet: t.replicaSet ? { ...t.replicaSet, members: fix(t.replicaSet.members) } : null,
    shards: t.shards.map((s) => ({ ...s, members: fix(s.members) })),
    configServers: t.configServers ? { ...t.configServers, members: fix(t.configServers.members) } : null,
  };
}
