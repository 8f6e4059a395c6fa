import type { WindowSummary } from '../../../src-shared/contract/events.contract';
import { nodeEntityKey, type NodeId } from '../../../src-shared/domain/identity';
import type { EventStore } from './event.store';
import { eventRow, shapeStats } from './event-queries';
import { listIncidents } from './incident-detector';
import { rankMovers, type RankingSource } from './ranking';

export interface WindowQuery {
  from: number;
  to: number;
  nodes?: string[] | undefined;
  nodeIds?: NodeId[] | undefined;
  movers: number;
}

const MINUTE = 60_000;

/**
 * "What happened here?" for a window brushed on any chart: the log lines (counts, the most frequent
 * messages, warnings and state changes), the incidents and slow-operation shapes that fell in it,
 * and the metrics that moved most compared with the window just before it.
 */
export async function summarizeWindow(store: EventStore, sources: readonly RankingSource[], q: WindowQuery, signal?: AbortSignal): Promise<WindowSummary> {
  const ixs = store.nodeIxs(q);
  const nodeSql = ixs === undefined ? { where: '', params: [] as unknown[] } : { where: ` AND node_ix IN (${ixs.map(() => '?').join(', ') || 'NULL'})`, params: [...ixs] };
  const db = store.db;

  // Whole minutes from the per-minute counts, the partial minutes at the edges from the events.
  const bySeverity: Record<string, number> = {};
  const byComponent: Record<string, number> = {};
  const add = (rec: Record<string, number>, k: string, n: number) => (rec[k] = (rec[k] ?? 0) + n);
  const firstWhole = Math.ceil(q.from / MINUTE);
  const lastWhole = Math.floor((q.to + 1) / MINUTE) - 1;
  if (firstWhole <= lastWhole) {
    for (const r of db
      .prepare<unknown[], { sev: string; comp: string; n: number }>(`SELECT sev, comp, sum(n) AS n FROM buckets WHERE minute BETWEEN ? AND ?${nodeSql.where} GROUP BY sev, comp`)
      .all(firstWhole, lastWhole, ...nodeSql.params)) {
      add(bySeverity, r.sev, r.n);
      add(byComponent, r.comp, r.n);
    }
  }
  const edges: [number, number][] = firstWhole <= lastWhole ? [[q.from, firstWhole * MINUTE - 1], [(lastWhole + 1) * MINUTE, q.to]] : [[q.from, q.to]];
  for (const [a, b] of edges) {
    if (a > b) continue;
    for (const r of db
      .prepare<unknown[], { sev: string; comp: string; n: number }>(`SELECT sev, comp, count(*) AS n FROM events WHERE ts BETWEEN ? AND ?${nodeSql.where} GROUP BY sev, comp`)
      .all(a, b, ...nodeSql.params)) {
      add(bySeverity, r.sev, r.n);
      add(byComponent, r.comp, r.n);
    }
  }
  const total = Object.values(bySeverity).reduce((x, y) => x + y, 0);

  const topMessages = db
    .prepare<unknown[], { mid: number | null; msg: string; comp: string; n: number }>(
      `SELECT mid, msg, comp, count(*) AS n FROM events WHERE ts BETWEEN ? AND ?${nodeSql.where} GROUP BY mid, msg ORDER BY n DESC LIMIT 20`,
    )
    .all(q.from, q.to, ...nodeSql.params)
    .map((r) => ({ mid: r.mid, msg: r.msg, component: r.comp, count: r.n }));

  const cols = 'id, ts, node_ix, sev, comp, mid, ctx, msg, attr';
  const notable = [
    ...db
      .prepare<unknown[], Parameters<typeof eventRow>[1]>(
        `SELECT ${cols} FROM events WHERE ts BETWEEN ? AND ? AND sev IN ('F', 'E', 'W')${nodeSql.where} ORDER BY CASE sev WHEN 'F' THEN 0 WHEN 'E' THEN 1 ELSE 2 END, ts LIMIT 60`,
      )
      .all(q.from, q.to, ...nodeSql.params),
    ...db.prepare<unknown[], Parameters<typeof eventRow>[1]>(`SELECT ${cols} FROM events WHERE ts BETWEEN ? AND ? AND kind IN (6, 7, 8)${nodeSql.where} ORDER BY ts LIMIT 40`).all(q.from, q.to, ...nodeSql.params),
  ]
    .filter((r, i, all) => all.findIndex((x) => x.id === r.id) === i)
    .map((r) => eventRow(store, r));

  const incidents = listIncidents(store, { from: q.from, to: q.to, nodes: q.nodes, nodeIds: q.nodeIds, limit: 100 });
  const shapes = shapeStats(store, { from: q.from, to: q.to, nodes: q.nodes, nodeIds: q.nodeIds, sortBy: 'totalMs', limit: 20 }).shapes;

  // The metric entities: the NodeIds asked for, else those the selected log nodes resolve to.
  const entities = new Set<string>((q.nodeIds ?? []).map((id) => nodeEntityKey(id)));
  if (entities.size === 0) for (const n of store.nodes()) if (n.nodeId !== null && (ixs === undefined || ixs.includes(n.ix))) entities.add(nodeEntityKey(n.nodeId as NodeId));
  const span = q.to - q.from;
  const ranked =
    q.movers === 0
      ? { movers: [], errors: [] }
      : await rankMovers(sources, { from: q.from, to: q.to, baselineFrom: q.from - span, baselineTo: q.from, entities: [...entities], logNodes: ixs }, q.movers, signal);

  return {
    from: q.from,
    to: q.to,
    events: { total, bySeverity, byComponent },
    topMessages,
    notable,
    incidents,
    shapes,
    movers: ranked.movers,
    moverErrors: ranked.errors,
  };
}
