import type { Document } from 'mongodb';
import type { AddConnectionInput, ConnectionSummary, NodeStatus, NodeSummary } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import { canonicalHostPort, makeNodeId, type AliasSource, type NodeId } from '../../../src-shared/domain/identity';
import type { AuditLog } from '../audit/audit-log';
import type { EventBus } from '../events';
import { NodeMonitor } from '../metrics/node-monitor';
import type { PollScheduler } from '../metrics/poll-scheduler';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { SecretStore } from '../ports/secret-store';
import type { ConfigStore, NodeRow, ProfileRow } from '../store/config.store';
import type { MetricStore } from '../store/metric-store';
import { directUri, parseMongoUri } from './mongo-uri';
import { NodeClient } from './node-client';

export interface MonitoringSettings {
  appName: string;
  /** serverStatus poll interval (default 1 s). */
  intervalMs: number;
  /** Per-poll deadline D. */
  deadlineMs: number;
  /** Connect timeout for adding a connection. */
  connectTimeoutMs: number;
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

export class ConnectionManager {
  private readonly monitors = new Map<NodeId, NodeMonitor>();

  constructor(private readonly d: ConnectionManagerDeps) {}

  /** Resume monitoring what was being monitored when Baleen last stopped. */
  restore(): void {
    for (const p of this.d.config.listProfiles()) {
      for (const n of this.d.config.nodesOf(p.id)) {
        if (n.monitoring) this.monitorFor(p, n).start();
      }
    }
  }

  list(): ConnectionSummary[] {
    return this.d.config.listProfiles().map((p) => this.summary(p));
  }

  private summary(p: ProfileRow): ConnectionSummary {
    return { id: p.id, name: p.name, uri: p.uri, createdAt: p.createdAt, nodes: this.d.config.nodesOf(p.id).map((n) => this.nodeSummary(n)) };
  }

  private nodeSummary(n: NodeRow): NodeSummary {
    const status: NodeStatus = this.monitors.get(n.id)?.status ?? { state: 'stopped', since: this.d.clock.now() };
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
    };
  }

  private changed(): void {
    this.d.bus.emit('connections.changed', { connections: this.list() });
  }

  private monitorFor(p: ProfileRow, n: NodeRow): NodeMonitor {
    let m = this.monitors.get(n.id);
    if (m) return m;
    m = new NodeMonitor({
      nodeId: n.id,
      hostPort: n.hostPort,
      serverLabel: () => serverLabel(this.d.config.getNode(n.id) ?? n),
      connect: (signal) => this.connectNode(p, n, signal),
      store: this.d.store,
      bus: this.d.bus,
      clock: this.d.clock,
      log: this.d.log.child('monitor'),
      scheduler: this.d.scheduler,
      intervalMs: this.d.settings.intervalMs,
      deadlineMs: this.d.settings.deadlineMs,
      phaseMs: Math.floor(this.d.random() * this.d.settings.intervalMs),
      onStatus: () => this.changed(),
    });
    this.monitors.set(n.id, m);
    return m;
  }

  private async connectNode(p: ProfileRow, n: NodeRow, signal: AbortSignal): Promise<NodeClient> {
    const password = (await this.d.secrets.get(p.id, 'mongodb-password')) ?? null;
    if (password === null && /^mongodb:\/\/[^@/]+@/.test(p.uri)) {
      throw new BaleenError('E_AUTH', `No password is available for ${p.name} in this session (${this.d.secrets.persistence.persistent ? 'it is not in the keychain' : 'secrets are kept for one session only'}). Remove the connection and add it again with its password.`);
    }
    return NodeClient.connect(directUri(p.uri, n.dialAddress, password), nodeLabel(n.hostPort, n.dialAddress), this.clientOptions(), signal);
  }

  private clientOptions() {
    const s = this.d.settings;
    return { appName: s.appName, connectTimeoutMS: s.connectTimeoutMs, serverSelectionTimeoutMS: s.connectTimeoutMs, commandDeadlineMs: Math.max(s.deadlineMs, s.connectTimeoutMs) };
  }

  async add(input: AddConnectionInput, actor: string, signal: AbortSignal): Promise<ConnectionSummary> {
    const parsed = parseMongoUri(input.uri);
    const name = input.name?.trim() || parsed.replicaSet || parsed.hosts[0]!;
    const id = `${slug(name)}-${Math.floor(this.d.random() * 0xffff).toString(16).padStart(4, '0')}`;
    return this.d.audit.run({ action: 'connection.add', target: id, actor, details: { uri: parsed.safe, hosts: parsed.hosts } }, async () => {
      const clients: NodeClient[] = [];
      try {
        const found: { dialled: string; facts: NodeFacts; client: NodeClient }[] = [];
        for (const host of parsed.hosts) {
          const client = await NodeClient.connect(directUri(parsed.safe, host, parsed.password), host, this.clientOptions(), signal);
          clients.push(client);
          const opts = { deadlineMs: this.d.settings.connectTimeoutMs, signal };
          const hello = await client.command({ hello: 1 }, opts);
          const buildInfo = await client.command({ buildInfo: 1 }, opts).catch(() => null);
          const facts = nodeFacts(host, hello, buildInfo);
          client.relabel(nodeLabel(facts.hostPort, host));
          found.push({ dialled: host, facts, client });
        }
        const profile: ProfileRow = { id, name, uri: parsed.safe, createdAt: this.d.clock.now(), monitoring: true };
        const nodes: NodeRow[] = found.map((f) => ({
          id: makeNodeId(id, f.facts.hostPort),
          connectionId: id,
          deployment: id,
          hostPort: f.facts.hostPort,
          dialAddress: f.dialled,
          version: f.facts.version,
          server: f.facts.server,
          setName: f.facts.setName,
          monitoring: true,
        }));
        const aliases: { alias: string; nodeId: NodeId; source: AliasSource }[] = nodes.flatMap((n) => [
          { alias: n.hostPort, nodeId: n.id, source: 'hello.me' as const },
          { alias: n.dialAddress, nodeId: n.id, source: 'seed' as const },
        ]);
        if (parsed.password !== null) await this.d.secrets.set(id, 'mongodb-password', parsed.password);
        this.d.config.saveProfile(profile, nodes, aliases);
        nodes.forEach((n, i) => this.monitorFor(profile, n).start(found[i]!.client));
        clients.length = 0; // handed over to the monitors
        this.changed();
        return this.summary(profile);
      } finally {
        for (const c of clients) void c.close();
      }
    });
  }

  async remove(id: string, actor: string): Promise<boolean> {
    const p = this.d.config.getProfile(id);
    if (!p) return false;
    return this.d.audit.run({ action: 'connection.remove', target: id, actor, details: { uri: p.uri } }, async () => {
      for (const n of this.d.config.nodesOf(id)) {
        await this.monitors.get(n.id)?.stop('Connection removed');
        this.monitors.delete(n.id);
      }
      await this.d.secrets.delete(id, 'mongodb-password');
      const removed = this.d.config.deleteProfile(id);
      this.changed();
      return removed;
    });
  }

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

  /** After sleep/resume: every monitored node is checked right away, not at its next backoff step (REL-S3). */
  recheckAll(): void {
    for (const m of this.monitors.values()) m.recheck();
  }

  monitor(nodeId: NodeId): NodeMonitor | undefined {
    return this.monitors.get(nodeId);
  }

  /** Stops every monitor without recording a user stop (Baleen is quitting; the next start records the gap). */
  async dispose(): Promise<void> {
    await this.d.scheduler.dispose();
    await Promise.all([...this.monitors.values()].map((m) => m.stop('Baleen stopped')));
    this.monitors.clear();
  }
}
