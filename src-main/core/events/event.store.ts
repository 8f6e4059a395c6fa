import type { LogSourceInfo, LogSourceKind, LogSourceState } from '../../../src-shared/contract/logs.contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import type { Operation } from '../diagnosis';
import type { Clock } from '../ports/clock';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import { openDatabase } from '../store/sqlite-open';
import { EVENT_MIGRATIONS } from './event-store-schema';
import { EventWriter, type WriterHost, type WriterOptions } from './event-writer';

/**
 * The event store (events.db): log sources and what they held. Imported and followed sources are
 * the user's evidence: no retention ever evicts them; they go only through `deleteSource()`.
 */
export interface EventStoreOptions {
  clock: Clock;
  /** A log's name for a node (`host:port`) → the NodeId it is an alias of (exactly one), else null. */
  resolveNode?: (hostPort: string) => string | null;
  learnAlias?: (hostPort: string, nodeId: string) => void;
}

interface SourceDb {
  id: number;
  kind: LogSourceKind;
  label: string;
  node_id: string | null;
  created_at: number;
  updated_at: number;
  state: LogSourceState;
  error: string | null;
  config: string;
  cursor: string | null;
  events: number;
  unparsed: number;
  ops: number;
  bytes: number;
  missed: number;
  t_min: number | null;
  t_max: number | null;
}

export interface SourceRecord {
  info: LogSourceInfo;
  config: Record<string, unknown>;
  cursor: unknown;
}

/** Rows deleted per transaction when a source goes: a big import is removed without one long lock. */
const DELETE_SLICE = 20_000;

export class EventStore implements WriterHost {
  readonly db: SqliteDatabase;
  private nextId: number;
  private readonly nodeCache = new Map<string, { ix: number; nodeId: string | null }>();
  private readonly nodeNames = new Map<number, string>();
  private readonly shapeCache = new Map<string, number>();

  constructor(
    driver: SqliteDriver,
    readonly path: string,
    private readonly o: EventStoreOptions,
  ) {
    // Events can be re-read from their source; NORMAL keeps bulk imports fast (a crash loses at most the last batch).
    this.db = openDatabase(driver, path, { synchronous: 'NORMAL', migrations: EVENT_MIGRATIONS, autoVacuum: true });
    const max = this.db
      .prepare<[], { m: number | null }>('SELECT max(m) AS m FROM (SELECT max(id) AS m FROM events UNION ALL SELECT max(id) FROM unparsed UNION ALL SELECT max(last_id) FROM chunks)')
      .get();
    this.nextId = (max?.m ?? 0) + 1;
    for (const r of this.db.prepare<[], { ix: number; name: string; node_id: string | null }>('SELECT ix, name, node_id FROM nodes').all()) {
      this.nodeCache.set(r.name, { ix: r.ix, nodeId: r.node_id });
      this.nodeNames.set(r.ix, r.name);
    }
    for (const r of this.db.prepare<[], { ix: number; key: string }>('SELECT ix, key FROM shapes').all()) this.shapeCache.set(r.key, r.ix);
    // An import that was running when Baleen stopped did not finish: say so rather than show it as running.
    this.db
      .prepare("UPDATE sources SET state = 'cancelled', error = coalesce(error, 'Baleen stopped before the import finished; what was read is kept.') WHERE state = 'importing'")
      .run();
  }

  // ---------------------------------------------------------------------------------------------
  // WriterHost.

  allocateIds(n: number): number {
    const first = this.nextId;
    this.nextId += n;
    return first;
  }

  nodeIx(name: string, nodeId: string | null): number {
    const hit = this.nodeCache.get(name);
    if (hit !== undefined) {
      if (hit.nodeId === null && nodeId !== null) {
        this.db.prepare('UPDATE nodes SET node_id = ? WHERE ix = ?').run(nodeId, hit.ix);
        hit.nodeId = nodeId;
      }
      return hit.ix;
    }
    const ix = Number(this.db.prepare('INSERT INTO nodes (name, node_id) VALUES (?, ?)').run(name, nodeId).lastInsertRowid);
    this.nodeCache.set(name, { ix, nodeId });
    this.nodeNames.set(ix, name);
    return ix;
  }

  shapeIx(key: string, o: Operation): number {
    const hit = this.shapeCache.get(key);
    if (hit !== undefined) return hit;
    const s = o.shape!;
    const ix = Number(this.db.prepare('INSERT INTO shapes (key, ns, op, text, hash, hash_source) VALUES (?, ?, ?, ?, ?, ?)').run(key, o.ns, o.op, s.text, s.hash, s.hashSource).lastInsertRowid);
    this.shapeCache.set(key, ix);
    return ix;
  }

  resolveNode(hostPort: string): string | null {
    return this.o.resolveNode?.(hostPort) ?? null;
  }

  learnAlias(hostPort: string, nodeId: string): void {
    this.o.learnAlias?.(hostPort, nodeId);
  }

  now(): number {
    return this.o.clock.now();
  }

  // ---------------------------------------------------------------------------------------------
  // Sources.

  createSource(kind: LogSourceKind, label: string, o: { nodeId?: string | null; config?: Record<string, unknown>; state?: LogSourceState } = {}): number {
    const now = this.now();
    return Number(
      this.db
        .prepare('INSERT INTO sources (kind, label, node_id, created_at, updated_at, state, config) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(kind, label, o.nodeId ?? null, now, now, o.state ?? 'importing', JSON.stringify(o.config ?? {})).lastInsertRowid,
    );
  }

  setSourceState(id: number, state: LogSourceState, error: string | null = null): void {
    this.db.prepare('UPDATE sources SET state = ?, error = ?, updated_at = ? WHERE id = ?').run(state, error, this.now(), id);
  }

  source(id: number): SourceRecord | undefined {
    const r = this.db.prepare<[number], SourceDb>('SELECT * FROM sources WHERE id = ?').get(id);
    return r && this.record(r);
  }

  requireSource(id: number): SourceRecord {
    const s = this.source(id);
    if (!s) throw new BaleenError('E_NOT_FOUND', `There is no log source ${id}.`);
    return s;
  }

  sources(): SourceRecord[] {
    return this.db
      .prepare<[], SourceDb>('SELECT * FROM sources ORDER BY id')
      .all()
      .map((r) => this.record(r));
  }

  private record(r: SourceDb): SourceRecord {
    const files = this.db
      .prepare<[number], { path: string; lines: number; bytes: number; error: string | null }>('SELECT path, lines, bytes, error FROM files WHERE source_id = ? ORDER BY id LIMIT 1000')
      .all(r.id);
    let config: Record<string, unknown> = {};
    let cursor: unknown = null;
    try {
      config = JSON.parse(r.config) as Record<string, unknown>;
      cursor = r.cursor === null ? null : (JSON.parse(r.cursor) as unknown);
    } catch {
      // A damaged row keeps its counts; its follower starts over rather than crash.
    }
    return {
      config,
      cursor,
      info: {
        id: r.id,
        kind: r.kind,
        label: r.label,
        nodeId: r.node_id as LogSourceInfo['nodeId'],
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        state: r.state,
        error: r.error,
        events: r.events,
        unparsed: r.unparsed,
        operations: r.ops,
        bytes: r.bytes,
        missed: r.missed,
        firstTs: r.t_min,
        lastTs: r.t_max,
        files,
      },
    };
  }

  openWriter(sourceId: number, o: WriterOptions = {}): EventWriter {
    return new EventWriter(this, sourceId, o);
  }

  /**
   * Removes a source and everything it brought, in slices (one transaction each) so a large import
   * never holds the writer for long. Derived incidents are rebuilt by the caller afterwards.
   */
  async deleteSource(id: number, signal?: AbortSignal): Promise<{ events: number }> {
    this.requireSource(id);
    const db = this.db;
    let events = 0;
    const chunks = db.prepare<[number], { first_id: number; last_id: number }>('SELECT first_id, last_id FROM chunks WHERE source_id = ? ORDER BY first_id').all(id);
    const del = {
      events: db.prepare('DELETE FROM events WHERE id BETWEEN ? AND ?'),
      fts: db.prepare('DELETE FROM events_fts WHERE rowid BETWEEN ? AND ?'),
      unparsed: db.prepare('DELETE FROM unparsed WHERE id BETWEEN ? AND ?'),
      ops: db.prepare('DELETE FROM ops WHERE id BETWEEN ? AND ?'),
      signals: db.prepare('DELETE FROM signals WHERE id BETWEEN ? AND ?'),
      chunk: db.prepare('DELETE FROM chunks WHERE source_id = ? AND first_id = ?'),
    };
    for (const c of chunks) {
      for (let a = c.first_id; a <= c.last_id; a += DELETE_SLICE) {
        if (signal?.aborted) throw new BaleenError('E_CANCELLED', 'Deleting the log source was cancelled; part of it is already gone.');
        const b = Math.min(c.last_id, a + DELETE_SLICE - 1);
        db.transaction(() => {
          events += del.events.run(a, b).changes;
          del.fts.run(a, b);
          del.unparsed.run(a, b);
          del.ops.run(a, b);
          del.signals.run(a, b);
          if (b === c.last_id) del.chunk.run(id, c.first_id);
        })();
        // Let other work (RPC calls, followers) run between slices.
        await new Promise((r) => setImmediate(r));
      }
    }
    db.transaction(() => {
      db.prepare('DELETE FROM buckets WHERE source_id = ?').run(id);
      db.prepare('DELETE FROM conn_buckets WHERE source_id = ?').run(id);
      db.prepare('DELETE FROM sessions WHERE source_id = ?').run(id);
      db.prepare('DELETE FROM files WHERE source_id = ?').run(id);
      db.prepare('DELETE FROM chunks WHERE source_id = ?').run(id);
      db.prepare('DELETE FROM sources WHERE id = ?').run(id);
    })();
    return { events };
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes.

  nodes(): { ix: number; name: string; nodeId: string | null }[] {
    return [...this.nodeCache.entries()].map(([name, v]) => ({ ix: v.ix, name, nodeId: v.nodeId })).sort((a, b) => a.ix - b.ix);
  }

  /** Node dictionary indexes for a selector; undefined = all nodes; [] = none matched. */
  nodeIxs(sel: { nodes?: string[] | undefined; nodeIds?: string[] | undefined }): number[] | undefined {
    const names = sel.nodes ?? [];
    const ids = sel.nodeIds ?? [];
    if (names.length === 0 && ids.length === 0) return undefined;
    const out = new Set<number>();
    for (const n of names) {
      const hit = this.nodeCache.get(n);
      if (hit) out.add(hit.ix);
    }
    if (ids.length > 0) {
      const want = new Set(ids);
      for (const v of this.nodeCache.values()) if (v.nodeId !== null && want.has(v.nodeId)) out.add(v.ix);
    }
    return [...out];
  }

  nodeName(ix: number): string {
    return this.nodeNames.get(ix) ?? `node ${ix}`;
  }

  /** After a big import: fresh statistics so the planner picks the right index per filter. */
  analyze(): void {
    this.db.exec('ANALYZE');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
