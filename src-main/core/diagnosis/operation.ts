/**
 * The operation model: one record type for a finished (or running) database operation, whoever
 * observed it. The log reader (slow query lines), the profiler (system.profile documents) and
 * currentOp all produce it, so views, shapes and reports are written once.
 *
 * Fields a source does not report are left undefined: a gap, never a zero.
 */
export type OperationSource = 'log' | 'profiler' | 'currentOp';

/** Where a query-shape hash came from: the server's own hashes win over Baleen's. */
export type ShapeHashSource = 'queryShapeHash' | 'planCacheShapeHash' | 'queryHash' | 'baleen';

export interface QueryShapeRef {
  /** Canonical JSON text of the shape: literals replaced by their type (`"?number"`). */
  text: string;
  /** The hash the shape is grouped by, with where it came from. */
  hash: string;
  hashSource: ShapeHashSource;
}

export interface OperationError {
  code?: number;
  name?: string;
  message?: string;
}

export interface Operation {
  source: OperationSource;
  /** The node that ran it (host:port as the node knows itself), when the source says. */
  node?: string;
  /** `db.collection`; for commands without a collection, `db.$cmd`. */
  ns: string;
  /** find, aggregate, update, remove, insert, getMore, count, distinct, or the command's name. */
  op: string;
  /** Epoch ms of the report (for logs: the line's time, i.e. when the operation ended). */
  ts: number | null;
  durationMs: number;
  keysExamined?: number;
  docsExamined?: number;
  nreturned?: number;
  nModified?: number;
  ndeleted?: number;
  ninserted?: number;
  numYields?: number;
  reslen?: number;
  planSummary?: string;
  shape?: QueryShapeRef;
  /** The server's hashes, as reported (4.2+ queryHash, 8.0 planCacheShapeHash / queryShapeHash). */
  queryHash?: string;
  planCacheKey?: string;
  queryShapeHash?: string;
  /** Remote address of the client (`ip:port`), the connection id and the driver's app name. */
  client?: string;
  connection?: string;
  appName?: string;
  user?: string;
  error?: OperationError;
  /** Logical session id (the `lsid.id` UUID) and transaction number: what links a session's operations. */
  lsid?: string;
  txnNumber?: number;
}

/**
 * Longest duration taken at face value (about 31 years): a bigger one is corruption, and would
 * overflow totals.
 */
export const MAX_DURATION_MS = 1e12;

/** The client host of an `ip:port` / `[v6]:port` address; grouping by host survives port churn. */
export function clientHost(remote: string): string {
  if (remote.startsWith('[')) {
    const end = remote.indexOf(']');
    return end > 0 ? remote.slice(1, end) : remote;
  }
  const colon = remote.lastIndexOf(':');
  // A bare IPv6 address has several colons and no port.
  if (colon > 0 && remote.indexOf(':') === colon) return remote.slice(0, colon);
  return remote;
}

/** Docs (else keys) examined per document returned; undefined when nothing was returned. */
export function examinedPerReturned(o: Pick<Operation, 'docsExamined' | 'keysExamined' | 'nreturned'>): number | undefined {
  const examined = Math.max(o.docsExamined ?? 0, o.keysExamined ?? 0);
  if (o.nreturned === undefined || o.nreturned <= 0) return undefined;
  return examined / o.nreturned;
}
