import type { z } from 'zod';
import type {
  BucketsResult,
  ConnectionsResult,
  EventCursor,
  EventDetail,
  EventFilter,
  EventRow,
  OperationRow,
  SearchResult,
  SessionDetail,
  SessionRow,
  ShapeRow,
  ShapesResult,
  UnparsedRow,
} from '../../../src-shared/contract/logs.contract';
import type { OperationsInput, ShapesInput, ConnectionsInput, SessionsInput, BucketsInput, UnparsedInput } from '../../../src-shared/contract/logs.contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import { ShapeStatsTable, type Operation, type ShapeHashSource } from '../diagnosis';
import type { EventStore } from './event.store';
import { shapeKey } from './event-writer';

/**
 * The read side of the event store: every view's query. Lists are keyset-paginated on (ts, id), so
 * page N costs what page 1 costs however deep the user scrolls into a multi-million-line log.
 */
type Sql = { where: string[]; params: unknown[] };

const LIST_ATTR_CHARS = 2000;
const COUNT_CAP = 100_000;
const MINUTE = 60_000;

interface EventDb {
  id: number;
  ts: number;
  node_ix: number;
  sev: string;
  comp: string;
  mid: number | null;
  ctx: string;
  msg: string;
  attr: string | null;
}

const EVENT_COLS = 'e.id, e.ts, e.node_ix, e.sev, e.comp, e.mid, e.ctx, e.msg, e.attr';

export function eventRow(store: EventStore, r: EventDb, full = false): EventRow {
  const cut = !full && r.attr !== null && r.attr.length > LIST_ATTR_CHARS;
  return {
    id: r.id,
    ts: r.ts,
    node: store.nodeName(r.node_ix),
    severity: r.sev,
    component: r.comp,
    mid: r.mid,
    ctx: r.ctx,
    msg: r.msg,
    attr: cut ? r.attr!.slice(0, LIST_ATTR_CHARS) : r.attr,
    attrTruncated: cut,
  };
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** logv2 debug levels D1..D5 answer a filter on D. */
function expandSeverities(s: readonly string[]): string[] {
  const out = new Set(s);
  if (out.has('D')) for (const d of ['D1', 'D2', 'D3', 'D4', 'D5']) out.add(d);
  return [...out];
}

/**
 * Search text → an FTS5 query over whole tokens (every word must appear) plus the substrings that
 * must appear as written (quoted phrases, and words with punctuation such as `testdb.orders` or an
 * address): the index narrows, the substring check on the candidates makes it exact.
 */
export function parseSearchText(text: string): { match: string | null; substrings: string[] } {
  const terms: { value: string; phrase: boolean; prefix: boolean }[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1] !== undefined) {
      if (m[1].trim() !== '') terms.push({ value: m[1], phrase: true, prefix: false });
    } else {
      const raw = m[2]!;
      const prefix = raw.length > 1 && raw.endsWith('*');
      terms.push({ value: prefix ? raw.slice(0, -1) : raw, phrase: false, prefix });
    }
  }
  const tokens: string[] = [];
  const substrings: string[] = [];
  for (const t of terms) {
    const words = t.value.split(/[^\p{L}\p{N}_]+/u).filter((w) => w !== '');
    words.forEach((w, i) => tokens.push(`"${w.replace(/"/g, '""')}"${t.prefix && i === words.length - 1 ? '*' : ''}`));
    const simple = words.length === 1 && words[0] === t.value;
    if (t.phrase || (!simple && !t.prefix) || words.length === 0) substrings.push(t.value.toLowerCase());
  }
  return { match: tokens.length > 0 ? tokens.join(' AND ') : null, substrings };
}

function filterSql(store: EventStore, f: EventFilter): Sql | null {
  const where: string[] = [];
  const params: unknown[] = [];
  const ixs = store.nodeIxs(f);
  if (ixs !== undefined) {
    if (ixs.length === 0) return null;
    where.push(`e.node_ix IN (${placeholders(ixs.length)})`);
    params.push(...ixs);
  }
  if (f.severities && f.severities.length > 0) {
    const s = expandSeverities(f.severities);
    where.push(`e.sev IN (${placeholders(s.length)})`);
    params.push(...s);
  }
  if (f.components && f.components.length > 0) {
    where.push(`e.comp IN (${placeholders(f.components.length)})`);
    params.push(...f.components);
  }
  if (f.ids && f.ids.length > 0) {
    where.push(`e.mid IN (${placeholders(f.ids.length)})`);
    params.push(...f.ids);
  }
  if (f.ctx !== undefined) {
    where.push('e.ctx = ?');
    params.push(f.ctx);
  }
  if (f.from !== undefined) {
    where.push('e.ts >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    where.push('e.ts <= ?');
    params.push(f.to);
  }
  if (f.sourceId !== undefined) {
    where.push('e.file_id IN (SELECT id FROM files WHERE source_id = ?)');
    params.push(f.sourceId);
  }
  if (f.text !== undefined && f.text.trim() !== '') {
    const { match, substrings } = parseSearchText(f.text);
    if (match !== null) {
      where.push('e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)');
      params.push(match);
    }
    for (const s of substrings) {
      where.push("instr(lower(e.msg || char(10) || coalesce(e.attr, '')), ?) > 0");
      params.push(s);
    }
  }
  return { where, params };
}

const whereOf = (s: Sql, extra: string[] = []) => {
  const all = [...s.where, ...extra];
  return all.length > 0 ? `WHERE ${all.join(' AND ')}` : '';
};

function wrapFts<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/fts5|MATCH/i.test(msg)) throw new BaleenError('E_INVALID_INPUT', `The search text cannot be searched: ${msg}`);
    throw e;
  }
}

export function searchEvents(store: EventStore, q: { filter: EventFilter; cursor: EventCursor | null; direction: 'after' | 'before'; limit: number }): SearchResult {
  const sql = filterSql(store, q.filter);
  if (sql === null) return { rows: [], more: false };
  const extra: string[] = [];
  const params = [...sql.params];
  if (q.cursor !== null) {
    extra.push(q.direction === 'after' ? '(e.ts, e.id) > (?, ?)' : '(e.ts, e.id) < (?, ?)');
    params.push(q.cursor.ts, q.cursor.id);
  }
  const order = q.direction === 'after' ? 'e.ts ASC, e.id ASC' : 'e.ts DESC, e.id DESC';
  const rows = wrapFts(() =>
    store.db
      .prepare<unknown[], EventDb>(`SELECT ${EVENT_COLS} FROM events e ${whereOf(sql, extra)} ORDER BY ${order} LIMIT ?`)
      .all(...params, q.limit + 1),
  );
  const more = rows.length > q.limit;
  if (more) rows.pop();
  if (q.direction === 'before') rows.reverse();
  return { rows: rows.map((r) => eventRow(store, r)), more };
}

export function getEvent(store: EventStore, id: number): EventDetail {
  const r = store.db
    .prepare<[number], EventDb & { path: string; line: number; source_id: number | null }>(
      `SELECT ${EVENT_COLS}, e.line, f.path, f.source_id FROM events e LEFT JOIN files f ON f.id = e.file_id WHERE e.id = ?`,
    )
    .get(id);
  if (!r) throw new BaleenError('E_NOT_FOUND', `There is no log event ${id}.`);
  return { ...eventRow(store, r, true), file: r.path ?? '', line: r.line, sourceId: r.source_id ?? null };
}

/**
 * How many events match. Without text, context, id or source filters the per-minute counts answer
 * (exactly: whole minutes from the buckets, the two partial edge minutes from the events); otherwise
 * a capped count.
 */
export function countEvents(store: EventStore, f: EventFilter): { count: number; exact: boolean } {
  const simple = (f.text === undefined || f.text.trim() === '') && f.ctx === undefined && (f.ids === undefined || f.ids.length === 0) && f.sourceId === undefined;
  if (simple) {
    const ixs = store.nodeIxs(f);
    if (ixs !== undefined && ixs.length === 0) return { count: 0, exact: true };
    const where: string[] = [];
    const params: unknown[] = [];
    if (ixs !== undefined) {
      where.push(`node_ix IN (${placeholders(ixs.length)})`);
      params.push(...ixs);
    }
    if (f.severities && f.severities.length > 0) {
      const s = expandSeverities(f.severities);
      where.push(`sev IN (${placeholders(s.length)})`);
      params.push(...s);
    }
    if (f.components && f.components.length > 0) {
      where.push(`comp IN (${placeholders(f.components.length)})`);
      params.push(...f.components);
    }
    // Whole minutes inside [from, to] from the buckets; the partial minutes at each edge from events.
    const firstWhole = f.from === undefined ? undefined : Math.ceil(f.from / MINUTE);
    const lastWhole = f.to === undefined ? undefined : Math.floor((f.to + 1) / MINUTE) - 1;
    const bw = [...where];
    const bp = [...params];
    if (firstWhole !== undefined) {
      bw.push('minute >= ?');
      bp.push(firstWhole);
    }
    if (lastWhole !== undefined) {
      bw.push('minute <= ?');
      bp.push(lastWhole);
    }
    let count = store.db.prepare<unknown[], { n: number | null }>(`SELECT sum(n) AS n FROM buckets ${bw.length ? `WHERE ${bw.join(' AND ')}` : ''}`).get(...bp)?.n ?? 0;
    const edge = (from: number, to: number) => {
      if (from > to) return 0;
      const sql = filterSql(store, { ...f, from, to });
      if (sql === null) return 0;
      return store.db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM events e ${whereOf(sql)}`).get(...sql.params)?.n ?? 0;
    };
    if (firstWhole !== undefined && lastWhole !== undefined && firstWhole > lastWhole) return { count: edge(f.from!, f.to!), exact: true };
    if (f.from !== undefined && firstWhole! * MINUTE > f.from) count += edge(f.from, Math.min(firstWhole! * MINUTE - 1, f.to ?? Infinity));
    if (f.to !== undefined && (lastWhole! + 1) * MINUTE <= f.to) count += edge(Math.max((lastWhole! + 1) * MINUTE, f.from ?? -Infinity), f.to);
    return { count, exact: true };
  }
  const sql = filterSql(store, f);
  if (sql === null) return { count: 0, exact: true };
  const n = wrapFts(() => store.db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM events e ${whereOf(sql)} LIMIT ?)`).get(...sql.params, COUNT_CAP + 1)?.n ?? 0);
  return n > COUNT_CAP ? { count: COUNT_CAP, exact: false } : { count: n, exact: true };
}

/** A bucket width of whole minutes giving about `target` buckets over the range. */
export function stepFor(from: number, to: number, target = 120, min = MINUTE): number {
  const raw = Math.max(min, (to - from) / target);
  const nice = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * MINUTE);
  return nice.find((s) => s >= raw) ?? Math.ceil(raw / (1440 * MINUTE)) * 1440 * MINUTE;
}

/** Steps under a minute, for zoomed-in windows (counted from the lines, not the per-minute counts). */
const FINE_STEPS = [1000, 2000, 5000, 10_000, 15_000, 30_000];
/** Longest range counted from the lines. */
const FINE_MAX_RANGE = 2 * 3_600_000;

export function eventBuckets(store: EventStore, q: z.output<typeof BucketsInput>): BucketsResult {
  const fineAllowed = q.to - q.from <= FINE_MAX_RANGE;
  let step: number;
  if (q.stepMs !== undefined) step = q.stepMs < MINUTE && fineAllowed ? (FINE_STEPS.find((s) => s >= q.stepMs!) ?? MINUTE) : Math.ceil(q.stepMs / MINUTE) * MINUTE;
  else {
    const raw = (q.to - q.from) / 120;
    step = raw < MINUTE && fineAllowed ? (FINE_STEPS.find((s) => s >= raw) ?? MINUTE) : stepFor(q.from, q.to);
  }
  const ixs = store.nodeIxs(q);
  if (ixs !== undefined && ixs.length === 0) return { stepMs: step, from: q.from, to: q.to, series: [] };
  const col = q.by === 'severity' ? 'sev' : 'comp';
  if (step < MINUTE) return fineBuckets(store, q, step, col, ixs);
  const stepMin = step / MINUTE;
  const where = ['minute >= ?', 'minute <= ?'];
  const params: unknown[] = [Math.floor(q.from / MINUTE), Math.floor(q.to / MINUTE)];
  if (ixs !== undefined) {
    where.push(`node_ix IN (${placeholders(ixs.length)})`);
    params.push(...ixs);
  }
  const rows = store.db
    .prepare<unknown[], { b: number; k: string; n: number }>(`SELECT (minute - minute % ?) AS b, ${col} AS k, sum(n) AS n FROM buckets WHERE ${where.join(' AND ')} GROUP BY b, k ORDER BY b`)
    .all(stepMin, ...params);
  const series = new Map<string, { key: string; total: number; points: [number, number][] }>();
  for (const r of rows) {
    let s = series.get(r.k);
    if (!s) series.set(r.k, (s = { key: r.k, total: 0, points: [] }));
    s.total += r.n;
    s.points.push([r.b * MINUTE, r.n]);
  }
  return { stepMs: step, from: q.from, to: q.to, series: [...series.values()].sort((a, b) => b.total - a.total) };
}

function fineBuckets(store: EventStore, q: { from: number; to: number }, step: number, col: 'sev' | 'comp', ixs: number[] | undefined): BucketsResult {
  const where = ['ts >= ?', 'ts <= ?'];
  const params: unknown[] = [q.from, q.to];
  if (ixs !== undefined) {
    where.push(`node_ix IN (${placeholders(ixs.length)})`);
    params.push(...ixs);
  }
  const rows = store.db
    .prepare<unknown[], { b: number; k: string; n: number }>(`SELECT (ts - ts % ?) AS b, ${col} AS k, count(*) AS n FROM events WHERE ${where.join(' AND ')} GROUP BY b, k ORDER BY b`)
    .all(step, ...params);
  const series = new Map<string, { key: string; total: number; points: [number, number][] }>();
  for (const r of rows) {
    let s = series.get(r.k);
    if (!s) series.set(r.k, (s = { key: r.k, total: 0, points: [] }));
    s.total += r.n;
    s.points.push([r.b, r.n]);
  }
  return { stepMs: step, from: q.from, to: q.to, series: [...series.values()].sort((a, b) => b.total - a.total) };
}

export function unparsedLines(store: EventStore, q: z.output<typeof UnparsedInput>): UnparsedRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.sourceId !== undefined) {
    where.push('f.source_id = ?');
    params.push(q.sourceId);
  }
  if (q.afterId !== undefined) {
    where.push('u.id > ?');
    params.push(q.afterId);
  }
  return store.db
    .prepare<unknown[], { id: number; source_id: number | null; path: string | null; line: number; bytes: number; reason: UnparsedRow['reason']; text: string }>(
      `SELECT u.id, f.source_id, f.path, u.line, u.bytes, u.reason, substr(u.text, 1, 2000) AS text FROM unparsed u LEFT JOIN files f ON f.id = u.file_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY u.id LIMIT ?`,
    )
    .all(...params, q.limit)
    .map((r) => ({ id: r.id, sourceId: r.source_id, file: r.path ?? '', line: r.line, bytes: r.bytes, reason: r.reason, text: r.text }));
}

// -------------------------------------------------------------------------------------------------
// Operations and shapes.

interface OpDb {
  id: number;
  node_ix: number;
  ts: number;
  ns: string;
  op: string;
  ms: number;
  keys: number | null;
  docs: number | null;
  nret: number | null;
  plan: string | null;
  shape_ix: number | null;
  client: string | null;
  conn: string | null;
  app: string | null;
  user: string | null;
  err_code: number | null;
  err_name: string | null;
  failed: number;
  lsid: string | null;
  txn: number | null;
  sess_id: number | null;
}

export function operationRow(store: EventStore, r: OpDb): OperationRow {
  return {
    id: r.id,
    ts: r.ts,
    node: store.nodeName(r.node_ix),
    ns: r.ns,
    op: r.op,
    durationMs: r.ms,
    keysExamined: r.keys,
    docsExamined: r.docs,
    nreturned: r.nret,
    planSummary: r.plan,
    shapeId: r.shape_ix,
    client: r.client,
    ctx: r.conn,
    appName: r.app,
    user: r.user,
    failed: r.failed === 1,
    errorCode: r.err_code,
    errorName: r.err_name,
    lsid: r.lsid,
    txnNumber: r.txn,
    sessionId: r.sess_id,
  };
}

function windowSql(store: EventStore, q: { from?: number | undefined; to?: number | undefined; nodes?: string[] | undefined; nodeIds?: string[] | undefined }, alias = 'o'): Sql | null {
  const where: string[] = [];
  const params: unknown[] = [];
  const ixs = store.nodeIxs(q);
  if (ixs !== undefined) {
    if (ixs.length === 0) return null;
    where.push(`${alias}.node_ix IN (${placeholders(ixs.length)})`);
    params.push(...ixs);
  }
  if (q.from !== undefined) {
    where.push(`${alias}.ts >= ?`);
    params.push(q.from);
  }
  if (q.to !== undefined) {
    where.push(`${alias}.ts <= ?`);
    params.push(q.to);
  }
  return { where, params };
}

export function listOperations(store: EventStore, q: z.output<typeof OperationsInput>): OperationRow[] {
  const sql = windowSql(store, q);
  if (sql === null) return [];
  if (q.shapeId !== undefined) {
    sql.where.push('o.shape_ix = ?');
    sql.params.push(q.shapeId);
  }
  if (q.sessionId !== undefined) {
    sql.where.push('o.sess_id = ?');
    sql.params.push(q.sessionId);
  }
  if (q.lsid !== undefined) {
    sql.where.push('o.lsid = ?');
    sql.params.push(q.lsid.toLowerCase());
  }
  if (q.failedOnly) sql.where.push('o.failed = 1');
  const order = q.sort === 'duration' ? 'o.ms DESC, o.id' : 'o.ts, o.id';
  return store.db
    .prepare<unknown[], OpDb>(`SELECT o.* FROM ops o ${whereOf(sql)} ORDER BY ${order} LIMIT ?`)
    .all(...sql.params, q.limit)
    .map((r) => operationRow(store, r));
}

interface ShapeDb {
  ix: number;
  ns: string;
  op: string;
  text: string;
  hash: string;
  hash_source: ShapeHashSource;
}

/** Per-shape statistics recomputed from the stored operations of any window (ShapeStatsTable, as `logs analyze`). */
export function shapeStats(store: EventStore, q: z.output<typeof ShapesInput>): ShapesResult {
  const sql = windowSql(store, q);
  if (sql === null) return { operations: 0, shapes: [] };
  if (q.ns !== undefined) {
    sql.where.push('o.ns = ?');
    sql.params.push(q.ns);
  }
  const shapes = new Map<number, ShapeDb>();
  for (const s of store.db.prepare<[], ShapeDb>('SELECT ix, ns, op, text, hash, hash_source FROM shapes').all()) shapes.set(s.ix, s);
  const table = new ShapeStatsTable();
  const idOf = new Map<string, number>();
  const apps = new Map<number, Map<string, number>>();
  const stmt = store.db.prepare<unknown[], OpDb>(
    `SELECT o.id, o.node_ix, o.ts, o.ns, o.op, o.ms, o.keys, o.docs, o.nret, o.plan, o.shape_ix, o.client, o.app, o.err_code, o.err_name, o.failed FROM ops o ${whereOf(sql)} ORDER BY o.ts, o.id`,
  );
  for (const r of stmt.iterate(...sql.params)) {
    const s = r.shape_ix !== null ? shapes.get(r.shape_ix) : undefined;
    const o: Operation = { source: 'log', node: store.nodeName(r.node_ix), ns: r.ns, op: r.op, ts: r.ts, durationMs: r.ms };
    if (r.keys !== null) o.keysExamined = r.keys;
    if (r.docs !== null) o.docsExamined = r.docs;
    if (r.nret !== null) o.nreturned = r.nret;
    if (r.plan !== null) o.planSummary = r.plan;
    if (r.client !== null) o.client = r.client;
    if (r.failed === 1) o.error = { ...(r.err_code !== null ? { code: r.err_code } : {}), ...(r.err_name !== null ? { name: r.err_name } : {}) };
    if (s !== undefined) o.shape = { text: s.text, hash: s.hash, hashSource: s.hash_source };
    table.add(o);
    if (r.shape_ix !== null) {
      const k = summaryKey(o.ns, o.op, s);
      if (!idOf.has(k)) idOf.set(k, r.shape_ix);
      if (r.app !== null) {
        let m = apps.get(r.shape_ix);
        if (!m) apps.set(r.shape_ix, (m = new Map()));
        m.set(r.app, (m.get(r.app) ?? 0) + 1);
      }
    }
  }
  const rows: ShapeRow[] = table.summaries({ sortBy: q.sortBy, limit: q.limit }).map((s) => {
    const shapeId = s.hash === '' ? undefined : idOf.get(summaryKey(s.ns, s.op, { text: s.shape, hash: s.hash, hash_source: s.hashSource }));
    const appCounts = shapeId !== undefined ? [...(apps.get(shapeId) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).slice(0, 10) : [];
    return { ...s, shapeId: shapeId ?? null, apps: appCounts.map(([app, count]) => ({ app, count })) };
  });
  return { operations: table.operations, shapes: rows };
}

function summaryKey(ns: string, op: string, s: Pick<ShapeDb, 'text' | 'hash' | 'hash_source'> | undefined): string {
  if (s === undefined) return `${ns}\u0000${op}`;
  return s.hash_source === 'baleen' ? `${ns}\u0000${op}\u0000${s.hash}\u0000${s.text}` : `${ns}\u0000${op}\u0000${s.hash_source}:${s.hash}`;
}

export { shapeKey };

// -------------------------------------------------------------------------------------------------
// Connections.

interface SessionDb {
  id: number;
  node_ix: number;
  conn: string;
  remote: string | null;
  host: string | null;
  accepted: number | null;
  ended: number | null;
  driver: string | null;
  driver_version: string | null;
  app: string | null;
  os: string | null;
  user: string | null;
  auth_db: string | null;
  mechanism: string | null;
  auth_ok: number | null;
  auth_failures: number;
  ops: number;
}

function sessionRow(store: EventStore, r: SessionDb): SessionRow {
  return {
    id: r.id,
    node: store.nodeName(r.node_ix),
    ctx: r.conn,
    remote: r.remote,
    accepted: r.accepted,
    ended: r.ended,
    driver: r.driver,
    driverVersion: r.driver_version,
    appName: r.app,
    os: r.os,
    user: r.user !== null && r.auth_db !== null ? `${r.user}@${r.auth_db}` : r.user,
    mechanism: r.mechanism,
    authOk: r.auth_ok === null ? null : r.auth_ok === 1,
    authFailures: r.auth_failures,
    operations: r.ops,
  };
}

function sessionWindowSql(store: EventStore, q: { from?: number | undefined; to?: number | undefined; nodes?: string[] | undefined; nodeIds?: string[] | undefined }): Sql | null {
  const where: string[] = [];
  const params: unknown[] = [];
  const ixs = store.nodeIxs(q);
  if (ixs !== undefined) {
    if (ixs.length === 0) return null;
    where.push(`s.node_ix IN (${placeholders(ixs.length)})`);
    params.push(...ixs);
  }
  // A connection belongs to a window if it was open in it (accepted before its end, not ended before its start).
  if (q.to !== undefined) {
    where.push('(s.accepted IS NULL OR s.accepted <= ?)');
    params.push(q.to);
  }
  if (q.from !== undefined) {
    where.push('(s.ended IS NULL OR s.ended >= ?)');
    params.push(q.from);
  }
  return { where, params };
}

const GROUP_COL = { app: 'app', driver: 'driver', host: 'host', user: 'user', os: 'os' } as const;
const UNKNOWN = '(not reported)';

export function connectionAnalysis(store: EventStore, q: z.output<typeof ConnectionsInput>): ConnectionsResult {
  const sql = sessionWindowSql(store, q);
  const range = q.from !== undefined && q.to !== undefined ? { from: q.from, to: q.to } : sessionRange(store, q);
  const step = stepFor(range.from, range.to);
  if (sql === null) return { sessions: 0, groups: [], churn: { stepMs: step, points: [] } };
  const col = GROUP_COL[q.by];
  interface Acc {
    key: string;
    sessions: number;
    operations: number;
    authFailures: number;
    first: number | null;
    last: number | null;
    drivers: Map<string, number>;
    apps: Map<string, number>;
    hosts: Map<string, number>;
  }
  const groups = new Map<string, Acc>();
  let total = 0;
  const bump = (m: Map<string, number>, k: string | null) => {
    if (k !== null && (m.size < 50 || m.has(k))) m.set(k, (m.get(k) ?? 0) + 1);
  };
  const rows = store.db.prepare<unknown[], SessionDb>(`SELECT s.* FROM sessions s ${whereOf(sql)}`).iterate(...sql.params);
  for (const r of rows) {
    total++;
    const key = (r[col] as string | null) ?? UNKNOWN;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, sessions: 0, operations: 0, authFailures: 0, first: null, last: null, drivers: new Map(), apps: new Map(), hosts: new Map() }));
    g.sessions++;
    g.operations += r.ops;
    g.authFailures += r.auth_failures;
    if (r.accepted !== null) {
      g.first = g.first === null ? r.accepted : Math.min(g.first, r.accepted);
      g.last = g.last === null ? r.accepted : Math.max(g.last, r.accepted);
    }
    bump(g.drivers, r.driver !== null ? `${r.driver}${r.driver_version ? ` ${r.driver_version}` : ''}` : null);
    bump(g.apps, r.app);
    bump(g.hosts, r.host);
  }
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([k]) => k);
  const out = [...groups.values()]
    .sort((a, b) => b.sessions - a.sessions || b.operations - a.operations)
    .slice(0, q.limit)
    .map((g) => ({ key: g.key, sessions: g.sessions, operations: g.operations, authFailures: g.authFailures, firstAccepted: g.first, lastAccepted: g.last, drivers: top(g.drivers), apps: top(g.apps), hosts: top(g.hosts) }));
  return { sessions: total, groups: out, churn: { stepMs: step, points: connectionChurn(store, q, range, step) } };
}

function sessionRange(store: EventStore, q: { nodes?: string[] | undefined; nodeIds?: string[] | undefined; from?: number | undefined; to?: number | undefined }): { from: number; to: number } {
  const r = store.db.prepare<[], { a: number | null; b: number | null }>('SELECT min(minute) AS a, max(minute) AS b FROM conn_buckets').get();
  const from = q.from ?? (r?.a ?? 0) * MINUTE;
  const to = q.to ?? ((r?.b ?? 0) + 1) * MINUTE;
  return { from, to: Math.max(from + MINUTE, to) };
}

function connectionChurn(store: EventStore, q: { nodes?: string[] | undefined; nodeIds?: string[] | undefined }, range: { from: number; to: number }, step: number): [number, number, number][] {
  const ixs = store.nodeIxs(q);
  if (ixs !== undefined && ixs.length === 0) return [];
  const stepMin = step / MINUTE;
  const where = ['minute >= ?', 'minute <= ?'];
  const params: unknown[] = [Math.floor(range.from / MINUTE), Math.floor(range.to / MINUTE)];
  if (ixs !== undefined) {
    where.push(`node_ix IN (${placeholders(ixs.length)})`);
    params.push(...ixs);
  }
  return store.db
    .prepare<unknown[], { b: number; a: number; e: number }>(`SELECT (minute - minute % ?) AS b, sum(accepted) AS a, sum(ended) AS e FROM conn_buckets WHERE ${where.join(' AND ')} GROUP BY b ORDER BY b`)
    .all(stepMin, ...params)
    .map((r) => [r.b * MINUTE, r.a, r.e]);
}

export function listSessions(store: EventStore, q: z.output<typeof SessionsInput>): SessionRow[] {
  const sql = sessionWindowSql(store, q);
  if (sql === null) return [];
  const eq = (col: string, v: string | undefined) => {
    if (v === undefined) return;
    if (v === UNKNOWN) sql.where.push(`s.${col} IS NULL`);
    else {
      sql.where.push(`s.${col} = ?`);
      sql.params.push(v);
    }
  };
  eq('app', q.app);
  eq('host', q.host);
  eq('user', q.user);
  eq('os', q.os);
  if (q.driver !== undefined) {
    if (q.driver === UNKNOWN) sql.where.push('s.driver IS NULL');
    else {
      sql.where.push("(s.driver = ? OR s.driver || ' ' || coalesce(s.driver_version, '') = ?)");
      sql.params.push(q.driver, q.driver);
    }
  }
  return store.db
    .prepare<unknown[], SessionDb>(`SELECT s.* FROM sessions s ${whereOf(sql)} ORDER BY coalesce(s.accepted, 0), s.id LIMIT ?`)
    .all(...sql.params, q.limit)
    .map((r) => sessionRow(store, r));
}

export function sessionDetail(store: EventStore, id: number): SessionDetail {
  const r = store.db.prepare<[number], SessionDb>('SELECT * FROM sessions WHERE id = ?').get(id);
  if (!r) throw new BaleenError('E_NOT_FOUND', `There is no connection session ${id}.`);
  const ops = store.db
    .prepare<[number], OpDb>('SELECT * FROM ops WHERE sess_id = ? ORDER BY ts, id LIMIT 1000')
    .all(id)
    .map((o) => operationRow(store, o));
  const where = ['e.ctx = ?', 'e.node_ix = ?'];
  const params: unknown[] = [r.conn, r.node_ix];
  if (r.accepted !== null) {
    where.push('e.ts >= ?');
    params.push(r.accepted);
  }
  if (r.ended !== null) {
    where.push('e.ts <= ?');
    params.push(r.ended);
  }
  const events = store.db
    .prepare<unknown[], EventDb>(`SELECT ${EVENT_COLS} FROM events e WHERE ${where.join(' AND ')} ORDER BY e.ts, e.id LIMIT 1000`)
    .all(...params)
    .map((e) => eventRow(store, e));
  // The accepted line is logged by the listener thread, not the connection's own context.
  if (r.accepted !== null) {
    const acc = store.db
      .prepare<[number, number, string], EventDb>(`SELECT ${EVENT_COLS} FROM events e WHERE e.node_ix = ? AND e.ts = ? AND e.kind = 2 AND instr(e.attr, ?) > 0 LIMIT 1`)
      .get(r.node_ix, r.accepted, `"connectionId":${r.conn.replace(/^conn/, '')}`);
    if (acc && !events.some((e) => e.id === acc.id)) events.unshift(eventRow(store, acc));
  }
  return { session: sessionRow(store, r), operations: ops, events };
}
