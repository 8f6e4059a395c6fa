import { findNode, forEachNode } from './explain.normalizer';
import type { JsonObject, JsonValue, PlanModel, PlanNode, QueryShape } from './explain.schema';

const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

type SortSpec = QueryShape['sort'];

/** `{a: 1, b: -1}` → `[['a', 1], ['b', -1]]`; `$meta` and other non-numeric directions are left out. */
export function sortSpecOf(v: JsonValue | undefined): SortSpec {
  if (!isObj(v)) return [];
  const out: SortSpec = [];
  for (const [k, d] of Object.entries(v)) {
    if (typeof d !== 'number' || d === 0 || !Number.isFinite(d)) continue;
    out.push([k, d < 0 ? -1 : 1]);
  }
  return out;
}

/** Stages that pass documents through unchanged, so a `$match`/`$sort` after them still sees the collection's fields. */
const LEADING_OK = new Set(['$match', '$sort']);

/**
 * The filter and sort an index could serve, read from what the explain echoes: the find command's
 * `filter`/`sort`, else the planner's `parsedQuery` and the plan's SORT stage; for a pipeline, its
 * leading `$match` stages and the `$sort` among them (after a reshaping stage no index applies).
 */
export function extractQueryShape(model: PlanModel): QueryShape | null {
  const cmd = isObj(model.command) ? model.command : null;
  const layer = model.queryLayers[0];
  const parsed = layer && isObj(layer.parsedQuery) ? layer.parsedQuery : null;

  if (cmd && Array.isArray(cmd.pipeline)) {
    const filters: JsonObject[] = [];
    let sort: SortSpec = [];
    for (const st of cmd.pipeline) {
      if (!isObj(st)) break;
      const name = Object.keys(st)[0];
      if (name === undefined || !LEADING_OK.has(name)) break;
      if (name === '$match' && isObj(st.$match)) filters.push(st.$match);
      if (name === '$sort' && sort.length === 0) sort = sortSpecOf(st.$sort);
    }
    return { namespace: model.namespace, filter: andOf(filters), sort, source: 'command.pipeline' };
  }
  if (cmd && (isObj(cmd.filter) || isObj(cmd.sort))) {
    const filter = isObj(cmd.filter) ? cmd.filter : (parsed ?? {});
    return { namespace: model.namespace, filter, sort: sortSpecOf(cmd.sort), source: 'command' };
  }
  if (!layer) return null;
  return { namespace: model.namespace, filter: parsed ?? {}, sort: planSort(model, layer.rootPath), source: 'parsedQuery' };
}

function andOf(filters: JsonObject[]): JsonObject {
  if (filters.length === 0) return {};
  if (filters.length === 1) return filters[0]!;
  return { $and: filters };
}

/** The sort the plan had to do itself: a SORT stage in the query plan, or the pipeline `$sort` right above `$cursor`. */
function planSort(model: PlanModel, layerRoot: string): SortSpec {
  const top = findNode(model.root, layerRoot);
  let found: SortSpec = [];
  if (top) {
    forEachNode(top, (n) => {
      if (found.length === 0 && n.origin === 'classic' && /^SORT(_DEFAULT|_SIMPLE)?$/.test(n.stage)) found = sortSpecOf(n.details.sortPattern);
    });
  }
  if (found.length > 0) return found;
  let out: SortSpec = [];
  forEachNode(model.root, (n: PlanNode) => {
    if (out.length > 0 || n.stage !== '$sort') return;
    const input = n.children[0];
    if (input && (input.stage === '$cursor' || input.stage === '$geoNearCursor')) {
      const spec = n.details.$sort;
      out = sortSpecOf(isObj(spec) ? spec.sortKey : undefined);
    }
  });
  return out;
}
