import type { Incident, IncidentDetail, IncidentKind } from '../../../src-shared/contract/events.contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import type { EventStore } from './event.store';
import { eventRow, operationRow } from './event-queries';

/**
 * Incidents: the signal lines (state changes, elections, stepdowns, rollbacks, restarts, missed log
 * lines) plus two rates read from the per-minute counts (connection storms, assertion bursts), grouped
 * by time into one incident each, across nodes — an election shows as the old primary stepping down
 * and the new one stepping up, together — with the operations that failed or slowed around it.
 *
 * Incidents are derived: `rebuildIncidents()` recomputes them from the store in one transaction, so a
 * deleted source's incidents go with it and a followed log's grow as lines arrive.
 */
export const INCIDENT_TUNING = {
  /** Signals further apart than this start a new incident. */
  gapMs: 60_000,
  /** Operations this long before and after an incident count as around it. */
  marginMs: 60_000,
  /** A minute with at least this many accepted connections, and `stormFactor` × the usual rate, is a storm. */
  stormMin: 50,
  stormFactor: 5,
  /** A minute with at least this many error/fatal lines, and `burstFactor` × the usual rate, is a burst. */
  burstMin: 20,
  burstFactor: 5,
  /** The usual rate is the median of this many preceding minutes (missing minutes count as 0). */
  baselineMinutes: 30,
} as const;

const MINUTE = 60_000;
const MAX_EVIDENCE = 200;

interface Sig {
  id: number | null;
  node: number;
  ts: number;
  end: number;
  kind: string;
  detail: string;
}

const PRIORITY: IncidentKind[] = ['rollback', 'election', 'stepdown', 'restart', 'connection-storm', 'assertion-burst', 'log-gap', 'state-change'];

function kindOf(s: Sig): IncidentKind | null {
  switch (s.kind) {
    case 'rollback':
      return 'rollback';
    case 'election':
    case 'election-won':
      return 'election';
    case 'stepdown':
      return 'stepdown';
    case 'restart':
    case 'shutdown':
      return 'restart';
    case 'storm':
      return 'connection-storm';
    case 'burst':
      return 'assertion-burst';
    case 'gap':
      return 'log-gap';
    case 'state':
      if (s.detail.endsWith('→PRIMARY')) return 'election';
      if (s.detail.startsWith('PRIMARY→')) return 'stepdown';
      if (s.detail.endsWith('→ROLLBACK')) return 'rollback';
      return 'state-change';
    default:
      return null;
  }
}

/** How a node reads in a title: `host:port` for a NodeId or a log name, the file for an unnamed one. */
export function nodeLabel(name: string): string {
  if (name.startsWith('log:') || name.startsWith('file:')) return name.slice(name.indexOf(':') + 1);
  const slash = name.indexOf('/');
  return slash >= 0 ? name.slice(slash + 1) : name;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Minutes whose rate is far above the usual: consecutive ones merge into one span. */
function rateSpikes(rows: { node: number; minute: number; n: number }[], min: number, factor: number, kind: string, describe: (n: number, usual: number) => string): Sig[] {
  const byNode = new Map<number, Map<number, number>>();
  for (const r of rows) {
    let m = byNode.get(r.node);
    if (!m) byNode.set(r.node, (m = new Map()));
    m.set(r.minute, (m.get(r.minute) ?? 0) + r.n);
  }
  const out: Sig[] = [];
  for (const [node, counts] of byNode) {
    const minutes = [...counts.keys()].sort((a, b) => a - b);
    const first = minutes[0]!;
    let open: Sig | undefined;
    for (const minute of minutes) {
      const n = counts.get(minute)!;
      const prev: number[] = [];
      for (let k = Math.max(first, minute - INCIDENT_TUNING.baselineMinutes); k < minute; k++) prev.push(counts.get(k) ?? 0);
      const usual = median(prev);
      if (n >= min && n >= factor * Math.max(usual, 1)) {
        if (open && open.end >= minute * MINUTE) {
          open.end = (minute + 1) * MINUTE - 1;
          continue;
        }
        open = { id: null, node, ts: minute * MINUTE, end: (minute + 1) * MINUTE - 1, kind, detail: describe(n, usual) };
        out.push(open);
      }
    }
  }
  return out;
}

export function rebuildIncidents(store: EventStore): number {
  const db = store.db;
  const t = INCIDENT_TUNING;
  const signals: Sig[] = db
    .prepare<[], { id: number; node_ix: number; ts: number; kind: string; detail: string }>("SELECT id, node_ix, ts, kind, detail FROM signals WHERE kind != 'error' ORDER BY ts, id")
    .all()
    .map((r) => ({ id: r.id, node: r.node_ix, ts: r.ts, end: r.ts, kind: r.kind, detail: r.detail }));
  const conn = db.prepare<[], { node: number; minute: number; n: number }>('SELECT node_ix AS node, minute, sum(accepted) AS n FROM conn_buckets GROUP BY node_ix, minute').all();
  signals.push(...rateSpikes(conn, t.stormMin, t.stormFactor, 'storm', (n, usual) => `${n} connections accepted in a minute (usually ${Math.round(usual)})`));
  const errs = db.prepare<[], { node: number; minute: number; n: number }>("SELECT node_ix AS node, minute, sum(n) AS n FROM buckets WHERE sev IN ('E', 'F') GROUP BY node_ix, minute").all();
  signals.push(...rateSpikes(errs, t.burstMin, t.burstFactor, 'burst', (n, usual) => `${n} error lines in a minute (usually ${Math.round(usual)})`));
  signals.sort((a, b) => a.ts - b.ts || (a.id ?? 0) - (b.id ?? 0));

  const clusters: Sig[][] = [];
  let end = -Infinity;
  for (const s of signals) {
    if (kindOf(s) === null) continue;
    if (clusters.length === 0 || s.ts > end + t.gapMs) clusters.push([]);
    clusters[clusters.length - 1]!.push(s);
    end = Math.max(end, s.end);
  }

  const errorIds = db.prepare<[number, number], { id: number; node_ix: number }>("SELECT id, node_ix FROM signals WHERE kind = 'error' AND ts BETWEEN ? AND ? ORDER BY ts LIMIT 50");
  const opsAround = (nodes: number[], from: number, to: number) => {
    const ph = nodes.map(() => '?').join(', ');
    const agg = db
      .prepare<unknown[], { n: number; failed: number | null; maxms: number | null }>(`SELECT count(*) AS n, sum(failed) AS failed, max(ms) AS maxms FROM ops WHERE ts BETWEEN ? AND ? AND node_ix IN (${ph})`)
      .get(from, to, ...nodes);
    const top = db
      .prepare<unknown[], { code: number | null; name: string | null; n: number }>(
        `SELECT err_code AS code, err_name AS name, count(*) AS n FROM ops WHERE failed = 1 AND ts BETWEEN ? AND ? AND node_ix IN (${ph}) GROUP BY err_code, err_name ORDER BY n DESC LIMIT 5`,
      )
      .all(from, to, ...nodes);
    return { n: agg?.n ?? 0, failed: agg?.failed ?? 0, maxMs: agg?.maxms ?? 0, top: top.map((x) => ({ code: x.code, name: x.name, count: x.n })) };
  };
  const insert = db.prepare('INSERT INTO incidents (kind, title, start, end, nodes, summary, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)');
  let made = 0;
  db.transaction(() => {
    db.prepare('DELETE FROM incidents').run();
    for (const c of clusters) {
      const kinds = new Set<IncidentKind>();
      for (const s of c) kinds.add(kindOf(s)!);
      const ordered = PRIORITY.filter((k) => kinds.has(k));
      // A primary stepping down because its process is stopping is part of the shutdown, not the story.
      const shutdownOnly = kinds.has('restart') && c.some((s) => s.kind === 'shutdown') && !c.some((s) => s.kind === 'election-won' || s.kind === 'restart');
      const kind = shutdownOnly && (ordered[0] === 'stepdown' || ordered[0] === 'state-change') ? 'restart' : ordered[0]!;
      const start = Math.min(...c.map((s) => s.ts));
      const stop = Math.max(...c.map((s) => s.end));
      const nodeIxs = [...new Set(c.map((s) => s.node))];
      const evidence = c.filter((s) => s.id !== null).map((s) => s.id!);
      for (const e of errorIds.all(start - t.marginMs, stop + t.marginMs)) if (nodeIxs.includes(e.node_ix)) evidence.push(e.id);
      const ops = opsAround(nodeIxs, start - t.marginMs, stop + t.marginMs);
      const summary = { kinds: ordered, signals: c.length, failedOperations: ops.failed, operations: ops.n, maxDurationMs: ops.maxMs, topErrors: ops.top, marginMs: t.marginMs };
      insert.run(kind, titleOf(store, kind, c), start, stop, JSON.stringify(nodeIxs.map((ix) => store.nodeName(ix)).sort()), JSON.stringify(summary), JSON.stringify(evidence.slice(0, MAX_EVIDENCE)));
      made++;
    }
  })();
  return made;
}

function titleOf(store: EventStore, kind: IncidentKind, c: Sig[]): string {
  const label = (ix: number) => nodeLabel(store.nodeName(ix));
  const nodesOf = (pred: (s: Sig) => boolean) => [...new Set(c.filter(pred).map((s) => label(s.node)))];
  switch (kind) {
    case 'election': {
      const winners = nodesOf((s) => s.kind === 'election-won' || (s.kind === 'state' && s.detail.endsWith('→PRIMARY')));
      const term = c.find((s) => s.kind === 'election-won' && /^term \d+$/.test(s.detail))?.detail;
      const losers = nodesOf((s) => (s.kind === 'state' && s.detail.startsWith('PRIMARY→')) || s.kind === 'stepdown');
      const started = nodesOf((s) => s.kind === 'restart');
      const who = winners.length > 0 ? `${winners.join(', ')} became PRIMARY` : 'an election was held';
      return `Election: ${who}${term ? ` (${term})` : ''}${losers.length > 0 ? `; ${losers.join(', ')} stepped down` : ''}${started.length > 0 ? `, after ${started.join(', ')} started` : ''}`;
    }
    case 'stepdown':
      return `Stepdown: ${nodesOf((s) => s.kind === 'stepdown' || (s.kind === 'state' && s.detail.startsWith('PRIMARY→'))).join(', ')} stepped down`;
    case 'rollback':
      return `Rollback on ${nodesOf((s) => kindOf(s) === 'rollback').join(', ')}`;
    case 'restart': {
      const started = nodesOf((s) => s.kind === 'restart');
      const stopped = nodesOf((s) => s.kind === 'shutdown');
      const down = nodesOf((s) => s.kind === 'stepdown' || (s.kind === 'state' && s.detail.startsWith('PRIMARY→')));
      const also = down.length > 0 ? `; ${down.join(', ')} stepped down` : '';
      if (started.length > 0) return `Restart of ${started.join(', ')}${also}`;
      return `Shutdown of ${stopped.join(', ')}${also}`;
    }
    case 'connection-storm': {
      const s = c.find((x) => x.kind === 'storm')!;
      return `Connection storm on ${label(s.node)}: ${s.detail}`;
    }
    case 'assertion-burst': {
      const s = c.find((x) => x.kind === 'burst')!;
      return `Assertion burst on ${label(s.node)}: ${s.detail}`;
    }
    case 'log-gap':
      return `Log lines missed on ${nodesOf((s) => s.kind === 'gap').join(', ')}`;
    case 'state-change': {
      const s = c.find((x) => x.kind === 'state')!;
      return `State change on ${label(s.node)}: ${s.detail}`;
    }
  }
}

interface IncidentDb {
  id: number;
  kind: IncidentKind;
  title: string;
  start: number;
  end: number;
  nodes: string;
  summary: string;
  evidence: string;
}

function incidentOf(r: IncidentDb): Incident {
  const s = JSON.parse(r.summary) as Pick<Incident, 'kinds' | 'signals' | 'failedOperations' | 'operations' | 'maxDurationMs' | 'topErrors' | 'marginMs'>;
  return { id: r.id, kind: r.kind, title: r.title, start: r.start, end: r.end, nodes: JSON.parse(r.nodes) as string[], ...s };
}

export function listIncidents(store: EventStore, q: { from?: number | undefined; to?: number | undefined; nodes?: string[] | undefined; nodeIds?: string[] | undefined; limit: number }): Incident[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (q.from !== undefined) {
    where.push('end >= ?');
    params.push(q.from);
  }
  if (q.to !== undefined) {
    where.push('start <= ?');
    params.push(q.to);
  }
  const ixs = store.nodeIxs(q);
  if (ixs !== undefined && ixs.length === 0) return [];
  const names = ixs === undefined ? undefined : new Set(ixs.map((ix) => store.nodeName(ix)));
  const rows = store.db.prepare<unknown[], IncidentDb>(`SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start, id`).all(...params);
  const out: Incident[] = [];
  for (const r of rows) {
    const inc = incidentOf(r);
    if (names !== undefined && !inc.nodes.some((n) => names.has(n))) continue;
    out.push(inc);
    if (out.length >= q.limit) break;
  }
  return out;
}

export function incidentDetail(store: EventStore, id: number): IncidentDetail {
  const r = store.db.prepare<[number], IncidentDb>('SELECT * FROM incidents WHERE id = ?').get(id);
  if (!r) throw new BaleenError('E_NOT_FOUND', `There is no incident ${id} (incidents are rebuilt after each import; refresh the list).`);
  const incident = incidentOf(r);
  const ids = JSON.parse(r.evidence) as number[];
  const signals =
    ids.length === 0
      ? []
      : store.db
          .prepare<unknown[], Parameters<typeof eventRow>[1]>(`SELECT e.id, e.ts, e.node_ix, e.sev, e.comp, e.mid, e.ctx, e.msg, e.attr FROM events e WHERE e.id IN (${ids.map(() => '?').join(', ')}) ORDER BY e.ts, e.id`)
          .all(...ids)
          .map((e) => eventRow(store, e));
  const nodeIxs = store.nodeIxs({ nodes: incident.nodes }) ?? [];
  const operations =
    nodeIxs.length === 0
      ? []
      : store.db
          .prepare<unknown[], Parameters<typeof operationRow>[1]>(`SELECT * FROM ops WHERE ts BETWEEN ? AND ? AND node_ix IN (${nodeIxs.map(() => '?').join(', ')}) ORDER BY failed DESC, ms DESC, id LIMIT 200`)
          .all(incident.start - incident.marginMs, incident.end + incident.marginMs, ...nodeIxs)
          .map((o) => operationRow(store, o));
  return { incident, signals, operations };
}
