import { aliasKey, type AliasSource, type NodeId } from '../../../src-shared/domain/identity';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import { openDatabase, type Migration } from './sqlite-open';

/**
 * Baleen's own configuration: connection profiles, the nodes found through them and the alias table.
 * Kept apart from the metrics DB so that quarantining evidence never loses the user's set-up.
 * Never holds a secret: URIs are stored with their password removed.
 */
export interface ProfileRow {
  id: string;
  name: string;
  uri: string; // password removed
  createdAt: number;
  monitoring: boolean;
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
];

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
};

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
});

export class ConfigStore {
  private readonly db: SqliteDatabase;

  constructor(driver: SqliteDriver, path: string) {
    this.db = openDatabase(driver, path, { synchronous: 'FULL', migrations: MIGRATIONS });
  }

  listProfiles(): ProfileRow[] {
    return this.db
      .prepare<[], { id: string; name: string; uri: string; created_at: number; monitoring: number }>('SELECT * FROM profiles ORDER BY created_at, id')
      .all()
      .map((r) => ({ id: r.id, name: r.name, uri: r.uri, createdAt: r.created_at, monitoring: r.monitoring === 1 }));
  }

  getProfile(id: string): ProfileRow | undefined {
    return this.listProfiles().find((p) => p.id === id);
  }

  /** Saves a profile with its nodes and their aliases in one transaction. */
  saveProfile(p: ProfileRow, nodes: readonly NodeRow[], aliases: readonly { alias: string; nodeId: NodeId; source: AliasSource }[]): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO profiles (id, name, uri, created_at, monitoring) VALUES (?, ?, ?, ?, ?)')
        .run(p.id, p.name, p.uri, p.createdAt, p.monitoring ? 1 : 0);
      const insNode = this.db.prepare(
        'INSERT INTO nodes (id, connection_id, deployment, host_port, dial_address, version, server, set_name, monitoring) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const n of nodes) insNode.run(n.id, n.connectionId, n.deployment, n.hostPort, n.dialAddress, n.version, n.server, n.setName, n.monitoring ? 1 : 0);
      const insAlias = this.db.prepare('INSERT OR IGNORE INTO aliases (alias, node_id, source) VALUES (?, ?, ?)');
      for (const a of aliases) insAlias.run(aliasKey(a.alias), a.nodeId, a.source);
    })();
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
