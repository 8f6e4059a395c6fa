import type { PlanChange, PlanHistoryEntry } from '../../../src-shared/contract';
import type { ExplainOp, Verbosity } from '../../../src-shared/domain/explain';
import type { NodeId } from '../../../src-shared/domain/identity';
import type { SqliteDatabase, SqliteDriver } from '../ports/sqlite';
import { openDatabase, type Migration } from '../store/sqlite-open';

/**
 * Each query shape's winning plans per node over time (plans.db): one row per live explain, keyed by
 * node, namespace and shape hash, with the plan's signature (stages and indexes, no numbers) and its
 * totals. A row whose signature differs from the previous row of its shape on its node is a plan
 * change. Only shapes are stored — literals never reach this file (SEC-X2).
 *
 * Its own small file: the event store (events.db) offers no way to add a table, and plan history is
 * evidence that can be re-created by running explain again, so `synchronous=NORMAL` as for metrics.
 */

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'plan history',
    up: `
      CREATE TABLE plans (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        node_id TEXT NOT NULL,
        namespace TEXT NOT NULL,
        op TEXT NOT NULL,
        shape_hash TEXT NOT NULL,
        shape_text TEXT NOT NULL,
        signature TEXT NOT NULL,
        plan_summary TEXT NOT NULL,
        verbosity TEXT NOT NULL,
        n_returned REAL,
        exec_ms REAL,
        keys_examined REAL,
        docs_examined REAL,
        changed INTEGER NOT NULL DEFAULT 0,
        prev_id INTEGER
      );
      CREATE INDEX plans_shape ON plans (node_id, namespace, shape_hash, ts, id);
      CREATE INDEX plans_changes ON plans (ts) WHERE changed = 1;
    `,
  },
];

/** Rows kept per shape and node: a year of daily explains, and a runaway loop cannot fill the disk. */
export const MAX_ROWS_PER_SHAPE = 500;

export interface PlanRecord {
  ts: number;
  nodeId: NodeId;
  namespace: string;
  op: ExplainOp;
  shapeHash: string;
  shapeText: string;
  signature: string;
  planSummary: string;
  verbosity: Verbosity;
  nReturned: number | null;
  executionTimeMillis: number | null;
  totalKeysExamined: number | null;
  totalDocsExamined: number | null;
}

interface Row {
  id: number;
  ts: number;
  node_id: string;
  namespace: string;
  op: string;
  shape_hash: string;
  shape_text: string;
  signature: string;
  plan_summary: string;
  verbosity: string;
  n_returned: number | null;
  exec_ms: number | null;
  keys_examined: number | null;
  docs_examined: number | null;
  changed: number;
  prev_id: number | null;
}

const toEntry = (r: Row): PlanHistoryEntry => ({
  id: r.id,
  ts: r.ts,
  nodeId: r.node_id as NodeId,
  namespace: r.namespace,
  op: r.op as ExplainOp,
  shapeHash: r.shape_hash,
  shapeText: r.shape_text,
  planSummary: r.plan_summary,
  verbosity: r.verbosity as Verbosity,
  nReturned: r.n_returned,
  executionTimeMillis: r.exec_ms,
  totalKeysExamined: r.keys_examined,
  totalDocsExamined: r.docs_examined,
  changed: r.changed === 1,
});

export class PlanHistoryStore {
  readonly db: SqliteDatabase;

  constructor(driver: SqliteDriver, path: string) {
    this.db = openDatabase(driver, path, { synchronous: 'NORMAL', migrations: MIGRATIONS });
  }

  /** Adds one explain's plan; returns the entry and, when the winning plan changed, the change. */
  record(p: PlanRecord): { entry: PlanHistoryEntry; change: PlanChange | null } {
    return this.db.transaction(() => {
      const last = this.db
        .prepare<[string, string, string], Row>('SELECT * FROM plans WHERE node_id = ? AND namespace = ? AND shape_hash = ? ORDER BY ts DESC, id DESC LIMIT 1')
        .get(p.nodeId, p.namespace, p.shapeHash);
      const changed = last !== undefined && last.signature !== p.signature;
      const info = this.db
        .prepare(
          `INSERT INTO plans (ts, node_id, namespace, op, shape_hash, shape_text, signature, plan_summary, verbosity, n_returned, exec_ms, keys_examined, docs_examined, changed, prev_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          p.ts,
          p.nodeId,
          p.namespace,
          p.op,
          p.shapeHash,
          p.shapeText,
          p.signature,
          p.planSummary,
          p.verbosity,
          p.nReturned,
          p.executionTimeMillis,
          p.totalKeysExamined,
          p.totalDocsExamined,
          changed ? 1 : 0,
          last?.id ?? null,
        );
      this.db
        .prepare(
          `DELETE FROM plans WHERE node_id = ? AND namespace = ? AND shape_hash = ? AND id NOT IN
             (SELECT id FROM plans WHERE node_id = ? AND namespace = ? AND shape_hash = ? ORDER BY ts DESC, id DESC LIMIT ${MAX_ROWS_PER_SHAPE})`,
        )
        .run(p.nodeId, p.namespace, p.shapeHash, p.nodeId, p.namespace, p.shapeHash);
      const row = this.db.prepare<[number | bigint], Row>('SELECT * FROM plans WHERE id = ?').get(info.lastInsertRowid)!;
      const change: PlanChange | null = changed
        ? { nodeId: p.nodeId, namespace: p.namespace, op: p.op, shapeHash: p.shapeHash, shapeText: p.shapeText, ts: p.ts, previousTs: last.ts, from: last.plan_summary, to: p.planSummary }
        : null;
      return { entry: toEntry(row), change };
    })();
  }

  history(q: { nodeId?: string | undefined; shapeHash?: string | undefined; namespace?: string | undefined; limit: number }): PlanHistoryEntry[] {
    const rows = this.db
      .prepare<[string | null, string | null, string | null, string | null, string | null, string | null, number], Row>(
        `SELECT * FROM plans WHERE (? IS NULL OR node_id = ?) AND (? IS NULL OR shape_hash = ?) AND (? IS NULL OR namespace = ?)
         ORDER BY ts DESC, id DESC LIMIT ?`,
      )
      .all(q.nodeId ?? null, q.nodeId ?? null, q.shapeHash ?? null, q.shapeHash ?? null, q.namespace ?? null, q.namespace ?? null, q.limit);
    return rows.map(toEntry);
  }

  changes(q: { nodeId?: string | undefined; from?: number | undefined; to?: number | undefined; limit: number }): PlanChange[] {
    const rows = this.db
      .prepare<[number, number, string | null, string | null, number], Row & { prev_ts: number; prev_summary: string }>(
        `SELECT p.*, q.ts AS prev_ts, q.plan_summary AS prev_summary FROM plans p JOIN plans q ON q.id = p.prev_id
         WHERE p.changed = 1 AND p.ts >= ? AND p.ts <= ? AND (? IS NULL OR p.node_id = ?)
         ORDER BY p.ts DESC, p.id DESC LIMIT ?`,
      )
      .all(q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER, q.nodeId ?? null, q.nodeId ?? null, q.limit);
    return rows.map((r) => ({
      nodeId: r.node_id as NodeId,
      namespace: r.namespace,
      op: r.op as ExplainOp,
      shapeHash: r.shape_hash,
      shapeText: r.shape_text,
      ts: r.ts,
      previousTs: r.prev_ts,
      from: r.prev_summary,
      to: r.plan_summary,
    }));
  }

  close(): void {
    this.db.close();
  }
}
