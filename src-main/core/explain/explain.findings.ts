import { INDEX_SCAN_STAGES } from './explain-stages.catalog';
import { findNode, forEachNode } from './explain.normalizer';
import { isBlockingSort, summarize, winningNodes } from './explain.summary';
import type { ExistingIndex, Finding, JsonObject, JsonValue, PlanModel, PlanNode } from './explain.schema';

export interface FindingOptions {
  /** A collection scan reading at least this many documents is flagged (10× this is critical). */
  largeCollectionDocs: number;
  /** Flag when keys or documents examined per returned document exceed this. */
  examinedRatio: number;
  /** ...and at least this many were examined (small scans are cheap whatever the ratio). */
  minExamined: number;
  /** Flag a FETCH whose filter passes on less than this share of the documents it read. */
  fetchKeepRatio: number;
  /** Number of shards in the cluster, when known: scatter-gather means all of them. */
  totalShards: number | null;
  /** Documents in the collection, when known (sizes a collection scan in a queryPlanner-only explain). */
  collectionDocs: number | null;
  /** listIndexes of `$lookup` foreign collections, by collection name, when known. */
  foreignIndexes: Record<string, ExistingIndex[]>;
}

export const DEFAULT_FINDING_OPTIONS: Readonly<FindingOptions> = Object.freeze({
  largeCollectionDocs: 10_000,
  examinedRatio: 10,
  minExamined: 1_000,
  fetchKeepRatio: 0.5,
  totalShards: null,
  collectionDocs: null,
  foreignIndexes: {},
});

const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const fmt = (n: number) => n.toLocaleString('en-US');

/** Plain-words findings, each pointing at the stage it is about. */
export function findings(model: PlanModel, options: Partial<FindingOptions> = {}): Finding[] {
  const o: FindingOptions = { ...DEFAULT_FINDING_OPTIONS, ...options };
  const out: Finding[] = [];
  const nodes = winningNodes(model.root);
  const add = (f: Omit<Finding, 'shard'>, node: PlanNode | null) => out.push({ ...f, shard: node?.shard ?? null });

  collectionScans(model, nodes, o, add);
  inMemorySorts(nodes, add);
  examinedRatio(model, nodes, o, add);
  fetchFilters(nodes, o, add);
  lookups(nodes, o, add);
  lateMatches(model, add);
  scatterGather(model, o, add);

  for (const l of model.queryLayers) {
    if (l.executionSuccess === false) {
      add({ code: 'SHARD_FAILED', severity: 'critical', message: `The plan failed to run${l.shard ? ` on shard ${l.shard}` : ''}: its numbers are incomplete.`, stagePath: l.rootPath }, findNode(model.root, l.rootPath));
    }
  }
  for (const p of model.unknownStages) {
    const n = findNode(model.root, p);
    add({ code: 'UNKNOWN_STAGE', severity: 'info', message: `Stage ${n?.stage ?? p} is not one Baleen knows; it is shown as the server printed it.`, stagePath: p }, n);
  }
  for (const n of nodes) {
    if (n.truncated) {
      add({ code: 'TRUNCATED_INPUT', severity: 'info', message: 'The saved output stops here (mongosh printed [Object]); findings below this point are missing.', stagePath: n.path }, n);
    }
  }
  return out;
}

type Add = (f: Omit<Finding, 'shard'>, node: PlanNode | null) => void;

function collectionScans(model: PlanModel, nodes: PlanNode[], o: FindingOptions, add: Add): void {
  const scans = nodes.filter((n) => n.origin === 'classic' && n.stage === 'COLLSCAN');
  for (const n of scans) {
    const ns = model.namespace ? ` of ${model.namespace}` : '';
    const where = n.shard ? ` on shard ${n.shard}` : '';
    const docs = n.stats.docsExamined;
    if (docs !== null) {
      if (docs < o.largeCollectionDocs) continue;
      add(
        {
          code: 'COLLSCAN',
          severity: docs >= o.largeCollectionDocs * 10 ? 'critical' : 'warning',
          message: `Collection scan${ns}${where}: read ${fmt(docs)} documents${n.stats.nReturned !== null ? ` to pass on ${fmt(n.stats.nReturned)}` : ''}. An index on the filtered fields would avoid reading every document.`,
          stagePath: n.path,
        },
        n,
      );
    } else if (o.collectionDocs !== null) {
      if (o.collectionDocs < o.largeCollectionDocs) continue;
      add({ code: 'COLLSCAN', severity: 'warning', message: `Collection scan${ns}${where} over a collection of ${fmt(o.collectionDocs)} documents.`, stagePath: n.path }, n);
    } else {
      add(
        {
          code: 'COLLSCAN',
          severity: 'info',
          message: `Collection scan${ns}${where}. This explain has no execution numbers, so the collection's size is unknown; run it with "executionStats" to see what it reads.`,
          stagePath: n.path,
        },
        n,
      );
    }
  }
}

function inMemorySorts(nodes: PlanNode[], add: Add): void {
  for (const n of nodes.filter(isBlockingSort)) {
    const d = n.details;
    const spilled = d.usedDisk === true || (typeof d.spills === 'number' && d.spills > 0);
    const spill = spilled ? ' It spilled to disk.' : '';
    if (n.origin === 'classic') {
      const pattern = isObj(d.sortPattern) ? ` on ${JSON.stringify(d.sortPattern)}` : '';
      const mem = typeof d.memUsage === 'number' ? ` using ${fmt(d.memUsage)} bytes` : typeof d.totalDataSizeSorted === 'number' ? ` of ${fmt(d.totalDataSizeSorted)} bytes` : '';
      add(
        {
          code: 'IN_MEMORY_SORT',
          severity: spilled ? 'critical' : 'warning',
          message: `In-memory sort${pattern}${mem}: no index gives this order, so every matching document is buffered and sorted.${spill} An index ending with the sort fields (after the equality fields) would remove it.`,
          stagePath: n.path,
        },
        n,
      );
    } else {
      const spec = isObj(d.$sort) ? d.$sort : null;
      const key = spec && isObj(spec.sortKey) ? ` on ${JSON.stringify(spec.sortKey)}` : '';
      const input = n.children[0];
      const fromCollection = input !== undefined && (input.stage === '$cursor' || input.stage === '$geoNearCursor');
      add(
        {
          code: 'IN_MEMORY_SORT',
          severity: spilled ? 'critical' : fromCollection ? 'warning' : 'info',
          message: fromCollection
            ? `$sort${key} runs in memory on documents straight from the collection: an index could give this order.${spill}`
            : `$sort${key} runs in memory after ${input?.stage ?? 'earlier stages'}; no index can help there, so keep its input small.${spill}`,
          stagePath: n.path,
        },
        n,
      );
    }
  }
}

function examinedRatio(model: PlanModel, nodes: PlanNode[], o: FindingOptions, add: Add): void {
  const s = summarize(model);
  const pairs: Array<['keys' | 'documents', number | null, number | null]> = [
    ['keys', s.totalKeysExamined, s.keysExaminedPerReturned],
    ['documents', s.totalDocsExamined, s.docsExaminedPerReturned],
  ];
  // Point at the stage that did the most of that kind of reading.
  const worstBy = (pick: (n: PlanNode) => number | null): PlanNode | null => {
    let worst: PlanNode | null = null;
    for (const n of nodes) {
      const v = n.origin === 'classic' ? pick(n) : null;
      if (v !== null && (worst === null || v > pick(worst)!)) worst = n;
    }
    return worst;
  };
  for (const [what, examined, ratio] of pairs) {
    if (examined === null || ratio === null || examined < o.minExamined || ratio <= o.examinedRatio) continue;
    const worst = worstBy((n) => (what === 'keys' ? n.stats.keysExamined : n.stats.docsExamined));
    add(
      {
        code: 'EXAMINED_RATIO',
        severity: ratio > o.examinedRatio * 10 ? 'critical' : 'warning',
        message: `Examined ${fmt(examined)} ${what} to return ${fmt(s.queryNReturned ?? 0)} documents (${fmt(ratio)} per document, threshold ${o.examinedRatio}). The index does not narrow the search enough.`,
        stagePath: worst?.path ?? model.root.path,
      },
      worst,
    );
  }
}

function fieldsOf(filter: JsonValue | undefined, out: Set<string> = new Set(), depth = 0): Set<string> {
  if (!isObj(filter) || depth > 20) return out;
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' || k === '$or' || k === '$nor') {
      if (Array.isArray(v)) for (const c of v) fieldsOf(c, out, depth + 1);
    } else if (!k.startsWith('$')) out.add(k);
  }
  return out;
}

function fetchFilters(nodes: PlanNode[], o: FindingOptions, add: Add): void {
  for (const n of nodes) {
    if (n.origin !== 'classic' || n.stage !== 'FETCH' || !isObj(n.details.filter)) continue;
    let ix: PlanNode | null = null;
    forEachNode(n, (d) => {
      if (ix === null && d !== n && INDEX_SCAN_STAGES.has(d.stage)) ix = d;
    });
    const scan = ix as PlanNode | null;
    if (!scan) continue;
    const fields = [...fieldsOf(n.details.filter)];
    const fieldText = fields.length ? ` on ${fields.join(', ')}` : '';
    const indexName = scan.index?.name ?? 'the index';
    const read = n.stats.docsExamined;
    const kept = n.stats.nReturned;
    if (read !== null && kept !== null) {
      if (read < Math.min(o.minExamined, 100) || kept >= read * o.fetchKeepRatio) continue;
      const pct = read === 0 ? 0 : Math.round((kept / read) * 1000) / 10;
      add(
        {
          code: 'FETCH_FILTER',
          severity: kept < read * 0.1 ? 'warning' : 'info',
          message: `FETCH read ${fmt(read)} documents found through ${indexName}, and its filter${fieldText} kept ${fmt(kept)} (${pct}%). ${indexName} does not cover that filter: adding those fields to it would stop reading documents only to drop them.`,
          stagePath: n.path,
        },
        n,
      );
    } else if (read === null) {
      add(
        {
          code: 'FETCH_FILTER',
          severity: 'info',
          message: `FETCH filters${fieldText} after ${indexName}: those fields are checked on each document read. Run with "executionStats" to see how many it drops.`,
          stagePath: n.path,
        },
        n,
      );
    }
  }
}

function lookups(nodes: PlanNode[], o: FindingOptions, add: Add): void {
  for (const n of nodes) {
    if (n.origin === 'pipeline' && n.stage === '$lookup') {
      const spec = isObj(n.details.$lookup) ? n.details.$lookup : {};
      const from = typeof spec.from === 'string' ? spec.from : isObj(spec.from) && typeof spec.from.coll === 'string' ? spec.from.coll : '?';
      const ff = typeof spec.foreignField === 'string' ? spec.foreignField : null;
      const scans = typeof n.details.collectionScans === 'number' ? n.details.collectionScans : null;
      const used = Array.isArray(n.details.indexesUsed) ? n.details.indexesUsed.filter((x): x is string => typeof x === 'string') : null;
      if (scans !== null) {
        if (scans === 0) continue;
        const docs = n.stats.docsExamined;
        add(
          {
            code: 'LOOKUP_NO_INDEX',
            severity: 'warning',
            message: `$lookup from ${from} scanned that collection ${fmt(scans)} time(s)${docs !== null ? `, reading ${fmt(docs)} documents` : ''}${used && used.length ? ` (indexes used otherwise: ${used.join(', ')})` : ''}.${ff ? ` Create an index on ${from}.${ff}.` : ''}`,
            stagePath: n.path,
          },
          n,
        );
        continue;
      }
      if (ff === null || ff === '_id') continue;
      const known = o.foreignIndexes[from];
      if (known) {
        if (known.some((i) => Object.keys(i.key)[0] === ff)) continue;
        add({ code: 'LOOKUP_NO_INDEX', severity: 'warning', message: `$lookup from ${from} matches on ${ff}, and no index of ${from} starts with ${ff}: each input document scans ${from}.`, stagePath: n.path }, n);
      } else {
        add(
          {
            code: 'LOOKUP_NO_INDEX',
            severity: 'info',
            message: `$lookup from ${from} matches on ${ff}; this explain does not say whether an index was used (5.0+ executionStats does). Make sure an index of ${from} starts with ${ff}.`,
            stagePath: n.path,
          },
          n,
        );
      }
    } else if (n.origin === 'classic' && (n.stage === 'EQ_LOOKUP' || n.stage === 'EQ_LOOKUP_UNWIND')) {
      // The slot-based engine's pushed-down $lookup names its join strategy.
      const strategy = typeof n.details.strategy === 'string' ? n.details.strategy : null;
      if (strategy === null || strategy === 'IndexedLoopJoin' || strategy === 'DynamicIndexedLoopJoin') continue;
      const from = typeof n.details.foreignCollection === 'string' ? n.details.foreignCollection : '?';
      const ff = typeof n.details.foreignField === 'string' ? n.details.foreignField : '?';
      add({ code: 'LOOKUP_NO_INDEX', severity: 'warning', message: `$lookup from ${from} joined with ${strategy}: no index on ${from}.${ff} was used.`, stagePath: n.path }, n);
    }
  }
}

// ---- a $match that could run earlier

type Effect = { kind: 'fields'; fields: string[] } | { kind: 'keeps' } | { kind: 'reshapes' } | { kind: 'changes-results' };

/** What a stage does to the fields a later $match could read. */
function effectOf(name: string, spec: JsonValue | undefined): Effect {
  const o = isObj(spec) ? spec : null;
  switch (name) {
    case '$match':
    case '$sort':
    case '$cursor':
    case '$geoNearCursor':
      return { kind: 'keeps' };
    case '$lookup':
    case '$graphLookup':
      return { kind: 'fields', fields: o && typeof o.as === 'string' ? [o.as] : [] };
    case '$unwind': {
      const path = typeof spec === 'string' ? spec : o && typeof o.path === 'string' ? o.path : '';
      const f = [path.replace(/^\$/, '')];
      if (o && typeof o.includeArrayIndex === 'string') f.push(o.includeArrayIndex);
      return { kind: 'fields', fields: f };
    }
    case '$addFields':
    case '$set':
      return { kind: 'fields', fields: o ? Object.keys(o) : [] };
    case '$unset':
      return { kind: 'fields', fields: typeof spec === 'string' ? [spec] : Array.isArray(spec) ? spec.filter((x): x is string => typeof x === 'string') : [] };
    case '$geoNear':
      return { kind: 'fields', fields: [o && typeof o.distanceField === 'string' ? o.distanceField : '', o && typeof o.includeLocs === 'string' ? o.includeLocs : ''].filter(Boolean) };
    case '$limit':
    case '$skip':
    case '$sample':
    case '$unionWith':
      return { kind: 'changes-results' };
    default:
      return { kind: 'reshapes' };
  }
}

const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

interface StageRef {
  name: string;
  spec: JsonValue | undefined;
}

function stageRef(n: PlanNode): StageRef {
  return { name: n.stage, spec: n.details[n.stage] };
}

/** Why the $match at `at` cannot simply move first, or null if it can. */
function blockers(stages: StageRef[], at: number): { movable: boolean; after: string[]; semantic: string[] } {
  const fields = [...fieldsOf(stages[at]!.spec)];
  const raw = stages[at]!.spec;
  const hasExpr = isObj(raw) && ('$expr' in raw || '$where' in raw || '$text' in raw);
  const after: string[] = [];
  const semantic: string[] = [];
  let movable = !hasExpr && fields.length > 0;
  for (let i = 0; i < at; i++) {
    const s = stages[i]!;
    const e = effectOf(s.name, s.spec);
    if (e.kind === 'keeps') continue;
    after.push(s.name);
    if (e.kind === 'reshapes') movable = false;
    else if (e.kind === 'changes-results') semantic.push(s.name);
    else if (e.fields.some((f) => fields.some((m) => overlaps(f, m)))) movable = false;
  }
  return { movable: movable && after.length > 0, after, semantic };
}

function lateMatches(model: PlanModel, add: Add): void {
  const cmd = isObj(model.command) ? model.command : null;
  const userPipeline: StageRef[] | null =
    cmd && Array.isArray(cmd.pipeline)
      ? cmd.pipeline.filter(isObj).map((s) => {
          const name = Object.keys(s)[0] ?? '';
          return { name, spec: s[name] };
        })
      : null;
  const byPath = new Map<string, PlanNode>();
  forEachNode(model.root, (n) => void byPath.set(n.path, n));
  for (const run of model.pipelines) {
    if (run.part === 'merger') continue;
    const nodes = run.stagePaths.map((p) => byPath.get(p) ?? null).filter((n): n is PlanNode => n !== null);
    const explained = nodes.map(stageRef);
    for (let i = 1; i < explained.length; i++) {
      if (explained[i]!.name !== '$match') continue;
      const node = nodes[i]!;
      const fields = fieldsOf(explained[i]!.spec);
      // The server already moved what it could; what is left after $cursor is judged against what the user wrote.
      let stages = explained;
      let at = i;
      if (userPipeline) {
        const ui = userPipeline.findIndex((s, k) => k > 0 && s.name === '$match' && sameFields(fieldsOf(s.spec), fields));
        if (ui > 0) {
          stages = userPipeline;
          at = ui;
        }
      }
      const b = blockers(stages, at);
      if (!b.movable) continue;
      const fieldText = [...fields].join(', ');
      if (b.semantic.length > 0) {
        add(
          {
            code: 'MATCH_NOT_FIRST',
            severity: 'info',
            message: `$match on ${fieldText} runs after ${b.after.join(', ')}. It reads none of the fields those stages add, but ${b.semantic.join(', ')} comes first, so the server must keep this order. If the intent is to filter first, move $match to the start, where it can use an index.`,
            stagePath: node.path,
          },
          node,
        );
      } else {
        add(
          {
            code: 'MATCH_NOT_FIRST',
            severity: 'warning',
            message: `$match on ${fieldText} runs after ${b.after.join(', ')}, yet reads none of the fields they add: move it to the start of the pipeline so it filters first and can use an index.`,
            stagePath: node.path,
          },
          node,
        );
      }
    }
  }
}

function sameFields(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function scatterGather(model: PlanModel, o: FindingOptions, add: Add): void {
  if (!model.shards || model.shards.length < 2) return;
  const n = model.shards.length;
  const names = model.shards.map((s) => s.name).join(', ');
  if (o.totalShards !== null) {
    if (n < o.totalShards) return;
    add(
      {
        code: 'SCATTER_GATHER',
        severity: 'warning',
        message: `The query went to all ${n} shards (${names}): scatter-gather. A filter on the shard key (its prefix, by equality or a narrow range) would target fewer shards.`,
        stagePath: model.root.path,
      },
      model.root,
    );
  } else {
    add(
      {
        code: 'SCATTER_GATHER',
        severity: 'warning',
        message: `The query went to ${n} shards (${names}); if that is every shard, it is a scatter-gather query. A filter on the shard key would target fewer shards.`,
        stagePath: model.root.path,
      },
      model.root,
    );
  }
}
