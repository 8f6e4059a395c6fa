import { BaleenError } from '../../../src-shared/domain/errors';
import { CLASSIC_STAGES, isKnownStage } from './explain-stages.catalog';
import { ferretDbToClassic, ferretDbVersion, isFerretDbExplain } from './ferretdb-plan.adapter';
import { parseExplainText } from './explain-text.parser';
import type {
  ExecTotals,
  IndexRef,
  JsonObject,
  JsonValue,
  PipelineRun,
  PlanCacheInfo,
  PlanModel,
  PlanNode,
  QueryLayer,
  RejectedPlan,
  ShardEntry,
  StageOrigin,
  StageStats,
  TrialStats,
} from './explain.schema';

/**
 * One plan model for every explain shape mongod and mongos print, 3.2 → 8.x:
 * classic (`winningPlan` / `executionStats.executionStages`), slot-based (`queryPlan` + SBE stages,
 * numbers mapped back by planNodeId), sharded finds (`SHARD_MERGE`, `SINGLE_SHARD` with per-shard
 * plans), aggregation pipelines (`stages`, `$cursor`) and sharded pipelines (`shards` map,
 * `splitPipeline`). Tree order is data flow reversed, as the server prints plans: the root is the
 * last stage, a pipeline stage's child is the stage before it, `$cursor`'s child is its query plan.
 */
export function normalizeExplain(doc: JsonValue): PlanModel {
  if (!isObj(doc)) throw new BaleenError('E_PARSE', 'explain output must be a document, not ' + describe(doc));
  if (doc.ok === 0 || doc.ok === false) {
    const why = typeof doc.errmsg === 'string' ? doc.errmsg : 'no message';
    throw new BaleenError('E_PARSE', `the file holds a failed explain, not a plan: ${why}`);
  }
  if (isFerretDbExplain(doc)) {
    const m = normalizeExplain(ferretDbToClassic(doc));
    const fv = ferretDbVersion(doc);
    m.warnings.unshift(
      `${fv ? `FerretDB ${fv}` : 'FerretDB'} printed its backend's plan (queryPlanner.Plan), mapped here to MongoDB stage names; it reports no execution numbers at any verbosity`,
    );
    return m;
  }
  const b = new Builder();
  let root: PlanNode;
  let kind: PlanModel['kind'];
  let shards: ShardEntry[] | null = null;
  let mongosTotals: ExecTotals | null = null;
  let mergeType: string | null = null;
  let notSplit: boolean | null = null;
  let outputNReturned: number | null;
  const command = isObj(doc.command) ? doc.command : null;

  if (isObj(doc.shards)) {
    kind = 'aggregate';
    const r = buildShardedAggregate(b, doc);
    root = r.root;
    shards = r.shards;
    mergeType = typeof doc.mergeType === 'string' ? doc.mergeType : null;
    notSplit = r.notSplit;
    // mongos prints no numbers for the merger; an unsplit pipeline on one shard passes its output through.
    outputNReturned = r.notSplit && r.shards.length === 1 ? r.shards[0]!.outputNReturned : null;
  } else if (Array.isArray(doc.stages)) {
    kind = 'aggregate';
    const r = buildUnsharded(b, doc, null, null, 'whole');
    root = r.root;
    outputNReturned = r.outputNReturned;
  } else if (isObj(doc.queryPlanner)) {
    const wp = doc.queryPlanner.winningPlan;
    kind = command && typeof command.aggregate !== 'undefined' ? 'aggregate' : 'find';
    if (isObj(wp) && Array.isArray(wp.shards)) {
      const r = buildShardedFind(b, doc.queryPlanner, isObj(doc.executionStats) ? doc.executionStats : null);
      root = r.root;
      shards = r.shards;
      mongosTotals = r.totals;
      outputNReturned = r.totals?.nReturned ?? null;
    } else {
      const r = buildUnsharded(b, doc, null, null, 'whole');
      root = r.root;
      outputNReturned = r.outputNReturned;
    }
  } else {
    throw notExplain(doc);
  }

  const engines = new Set(b.layers.map((l) => l.engine));
  const firstLayer = b.layers[0];
  return {
    kind,
    sharded: shards !== null,
    engine: engines.size === 0 ? 'none' : engines.size > 1 ? 'mixed' : firstLayer!.engine,
    verbosity: b.sawTrials ? 'allPlansExecution' : b.sawExecStats ? 'executionStats' : 'queryPlanner',
    explainVersion: str(doc.explainVersion) ?? b.explainVersion,
    serverVersion: serverVersionOf(doc) ?? b.serverVersion,
    namespace: firstLayer?.namespace ?? namespaceFromCommand(command),
    root,
    queryLayers: b.layers,
    shards,
    mongosTotals,
    outputNReturned,
    mergeType,
    pipelineNotSplit: notSplit,
    pipelines: b.pipelines,
    command,
    unknownStages: b.unknown,
    warnings: b.warnings,
  };
}

/** Parse text (JSON, Extended JSON or shell notation) and normalise it in one step. */
export function normalizeExplainText(text: string): PlanModel {
  return normalizeExplain(parseExplainText(text));
}

// ---------------------------------------------------------------------------------------------

class Builder {
  layers: QueryLayer[] = [];
  pipelines: PipelineRun[] = [];
  unknown: string[] = [];
  warnings: string[] = [];
  sawExecStats = false;
  sawTrials = false;
  explainVersion: string | null = null;
  serverVersion: string | null = null;
}

const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const boolOrNull = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : v === 1 ? true : v === 0 ? false : null);

function describe(v: JsonValue): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function notExplain(doc: JsonObject): BaleenError {
  if (typeof doc.op === 'string' && typeof doc.ns === 'string' && 'millis' in doc) {
    return new BaleenError('E_PARSE', 'this is a system.profile document, not explain output (no queryPlanner, stages or shards)');
  }
  if (typeof doc.cursor === 'string' && ('nscanned' in doc || 'n' in doc)) {
    return new BaleenError('E_UNSUPPORTED', 'this is a pre-3.0 explain (cursor/nscanned); Baleen reads explain output from MongoDB 3.2 on');
  }
  return new BaleenError('E_PARSE', 'not explain output: found no queryPlanner, stages or shards');
}

function serverVersionOf(doc: JsonObject): string | null {
  return isObj(doc.serverInfo) ? str(doc.serverInfo.version) : null;
}

function namespaceFromCommand(cmd: JsonObject | null): string | null {
  if (!cmd) return null;
  const coll = str(cmd.find) ?? str(cmd.aggregate) ?? str(cmd.count) ?? str(cmd.distinct);
  const db = str(cmd.$db);
  return coll ? (db ? `${db}.${coll}` : coll) : null;
}

// ---- paths

/** Shard names go into paths; keep `/` and `:` out of them so a path splits unambiguously. */
const escapeSeg = (s: string): string => s.replace(/%/g, '%25').replace(/\//g, '%2F').replace(/:/g, '%3A');

function joinPath(parent: string | null, seg: string): string {
  return parent === null ? seg : `${parent}/${seg}`;
}

interface Place {
  parent: string | null;
  /** Shard label on this node's path segment (only where a shard's subtree starts). */
  shardLabel: string | null;
  /** Sibling index, when the parent has more than one child. */
  index: number | null;
  /** Shard every node below belongs to. */
  shard: string | null;
}

function segFor(stage: string, p: Place): string {
  return (p.shardLabel !== null ? `${escapeSeg(p.shardLabel)}:` : '') + stage + (p.index !== null ? `[${p.index}]` : '');
}

// ---- generic stage nodes (classic and SBE)

const STAT_KEYS = new Set(['nReturned', 'executionTimeMillisEstimate', 'keysExamined', 'docsExamined', 'works']);
const INDEX_KEYS = new Set(['indexName', 'keyPattern', 'indexBounds']);
/** Stages that read the queried collection's index (EQ_LOOKUP's indexName is the foreign collection's). */
const NOT_OWN_INDEX = new Set(['EQ_LOOKUP', 'EQ_LOOKUP_UNWIND']);
const SBE_DOC_READERS = new Set(['scan', 'seek', 'fetch']);

function isStageLike(v: JsonValue | undefined): v is JsonObject {
  return isObj(v) && (typeof v.stage === 'string' || typeof v.$truncated === 'string');
}

function isChildKey(k: string): boolean {
  return k === 'inputStage' || k === 'inputStages' || /Stages?$/.test(k);
}

function childrenOf(raw: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  for (const k of Object.keys(raw)) {
    if (!isChildKey(k)) continue;
    const v = raw[k];
    if (isStageLike(v)) out.push(v);
    else if (Array.isArray(v)) for (const e of v) if (isStageLike(e)) out.push(e);
  }
  return out;
}

function emptyStats(): StageStats {
  return { nReturned: null, executionTimeMillisEstimate: null, keysExamined: null, docsExamined: null, works: null };
}

function buildStageTree(b: Builder, raw: JsonObject, place: Place, origin: 'classic' | 'sbe'): PlanNode {
  const truncated = typeof raw.$truncated === 'string';
  const stage = truncated ? '[truncated]' : (str(raw.stage) ?? '(unnamed stage)');
  const path = joinPath(place.parent, segFor(stage, place));
  const known = truncated || isKnownStage(stage, origin);
  if (!known) b.unknown.push(path);
  if (truncated) b.warnings.push(`the input was cut short at ${path} (mongosh printed [${String(raw.$truncated)}]); raise mongosh's inspectDepth or save with EJSON.stringify`);

  const stats = emptyStats();
  stats.nReturned = numOrNull(raw.nReturned);
  stats.executionTimeMillisEstimate = numOrNull(raw.executionTimeMillisEstimate);
  stats.keysExamined = numOrNull(raw.keysExamined);
  stats.docsExamined = numOrNull(raw.docsExamined);
  stats.works = numOrNull(raw.works);
  if (origin === 'sbe' && stats.docsExamined === null && SBE_DOC_READERS.has(stage)) stats.docsExamined = numOrNull(raw.numReads);

  const details: JsonObject = {};
  for (const k of Object.keys(raw)) {
    if (k === 'stage' || STAT_KEYS.has(k) || isChildKey(k) || (INDEX_KEYS.has(k) && origin === 'classic' && !NOT_OWN_INDEX.has(stage))) continue;
    details[k] = raw[k]!;
  }

  const kids = childrenOf(raw);
  const children = kids.map((k, i) =>
    buildStageTree(b, k, { parent: path, shardLabel: null, index: kids.length > 1 ? i : null, shard: place.shard }, origin),
  );
  return {
    path,
    stage,
    origin,
    known,
    shard: place.shard,
    truncated,
    index: origin === 'classic' && !NOT_OWN_INDEX.has(stage) ? indexOf(stage, raw) : origin === 'sbe' ? sbeIndexOf(raw) : null,
    stats,
    details,
    children,
  };
}

function indexOf(stage: string, raw: JsonObject): IndexRef | null {
  if (stage === 'IDHACK' || stage === 'CLUSTERED_IXSCAN' || stage === 'EXPRESS_CLUSTERED_IXSCAN') {
    // IDHACK and clustered scans read the _id index without naming it.
    return { name: '_id_', keyPattern: { _id: 1 }, bounds: null, multiKey: false, direction: str(raw.direction), implied: true };
  }
  const name = str(raw.indexName);
  const kp = keyPatternOf(raw.keyPattern);
  if (name === null && kp === null) return null;
  return {
    name,
    keyPattern: kp,
    bounds: raw.indexBounds ?? null,
    multiKey: boolOrNull(raw.isMultiKey),
    direction: str(raw.direction),
    implied: false,
  };
}

function sbeIndexOf(raw: JsonObject): IndexRef | null {
  const name = str(raw.indexName);
  return name === null ? null : { name, keyPattern: keyPatternOf(raw.keyPattern), bounds: null, multiKey: null, direction: null, implied: false };
}

/** 8.0's EXPRESS stages print keyPattern as shell text (`"{ a: 1, b: 1 }"`); read it with the same safe parser. */
export function keyPatternOf(v: JsonValue | undefined): Record<string, number | string> | null {
  let o: JsonValue | undefined = v;
  if (typeof v === 'string') {
    if (v.length > 10_000) return null;
    try {
      o = parseExplainText(v, { maxDepth: 4 });
    } catch {
      return null;
    }
  }
  if (!isObj(o)) return null;
  const out: Record<string, number | string> = {};
  for (const [k, val] of Object.entries(o)) {
    if (typeof val === 'number' || typeof val === 'string') out[k] = val;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** Visit every node, parents first, without recursion. */
export function forEachNode(root: PlanNode, fn: (n: PlanNode, parent: PlanNode | null) => void): void {
  const stack: Array<[PlanNode, PlanNode | null]> = [[root, null]];
  while (stack.length > 0) {
    const [n, p] = stack.pop()!;
    fn(n, p);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i]!, n]);
  }
}

export function findNode(root: PlanNode, path: string): PlanNode | null {
  let found: PlanNode | null = null;
  forEachNode(root, (n) => {
    if (found === null && n.path === path) found = n;
  });
  return found;
}

// ---- SBE numbers onto the query plan

function mapSbeStats(queryRoot: PlanNode, sbeRoot: PlanNode): void {
  const top = new Map<number, PlanNode>();
  const keys = new Map<number, number>();
  const docs = new Map<number, number>();
  forEachNode(sbeRoot, (n) => {
    const id = numOrNull(n.details.planNodeId);
    if (id === null) return;
    if (!top.has(id)) top.set(id, n); // parents come first: the first one seen is the topmost
    if (n.stats.keysExamined !== null) keys.set(id, (keys.get(id) ?? 0) + n.stats.keysExamined);
    if (n.stats.docsExamined !== null) docs.set(id, (docs.get(id) ?? 0) + n.stats.docsExamined);
  });
  forEachNode(queryRoot, (n) => {
    const id = numOrNull(n.details.planNodeId);
    if (id === null) return;
    const t = top.get(id);
    if (!t) return;
    n.stats.nReturned ??= t.stats.nReturned;
    n.stats.executionTimeMillisEstimate ??= t.stats.executionTimeMillisEstimate;
    n.stats.keysExamined ??= keys.get(id) ?? null;
    n.stats.docsExamined ??= docs.get(id) ?? null;
  });
}

// ---- one query layer

function totalsOf(es: JsonObject | null): ExecTotals {
  return {
    nReturned: numOrNull(es?.nReturned),
    executionTimeMillis: numOrNull(es?.executionTimeMillis),
    totalKeysExamined: numOrNull(es?.totalKeysExamined),
    totalDocsExamined: numOrNull(es?.totalDocsExamined),
  };
}

function trialOf(t: JsonObject): TrialStats {
  return {
    nReturned: numOrNull(t.nReturned),
    executionTimeMillisEstimate: numOrNull(t.executionTimeMillisEstimate),
    totalKeysExamined: numOrNull(t.totalKeysExamined),
    totalDocsExamined: numOrNull(t.totalDocsExamined),
    score: numOrNull(t.score),
  };
}

/** A plan's shape: stage names and index names in pre-order; the same for a plan and its trial run. */
function signatureOfRaw(raw: JsonObject): string {
  const parts: string[] = [];
  const stack: JsonObject[] = [raw];
  while (stack.length > 0) {
    const n = stack.pop()!;
    parts.push(`${str(n.stage) ?? '?'}:${str(n.indexName) ?? ''}`);
    const kids = childrenOf(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return parts.join('>');
}

function buildQueryLayer(
  b: Builder,
  qp: JsonObject | null,
  es: JsonObject | null,
  allPlans: JsonValue | undefined,
  place: Place,
): { root: PlanNode; layer: QueryLayer } {
  const wp = isObj(qp?.winningPlan) ? qp.winningPlan : null;
  const execStages = es && isObj(es.executionStages) ? es.executionStages : null;
  // A queryPlan wrapper over a classic execution tree (upper-case stage names) is the classic engine.
  const execIsClassic = execStages !== null && typeof execStages.stage === 'string' && CLASSIC_STAGES.has(execStages.stage);
  const sbePlan = wp && isObj(wp.queryPlan) && !execIsClassic ? wp.queryPlan : null;
  if (es) b.sawExecStats = true;

  // The execution tree carries the numbers; for SBE it is the engine's own tree and the query plan is the readable one.
  const planRaw = sbePlan ?? execStages ?? (wp && isObj(wp.queryPlan) ? wp.queryPlan : wp);
  if (!planRaw) throw new BaleenError('E_PARSE', `explain has no winning plan${place.shard ? ` for shard ${place.shard}` : ''}`);
  const root = buildStageTree(b, planRaw, place, 'classic');

  let sbe: QueryLayer['sbe'] = null;
  if (sbePlan) {
    const sbeRaw = execStages;
    if (sbeRaw) {
      const sbeRoot = buildStageTree(b, sbeRaw, { parent: joinPath(place.parent, segFor('sbe', { ...place, index: null })), shardLabel: null, index: null, shard: place.shard }, 'sbe');
      mapSbeStats(root, sbeRoot);
      sbe = { root: sbeRoot, slotBasedPlan: isObj(wp?.slotBasedPlan) ? str(wp.slotBasedPlan.stages) : null };
    }
  }

  const rejectedRaw = Array.isArray(qp?.rejectedPlans) ? qp.rejectedPlans : [];
  const rejected: RejectedPlan[] = [];
  const rejectedSigs: string[] = [];
  rejectedRaw.forEach((rp, i) => {
    if (!isObj(rp)) return;
    const planOf = isObj(rp.queryPlan) ? rp.queryPlan : rp;
    if (!isStageLike(planOf)) return;
    const prefix = joinPath(place.parent, segFor(`rejectedPlans[${i}]`, { ...place, index: null }));
    rejected.push({ root: buildStageTree(b, planOf, { parent: prefix, shardLabel: null, index: null, shard: place.shard }, 'classic'), trial: null });
    rejectedSigs.push(signatureOfRaw(planOf));
  });

  // allPlansExecution: match each trial to its candidate by shape; leftovers are kept, not guessed.
  let winningTrial: TrialStats | null = null;
  const unmatched: TrialStats[] = [];
  if (Array.isArray(allPlans)) {
    const winSig = signatureOfRaw(execStages ?? planRaw);
    for (const t of allPlans) {
      if (!isObj(t)) continue;
      b.sawTrials = true;
      const trial = trialOf(t);
      const sig = isObj(t.executionStages) ? signatureOfRaw(t.executionStages) : null;
      const ri = sig === null ? -1 : rejectedSigs.findIndex((s, i) => s === sig && rejected[i]!.trial === null);
      if (ri >= 0) rejected[ri]!.trial = trial;
      else if (sig !== null && sig === winSig && winningTrial === null) winningTrial = trial;
      else unmatched.push(trial);
    }
  }

  let stats = totalsOf(es);
  if (es && stats.totalKeysExamined === null && stats.totalDocsExamined === null && stats.nReturned === null) {
    // 3.2 mongos prints per-shard trees without per-shard totals: add them up as mongod does.
    stats = derivedTotals(root);
  }
  const planCache: PlanCacheInfo = {
    queryHash: str(qp?.queryHash),
    planCacheKey: str(qp?.planCacheKey),
    planCacheShapeHash: str(qp?.planCacheShapeHash),
    isCached: boolOrNull(wp?.isCached),
  };
  if (qp && typeof qp.explainVersion === 'string') b.explainVersion ??= qp.explainVersion;
  const layer: QueryLayer = {
    shard: place.shard,
    rootPath: root.path,
    namespace: str(qp?.namespace),
    parsedQuery: qp && 'parsedQuery' in qp ? qp.parsedQuery! : null,
    engine: sbePlan ? 'sbe' : 'classic',
    planCache,
    indexFilterSet: boolOrNull(qp?.indexFilterSet),
    stats,
    executionSuccess: boolOrNull(es?.executionSuccess),
    winningTrial,
    rejectedPlans: rejected,
    unmatchedTrials: unmatched,
    sbe,
  };
  if (layer.executionSuccess === false) b.warnings.push(`execution failed${place.shard ? ` on shard ${place.shard}` : ''}: ${str(es?.errorMessage) ?? str(es?.errmsg) ?? 'no message'}`);
  b.layers.push(layer);
  return { root, layer };
}

function derivedTotals(root: PlanNode): ExecTotals {
  let keys = 0;
  let docs = 0;
  let any = false;
  forEachNode(root, (n) => {
    if (n.stats.keysExamined !== null) {
      keys += n.stats.keysExamined;
      any = true;
    }
    if (n.stats.docsExamined !== null) {
      docs += n.stats.docsExamined;
      any = true;
    }
  });
  return {
    nReturned: root.stats.nReturned,
    executionTimeMillis: null,
    totalKeysExamined: any ? keys : null,
    totalDocsExamined: any ? docs : null,
  };
}

// ---- unsharded documents: a find, or a pipeline

interface UnshardedResult {
  root: PlanNode;
  totals: ExecTotals;
  /** What this (shard's) operation handed on. */
  outputNReturned: number | null;
}

function buildUnsharded(b: Builder, doc: JsonObject, parent: string | null, shard: string | null, part: PipelineRun['part']): UnshardedResult {
  if (typeof doc.explainVersion === 'string') b.explainVersion ??= doc.explainVersion;
  b.serverVersion ??= serverVersionOf(doc);
  const place: Place = { parent, shardLabel: shard, index: null, shard };
  if (Array.isArray(doc.stages)) return buildPipeline(b, doc.stages, place, part);
  if (isObj(doc.queryPlanner)) {
    const es = isObj(doc.executionStats) ? doc.executionStats : null;
    const { root, layer } = buildQueryLayer(b, doc.queryPlanner, es, es?.allPlansExecution, place);
    return { root, totals: layer.stats, outputNReturned: layer.stats.nReturned };
  }
  throw new BaleenError('E_PARSE', `explain ${shard ? `for shard ${shard} ` : ''}has neither stages nor queryPlanner`);
}

const PIPELINE_STAT_KEYS: Record<string, keyof StageStats> = {
  nReturned: 'nReturned',
  executionTimeMillisEstimate: 'executionTimeMillisEstimate',
  totalKeysExamined: 'keysExamined',
  totalDocsExamined: 'docsExamined',
};

function stageNameOf(st: JsonObject): string | null {
  for (const k of Object.keys(st)) if (k.startsWith('$')) return k;
  return null;
}

/** mongod refuses longer pipelines (internalPipelineLengthLimit); a longer one is not real output, and would make a tree too deep to walk. */
const MAX_PIPELINE_STAGES = 1000;

function checkPipelineLength(n: number): void {
  if (n > MAX_PIPELINE_STAGES) throw new BaleenError('E_PARSE', `explain pipeline has ${n} stages; mongod allows at most ${MAX_PIPELINE_STAGES}`);
}

function buildPipeline(b: Builder, stages: JsonValue[], place: Place, part: PipelineRun['part']): UnshardedResult {
  const raws = stages.filter(isObj);
  if (raws.length === 0) throw new BaleenError('E_PARSE', 'explain has an empty pipeline');
  checkPipelineLength(raws.length);
  // Paths run from the last stage (the root) down to the first.
  const nodes: PlanNode[] = new Array<PlanNode>(raws.length);
  const layerOf: Array<QueryLayer | null> = new Array<QueryLayer | null>(raws.length).fill(null);
  let parentPath = place.parent;
  for (let i = raws.length - 1; i >= 0; i--) {
    const st = raws[i]!;
    const name = stageNameOf(st) ?? '(unnamed stage)';
    const p: Place = i === raws.length - 1 ? place : { parent: parentPath, shardLabel: null, index: null, shard: place.shard };
    const path = joinPath(p.parent, segFor(name, p));
    const known = isKnownStage(name, 'pipeline');
    if (!known) b.unknown.push(path);
    const spec = st[name];
    const stats = emptyStats();
    const details: JsonObject = {};
    for (const k of Object.keys(st)) {
      if (k === name) continue;
      const sk = PIPELINE_STAT_KEYS[k];
      if (sk) stats[sk] = numOrNull(st[k]);
      else details[k] = st[k]!;
    }
    const children: PlanNode[] = [];
    if (isObj(spec) && (isObj(spec.queryPlanner) || isObj(spec.executionStats))) {
      const { queryPlanner, executionStats, ...rest } = spec;
      details[name] = rest;
      const es = isObj(executionStats) ? executionStats : null;
      const { root, layer } = buildQueryLayer(b, isObj(queryPlanner) ? queryPlanner : null, es, es?.allPlansExecution, {
        parent: path,
        shardLabel: null,
        index: null,
        shard: place.shard,
      });
      children.push(root);
      layerOf[i] = layer;
    } else if (spec !== undefined) {
      details[name] = spec;
    }
    nodes[i] = { path, stage: name, origin: 'pipeline', known, shard: place.shard, truncated: false, index: null, stats, details, children };
    parentPath = path;
  }
  for (let i = raws.length - 1; i > 0; i--) nodes[i]!.children.unshift(nodes[i - 1]!);
  b.pipelines.push({ shard: place.shard, part, stagePaths: nodes.map((n) => n.path) });

  const li = layerOf.findIndex((l) => l !== null);
  const layer = li >= 0 ? layerOf[li]! : null;
  const last = nodes[nodes.length - 1]!;
  const outputNReturned = last.stats.nReturned ?? (layerOf[nodes.length - 1] ? layerOf[nodes.length - 1]!.stats.nReturned : null);
  const totals: ExecTotals = layer
    ? layer.stats
    : { nReturned: null, executionTimeMillis: null, totalKeysExamined: null, totalDocsExamined: null };
  return { root: last, totals, outputNReturned };
}

// ---- sharded

function buildShardedFind(b: Builder, qp: JsonObject, es: JsonObject | null): { root: PlanNode; shards: ShardEntry[]; totals: ExecTotals | null } {
  const wp = qp.winningPlan as JsonObject;
  const execRoot = es && isObj(es.executionStages) ? es.executionStages : null;
  const stage = str(execRoot?.stage) ?? str(wp.stage) ?? '(unnamed stage)';
  const path = stage;
  const known = isKnownStage(stage, 'mongos');
  if (!known) b.unknown.push(path);

  const planShards = (wp.shards as JsonValue[]).filter(isObj);
  const execShards = Array.isArray(execRoot?.shards) ? execRoot.shards.filter(isObj) : [];
  const allPlans = Array.isArray(es?.allPlansExecution) ? es.allPlansExecution.filter(isObj) : [];
  const names: string[] = [];
  for (const s of [...planShards, ...execShards]) {
    const n = str(s.shardName) ?? `shard${names.length}`;
    if (!names.includes(n)) names.push(n);
  }

  const children: PlanNode[] = [];
  const shards: ShardEntry[] = [];
  names.forEach((name, i) => {
    const pq = planShards.find((s) => s.shardName === name) ?? planShards[i] ?? null;
    const ex = execShards.find((s) => s.shardName === name) ?? null;
    const ap = allPlans.find((a) => a.shardName === name);
    if (pq && isObj(pq.serverInfo)) b.serverVersion ??= str(pq.serverInfo.version);
    const { root, layer } = buildQueryLayer(b, pq, ex, ap?.allPlans, { parent: path, shardLabel: name, index: null, shard: name });
    children.push(root);
    shards.push({
      name,
      host: str(pq?.connectionString) ?? (isObj(pq?.serverInfo) ? hostOf(pq.serverInfo) : null),
      serverVersion: isObj(pq?.serverInfo) ? str(pq.serverInfo.version) : null,
      stats: layer.stats,
      outputNReturned: layer.stats.nReturned,
      rootPath: root.path,
    });
  });

  const stats = emptyStats();
  const details: JsonObject = {};
  if (execRoot) {
    stats.nReturned = numOrNull(execRoot.nReturned);
    stats.executionTimeMillisEstimate = numOrNull(execRoot.executionTimeMillis);
    stats.keysExamined = numOrNull(execRoot.totalKeysExamined);
    stats.docsExamined = numOrNull(execRoot.totalDocsExamined);
    for (const k of Object.keys(execRoot)) if (!['stage', 'shards', 'nReturned', 'executionTimeMillis', 'totalKeysExamined', 'totalDocsExamined'].includes(k)) details[k] = execRoot[k]!;
  }
  for (const k of Object.keys(wp)) if (k !== 'stage' && k !== 'shards' && !(k in details)) details[k] = wp[k]!;
  const root: PlanNode = { path, stage, origin: 'mongos', known, shard: null, truncated: false, index: null, stats, details, children };
  return { root, shards, totals: es ? totalsOf(es) : null };
}

function hostOf(si: JsonObject): string | null {
  const h = str(si.host);
  const p = numOrNull(si.port);
  return h === null ? null : p === null ? h : `${h}:${p}`;
}

function buildShardedAggregate(b: Builder, doc: JsonObject): { root: PlanNode; shards: ShardEntry[]; notSplit: boolean } {
  const shardMap = doc.shards as JsonObject;
  const names = Object.keys(shardMap).filter((k) => isObj(shardMap[k]));
  if (names.length === 0) throw new BaleenError('E_PARSE', 'sharded explain lists no shards');
  const split = isObj(doc.splitPipeline) ? doc.splitPipeline : null;
  const merger = split && Array.isArray(split.mergerPart) ? split.mergerPart.filter(isObj) : [];
  checkPipelineLength(merger.length);

  // The merger's stages (no numbers: mongos prints none) sit above the shards; without a merger part
  // Baleen adds a SHARD_MERGE / SINGLE_SHARD node, marked synthetic, so the tree keeps one root.
  let root: PlanNode;
  let attach: PlanNode;
  const mergerPaths: string[] = [];
  if (merger.length > 0) {
    let parent: string | null = null;
    const chain: PlanNode[] = [];
    for (let i = merger.length - 1; i >= 0; i--) {
      const st = merger[i]!;
      const name = stageNameOf(st) ?? '(unnamed stage)';
      const path = joinPath(parent, name);
      const known = isKnownStage(name, 'pipeline');
      if (!known) b.unknown.push(path);
      const details: JsonObject = {};
      for (const k of Object.keys(st)) details[k] = st[k]!;
      chain.push({ path, stage: name, origin: 'pipeline', known, shard: null, truncated: false, index: null, stats: emptyStats(), details, children: [] });
      parent = path;
    }
    for (let i = 0; i < chain.length - 1; i++) chain[i]!.children.push(chain[i + 1]!);
    root = chain[0]!;
    attach = chain[chain.length - 1]!;
    for (let i = chain.length - 1; i >= 0; i--) mergerPaths.push(chain[i]!.path);
  } else {
    const stage = names.length > 1 ? 'SHARD_MERGE' : 'SINGLE_SHARD';
    const details: JsonObject = {};
    if (split) details.splitPipeline = split;
    if (typeof doc.mergeType === 'string') details.mergeType = doc.mergeType;
    root = { path: stage, stage, origin: 'synthetic', known: true, shard: null, truncated: false, index: null, stats: emptyStats(), details, children: [] };
    attach = root;
  }
  if (split && Array.isArray(split.shardsPart)) attach.details.shardsPart = split.shardsPart;

  const shards: ShardEntry[] = [];
  for (const name of names) {
    const sd = shardMap[name] as JsonObject;
    const r = buildUnsharded(b, sd, attach.path, name, split ? 'shards' : 'whole');
    attach.children.push(r.root);
    shards.push({
      name,
      host: str(sd.host) ?? (isObj(sd.serverInfo) ? hostOf(sd.serverInfo) : null),
      serverVersion: isObj(sd.serverInfo) ? str(sd.serverInfo.version) : null,
      stats: r.totals,
      outputNReturned: r.outputNReturned,
      rootPath: r.root.path,
    });
  }
  if (mergerPaths.length > 0) b.pipelines.push({ shard: null, part: 'merger', stagePaths: mergerPaths });
  return { root, shards, notSplit: split === null };
}

export type { StageOrigin };
