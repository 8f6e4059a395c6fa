import { DOC_READING_STAGES, INDEX_SCAN_STAGES, SORT_STAGES } from './explain-stages.catalog';
import { findNode, forEachNode } from './explain.normalizer';
import type { ExecTotals, ExplainSummary, IndexUse, PlanModel, PlanNode, QueryLayer } from './explain.schema';

/**
 * The numbers a DBA reads first. Where mongos prints totals they are used as printed; otherwise keys
 * and documents examined are summed over shards, time is the slowest shard, and nReturned is what
 * the merger returned (unknown: mongos prints nothing for it) unless one shard ran the whole pipeline.
 * A number is null wherever the explain's verbosity (or any shard) lacks it: never a guessed zero.
 */
export function summarize(model: PlanModel): ExplainSummary {
  const t = operationTotals(model);
  const queryN = queryNReturned(model);
  const winning = winningNodes(model.root);
  const indexes = indexesUsed(winning);
  const sorts = winning.filter(isBlockingSort);
  const planCache = model.queryLayers.find((l) => l.planCache.queryHash !== null || l.planCache.planCacheKey !== null)?.planCache ?? null;
  return {
    kind: model.kind,
    engine: model.engine,
    verbosity: model.verbosity,
    serverVersion: model.serverVersion,
    namespace: model.namespace,
    nReturned: t.nReturned,
    executionTimeMillis: t.executionTimeMillis,
    totalKeysExamined: t.totalKeysExamined,
    totalDocsExamined: t.totalDocsExamined,
    queryNReturned: queryN,
    keysExaminedPerReturned: ratio(t.totalKeysExamined, queryN),
    docsExaminedPerReturned: ratio(t.totalDocsExamined, queryN),
    indexesUsed: indexes.map((i) => i.name),
    indexes,
    collectionScan: winning.some((n) => n.origin === 'classic' && n.stage === 'COLLSCAN'),
    inMemorySort: sorts.length > 0,
    sortSpilled: sortSpilled(sorts),
    covered: isCovered(winning, t.totalDocsExamined),
    shards: model.shards ? model.shards.length : null,
    shardNames: model.shards ? model.shards.map((s) => s.name) : [],
    planCache,
    rejectedPlans: model.queryLayers.reduce((a, l) => a + l.rejectedPlans.length, 0),
  };
}

export function operationTotals(model: PlanModel): ExecTotals {
  if (model.mongosTotals) return { ...model.mongosTotals, nReturned: model.mongosTotals.nReturned ?? model.outputNReturned };
  if (model.shards) {
    const s = model.shards.map((x) => x.stats);
    return {
      nReturned: model.outputNReturned,
      executionTimeMillis: allKnown(s.map((x) => x.executionTimeMillis), (v) => Math.max(...v)),
      totalKeysExamined: allKnown(s.map((x) => x.totalKeysExamined), sum),
      totalDocsExamined: allKnown(s.map((x) => x.totalDocsExamined), sum),
    };
  }
  const layer = model.queryLayers.find((l) => l.shard === null);
  return {
    nReturned: model.outputNReturned,
    executionTimeMillis: layer?.stats.executionTimeMillis ?? null,
    totalKeysExamined: layer?.stats.totalKeysExamined ?? null,
    totalDocsExamined: layer?.stats.totalDocsExamined ?? null,
  };
}

/**
 * Documents the query layer(s) produced, before a pushed-down $group folded them; the examined/returned
 * ratios are about how well the scan found these, so a `$group` reading everything does not look wasteful.
 */
function queryNReturned(model: PlanModel): number | null {
  if (model.mongosTotals?.nReturned != null) return model.mongosTotals.nReturned;
  if (model.shards) return allKnown(model.queryLayers.map((l) => layerReturned(model.root, l)), sum);
  const layer = model.queryLayers.find((l) => l.shard === null);
  return layer ? layerReturned(model.root, layer) : null;
}

function layerReturned(root: PlanNode, layer: QueryLayer): number | null {
  const top = findNode(root, layer.rootPath);
  let group: PlanNode | null = null;
  if (top) {
    forEachNode(top, (n) => {
      if (group === null && n.origin === 'classic' && n.stage === 'GROUP') group = n;
    });
  }
  const input = (group as PlanNode | null)?.children[0]?.stats.nReturned ?? null;
  return input ?? layer.stats.nReturned;
}

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);

function allKnown(values: Array<number | null>, f: (v: number[]) => number): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return f(values as number[]);
}

/** Examined per returned document; zero returned counts as one so a scan that found nothing still shows its cost. */
function ratio(examined: number | null, returned: number | null): number | null {
  if (examined === null || returned === null) return null;
  return Math.round((examined / Math.max(returned, 1)) * 100) / 100;
}

/** Nodes of the winning plans (rejected plans and the SBE engine trees live outside the tree). */
export function winningNodes(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  forEachNode(root, (n) => void out.push(n));
  return out;
}

export function isBlockingSort(n: PlanNode): boolean {
  return (n.origin === 'classic' && SORT_STAGES.has(n.stage)) || (n.origin === 'pipeline' && n.stage === '$sort');
}

function sortSpilled(sorts: PlanNode[]): boolean | null {
  let answer: boolean | null = null;
  for (const s of sorts) {
    const d = s.details;
    const spills = typeof d.spills === 'number' ? d.spills : null;
    if (d.usedDisk === true || (spills !== null && spills > 0)) return true;
    if (d.usedDisk === false || spills === 0) answer = false;
  }
  return answer;
}

function isCovered(nodes: PlanNode[], docsExamined: number | null): boolean {
  const plan = nodes.filter((n) => n.origin === 'classic');
  if (plan.some((n) => n.truncated || DOC_READING_STAGES.has(n.stage))) return false;
  if (!plan.some((n) => INDEX_SCAN_STAGES.has(n.stage))) return false;
  return docsExamined === null || docsExamined === 0;
}

/** Default index name mongod would give a key pattern (for stages that print a key but no name). */
export function defaultIndexName(key: Record<string, number | string>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${v}`)
    .join('_');
}

function indexesUsed(nodes: PlanNode[]): IndexUse[] {
  const byName = new Map<string, IndexUse>();
  for (const n of nodes) {
    if (n.origin !== 'classic' || !n.index) continue;
    const name = n.index.name ?? (n.index.keyPattern ? defaultIndexName(n.index.keyPattern) : null);
    if (name === null) continue;
    let u = byName.get(name);
    if (!u) {
      u = { name, keyPattern: n.index.keyPattern, bounds: n.index.bounds, stagePaths: [], shards: [] };
      byName.set(name, u);
    }
    u.keyPattern ??= n.index.keyPattern;
    u.bounds ??= n.index.bounds;
    u.stagePaths.push(n.path);
    if (n.shard !== null && !u.shards.includes(n.shard)) u.shards.push(n.shard);
  }
  return [...byName.values()];
}
