import { BaleenError } from '../../../src-shared/domain/errors';
import { ExistingIndex, type IndexAdvice, type JsonObject, type JsonValue, type QueryShape } from './explain.schema';

/**
 * Index advice by MongoDB's ESR rule: fields matched by Equality first, then the Sort fields in the
 * sort's order and directions, then fields matched by a Range. `$in` counts as equality unless the query
 * sorts (then it is a range: the index would have to merge its branches). Geo, text, `$expr`, `$or`
 * and `$where` are left to the notes: one compound B-tree index cannot serve them.
 */

type Dir = 1 | -1;
type KeyPart = [string, Dir];

export type FieldRole = 'eq' | 'in' | 'range';

const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Extended JSON wrappers are literal values (a date, an ObjectId), not operators. */
const EJSON_WRAPPERS = new Set([
  '$date',
  '$oid',
  '$numberLong',
  '$numberInt',
  '$numberDouble',
  '$numberDecimal',
  '$timestamp',
  '$binary',
  '$uuid',
  '$minKey',
  '$maxKey',
  '$symbol',
  '$code',
  '$undefined',
  '$dbPointer',
]);
const EQ_OPS = new Set(['$eq', '$all', '$elemMatch']);
const RANGE_OPS = new Set([
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$ne',
  '$nin',
  '$regex',
  '$exists',
  '$type',
  '$not',
  '$mod',
  '$bitsAllSet',
  '$bitsAllClear',
  '$bitsAnySet',
  '$bitsAnyClear',
]);
const GEO_OPS = new Set(['$near', '$nearSphere', '$geoWithin', '$geoIntersects', '$within', '$maxDistance', '$minDistance']);
const MAX_COMPOUND_FIELDS = 32;

function isRegexLiteral(v: JsonValue): boolean {
  return isObj(v) && ('$regularExpression' in v || ('$regex' in v && Object.keys(v).every((k) => k === '$regex' || k === '$options')));
}

function isOperatorDoc(v: JsonValue): v is JsonObject {
  if (!isObj(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.startsWith('$')) && !(keys.length === 1 && EJSON_WRAPPERS.has(keys[0]!));
}

const RANK: Record<FieldRole, number> = { eq: 3, in: 2, range: 1 };

/** How each field of a filter is matched, in order of first appearance, plus what could not be used. */
export function classifyFilter(filter: JsonObject): { roles: Array<[string, FieldRole]>; notes: string[] } {
  const roles = new Map<string, FieldRole>();
  const notes = new Set<string>();
  const put = (f: string, r: FieldRole) => {
    const cur = roles.get(f);
    if (cur === undefined || RANK[r] > RANK[cur]) roles.set(f, r);
  };
  // Depth-capped: filters come from untrusted files.
  const visit = (obj: JsonObject, depth: number): void => {
    if (depth > 50) {
      notes.add('the filter nests $and more than 50 levels deep; the deeper part was not read');
      return;
    }
    for (const [k, v] of Object.entries(obj)) {
      if (k === '$and') {
        if (Array.isArray(v)) for (const c of v) if (isObj(c)) visit(c, depth + 1);
      } else if (k === '$or' || k === '$nor') {
        notes.add(`${k} branches are not part of this index: each branch needs its own index (or one index that serves all of them)`);
      } else if (k.startsWith('$')) {
        if (k !== '$comment') notes.add(`${k} cannot use a regular compound index`);
      } else {
        const role = roleOf(k, v, notes);
        if (role) put(k, role);
      }
    }
  };
  visit(filter, 0);
  return { roles: [...roles.entries()], notes: [...notes] };
}

function roleOf(field: string, v: JsonValue, notes: Set<string>): FieldRole | null {
  if (isRegexLiteral(v)) return 'range';
  if (!isOperatorDoc(v)) return 'eq';
  let best: FieldRole | null = null;
  const take = (r: FieldRole) => {
    if (best === null || RANK[r] > RANK[best]) best = r;
  };
  for (const [op, arg] of Object.entries(v)) {
    if (EQ_OPS.has(op)) take('eq');
    else if (op === '$in') take(Array.isArray(arg) && arg.length === 1 ? 'eq' : 'in');
    else if (RANGE_OPS.has(op)) take('range');
    else if (GEO_OPS.has(op)) notes.add(`${field} uses ${op}: it needs a 2dsphere or 2d index, outside this advice`);
    else if (op === '$options') continue;
    else if (op === '$size') notes.add(`${field} uses $size, which no index can serve`);
    else notes.add(`${field} uses ${op}, which Baleen does not classify`);
  }
  return best;
}

export interface ProposedIndex {
  equality: string[];
  sort: KeyPart[];
  range: string[];
  key: KeyPart[];
  notes: string[];
}

/** The ESR key for a query shape. Every field appears once; sort directions are kept. */
export function proposeIndex(shape: Pick<QueryShape, 'filter' | 'sort'>): ProposedIndex {
  const { roles, notes } = classifyFilter(shape.filter);
  const sortSeen = new Set<string>();
  const sortIn: KeyPart[] = [];
  for (const [f, d] of shape.sort) {
    if (sortSeen.has(f)) continue;
    sortSeen.add(f);
    sortIn.push([f, d]);
  }
  const hasSort = sortIn.length > 0;
  const equality = roles.filter(([, r]) => r === 'eq' || (r === 'in' && !hasSort)).map(([f]) => f);
  const eqSet = new Set(equality);
  if (eqSet.has('_id')) {
    notes.push('the filter matches _id exactly: the _id index finds at most one document, no other index is needed');
    return { equality: ['_id'], sort: [], range: [], key: [['_id', 1]], notes };
  }
  // A sort on a field fixed by equality costs nothing, so it leaves the sort part.
  const sort = sortIn.filter(([f]) => !eqSet.has(f));
  const sortSet = new Set(sort.map(([f]) => f));
  const range = roles.filter(([f, r]) => (r === 'range' || (r === 'in' && hasSort)) && !eqSet.has(f) && !sortSet.has(f)).map(([f]) => f);
  if (roles.some(([f, r]) => r === 'in' && hasSort && sortSet.has(f))) {
    notes.push('a field matched with $in is also sorted on: it stays in the sort part');
  }
  let key: KeyPart[] = [...equality.map((f): KeyPart => [f, 1]), ...sort, ...range.map((f): KeyPart => [f, 1])];
  if (key.length > MAX_COMPOUND_FIELDS) {
    notes.push(`a compound index holds at most ${MAX_COMPOUND_FIELDS} fields; the proposal was cut to the first ${MAX_COMPOUND_FIELDS}`);
    key = key.slice(0, MAX_COMPOUND_FIELDS);
  }
  return { equality, sort, range, key, notes };
}

// ---- checking a proposal against existing indexes

interface Groups {
  eq: Set<string>;
  sort: KeyPart[];
  range: Set<string>;
}

interface PrefixMatch {
  /** Fields of the proposal matched, from the start. */
  matched: number;
  /** Fields of the existing index consumed before the first mismatch. */
  consumed: number;
}

/**
 * Walk an existing index's key alongside the proposal. Within the equality and the range groups any
 * order serves; the sort group must match in order, with all directions equal or all reversed
 * (an index can be read backwards).
 */
function matchPrefix(existing: Array<[string, number | string]>, g: Groups, total: number): PrefixMatch {
  const eqLeft = new Set(g.eq);
  const rangeLeft = new Set(g.range);
  let sortPos = 0;
  let flip: number | null = null;
  let matched = 0;
  let i = 0;
  for (; i < existing.length && matched < total; i++) {
    const [f, d] = existing[i]!;
    const numeric = typeof d === 'number' && d !== 0;
    if (eqLeft.size > 0) {
      if (!eqLeft.has(f) || !(numeric || d === 'hashed')) break;
      eqLeft.delete(f);
    } else if (sortPos < g.sort.length) {
      const [sf, sd] = g.sort[sortPos]!;
      if (f !== sf || !numeric) break;
      const sign = Math.sign(d as number) * sd;
      if (flip === null) flip = sign;
      else if (flip !== sign) break;
      sortPos++;
    } else {
      if (!rangeLeft.has(f) || !numeric) break;
      rangeLeft.delete(f);
    }
    matched++;
  }
  return { matched, consumed: i };
}

/** `listIndexes` output, validated: anything else is a typed error, never a crash. */
export function parseExistingIndexes(v: unknown): ExistingIndex[] {
  const list = isObj(v) && isObj(v.cursor) && Array.isArray(v.cursor.firstBatch) ? v.cursor.firstBatch : v;
  if (!Array.isArray(list)) throw new BaleenError('E_PARSE', 'existing indexes must be an array, as listIndexes / getIndexes() return');
  return list.map((e, i) => {
    const r = ExistingIndex.safeParse(e);
    if (!r.success) throw new BaleenError('E_PARSE', `index #${i + 1} is not a listIndexes entry (needs name and key)`, { index: i });
    return r.data;
  });
}

/** Propose an ESR index for the shape, and say whether an existing index already serves it. */
export function adviseIndex(shape: QueryShape, existingIndexes: ExistingIndex[] = []): IndexAdvice {
  const p = proposeIndex(shape);
  const notes = [...p.notes];
  const base = { namespace: shape.namespace, equality: p.equality, sort: p.sort, range: p.range, key: p.key };
  if (p.key.length === 0) {
    notes.push('nothing in the filter or sort can use a B-tree index');
    return { ...base, status: 'none', existingIndex: null, supersedes: [], createIndex: null, notes };
  }
  const groups: Groups = { eq: new Set(p.equality), sort: p.sort, range: new Set(p.range) };
  // Every collection has the _id index, even if the caller passed no list.
  const all = existingIndexes.some((i) => i.name === '_id_') ? existingIndexes : [{ name: '_id_', key: { _id: 1 } }, ...existingIndexes];
  const usable = all.filter((i) => !i.hidden);
  const total = p.key.length;

  let exact: ExistingIndex | null = null;
  let longer: ExistingIndex | null = null;
  const supersedes: string[] = [];
  for (const idx of usable) {
    const key = Object.entries(idx.key);
    const m = matchPrefix(key, groups, total);
    if (m.matched === total && key.length === total) exact ??= idx;
    else if (m.matched === total) longer ??= idx;
    else if (m.consumed === key.length && key.length > 0 && m.matched === key.length && isPlainDroppable(idx)) supersedes.push(idx.name);
  }
  const hit = exact ?? longer;
  if (hit) {
    if (hit.partialFilterExpression) notes.push(`${hit.name} is a partial index: it serves the query only if the filter implies its partialFilterExpression`);
    if (hit.sparse) notes.push(`${hit.name} is sparse: it cannot serve queries that must see documents missing its fields`);
    if (hit.collation) notes.push(`${hit.name} has a collation: string comparisons use it only when the query gives the same collation`);
  }
  const hidden = all.filter((i) => i.hidden && matchPrefix(Object.entries(i.key), groups, total).matched === total);
  for (const h of hidden) notes.push(`${h.name} would serve this query but is hidden`);
  if (hit) {
    return { ...base, status: exact ? 'covered' : 'prefix', existingIndex: hit.name, supersedes: [], createIndex: null, notes };
  }
  if (supersedes.length > 0) notes.push(`once created, the new index makes ${supersedes.join(', ')} redundant (it is a prefix of the new key)`);
  return { ...base, status: 'new', existingIndex: null, supersedes, createIndex: createIndexCommand(shape.namespace, p.key), notes };
}

function isPlainDroppable(i: ExistingIndex): boolean {
  return i.name !== '_id_' && !i.unique && i.expireAfterSeconds === undefined && !i.partialFilterExpression;
}

/** The mongosh command for a key; names are JSON-quoted so no field name can break out of the text. */
export function createIndexCommand(namespace: string | null, key: Array<[string, 1 | -1]>): string {
  const spec = `{ ${key.map(([f, d]) => `${JSON.stringify(f)}: ${d}`).join(', ')} }`;
  if (!namespace) return `db.getCollection("<collection>").createIndex(${spec})`;
  const dot = namespace.indexOf('.');
  if (dot < 0) return `db.getCollection(${JSON.stringify(namespace)}).createIndex(${spec})`;
  const db = namespace.slice(0, dot);
  const coll = namespace.slice(dot + 1);
  return `db.getSiblingDB(${JSON.stringify(db)}).getCollection(${JSON.stringify(coll)}).createIndex(${spec})`;
}
