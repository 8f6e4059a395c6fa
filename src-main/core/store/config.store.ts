import type { InsecureTlsFlag, ProfileColor, SecretKind, SshHop, Topology } from '../../../src-shared/contract';
import { aliasKey, type AliasSource, type NodeId } from '../../../src-shared/domain/identity';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import { openDatabase, type Migration } from './sqlite-open';

/**
 * Baleen's own configuration: connection profiles, the nodes found through them and the alias table.
 * Kept apart from the metrics DB so that quarantining evidence never loses the user's set-up.
 * Never holds a secret: URIs are stored with every secret removed; which secret kinds a profile has
 * saved is recorded, never their values.
 */
export interface ProfileRow {
  id: string;
  name: string;
  uri: string; // no secret in it
  createdAt: number;
  /** The user wants it connected (false after a deliberate disconnect, or an import). */
  monitoring: boolean;
  group: string | null;
  tags: string[];
  color: ProfileColor | null;
  /** Insecure TLS flags the user explicitly opted in to (REL-M8). */
  trustedInsecureTls: InsecureTlsFlag[];
  sshHops: SshHop[];
  discover: boolean;
  /** Secret kinds the user has given for this profile (their values live in the SecretStore). */
  secretKinds: SecretKind[];
  updatedAt: number;
  topology: Topology | null;
}

export interface NodeRow {
  id: NodeId;
  connectionId: string;
  deployment: string;
  hostPort: string;
  /** The address dialled (seed or member address); never shown as the node's identity. */
  dialAddress: string;
  version: string | null;
  server: string | null;
  setName: string | null;
  monitoring: boolean;
  role?: string | null;
  shard?: string | null;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'profiles, nodes, aliases',
    up: `
      CREATE TABLE profiles (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        uri TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        monitoring INTEGER NOT NULL DEFAULT 1
      );
      CREATE TABLE nodes (
        id TEXT PRIMARY KEY,
        connection_id TEXT NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        deployment TEXT NOT NULL,
        host_port TEXT NOT NULL,
        dial_address TEXT NOT NULL,
        version TEXT,
        server TEXT,
        set_name TEXT,
        monitoring INTEGER NOT NULL DEFAULT 1
      );
      CREATE INDEX nodes_connection ON nodes (connection_id);
      CREATE TABLE aliases (
        alias TEXT NOT NULL,
        node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        PRIMARY KEY (alias, node_id)
      );
    `,
  },
  {
    version: 2,
    name: 'profile details, topology, node roles',
    up: `
      ALTER TABLE profiles ADD COLUMN group_name TEXT;
      ALTER TABLE profiles ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE profiles ADD COLUMN color TEXT;
      ALTER TABLE profiles ADD COLUMN trusted_insecure_tls TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE profiles ADD COLUMN ssh_hops TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE profiles ADD COLUMN discover INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE profiles ADD COLUMN secret_kinds TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE profiles ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE profiles ADD COLUMN topology TEXT;
      ALTER TABLE nodes ADD COLUMN role TEXT;
      ALTER TABLE nodes ADD COLUMN shard TEXT;
    `,
  },
];

type ProfileDb = {
  id: string;
  name: string;
  uri: string;
  created_at: number;
  monitoring: number;
  group_name: string | null;
  tags: string;
  color: string | null;
  trusted_insecure_tls: string;
  ssh_hops: string;
  discover: number;
  secret_kinds: string;
  updated_at: number;
  topology: string | null;
};

type NodeDb = {
  id: string;
  connection_id: string;
  deployment: string;
  host_port: string;
  dial_address: string;
  version: string | null;
  server: string | null;
  set_name: string | null;
  monitoring: number;
  role: string | null;
  shard: string | null;
};

/** JSON columns are ours, but a hand-edited or damaged value must not stop the app from starting. */
function json<T>(s: string | null, fallback: T): T {
  if (s === null) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

const toProfile = (r: ProfileDb): ProfileRow => ({
  id: r.id,
  name: r.name,
  uri: r.uri,
  createdAt: r.created_at,
  monitoring: r.monitoring === 1,
  group: r.group_name,
  tags: json<string[]>(r.tags, []),
  color: (r.color as ProfileColor | null) ?? null,
  trustedInsecureTls: json<InsecureTlsFlag[]>(r.trusted_insecure_tls, []),
  sshHops: json<SshHop[]>(r.ssh_hops, []),
  discover: r.discover === 1,
  secretKinds: json<SecretKind[]>(r.secret_kinds, []),
  updatedAt: r.updated_at || r.created_at,
  topology: json<Topology | null>(r.topology, null),
});

const toNode = (r: NodeDb): NodeRow => ({
  id: r.id as NodeId,
  connectionId: r.connection_id,
  deployment: r.deployment,
  hostPort: r.host_port,
  dialAddress: r.dial_address,
  version: r.version,
  server: r.server,
  setName: r.set_name,
  monitoring: r.monitoring === 1,
  role: r.role,
  shard: r.shard,
});

export type NewProfile = Pick<ProfileRow, 'id' | 'name' | 'uri' | 'createdAt' | 'monitoring'> & Partial<Omit<ProfileRow, 'id' | 'name' | 'uri' | 'createdAt' | 'monitoring'>>;

export class ConfigStore {
  private readonly db: SqliteDatabase;

  constructor(driver: SqliteDriver, path: string) {
    this.db = openDatabase(driver, path, { synchronous: 'FULL', migrations: MIGRATIONS });
  }

  listProfiles(): ProfileRow[] {
    return this.db.prepare<[], ProfileDb>('SELECT * FROM profiles ORDER BY created_at, id').all().map(toProfile);
  }

  getProfile(id: string): ProfileRow | undefined {
    const r = this.db.prepare<[string], ProfileDb>('SELECT * FROM profiles WHERE id = ?').get(id);
    return r && toProfile(r);
  }

  private insertNodes(nodes: readonly NodeRow[], aliases: readonly { alias: string; nodeId: NodeId; source: AliasSource }[]): void {
    const insNode = this.db.prepare(
      'INSERT INTO nodes (id, connection_id, deployment, host_port, dial_address, version, server, set_name, monitoring, role, shard) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const n of nodes) insNode.run(n.id, n.connectionId, n.deployment, n.hostPort, n.dialAddress, n.version, n.server, n.setName, n.monitoring ? 1 : 0, n.role ?? null, n.shard ?? null);
    const insAlias = this.db.prepare('INSERT OR IGNORE INTO aliases (alias, node_id, source) VALUES (?, ?, ?)');
    for (const a of aliases) insAlias.run(aliasKey(a.alias), a.nodeId, a.source);
  }

  /** Saves a profile with its nodes and their aliases in one transaction. */
  saveProfile(p: NewProfile, nodes: readonly NodeRow[], aliases: readonly { alias: string; nodeId: NodeId; source: AliasSource }[]): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO profiles (id, name, uri, created_at, monitoring, group_name, tags, color, trusted_insecure_tls, ssh_hops, discover, secret_kinds, updated_at, topology)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          p.id,
          p.name,
          p.uri,
          p.createdAt,
          p.monitoring ? 1 : 0,
          p.group ?? null,
          JSON.stringify(p.tags ?? []),
          p.color ?? null,
          JSON.stringify(p.trustedInsecureTls ?? []),
          JSON.stringify(p.sshHops ?? []),
          p.discover ? 1 : 0,
          JSON.stringify(p.secretKinds ?? []),
          p.updatedAt ?? p.createdAt,
          p.topology ? JSON.stringify(p.topology) : null,
        );
      this.insertNodes(nodes, aliases);
    })();
  }

  /** Changes a profile's settings (the caller has already validated them). */
  updateProfile(id: string, patch: Partial<Omit<ProfileRow, 'id' | 'createdAt'>>): void {
    const cols: string[] = [];
    const vals: unknown[] = [];
    const set = (col: string, v: unknown) => {
      cols.push(`${col} = ?`);
      vals.push(v);
    };
    if (patch.name !== undefined) set('name', patch.name);
    if (patch.uri !== undefined) set('uri', patch.uri);
    if (patch.monitoring !== undefined) set('monitoring', patch.monitoring ? 1 : 0);
    if (patch.group !== undefined) set('group_name', patch.group);
    if (patch.tags !== undefined) set('tags', JSON.stringify(patch.tags));
    if (patch.color !== undefined) set('color', patch.color);
    if (patch.trustedInsecureTls !== undefined) set('trusted_insecure_tls', JSON.stringify(patch.trustedInsecureTls));
    if (patch.sshHops !== undefined) set('ssh_hops', JSON.stringify(patch.sshHops));
    if (patch.discover !== undefined) set('discover', patch.discover ? 1 : 0);
    if (patch.secretKinds !== undefined) set('secret_kinds', JSON.stringify(patch.secretKinds));
    if (patch.updatedAt !== undefined) set('updated_at', patch.updatedAt);
    if (patch.topology !== undefined) set('topology', patch.topology ? JSON.stringify(patch.topology) : null);
    if (cols.length === 0) return;
    this.db.prepare(`UPDATE profiles SET ${cols.join(', ')} WHERE id = ?`).run(...vals, id);
  }

  /** New members found by discovery. */
  addNodes(nodes: readonly NodeRow[], aliases: readonly { alias: string; nodeId: NodeId; source: AliasSource }[]): void {
    this.db.transaction(() => this.insertNodes(nodes, aliases))();
  }

  /** Forget a profile's nodes (its target changed): history stays in the metrics DB under their ids. */
  deleteNodesOf(connectionId: string): void {
    this.db.prepare('DELETE FROM nodes WHERE connection_id = ?').run(connectionId);
  }

  deleteProfile(id: string): boolean {
    return this.db.prepare('DELETE FROM profiles WHERE id = ?').run(id).changes > 0;
  }

  nodesOf(connectionId: string): NodeRow[] {
    return this.db.prepare<[string], NodeDb>('SELECT * FROM nodes WHERE connection_id = ? ORDER BY host_port').all(connectionId).map(toNode);
  }

  getNode(id: string): NodeRow | undefined {
    const r = this.db.prepare<[string], NodeDb>('SELECT * FROM nodes WHERE id = ?').get(id);
    return r && toNode(r);
  }

  setNodeMonitoring(id: string, on: boolean): void {
    this.db.prepare('UPDATE nodes SET monitoring = ? WHERE id = ?').run(on ? 1 : 0, id);
  }

  updateNodeFacts(id: string, facts: { version: string | null; server: string | null; setName: string | null }): void {
    this.db.prepare('UPDATE nodes SET version = ?, server = ?, set_name = ? WHERE id = ?').run(facts.version, facts.server, facts.setName, id);
  }

  setNodeRole(id: string, role: string | null, shard: string | null): void {
    this.db.prepare('UPDATE nodes SET role = ?, shard = ? WHERE id = ?').run(role, shard, id);
  }

  aliasesOf(nodeId: string): string[] {
    return this.db.prepare<[string], { alias: string }>('SELECT alias FROM aliases WHERE node_id = ? ORDER BY alias').pluck().all(nodeId) as unknown as string[];
  }

  addAlias(alias: string, nodeId: NodeId, source: AliasSource): void {
    this.db.prepare('INSERT OR IGNORE INTO aliases (alias, node_id, source) VALUES (?, ?, ?)').run(aliasKey(alias), nodeId, source);
  }

  /** Which nodes go by this name (a host:port or hostname from FTDC metadata or a log). */
  resolveAlias(name: string): NodeId[] {
    return this.db.prepare<[string], { node_id: string }>('SELECT DISTINCT node_id FROM aliases WHERE alias = ?').pluck().all(aliasKey(name)) as unknown as NodeId[];
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
