import { z } from 'zod';

/**
 * The explain model: plain, JSON-serialisable objects. They cross the contract (explain.contract.ts)
 * and the renderer draws them, so they live here, runtime-neutral; the core re-exports them from
 * src-main/core/explain/explain.schema.ts. The TypeScript types are inferred from them.
 */

/** Relaxed Extended JSON as parseExplainText returns it (numbers are finite; other BSON types keep their `$` wrapper). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export const JsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(JsonValue), z.record(z.string(), JsonValue)]),
);
export type JsonObject = { [key: string]: JsonValue };

const num = z.number().nullable();

/** Where a node came from: the classic query layer, the slot-based engine, an aggregation stage, mongos, or Baleen itself. */
export const StageOrigin = z.enum(['classic', 'sbe', 'pipeline', 'mongos', 'synthetic']);
export type StageOrigin = z.infer<typeof StageOrigin>;

export const StageStats = z.object({
  nReturned: num,
  executionTimeMillisEstimate: num,
  keysExamined: num,
  docsExamined: num,
  works: num,
});
export type StageStats = z.infer<typeof StageStats>;

/** An index as a stage names it. IDHACK and clustered scans name the `_id_` index they use implicitly. */
export const IndexRef = z.object({
  name: z.string().nullable(),
  keyPattern: z.record(z.string(), z.union([z.number(), z.string()])).nullable(),
  bounds: JsonValue.nullable(),
  multiKey: z.boolean().nullable(),
  direction: z.string().nullable(),
  /** True when the name is inferred (IDHACK, clustered scans), not printed by the server. */
  implied: z.boolean(),
});
export type IndexRef = z.infer<typeof IndexRef>;

export const PlanNode = z.object({
  /** Unique, readable address of the node, e.g. `SHARD_MERGE/shard01:SHARDING_FILTER/COLLSCAN`. */
  path: z.string(),
  stage: z.string(),
  origin: StageOrigin,
  /** False for a stage Baleen does not recognise: it is kept (name, numbers, children) and flagged. */
  known: z.boolean(),
  /** Set on the node where a shard's plan starts, and on everything below it. */
  shard: z.string().nullable(),
  /** mongosh cut the output here (`[Object]`): the subtree is missing from the input. */
  truncated: z.boolean(),
  index: IndexRef.nullable(),
  stats: StageStats,
  /** The stage's other fields (filter, sortPattern, memUsage, a pipeline stage's spec …), children removed. */
  details: z.record(z.string(), JsonValue),
  get children() {
    return z.array(PlanNode);
  },
});
export type PlanNode = z.infer<typeof PlanNode>;

/** Execution totals of one query layer or one shard; null where the verbosity has none. */
export const ExecTotals = z.object({
  nReturned: num,
  executionTimeMillis: num,
  totalKeysExamined: num,
  totalDocsExamined: num,
});
export type ExecTotals = z.infer<typeof ExecTotals>;

export const TrialStats = z.object({
  nReturned: num,
  executionTimeMillisEstimate: num,
  totalKeysExamined: num,
  totalDocsExamined: num,
  score: num,
});
export type TrialStats = z.infer<typeof TrialStats>;

export const RejectedPlan = z.object({
  root: PlanNode,
  /** allPlansExecution's trial numbers for this candidate, when they could be matched to it. */
  trial: TrialStats.nullable(),
});
export type RejectedPlan = z.infer<typeof RejectedPlan>;

export const PlanCacheInfo = z.object({
  queryHash: z.string().nullable(),
  planCacheKey: z.string().nullable(),
  planCacheShapeHash: z.string().nullable(),
  isCached: z.boolean().nullable(),
});
export type PlanCacheInfo = z.infer<typeof PlanCacheInfo>;

export const Engine = z.enum(['classic', 'sbe', 'mixed', 'none']);
export type Engine = z.infer<typeof Engine>;

/** One run of the query planner: the whole find, a pipeline's `$cursor`, or one shard's part. */
export const QueryLayer = z.object({
  shard: z.string().nullable(),
  /** Path of the winning plan's root node in the tree. */
  rootPath: z.string(),
  namespace: z.string().nullable(),
  parsedQuery: JsonValue.nullable(),
  engine: z.enum(['classic', 'sbe']),
  planCache: PlanCacheInfo,
  indexFilterSet: z.boolean().nullable(),
  stats: ExecTotals,
  executionSuccess: z.boolean().nullable(),
  winningTrial: TrialStats.nullable(),
  rejectedPlans: z.array(RejectedPlan),
  /** Trials from allPlansExecution that matched no candidate plan by shape. */
  unmatchedTrials: z.array(TrialStats),
  /** The slot-based engine's own stage tree (explainVersion 2), with the numbers it measured. */
  sbe: z.object({ root: PlanNode, slotBasedPlan: z.string().nullable() }).nullable(),
});
export type QueryLayer = z.infer<typeof QueryLayer>;

export const ShardEntry = z.object({
  name: z.string(),
  host: z.string().nullable(),
  serverVersion: z.string().nullable(),
  /** The shard's query-layer totals (or the totals mongos printed for it). */
  stats: ExecTotals,
  /** What the shard sent on: its last pipeline stage's nReturned, else its query layer's. */
  outputNReturned: num,
  rootPath: z.string(),
});
export type ShardEntry = z.infer<typeof ShardEntry>;

/** One pipeline as it ran, stage paths in data-flow order (first stage first). */
export const PipelineRun = z.object({
  shard: z.string().nullable(),
  part: z.enum(['whole', 'shards', 'merger']),
  stagePaths: z.array(z.string()),
});
export type PipelineRun = z.infer<typeof PipelineRun>;

export const Verbosity = z.enum(['queryPlanner', 'executionStats', 'allPlansExecution']);
export type Verbosity = z.infer<typeof Verbosity>;

export const PlanModel = z.object({
  kind: z.enum(['find', 'aggregate']),
  sharded: z.boolean(),
  engine: Engine,
  verbosity: Verbosity,
  explainVersion: z.string().nullable(),
  serverVersion: z.string().nullable(),
  namespace: z.string().nullable(),
  root: PlanNode,
  queryLayers: z.array(QueryLayer),
  shards: z.array(ShardEntry).nullable(),
  /** Totals mongos printed for the whole operation (sharded find), else null. */
  mongosTotals: ExecTotals.nullable(),
  /** What the whole operation returned, where the explain says: a pipeline's last stage, mongos, an unsplit shard. */
  outputNReturned: num,
  mergeType: z.string().nullable(),
  /** True when a sharded pipeline was not split (it ran entirely on one shard). */
  pipelineNotSplit: z.boolean().nullable(),
  pipelines: z.array(PipelineRun),
  /** The command as the server echoed it (4.4+), for the query shape. */
  command: JsonValue.nullable(),
  unknownStages: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type PlanModel = z.infer<typeof PlanModel>;

export const Severity = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const FindingCode = z.enum([
  'COLLSCAN',
  'IN_MEMORY_SORT',
  'EXAMINED_RATIO',
  'FETCH_FILTER',
  'LOOKUP_NO_INDEX',
  'MATCH_NOT_FIRST',
  'SCATTER_GATHER',
  'UNKNOWN_STAGE',
  'TRUNCATED_INPUT',
  'SHARD_FAILED',
]);
export type FindingCode = z.infer<typeof FindingCode>;

export const Finding = z.object({
  code: FindingCode,
  severity: Severity,
  message: z.string(),
  stagePath: z.string(),
  shard: z.string().nullable(),
});
export type Finding = z.infer<typeof Finding>;

export const IndexUse = z.object({
  name: z.string(),
  keyPattern: z.record(z.string(), z.union([z.number(), z.string()])).nullable(),
  bounds: JsonValue.nullable(),
  stagePaths: z.array(z.string()),
  shards: z.array(z.string()),
});
export type IndexUse = z.infer<typeof IndexUse>;

export const ExplainSummary = z.object({
  kind: z.enum(['find', 'aggregate']),
  engine: Engine,
  verbosity: Verbosity,
  serverVersion: z.string().nullable(),
  namespace: z.string().nullable(),
  /** Documents the operation returned (a pipeline's last stage; mongos or the merger when sharded). */
  nReturned: num,
  executionTimeMillis: num,
  totalKeysExamined: num,
  totalDocsExamined: num,
  /** Documents the query layer handed on (before later pipeline stages); the ratios divide by this. */
  queryNReturned: num,
  keysExaminedPerReturned: num,
  docsExaminedPerReturned: num,
  indexesUsed: z.array(z.string()),
  indexes: z.array(IndexUse),
  collectionScan: z.boolean(),
  inMemorySort: z.boolean(),
  /** True/false when the server said whether the sort went to disk; null when it did not say. */
  sortSpilled: z.boolean().nullable(),
  covered: z.boolean(),
  shards: z.number().nullable(),
  shardNames: z.array(z.string()),
  planCache: PlanCacheInfo.nullable(),
  rejectedPlans: z.number(),
});
export type ExplainSummary = z.infer<typeof ExplainSummary>;

// ---- index advice

export const IndexKeySpec = z.record(z.string(), z.union([z.number(), z.string()]));
export type IndexKeySpec = z.infer<typeof IndexKeySpec>;

/** An index as listIndexes returns it (only the fields Baleen reads). */
export const ExistingIndex = z.looseObject({
  name: z.string(),
  key: IndexKeySpec,
  unique: z.boolean().optional(),
  sparse: z.boolean().optional(),
  hidden: z.boolean().optional(),
  partialFilterExpression: z.record(z.string(), z.unknown()).optional(),
  expireAfterSeconds: z.number().optional(),
  collation: z.record(z.string(), z.unknown()).optional(),
});
export type ExistingIndex = z.infer<typeof ExistingIndex>;

export const QueryShape = z.object({
  namespace: z.string().nullable(),
  filter: z.record(z.string(), JsonValue),
  sort: z.array(z.tuple([z.string(), z.union([z.literal(1), z.literal(-1)])])),
  /** Where the filter and sort were read from, for the report. */
  source: z.string(),
});
export type QueryShape = z.infer<typeof QueryShape>;

export const IndexAdvice = z.object({
  namespace: z.string().nullable(),
  equality: z.array(z.string()),
  sort: z.array(z.tuple([z.string(), z.union([z.literal(1), z.literal(-1)])])),
  range: z.array(z.string()),
  /** The proposed key, in ESR order; empty when nothing in the query can use an index. */
  key: z.array(z.tuple([z.string(), z.union([z.literal(1), z.literal(-1)])])),
  /** covered: an existing index has this key; prefix: it is a prefix of an existing index; new: create it. */
  status: z.enum(['covered', 'prefix', 'new', 'none']),
  /** The existing index that already serves the query (covered / prefix). */
  existingIndex: z.string().nullable(),
  /** Existing indexes that are a prefix of the proposal: redundant once it exists. */
  supersedes: z.array(z.string()),
  createIndex: z.string().nullable(),
  notes: z.array(z.string()),
});
export type IndexAdvice = z.infer<typeof IndexAdvice>;

// ---- a query typed in mongosh, read into the command to explain

export const ExplainOp = z.enum(['find', 'aggregate', 'count', 'distinct', 'update', 'delete', 'findAndModify']);
export type ExplainOp = z.infer<typeof ExplainOp>;

export const ParsedQuery = z.object({
  op: ExplainOp,
  /** The shell method as typed (findOne, updateMany, countDocuments…). */
  method: z.string(),
  /** From `getSiblingDB(…)`; null means the database the caller chose. */
  db: z.string().nullable(),
  collection: z.string(),
  /** The command to wrap in `{explain: …}` (no `$db`). */
  command: z.record(z.string(), JsonValue),
  /** A verbosity named in the text (`.explain("executionStats")`), else null. */
  verbosity: Verbosity.nullable(),
  /** The pipeline ends in `$out` / `$merge`: explained at queryPlanner only (on 3.6/4.0 executionStats really writes). */
  writesOutput: z.boolean(),
  /** The query parts the shape is made of (literals are replaced by their type before anything stores them). */
  shape: z.object({
    filter: JsonValue.optional(),
    sort: JsonValue.optional(),
    projection: JsonValue.optional(),
    pipeline: JsonValue.optional(),
    key: JsonValue.optional(),
  }),
  notes: z.array(z.string()),
});
export type ParsedQuery = z.infer<typeof ParsedQuery>;

// ---- where the time went (see src-main/core/explain/plan-cost.ts for the rule)

export const CostBasis = z.enum(['time', 'examined', 'none']);
export type CostBasis = z.infer<typeof CostBasis>;

export const CostlyPath = z.object({
  /** time: executionTimeMillisEstimate; examined: keys + documents examined (no times); none: queryPlanner output. */
  basis: CostBasis,
  /** Stage paths from the root down the costliest subtree. */
  paths: z.array(z.string()),
  /** The stage on that path with the most time (else examined keys + documents) of its own. */
  stagePath: z.string().nullable(),
  selfTimeMs: z.number().nullable(),
  selfExamined: z.number().nullable(),
});
export type CostlyPath = z.infer<typeof CostlyPath>;
