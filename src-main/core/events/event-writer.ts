import { canonicalHostPort } from '../../../src-shared/domain/identity';
import { clientHost, ShapeStatsTable, type Operation } from '../diagnosis';
import type { LogEvent, UnparsedLine } from '../logs';
import type { SqliteDatabase } from '../ports/sqlite';
import { signalOf } from './signals';

/** What the writer needs from its store: ids, node and shape dictionaries, the database. */
export interface WriterHost {
  readonly db: SqliteDatabase;
  allocateIds(n: number): number;
  nodeIx(name: string, nodeId: string | null): number;
  shapeIx(key: string, o: Operation): number;
  /** A log's own name for a node (`host:port` from a start-up line) → the NodeId it is an alias of, if exactly one. */
  resolveNode(hostPort: string): string | null;
  /** The import was told which node it is: its start-up name becomes an alias of that node. */
  learnAlias(hostPort: string, nodeId: string): void;
  now(): number;
}

export const EventKind = {
  other: 0,
  slowOp: 1,
  connAccepted: 2,
  connEnded: 3,
  clientMetadata: 4,
  auth: 5,
  stateChange: 6,
  startup: 7,
  gap: 8,
} as const;

/** Longest unparsed line text kept for the could-not-parse view (the file still has the rest). */
const UNPARSED_KEEP = 16 * 1024;
/** Records held while a file has not said which node it is (its start-up line is usually near the top). */
const UNDECIDED_MAX = 5000;
const MINUTE = 60_000;

export interface WriterOptions {
  /** Every event of this source belongs to this node (a followed node's log, or the user said so). */
  nodeId?: string | null;
  /** For files that never say which node they are: a readable fallback name. */
  fallbackLabel?: string;
}

interface OpenSession {
  id: number;
  app: string | null;
}

interface FileState {
  fileId: number;
  path: string;
  /** null until the file says (start-up line) or the buffer fills. */
  nodeIx: number | null;
  lastTs: number | null;
  pending: (LogEvent | UnparsedLine)[];
}

const insertSql = {
  event: 'INSERT INTO events (id, file_id, line, ts, node_ix, sev, comp, mid, ctx, msg, attr, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  fts: 'INSERT INTO events_fts (rowid, msg, attr) VALUES (?, ?, ?)',
  unparsed: 'INSERT INTO unparsed (id, file_id, line, bytes, reason, text) VALUES (?, ?, ?, ?, ?, ?)',
  op: `INSERT INTO ops (id, node_ix, ts, ns, op, ms, keys, docs, nret, plan, shape_ix, client, conn, app, user, err_code, err_name, failed, lsid, txn, sess_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  signal: 'INSERT INTO signals (id, node_ix, ts, kind, detail) VALUES (?, ?, ?, ?, ?)',
  chunk: 'INSERT INTO chunks (source_id, first_id, last_id) VALUES (?, ?, ?)',
  bucket: 'INSERT INTO buckets (source_id, node_ix, minute, comp, sev, n) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n',
  connBucket:
    'INSERT INTO conn_buckets (source_id, node_ix, minute, accepted, ended) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET accepted = accepted + excluded.accepted, ended = ended + excluded.ended',
  sessionNew: 'INSERT INTO sessions (source_id, node_ix, conn, remote, host, accepted) VALUES (?, ?, ?, ?, ?, ?)',
  sessionClient: 'UPDATE sessions SET driver = ?, driver_version = ?, app = coalesce(?, app), os = ?, platform = ?, remote = coalesce(remote, ?), host = coalesce(host, ?) WHERE id = ?',
  sessionAuthOk: 'UPDATE sessions SET user = ?, auth_db = ?, mechanism = ?, auth_ok = 1 WHERE id = ?',
  sessionAuthFail: 'UPDATE sessions SET auth_failures = auth_failures + 1, auth_ok = coalesce(auth_ok, 0), mechanism = coalesce(mechanism, ?) WHERE id = ?',
  sessionEnd: 'UPDATE sessions SET ended = ? WHERE id = ?',
  sessionOps: 'UPDATE sessions SET ops = ops + ?, app = coalesce(app, ?) WHERE id = ?',
  source: `UPDATE sources SET events = events + ?, unparsed = unparsed + ?, ops = ops + ?, bytes = bytes + ?,
           t_min = CASE WHEN ? IS NULL THEN t_min WHEN t_min IS NULL OR ? < t_min THEN ? ELSE t_min END,
           t_max = CASE WHEN ? IS NULL THEN t_max WHEN t_max IS NULL OR ? > t_max THEN ? ELSE t_max END,
           updated_at = ? WHERE id = ?`,
  cursor: 'UPDATE sources SET cursor = ? WHERE id = ?',
} as const;

interface Stmt {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}
type Statements = { [K in keyof typeof insertSql]: Stmt };

/**
 * Writes one source's records: events with their full-text rows, unparsed lines, operations with
 * their shape and connection session, signal lines, and the per-minute counts, one transaction per
 * batch. A batch is one contiguous id range (recorded in `chunks`), and a follower's read position is
 * committed in the same transaction as the lines it covers, so a crash or reconnect resumes exactly
 * where the store stopped: nothing lost, nothing twice.
 */
export class EventWriter {
  private readonly st: Statements;
  private readonly sessions = new Map<string, OpenSession>();
  private file: FileState | undefined;
  private readonly forcedIx: number | null;
  /** Where the previous file of this source said it came from: a rotated file without a start-up line inherits it. */
  private lastNodeIx: number | null = null;
  private aliasLearnt = new Set<string>();
  private totals = { events: 0, unparsed: 0, ops: 0 };

  constructor(
    private readonly host: WriterHost,
    readonly sourceId: number,
    private readonly opts: WriterOptions = {},
  ) {
    const db = host.db;
    this.st = Object.fromEntries(Object.entries(insertSql).map(([k, sql]) => [k, db.prepare<unknown[]>(sql)])) as unknown as Statements;
    this.forcedIx = opts.nodeId ? host.nodeIx(opts.nodeId, opts.nodeId) : null;
    if (this.forcedIx !== null) this.reopenSessions(this.forcedIx);
  }

  get written(): { events: number; unparsed: number; ops: number } {
    return { ...this.totals };
  }

  /** Starts a file (or archive member, or a followed file after rotation). */
  beginFile(path: string): number {
    this.flushPending(true);
    const fileId = Number(this.host.db.prepare('INSERT INTO files (source_id, path) VALUES (?, ?)').run(this.sourceId, path).lastInsertRowid);
    this.file = { fileId, path, nodeIx: this.forcedIx, lastTs: null, pending: [] };
    return fileId;
  }

  /** Continues a file written by an earlier run (a follower resuming). */
  resumeFile(fileId: number, path: string, lastTs: number | null): void {
    this.file = { fileId, path, nodeIx: this.forcedIx, lastTs, pending: [] };
  }

  get fileId(): number | undefined {
    return this.file?.fileId;
  }

  /**
   * Queues records; they are written now unless the file has not yet said which node it is. `bytes`
   * counts toward the source's total; `cursor` is committed with them (a follower's position).
   */
  write(records: readonly (LogEvent | UnparsedLine)[], o: { bytes?: number; cursor?: unknown } = {}): void {
    const f = this.requireFile();
    if (f.nodeIx === null) {
      for (const r of records) {
        f.pending.push(r);
        if (r.kind === 'startup' && r.node.host !== undefined) {
          f.nodeIx = this.nodeFromStartup(r.node.host, r.node.port);
        }
      }
      if (f.nodeIx === null && f.pending.length < UNDECIDED_MAX && o.cursor === undefined) {
        if (o.bytes) this.commit([], o.bytes, undefined);
        return;
      }
      if (f.nodeIx === null) f.nodeIx = this.fallbackNode();
      const all = f.pending;
      f.pending = [];
      this.commit(all, o.bytes ?? 0, o.cursor);
      return;
    }
    this.commit(records, o.bytes ?? 0, o.cursor);
  }

  /** The file is complete: pending records are written and its line and byte counts recorded. */
  endFile(stats: { physicalLines: number; bytes: number; error?: string }): void {
    const f = this.requireFile();
    this.flushPending(true);
    this.host.db.prepare('UPDATE files SET lines = ?, bytes = ?, error = ? WHERE id = ?').run(stats.physicalLines, stats.bytes, stats.error ?? null, f.fileId);
    if (f.nodeIx !== null) this.lastNodeIx = f.nodeIx;
    this.file = undefined;
  }

  /** Records an error against the current file without ending it. */
  fileError(message: string): void {
    if (this.file) this.host.db.prepare('UPDATE files SET error = ? WHERE id = ?').run(message, this.file.fileId);
  }

  /**
   * Lines known to be missing (getLog's ring overflowed, a rotated file could not be found): one
   * synthetic event (component BALEEN) at `ts`, counted in the source's `missed`, and a signal.
   */
  gap(ts: number, missed: number | null, message: string, cursor?: unknown): void {
    const f = this.requireFile();
    this.flushPending(true);
    const nodeIx = f.nodeIx ?? this.fallbackNode();
    const db = this.host.db;
    db.transaction(() => {
      const id = this.host.allocateIds(1);
      const attr = JSON.stringify({ missedLines: missed });
      this.st.event.run(id, f.fileId, 0, ts, nodeIx, 'W', 'BALEEN', null, 'baleen', message, attr, EventKind.gap);
      this.st.fts.run(id, message, attr);
      this.st.signal.run(id, nodeIx, ts, 'gap', message);
      this.st.chunk.run(this.sourceId, id, id);
      this.st.bucket.run(this.sourceId, nodeIx, Math.floor(ts / MINUTE), 'BALEEN', 'W', 1);
      if (missed !== null && missed > 0) db.prepare('UPDATE sources SET missed = missed + ? WHERE id = ?').run(missed, this.sourceId);
      this.st.source.run(1, 0, 0, 0, ts, ts, ts, ts, ts, ts, this.host.now(), this.sourceId);
      if (cursor !== undefined) this.st.cursor.run(JSON.stringify(cursor), this.sourceId);
    })();
    this.totals.events++;
  }

  /** Commits a follower position with no new lines (e.g. after a rotation). */
  saveCursor(cursor: unknown): void {
    this.st.cursor.run(JSON.stringify(cursor), this.sourceId);
  }

  private requireFile(): FileState {
    if (!this.file) throw new Error('EventWriter: beginFile() first');
    return this.file;
  }

  private flushPending(decide: boolean): void {
    const f = this.file;
    if (!f || f.pending.length === 0) return;
    if (f.nodeIx === null) {
      if (!decide) return;
      f.nodeIx = this.fallbackNode();
    }
    const all = f.pending;
    f.pending = [];
    this.commit(all, 0, undefined);
  }

  private fallbackNode(): number {
    if (this.forcedIx !== null) return this.forcedIx;
    if (this.lastNodeIx !== null) return this.lastNodeIx;
    const label = this.opts.fallbackLabel ?? this.file?.path ?? `source ${this.sourceId}`;
    return this.host.nodeIx(`file:${label}`, null);
  }

  private nodeFromStartup(host: string, port: number | undefined): number {
    let hostPort: string;
    try {
      hostPort = canonicalHostPort(port !== undefined ? `${host}:${port}` : host);
    } catch {
      return this.forcedIx ?? this.fallbackNode();
    }
    if (this.forcedIx !== null) {
      if (this.opts.nodeId && !this.aliasLearnt.has(hostPort)) {
        this.aliasLearnt.add(hostPort);
        this.host.learnAlias(hostPort, this.opts.nodeId);
      }
      return this.forcedIx;
    }
    const nodeId = this.host.resolveNode(hostPort);
    return nodeId !== null ? this.host.nodeIx(nodeId, nodeId) : this.host.nodeIx(`log:${hostPort}`, null);
  }

  /** A follower picking up again: connections still open in the store keep collecting their operations. */
  private reopenSessions(nodeIx: number): void {
    const rows = this.host.db
      .prepare<[number, number], { id: number; conn: string; app: string | null }>('SELECT id, conn, app FROM sessions WHERE source_id = ? AND node_ix = ? AND ended IS NULL ORDER BY id')
      .all(this.sourceId, nodeIx);
    for (const r of rows) this.sessions.set(`${nodeIx}|${r.conn}`, { id: r.id, app: r.app });
  }

  private session(nodeIx: number, conn: string, remote: string | undefined, accepted: number | null): OpenSession {
    const key = `${nodeIx}|${conn}`;
    let s = this.sessions.get(key);
    if (s === undefined) {
      const id = Number(this.st.sessionNew.run(this.sourceId, nodeIx, conn, remote ?? null, remote !== undefined ? clientHost(remote) : null, accepted).lastInsertRowid);
      s = { id, app: null };
      this.sessions.set(key, s);
    }
    return s;
  }

  private commit(records: readonly (LogEvent | UnparsedLine)[], bytes: number, cursor: unknown): void {
    const f = this.requireFile();
    const db = this.host.db;
    const st = this.st;
    const sourceId = this.sourceId;
    db.transaction(() => {
      if (records.length > 0) {
        const first = this.host.allocateIds(records.length);
        let id = first;
        const buckets = new Map<string, number>();
        const connBuckets = new Map<string, [number, number]>();
        const sessionOps = new Map<number, { n: number; app: string | null }>();
        let events = 0;
        let unparsed = 0;
        let ops = 0;
        let tMin: number | null = null;
        let tMax: number | null = null;
        for (const r of records) {
          if (r.kind === 'unparsed') {
            st.unparsed.run(id, f.fileId, r.line, r.bytes, r.reason, r.text.length > UNPARSED_KEEP ? r.text.slice(0, UNPARSED_KEEP) : r.text);
            unparsed++;
            id++;
            continue;
          }
          if (r.kind === 'startup' && r.node.host !== undefined) {
            const ix = this.nodeFromStartup(r.node.host, r.node.port);
            if (ix !== f.nodeIx) f.nodeIx = ix;
            // A restart: connection numbers start again at 1.
            for (const k of [...this.sessions.keys()]) if (k.startsWith(`${f.nodeIx}|`)) this.sessions.delete(k);
          }
          const nodeIx = f.nodeIx ?? this.fallbackNode();
          // A line whose time could not be read sits at its predecessor's time.
          const ts = r.ts ?? f.lastTs ?? 0;
          if (r.ts !== null) f.lastTs = r.ts;
          if (tMin === null || ts < tMin) tMin = ts;
          if (tMax === null || ts > tMax) tMax = ts;
          const attr = r.attr ?? null;
          st.event.run(id, f.fileId, r.line, ts, nodeIx, r.severity, r.component, r.id, r.ctx, r.msg, attr, EventKind[r.kind]);
          st.fts.run(id, r.msg, attr);
          events++;
          const minute = Math.floor(ts / MINUTE);
          const bk = `${nodeIx}\u0000${minute}\u0000${r.component}\u0000${r.severity}`;
          buckets.set(bk, (buckets.get(bk) ?? 0) + 1);
          const sig = signalOf(r);
          if (sig !== undefined) st.signal.run(id, nodeIx, ts, sig.kind, sig.detail);
          switch (r.kind) {
            case 'connAccepted':
            case 'connEnded': {
              const ck = `${nodeIx}\u0000${minute}`;
              const c = connBuckets.get(ck) ?? [0, 0];
              c[r.kind === 'connAccepted' ? 0 : 1]++;
              connBuckets.set(ck, c);
              const conn = r.conn.id;
              if (conn === undefined) break;
              if (r.kind === 'connAccepted') {
                // A reused number without an end line: the earlier connection's end is unknown.
                this.sessions.delete(`${nodeIx}|${conn}`);
                this.session(nodeIx, conn, r.conn.remote, ts);
              } else {
                const s = this.sessions.get(`${nodeIx}|${conn}`);
                if (s !== undefined) {
                  st.sessionEnd.run(ts, s.id);
                  this.sessions.delete(`${nodeIx}|${conn}`);
                }
              }
              break;
            }
            case 'clientMetadata': {
              const conn = r.conn.id ?? (r.ctx.startsWith('conn') ? r.ctx : undefined);
              if (conn === undefined) break;
              const s = this.session(nodeIx, conn, r.conn.remote, null);
              const c = r.client;
              if (c.appName !== undefined) s.app = c.appName;
              st.sessionClient.run(c.driver ?? null, c.driverVersion ?? null, c.appName ?? null, c.os ?? null, c.platform ?? null, r.conn.remote ?? null, r.conn.remote !== undefined ? clientHost(r.conn.remote) : null, s.id);
              break;
            }
            case 'auth': {
              const conn = r.conn.id !== undefined && r.conn.id.startsWith('conn') ? r.conn.id : r.ctx.startsWith('conn') ? r.ctx : undefined;
              if (conn === undefined) break;
              const s = this.session(nodeIx, conn, r.conn.remote, null);
              if (r.auth.ok) st.sessionAuthOk.run(r.auth.user ?? null, r.auth.db ?? null, r.auth.mechanism ?? null, s.id);
              else st.sessionAuthFail.run(r.auth.mechanism ?? null, s.id);
              break;
            }
            case 'slowOp': {
              const o = r.op;
              let sessId: number | null = null;
              if (o.connection !== undefined) {
                const s = this.session(nodeIx, o.connection, o.client, null);
                sessId = s.id;
                const acc = sessionOps.get(s.id) ?? { n: 0, app: null };
                acc.n++;
                if (acc.app === null && o.appName !== undefined) acc.app = o.appName;
                sessionOps.set(s.id, acc);
              }
              const shapeIx = o.shape !== undefined ? this.host.shapeIx(shapeKey(o), o) : null;
              st.op.run(
                id,
                nodeIx,
                ts,
                o.ns,
                o.op,
                o.durationMs,
                o.keysExamined ?? null,
                o.docsExamined ?? null,
                o.nreturned ?? null,
                o.planSummary ?? null,
                shapeIx,
                o.client ?? null,
                o.connection ?? null,
                o.appName ?? null,
                o.user ?? null,
                o.error?.code ?? null,
                o.error?.name ?? null,
                o.error !== undefined ? 1 : 0,
                o.lsid ?? null,
                o.txnNumber ?? null,
                sessId,
              );
              ops++;
              break;
            }
            default:
              break;
          }
          id++;
        }
        st.chunk.run(sourceId, first, id - 1);
        for (const [k, n] of buckets) {
          const [nodeIx, minute, comp, sev] = k.split('\u0000');
          st.bucket.run(sourceId, Number(nodeIx), Number(minute), comp, sev, n);
        }
        for (const [k, [a, e]] of connBuckets) {
          const [nodeIx, minute] = k.split('\u0000');
          st.connBucket.run(sourceId, Number(nodeIx), Number(minute), a, e);
        }
        for (const [sessId, acc] of sessionOps) st.sessionOps.run(acc.n, acc.app, sessId);
        st.source.run(events, unparsed, ops, bytes, tMin, tMin, tMin, tMax, tMax, tMax, this.host.now(), sourceId);
        this.totals.events += events;
        this.totals.unparsed += unparsed;
        this.totals.ops += ops;
      } else if (bytes > 0) {
        st.source.run(0, 0, 0, bytes, null, null, null, null, null, null, this.host.now(), sourceId);
      }
      if (cursor !== undefined) st.cursor.run(JSON.stringify(cursor), sourceId);
    })();
  }
}

/** Shapes group by the server's hash when it gave one; Baleen's own 32-bit hash also keys by text, so a collision never merges two shapes. */
export function shapeKey(o: Operation): string {
  const k = ShapeStatsTable.keyOf(o);
  return o.shape?.hashSource === 'baleen' ? `${k}\u0000${o.shape.text}` : k;
}
