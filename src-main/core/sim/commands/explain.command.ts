import type { Document } from '../../bson/bson';
import { dbl, i32, i64 } from '../documents/bson-values';
import type { SimNode } from '../node/sim-node';
import { hashString } from '../node/seeded-random';
import { type CommandSpec, type SimPrincipal, SimCommandError } from './command-table';
import { type KeyDir, type SimIndex, simIndexes } from './indexes-state';

/**
 * `explain` as a 7.0 mongod with the classic engine answers it (the shapes of the corpus' captures):
 * a plan made from the filter and the collection's indexes — COLLSCAN when no index starts with a
 * filtered field, IXSCAN + FETCH under it when one does (IDHACK for `_id` equality), SORT when no index
 * gives the order, LIMIT, and COUNT / UPDATE / DELETE on top for those commands; other candidate
 * indexes become rejectedPlans. Numbers come from the collection's size and the filter's shape, not
 * from documents (the simulator holds none). `verbosity` decides which sections exist.
 */

const VERBOSITIES = ['queryPlanner', 'executionStats', 'allPlansExecution'] as const;
type Verbosity = (typeof VERBOSITIES)[number];

const isDoc = (v: unknown): v is Document => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** Roles that grant `find` on a database (the actions list of builtin_roles.yml). */
function mayFind(p: SimPrincipal | undefined, db: string): boolean {
  if (p === undefined) return true;
  return p.roles.some(
    (r) =>
      ['root', '__system', 'readAnyDatabase', 'readWriteAnyDatabase'].includes(r.role) ||
      (['read', 'readWrite', 'dbOwner'].includes(r.role) && (r.db === db || (r.db === 'admin' && db === 'admin'))),
  );
}

interface QueryParts {
  op: 'find' | 'aggregate' | 'count' | 'distinct' | 'update' | 'delete' | 'findAndModify';
  coll: string;
  filter: Document;
  sort: Document | null;
  limit: number | null;
  /** Pipeline stages after the part the query layer absorbed. */
  rest: Document[];
  writeStage: 'UPDATE' | 'DELETE' | null;
}

function partsOf(cmd: Document): QueryParts {
  const name = Object.keys(cmd)[0];
  const coll = name === undefined ? undefined : cmd[name];
  if (typeof coll !== 'string' || coll === '') throw new SimCommandError('BadValue', 'explain: the command to explain must name a collection');
  const obj = (v: unknown, what: string): Document => {
    if (v === undefined || v === null) return {};
    if (!isDoc(v)) throw new SimCommandError('TypeMismatch', `${what} must be an object`);
    return v;
  };
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : v && typeof (v as { valueOf(): unknown }).valueOf() === 'number' ? ((v as { valueOf(): number }).valueOf()) : null);
  switch (name) {
    case 'find':
      return { op: 'find', coll, filter: obj(cmd.filter, 'filter'), sort: isDoc(cmd.sort) ? cmd.sort : null, limit: num(cmd.limit), rest: [], writeStage: null };
    case 'count':
      return { op: 'count', coll, filter: obj(cmd.query, 'query'), sort: null, limit: num(cmd.limit), rest: [], writeStage: null };
    case 'distinct':
      return { op: 'distinct', coll, filter: obj(cmd.query, 'query'), sort: null, limit: null, rest: [], writeStage: null };
    case 'findAndModify':
    case 'findandmodify':
      return { op: 'findAndModify', coll, filter: obj(cmd.query, 'query'), sort: isDoc(cmd.sort) ? cmd.sort : null, limit: 1, rest: [], writeStage: cmd.remove === true ? 'DELETE' : 'UPDATE' };
    case 'update': {
      const u = Array.isArray(cmd.updates) ? (cmd.updates[0] as unknown) : undefined;
      if (!isDoc(u)) throw new SimCommandError('BadValue', 'update: updates must hold one statement');
      return { op: 'update', coll, filter: obj(u.q, 'q'), sort: null, limit: u.multi === true ? null : 1, rest: [], writeStage: 'UPDATE' };
    }
    case 'delete': {
      const d = Array.isArray(cmd.deletes) ? (cmd.deletes[0] as unknown) : undefined;
      if (!isDoc(d)) throw new SimCommandError('BadValue', 'delete: deletes must hold one statement');
      return { op: 'delete', coll, filter: obj(d.q, 'q'), sort: null, limit: num(d.limit) === 1 ? 1 : null, rest: [], writeStage: 'DELETE' };
    }
    case 'aggregate': {
      if (!Array.isArray(cmd.pipeline)) throw new SimCommandError('TypeMismatch', "'pipeline' option must be specified as an array");
      const stages = cmd.pipeline as unknown[];
      let filter: Document = {};
      let sort: Document | null = null;
      let limit: number | null = null;
      let i = 0;
      // The leading $match, $sort and $limit go into the query layer, as the server pushes them down.
      for (; i < stages.length; i++) {
        const st = stages[i];
        if (!isDoc(st)) throw new SimCommandError('TypeMismatch', 'each pipeline stage must be an object');
        if (isDoc(st.$match) && sort === null && limit === null) filter = Object.keys(filter).length === 0 ? st.$match : { $and: [filter, st.$match] };
        else if (isDoc(st.$sort) && sort === null && limit === null) sort = st.$sort;
        else if (st.$limit !== undefined && limit === null) limit = num(st.$limit);
        else break;
      }
      return { op: 'aggregate', coll, filter, sort, limit, rest: stages.slice(i) as Document[], writeStage: null };
    }
    default:
      throw new SimCommandError('BadValue', `Explain is not supported for the command ${String(name)} in the simulator`);
  }
}

type Role = 'eq' | 'range';

/** Top-level fields of a filter and how they are matched ($and flattened; $or and friends ignored). */
function fieldRoles(filter: Document, depth = 0): Map<string, { role: Role; value: unknown }> {
  const out = new Map<string, { role: Role; value: unknown }>();
  if (depth > 20) return out;
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const c of v) if (isDoc(c)) for (const [f, r] of fieldRoles(c, depth + 1)) if (!out.has(f) || r.role === 'eq') out.set(f, r);
      continue;
    }
    if (k.startsWith('$')) continue;
    const ops = isDoc(v) && Object.keys(v).length > 0 && Object.keys(v).every((o) => o.startsWith('$')) ? Object.keys(v) : null;
    if (!ops) out.set(k, { role: 'eq', value: v });
    else if (ops.includes('$eq') || (ops.includes('$in') && Array.isArray((v as Document).$in) && ((v as Document).$in as unknown[]).length === 1)) out.set(k, { role: 'eq', value: (v as Document).$eq ?? ((v as Document).$in as unknown[])[0] });
    else out.set(k, { role: 'range', value: v });
  }
  return out;
}

/** The planner's normal form: `{a: 1}` → `{a: {$eq: 1}}`, several fields under `$and`. */
function parsedQuery(filter: Document): Document {
  const parts: Document[] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith('$')) parts.push({ [k]: v });
    else if (isDoc(v) && Object.keys(v).length > 0 && Object.keys(v).every((o) => o.startsWith('$'))) for (const [o, x] of Object.entries(v)) parts.push({ [k]: { [o]: x } });
    else parts.push({ [k]: { $eq: v } });
  }
  return parts.length === 0 ? {} : parts.length === 1 ? parts[0]! : { $and: parts };
}

function literal(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (v && typeof (v as { toString?: unknown }).toString === 'function' && typeof v === 'object') {
    const s = String(v);
    return s === '[object Object]' ? '{}' : s;
  }
  return String(v);
}

function boundsFor(key: Array<[string, KeyDir]>, roles: Map<string, { role: Role; value: unknown }>): Document {
  const out: Document = {};
  let open = false;
  for (const [f] of key) {
    const r = roles.get(f);
    if (!open && r?.role === 'eq') out[f] = [`[${literal(r.value)}, ${literal(r.value)}]`];
    else if (!open && r?.role === 'range' && isDoc(r.value)) {
      const v = r.value;
      const lo = v.$gt !== undefined ? `(${literal(v.$gt)}` : v.$gte !== undefined ? `[${literal(v.$gte)}` : '[MinKey';
      const hi = v.$lt !== undefined ? `${literal(v.$lt)})` : v.$lte !== undefined ? `${literal(v.$lte)}]` : 'MaxKey]';
      out[f] = [`${lo}, ${hi}`];
      open = true;
    } else {
      out[f] = ['[MinKey, MaxKey]'];
      open = true;
    }
  }
  return out;
}

/** How many leading fields of the index the filter fixes or bounds (the planner's "prefix" it can use). */
function usableFields(ix: SimIndex, roles: Map<string, { role: Role; value: unknown }>): number {
  let n = 0;
  for (const [f] of ix.key) {
    const r = roles.get(f);
    if (!r) break;
    n++;
    if (r.role === 'range') break;
  }
  return n;
}

function sortServedBy(ix: SimIndex, sort: Document | null, roles: Map<string, { role: Role; value: unknown }>): boolean {
  if (!sort || Object.keys(sort).length === 0) return true;
  const keys = ix.key.filter(([f]) => roles.get(f)?.role !== 'eq');
  const want = Object.entries(sort).filter(([f]) => roles.get(f)?.role !== 'eq');
  if (want.length > keys.length) return false;
  let flip: number | null = null;
  return want.every(([f, d], i) => {
    const [kf, kd] = keys[i]!;
    if (kf !== f || typeof d !== 'number') return false;
    const s = Math.sign(d) * kd;
    flip ??= s;
    return s === flip;
  });
}

interface Numbers {
  docs: number;
  matched: number;
  keys: number;
  examined: number;
  ms: number;
}

/** A plan tree (winningPlan form) and, for executionStats, the same tree with numbers. */
function planFor(p: QueryParts, ns: string, ix: SimIndex | null, docs: number, exists: boolean, roles: Map<string, { role: Role; value: unknown }>, pq: Document, seed: number): { plan: Document; stats: Document; n: Numbers } {
  // Selectivity from the shape: each equality keeps 5 %, each range 30 % (deterministic per query).
  let sel = 1;
  for (const r of roles.values()) sel *= r.role === 'eq' ? 0.05 : 0.3;
  const jitter = 0.8 + ((hashString(`${ns}:${seed}`) % 400) / 1000);
  const matched = Math.max(0, Math.round(docs * sel * jitter));
  const used = ix ? usableFields(ix, roles) : 0;
  let keys = 0;
  let examined = docs;
  if (ix) {
    let ixSel = 1;
    for (const [f] of ix.key.slice(0, Math.max(used, 0))) ixSel *= roles.get(f)!.role === 'eq' ? 0.05 : 0.3;
    keys = Math.max(matched, Math.round(docs * ixSel * jitter));
    examined = keys;
  }
  const limit = p.limit !== null && p.limit > 0 ? p.limit : null;
  const returned = limit !== null ? Math.min(limit, matched) : matched;
  // About 400 documents and 2,000 keys per millisecond.
  const ms = Math.round(examined / 400 + keys / 2000);
  const stat = (n: number, t: number, extra: Document = {}): Document => ({
    nReturned: i32(n),
    executionTimeMillisEstimate: i64(t),
    works: i32(Math.max(examined, n) + 1),
    advanced: i32(n),
    needTime: i32(Math.max(0, examined - n)),
    needYield: i32(0),
    saveState: i32(Math.floor(examined / 128)),
    restoreState: i32(Math.floor(examined / 128)),
    isEOF: i32(1),
    ...extra,
  });
  const hasFilter = Object.keys(pq).length > 0;
  let plan: Document;
  let stats: Document;
  if (!exists && !ix) {
    plan = { stage: 'EOF' };
    stats = { stage: 'EOF', ...stat(0, 0) };
  } else if (ix && ix.name === '_id_' && roles.get('_id')?.role === 'eq' && roles.size === 1 && !p.sort) {
    plan = { stage: 'IDHACK' };
    stats = { stage: 'IDHACK', ...stat(Math.min(1, matched), 0, { keysExamined: i32(Math.min(1, matched)), docsExamined: i32(Math.min(1, matched)) }) };
    keys = Math.min(1, matched);
    examined = keys;
  } else if (ix) {
    const keyPattern: Document = {};
    for (const [f, d] of ix.key) keyPattern[f] = i32(d);
    const multiKeyPaths: Document = {};
    for (const [f] of ix.key) multiKeyPaths[f] = [];
    const ixscan: Document = {
      stage: 'IXSCAN',
      keyPattern,
      indexName: ix.name,
      isMultiKey: false,
      multiKeyPaths,
      isUnique: ix.unique,
      isSparse: false,
      isPartial: false,
      indexVersion: i32(2),
      direction: 'forward',
      indexBounds: boundsFor(ix.key, roles),
    };
    const residual = [...roles.keys()].filter((f) => !ix.key.slice(0, used).some(([k]) => k === f));
    const fetchFilter = residual.length > 0 ? parsedQuery(Object.fromEntries(Object.entries(p.filter).filter(([k]) => residual.includes(k)))) : null;
    plan = { stage: 'FETCH', ...(fetchFilter ? { filter: fetchFilter } : {}), inputStage: ixscan };
    const ixTime = Math.round(ms * 0.3);
    stats = {
      stage: 'FETCH',
      ...(fetchFilter ? { filter: fetchFilter } : {}),
      ...stat(matched, ms, { docsExamined: i32(examined), alreadyHasObj: i32(0) }),
      inputStage: { ...ixscan, ...stat(keys, ixTime, { keysExamined: i32(keys), seeks: i32(1), dupsTested: i32(0), dupsDropped: i32(0) }) },
    };
  } else {
    plan = { stage: 'COLLSCAN', ...(hasFilter ? { filter: pq } : {}), direction: 'forward' };
    stats = { stage: 'COLLSCAN', ...(hasFilter ? { filter: pq } : {}), ...stat(matched, ms, { direction: 'forward', docsExamined: i32(docs) }) };
    examined = docs;
  }
  let t = ms;
  if (p.sort && Object.keys(p.sort).length > 0 && !(ix && sortServedBy(ix, p.sort, roles))) {
    t += Math.max(1, Math.round(matched / 50_000));
    const spec = { sortPattern: p.sort, memLimit: i32(104_857_600), ...(limit !== null ? { limitAmount: i32(limit) } : {}), type: 'simple' };
    plan = { stage: 'SORT', ...spec, inputStage: plan };
    stats = { stage: 'SORT', ...spec, ...stat(returned, t, { totalDataSizeSorted: i64(matched * 200), usedDisk: false, spills: i64(0) }), inputStage: stats };
  } else if (limit !== null) {
    plan = { stage: 'LIMIT', limitAmount: i32(limit), inputStage: plan };
    stats = { stage: 'LIMIT', limitAmount: i32(limit), ...stat(returned, t), inputStage: stats };
  }
  if (p.op === 'count') {
    plan = { stage: 'COUNT', inputStage: plan };
    stats = { stage: 'COUNT', ...stat(0, t, { nCounted: i32(returned), nSkipped: i32(0) }), inputStage: stats };
  }
  if (p.writeStage) {
    plan = { stage: p.writeStage, inputStage: plan };
    stats = { stage: p.writeStage, ...stat(0, t, p.writeStage === 'UPDATE' ? { nMatched: i32(returned), nWouldModify: i32(returned), nWouldUpsert: i32(0) } : { nWouldDelete: i32(returned) }), inputStage: stats };
  }
  return { plan, stats, n: { docs, matched: returned, keys, examined, ms: t } };
}

export const explainCommand: CommandSpec = {
  name: 'explain',
  requiresAuth: true,
  run: ({ node, body, db, session }) => {
    const inner = body.explain;
    if (!isDoc(inner)) throw new SimCommandError('TypeMismatch', 'explain command requires a nested object');
    const verbosity = (body.verbosity ?? 'allPlansExecution') as Verbosity;
    if (!VERBOSITIES.includes(verbosity)) throw new SimCommandError('BadValue', `verbosity string must be one of {'queryPlanner', 'executionStats', 'allPlansExecution'}`);
    if (!mayFind(session.principal, db)) {
      throw new SimCommandError('Unauthorized', `not authorized on ${db} to execute command { explain: { ${Object.keys(inner)[0] ?? ''}: ... } }`);
    }
    return explainReply(node, db, inner, verbosity);
  },
};

export function explainReply(node: SimNode, db: string, inner: Document, verbosity: Verbosity): Document {
  const p = partsOf(inner);
  const ns = `${db}.${p.coll}`;
  const state = simIndexes(node);
  const indexes = state.list(ns);
  const docs = state.docs(ns);
  const roles = fieldRoles(p.filter);
  const pq = parsedQuery(p.filter);

  // Candidates: indexes whose first field the filter uses, best prefix first; else one that gives the sort.
  const candidates = indexes
    .map((ix) => ({ ix, used: usableFields(ix, roles), sorts: sortServedBy(ix, p.sort, roles) }))
    .filter((c) => c.used > 0 || (p.sort !== null && Object.keys(p.sort).length > 0 && c.sorts && c.ix.name !== '_id_'))
    .sort((a, b) => b.used - a.used || Number(b.sorts) - Number(a.sorts) || a.ix.key.length - b.ix.key.length);
  // A collection that does not exist plans as EOF.
  const exists = state.exists(ns);
  const seed = hashString(JSON.stringify(Object.keys(p.filter)));
  const win = planFor(p, ns, candidates[0]?.ix ?? null, docs, exists, roles, pq, seed);
  const losers = candidates.slice(1, 4).map((c) => planFor(p, ns, c.ix, docs, exists, roles, pq, seed + 1));
  if (verbosity !== 'queryPlanner' && candidates[0]) state.recordAccess(ns, candidates[0].ix.name);

  const queryHash = hashString(`${ns}:${JSON.stringify(Object.keys(p.filter))}:${JSON.stringify(p.sort ?? {})}`).toString(16).toUpperCase().padStart(8, '0').slice(0, 8);
  const queryPlanner: Document = {
    namespace: ns,
    indexFilterSet: false,
    parsedQuery: pq,
    queryHash,
    planCacheKey: ((parseInt(queryHash, 16) ^ 0x5a5a5a5a) >>> 0).toString(16).toUpperCase().padStart(8, '0'),
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    winningPlan: win.plan,
    rejectedPlans: losers.map((l) => l.plan),
  };
  const executionStats: Document = {
    executionSuccess: true,
    nReturned: i32(win.n.matched),
    executionTimeMillis: i64(win.n.ms),
    totalKeysExamined: i32(win.n.keys),
    totalDocsExamined: i32(win.n.examined),
    executionStages: win.stats,
  };
  if (verbosity === 'allPlansExecution') {
    // Trial runs: every candidate for the same short budget (as the multi-planner does).
    const trial = (x: ReturnType<typeof planFor>) => ({
      nReturned: i32(Math.min(101, x.n.matched)),
      executionTimeMillisEstimate: i64(0),
      totalKeysExamined: i32(Math.min(101, x.n.keys)),
      totalDocsExamined: i32(Math.min(101, x.n.examined)),
      executionStages: x.stats,
    });
    executionStats.allPlansExecution = losers.length > 0 ? [trial(win), ...losers.map(trial)] : [];
  }
  const cmdEcho: Document = { ...inner, $db: db };
  const serverInfo = { host: node.hostName, port: i32(node.port), version: node.profile.version, gitVersion: node.profile.gitVersion };
  const serverParameters = {
    internalQueryFacetBufferSizeBytes: i32(104_857_600),
    internalQueryFacetMaxOutputDocSizeBytes: i32(104_857_600),
    internalLookupStageIntermediateDocumentMaxSizeBytes: i32(104_857_600),
    internalDocumentSourceGroupMaxMemoryBytes: i32(104_857_600),
    internalQueryMaxBlockingSortMemoryUsageBytes: i32(104_857_600),
    internalQueryProhibitBlockingMergeOnMongoS: i32(0),
    internalQueryMaxAddToSetBytes: i32(104_857_600),
    internalDocumentSourceSetWindowFieldsMaxMemoryBytes: i32(104_857_600),
  };
  if (p.op === 'aggregate' && p.rest.length > 0) {
    // A pipeline the query layer cannot absorb: $cursor first, then each remaining stage with its numbers.
    const cursor: Document = { queryPlanner, ...(verbosity !== 'queryPlanner' ? { executionStats } : {}) };
    let n = win.n.matched;
    const stages: Document[] = [{ $cursor: cursor, ...(verbosity !== 'queryPlanner' ? { nReturned: i64(n), executionTimeMillisEstimate: i64(win.n.ms) } : {}) }];
    for (const st of p.rest) {
      const name = Object.keys(st)[0] ?? '$unknown';
      if (name === '$group') n = Math.max(1, Math.round(Math.sqrt(n)));
      else if (name === '$limit') n = Math.min(n, Number(st.$limit) || n);
      else if (name === '$match') n = Math.round(n * 0.3);
      stages.push({ ...st, ...(verbosity !== 'queryPlanner' ? { nReturned: i64(n), executionTimeMillisEstimate: i64(win.n.ms) } : {}) });
    }
    return { explainVersion: '1', stages, serverInfo, serverParameters, command: cmdEcho, ok: dbl(1) };
  }
  return {
    explainVersion: '1',
    queryPlanner,
    ...(verbosity !== 'queryPlanner' ? { executionStats } : {}),
    command: cmdEcho,
    serverInfo,
    serverParameters,
    ok: dbl(1),
  };
}
