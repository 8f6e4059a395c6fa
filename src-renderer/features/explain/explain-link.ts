/**
 * The explain page's hash link: `#/explain?ns=<db.coll>&filter=<JSON>[&sort=<JSON>][&node=<nodeId>][&query=<mongosh text>]`.
 * The slow-queries view links each shape this way (its filter holds type placeholders, "?string").
 * Reading it never throws: a missing or broken part just leaves that field empty.
 */
export interface ExplainLink {
  nodeId: string | null;
  db: string | null;
  /** The query text to start with (built from ns/filter/sort when no `query` is given). */
  query: string;
  /** The link came from a query shape whose values are type placeholders. */
  fromShape: boolean;
}

const PLACEHOLDER = /"\?(string|number|date|objectId|bool|regex|array|object|binData|null|timestamp|undefined|minKey|maxKey|javascript|…)/;

/** A collection name as mongosh accepts it after `db.`, else `getCollection("…")`. */
export function collectionRef(coll: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(coll) && !['getCollection', 'getSiblingDB', 'getName'].includes(coll) ? `db.${coll}` : `db.getCollection(${JSON.stringify(coll)})`;
}

function jsonOrNull(s: string | null): unknown {
  if (s === null || s.trim() === '') return null;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

/** The part after `?` in the hash path, raw (not yet decoded). */
export function queryOfPath(path: string): string {
  const i = path.indexOf('?');
  return i < 0 ? '' : path.slice(i + 1);
}

export function parseExplainLink(rawQuery: string): ExplainLink {
  let p: URLSearchParams;
  try {
    p = new URLSearchParams(rawQuery);
  } catch {
    p = new URLSearchParams();
  }
  const ns = p.get('ns');
  const dot = ns ? ns.indexOf('.') : -1;
  const db = ns && dot > 0 ? ns.slice(0, dot) : null;
  const coll = ns && dot > 0 ? ns.slice(dot + 1) : null;
  const nodeId = p.get('node') ?? p.get('nodeId');
  const given = p.get('query');
  if (given !== null) return { nodeId, db, query: given.slice(0, 100_000), fromShape: PLACEHOLDER.test(given) };
  if (!coll) return { nodeId, db, query: '', fromShape: false };
  const filterText = p.get('filter');
  const filter = jsonOrNull(filterText);
  const sort = jsonOrNull(p.get('sort'));
  // A filter that is not JSON is kept as typed (it may be mongosh notation the core reads).
  const filterArg = filter === undefined ? (filterText ?? '{}') : filter === null ? '{}' : JSON.stringify(filter);
  let query = `${collectionRef(coll)}.find(${filterArg})`;
  if (sort !== null && sort !== undefined && typeof sort === 'object' && Object.keys(sort).length > 0) query += `.sort(${JSON.stringify(sort)})`;
  return { nodeId, db, query, fromShape: PLACEHOLDER.test(query) };
}

/** A link to the explain page for a query (other features may use it). */
export function explainQueryHref(o: { ns?: string; filter?: unknown; sort?: unknown; nodeId?: string; query?: string }): string {
  const p = new URLSearchParams();
  if (o.ns) p.set('ns', o.ns);
  if (o.filter !== undefined) p.set('filter', JSON.stringify(o.filter));
  if (o.sort !== undefined) p.set('sort', JSON.stringify(o.sort));
  if (o.nodeId) p.set('node', o.nodeId);
  if (o.query) p.set('query', o.query);
  const q = p.toString().replace(/\+/g, '%20');
  return q ? `#/explain?${q}` : '#/explain';
}
