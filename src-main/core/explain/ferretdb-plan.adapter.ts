import type { JsonObject, JsonValue } from './explain.schema';

/**
 * FerretDB 1.x answers explain with its backend's own plan under `queryPlanner.Plan`: SQLite's
 * EXPLAIN QUERY PLAN lines (`"id=2 parent=0 notused=0 detail=SCAN orders_325e96ec"`) or PostgreSQL's
 * JSON plan, plus whether it pushed the filter, sort and limit down to that backend. It has no
 * winningPlan and no execution numbers at any verbosity. This turns it into the classic shape, so the
 * one normaliser, the findings and the advice apply: a backend table scan is a COLLSCAN, an index
 * search an IXSCAN under a FETCH, and work FerretDB does itself after the backend (filter, sort,
 * limit not pushed down) becomes the stage a mongod would show for it.
 */

const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

export function isFerretDbExplain(doc: JsonObject): boolean {
  const qp = doc.queryPlanner;
  if (!isObj(qp) || qp.winningPlan !== undefined) return false;
  return 'Plan' in qp || (isObj(doc.serverInfo) && typeof doc.serverInfo.ferretdbVersion === 'string');
}

export function ferretDbVersion(doc: JsonObject): string | null {
  return isObj(doc.serverInfo) && typeof doc.serverInfo.ferretdbVersion === 'string' ? doc.serverInfo.ferretdbVersion : null;
}

interface Line {
  id: number;
  parent: number;
  detail: string;
}

const LINE_RE = /^id=(\d+) parent=(\d+) notused=\d+ detail=(.*)$/s;

/** The backend's plan as stage documents, leaf last (one chain: FerretDB plans one table). */
function backendStage(plan: JsonValue | undefined): JsonObject | null {
  if (Array.isArray(plan)) {
    const lines: Line[] = [];
    for (const l of plan.slice(0, 200)) {
      const m = typeof l === 'string' ? LINE_RE.exec(l) : null;
      if (m) lines.push({ id: Number(m[1]), parent: Number(m[2]), detail: m[3]!.slice(0, 1000) });
    }
    let stage: JsonObject | null = null;
    let sortAbove = false;
    for (const l of lines) {
      const d = l.detail;
      const search = /^SEARCH (\S+) USING (?:COVERING )?INDEX (\S+)/.exec(d);
      if (search) stage = { stage: 'FETCH', ferretdb: d, inputStage: { stage: 'IXSCAN', indexName: search[2]!, ferretdb: d } };
      else if (/^SEARCH \S+ USING (INTEGER )?PRIMARY KEY/.test(d)) stage = { stage: 'FETCH', ferretdb: d, inputStage: { stage: 'IXSCAN', indexName: '_id_', keyPattern: { _id: 1 }, ferretdb: d } };
      else if (/^SCAN /.test(d)) stage = { stage: 'COLLSCAN', direction: 'forward', ferretdb: d };
      else if (/^USE TEMP B-TREE FOR ORDER BY/.test(d)) sortAbove = true;
    }
    if (stage && sortAbove) stage = { stage: 'SORT', ferretdb: 'USE TEMP B-TREE FOR ORDER BY', inputStage: stage };
    return stage;
  }
  if (isObj(plan)) {
    // PostgreSQL backend: {"Node Type": "Seq Scan" | "Index Scan" | "Sort" | …, "Plans": [...]}.
    const walk = (p: JsonObject, depth: number): JsonObject | null => {
      if (depth > 50) return null;
      const type = typeof p['Node Type'] === 'string' ? p['Node Type'] : '';
      const kids = Array.isArray(p.Plans) ? p.Plans.filter(isObj) : [];
      const child = kids[0] ? walk(kids[0], depth + 1) : null;
      const note = `PostgreSQL ${type}`;
      if (/Seq Scan/.test(type)) return { stage: 'COLLSCAN', direction: 'forward', ferretdb: note };
      if (/Index/.test(type)) {
        const name = typeof p['Index Name'] === 'string' ? p['Index Name'] : null;
        return { stage: 'FETCH', ferretdb: note, inputStage: { stage: 'IXSCAN', ...(name ? { indexName: name } : {}), ferretdb: note } };
      }
      if (/Sort/.test(type) && child) return { stage: 'SORT', ferretdb: note, inputStage: child };
      return child;
    };
    return walk(plan, 0);
  }
  return null;
}

/** FerretDB's answer in the classic explain shape. */
export function ferretDbToClassic(doc: JsonObject): JsonObject {
  const qp = isObj(doc.queryPlanner) ? doc.queryPlanner : {};
  const cmd = isObj(doc.command) ? doc.command : {};
  const coll = typeof cmd.find === 'string' ? cmd.find : typeof cmd.aggregate === 'string' ? cmd.aggregate : typeof cmd.count === 'string' ? cmd.count : typeof cmd.distinct === 'string' ? cmd.distinct : typeof cmd.delete === 'string' ? cmd.delete : typeof cmd.update === 'string' ? cmd.update : typeof cmd.findAndModify === 'string' ? cmd.findAndModify : null;
  const ns = coll && typeof cmd.$db === 'string' ? `${cmd.$db}.${coll}` : coll;

  // The filter and sort the query asked for, wherever the command keeps them.
  let filter: JsonValue | undefined = cmd.filter ?? cmd.query;
  let sort: JsonValue | undefined = cmd.sort;
  if (Array.isArray(cmd.pipeline)) {
    const first = cmd.pipeline[0];
    if (isObj(first) && isObj(first.$match)) filter = first.$match;
    const second = cmd.pipeline[isObj(first) && first.$match !== undefined ? 1 : 0];
    if (isObj(second) && isObj(second.$sort)) sort = second.$sort;
  }
  const firstStmt = Array.isArray(cmd.deletes) ? cmd.deletes[0] : Array.isArray(cmd.updates) ? cmd.updates[0] : undefined;
  if (isObj(firstStmt)) filter = firstStmt.q;

  let plan: JsonObject = backendStage(qp.Plan) ?? { stage: 'EOF', ferretdb: 'no backend plan (the collection does not exist)' };
  const hasFilter = isObj(filter) && Object.keys(filter).length > 0;
  if (hasFilter && doc.filterPushdown !== true) {
    // FerretDB filters in its own process what the backend returned: the scan carries the filter, as a mongod's would.
    const leaf = plan.stage === 'FETCH' ? plan : plan.stage === 'SORT' && isObj(plan.inputStage) && plan.inputStage.stage === 'FETCH' ? plan.inputStage : null;
    if (plan.stage === 'COLLSCAN') plan = { ...plan, filter: filter! };
    else if (plan.stage === 'SORT' && isObj(plan.inputStage) && plan.inputStage.stage === 'COLLSCAN') plan = { ...plan, inputStage: { ...plan.inputStage, filter: filter! } };
    else if (leaf) leaf.filter = filter!;
  }
  if (isObj(sort) && Object.keys(sort).length > 0 && doc.sortPushdown !== true && plan.stage !== 'SORT' && plan.stage !== 'EOF') {
    plan = { stage: 'SORT', sortPattern: sort, ferretdb: 'sorted by FerretDB after the backend (sortPushdown: false)', inputStage: plan };
  }
  if (typeof cmd.limit === 'number' && cmd.limit > 0 && doc.limitPushdown !== true && plan.stage !== 'EOF') {
    plan = { stage: 'LIMIT', limitAmount: cmd.limit, ferretdb: 'limited by FerretDB (limitPushdown: false)', inputStage: plan };
  }
  const fv = ferretDbVersion(doc);
  const serverInfo: JsonObject = isObj(doc.serverInfo) ? { ...doc.serverInfo } : {};
  if (fv) serverInfo.version = `FerretDB ${fv}${typeof serverInfo.version === 'string' ? ` (reports ${serverInfo.version})` : ''}`;
  return {
    queryPlanner: {
      ...(ns ? { namespace: ns } : {}),
      parsedQuery: isObj(filter) ? filter : {},
      winningPlan: plan,
      rejectedPlans: [],
    },
    ...(doc.command !== undefined ? { command: doc.command } : {}),
    serverInfo,
    ok: 1,
  };
}
