import { z } from 'zod';
import {
  CostlyPath,
  ExistingIndex,
  ExplainOp,
  ExplainSummary,
  Finding,
  IndexAdvice,
  IndexKeySpec,
  ParsedQuery,
  PlanModel,
  QueryShape,
  Verbosity,
} from '../domain/explain';
import { NodeId } from '../domain/identity';
import { defineService, method } from './define';

/**
 * Explain in the console (issue 6): run explain on a node from a query typed in mongosh syntax,
 * import one a customer sent, the plan tree with its costliest path, findings, ESR index advice
 * checked against listIndexes, unused and redundant indexes per collection, creating an index
 * (confirmed by typing the namespace, audited, with build progress), and each query shape's plan
 * history per node with plan changes.
 */
const Ts = z.number().int();

/** A pasted or opened explain file, as text. The bridge's frames are 4 MiB; JSON escaping can nearly double text. */
export const MAX_IMPORT_CHARS = 2 * 1024 * 1024;
/** A query typed by hand (the core's parser refuses more, too). */
export const MAX_QUERY_TEXT = 1024 * 1024;
/** Explain always runs with a time limit (maxTimeMS); the user may raise it to ten minutes. */
export const DEFAULT_EXPLAIN_MAX_TIME_MS = 10_000;
export const MAX_EXPLAIN_MAX_TIME_MS = 600_000;

const Namespace = z
  .string()
  .min(3)
  .max(400)
  .regex(/^[^.\0/\\ "$*<>:|?]{1,64}\.[^\0$]{1,255}$/, 'a namespace is <database>.<collection>');

const DbName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^/\\. "$*<>:|?\0]+$/, 'not a database name');

export const ParseQueryInput = z
  .object({
    query: z.string().max(MAX_QUERY_TEXT),
    /** The database a plain `db.<collection>` means (getSiblingDB in the text wins). */
    db: DbName.optional(),
  })
  .strict();

export const ParsedQueryView = ParsedQuery.extend({
  /** `<db>.<collection>`, or null when neither the text nor the input named a database. */
  namespace: z.string().nullable(),
  /** The query shape (literals replaced by their type): what the audit log and plan history keep. */
  shapeText: z.string(),
});
export type ParsedQueryView = z.infer<typeof ParsedQueryView>;

export const RunExplainInput = z
  .object({
    nodeId: NodeId,
    query: z.string().min(1).max(MAX_QUERY_TEXT),
    db: DbName.optional(),
    verbosity: Verbosity.default('queryPlanner'),
    /**
     * executionStats and allPlansExecution RUN the query. On a node that takes writes (a primary, a
     * standalone) or a mongos (which runs it on the shards' primaries) the core refuses without this.
     */
    confirmedRunOnPrimary: z.boolean().default(false),
    maxTimeMs: z.number().int().min(1).max(MAX_EXPLAIN_MAX_TIME_MS).default(DEFAULT_EXPLAIN_MAX_TIME_MS),
  })
  .strict();
export type RunExplainInput = z.input<typeof RunExplainInput>;

export const ImportExplainInput = z
  .object({
    /** JSON, Extended JSON (relaxed or canonical) or mongosh text. */
    text: z.string().min(1).max(MAX_IMPORT_CHARS),
    /** The file name, for the view's title. */
    name: z.string().max(500).optional(),
    /** The collection's indexes as the customer sent them (getIndexes() / listIndexes output), for the advice. */
    indexes: z.string().max(MAX_IMPORT_CHARS).optional(),
  })
  .strict();

export const ExplainSource = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('live'),
    nodeId: NodeId,
    hostPort: z.string(),
    /** PRIMARY, SECONDARY, STANDALONE, MONGOS, … as the node said in hello when explain ran. */
    role: z.string(),
    ranAt: Ts,
    verbosity: Verbosity,
    maxTimeMs: z.number().int(),
    op: ExplainOp,
    method: z.string(),
    namespace: z.string(),
    shapeText: z.string(),
    shapeHash: z.string(),
  }),
  z.object({ kind: z.literal('import'), name: z.string().nullable(), importedAt: Ts }),
]);
export type ExplainSource = z.infer<typeof ExplainSource>;

export const IndexListSource = z.enum(['listIndexes', 'pasted', 'plans', 'none']);
export type IndexListSource = z.infer<typeof IndexListSource>;

export const PlanChange = z.object({
  nodeId: NodeId,
  namespace: z.string(),
  op: ExplainOp,
  shapeHash: z.string(),
  shapeText: z.string(),
  ts: Ts,
  previousTs: Ts,
  from: z.string(),
  to: z.string(),
});
export type PlanChange = z.infer<typeof PlanChange>;

export const ExplainView = z.object({
  source: ExplainSource,
  model: PlanModel,
  summary: ExplainSummary,
  findings: z.array(Finding),
  queryShape: QueryShape.nullable(),
  advice: IndexAdvice.nullable(),
  /** What the advice was checked against: listIndexes (live), the indexes pasted, those the plans name, or none. */
  indexes: z.object({ source: IndexListSource, list: z.array(ExistingIndex), error: z.string().nullable() }),
  costliest: CostlyPath,
  /** How the data was read, in one line (`IXSCAN status_1, …`). */
  planSummary: z.string(),
  /** Set when this run's winning plan differs from the last one seen for the shape on this node. */
  planChange: PlanChange.nullable(),
  notes: z.array(z.string()),
});
export type ExplainView = z.infer<typeof ExplainView>;

// ---- indexes of a collection

export const IndexesInput = z.object({ nodeId: NodeId, namespace: Namespace }).strict();

export const RedundantIndexView = z.object({ name: z.string(), key: IndexKeySpec, coveredBy: z.string(), reason: z.string() });
export const UnusedIndexView = z.object({
  name: z.string(),
  key: IndexKeySpec.nullable(),
  /** Zero accesses on every member since this date (the latest of the members' counter resets). */
  since: z.string(),
  members: z.array(z.object({ member: z.string(), since: z.string() })),
  caveats: z.array(z.string()),
});

export const MemberCheck = z.object({
  member: z.string(),
  nodeId: NodeId.nullable(),
  ok: z.boolean(),
  error: z.string().nullable(),
});

export const IndexReport = z.object({
  namespace: z.string(),
  indexes: z.array(ExistingIndex),
  redundant: z.array(RedundantIndexView),
  /** checked: every data-bearing member answered $indexStats; otherwise why the list cannot be trusted. */
  unused: z.discriminatedUnion('state', [
    z.object({ state: z.literal('checked'), list: z.array(UnusedIndexView) }),
    z.object({ state: z.literal('unavailable'), reason: z.string() }),
  ]),
  members: z.array(MemberCheck),
});
export type IndexReport = z.infer<typeof IndexReport>;

export const CreateIndexInput = z
  .object({
    nodeId: NodeId,
    namespace: Namespace,
    key: z
      .array(z.tuple([z.string().min(1).max(1024), z.union([z.literal(1), z.literal(-1)])]))
      .min(1)
      .max(32),
    name: z.string().min(1).max(512).optional(),
    /** The namespace typed again by the user: creating an index loads the primary, so it must be deliberate. */
    confirmNamespace: z.string().max(400),
  })
  .strict();
export type CreateIndexInput = z.input<typeof CreateIndexInput>;

export const IndexBuild = z.object({
  buildId: z.string(),
  nodeId: NodeId,
  /** The member the build runs on (the primary). */
  hostPort: z.string(),
  namespace: z.string(),
  indexName: z.string(),
  key: IndexKeySpec,
  state: z.enum(['running', 'done', 'failed']),
  startedAt: Ts,
  finishedAt: Ts.nullable(),
  /** From `$currentOp` while the build runs: documents scanned of the total, and the server's phase message. */
  progress: z.object({ done: z.number(), total: z.number() }).nullable(),
  phase: z.string().nullable(),
  /** Why progress is not shown (the server has no $currentOp, or no access to it). */
  progressNote: z.string().nullable(),
  error: z.string().nullable(),
});
export type IndexBuild = z.infer<typeof IndexBuild>;

// ---- plan history

export const PlanHistoryInput = z
  .object({
    nodeId: NodeId.optional(),
    shapeHash: z.string().max(64).optional(),
    namespace: z.string().max(400).optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const PlanHistoryEntry = z.object({
  id: z.number().int(),
  ts: Ts,
  nodeId: NodeId,
  namespace: z.string(),
  op: ExplainOp,
  shapeHash: z.string(),
  shapeText: z.string(),
  planSummary: z.string(),
  verbosity: Verbosity,
  nReturned: z.number().nullable(),
  executionTimeMillis: z.number().nullable(),
  totalKeysExamined: z.number().nullable(),
  totalDocsExamined: z.number().nullable(),
  /** The winning plan differs from the entry before it for this shape on this node. */
  changed: z.boolean(),
});
export type PlanHistoryEntry = z.infer<typeof PlanHistoryEntry>;

export const PlanChangesInput = z
  .object({
    nodeId: NodeId.optional(),
    from: Ts.optional(),
    to: Ts.optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();

export const explainContract = defineService(
  'explain',
  {
    /** Read a typed query without running it (what it is, where it goes, whether it writes). */
    parseQuery: method(ParseQueryInput, ParsedQueryView),
    run: method(RunExplainInput, ExplainView),
    import: method(ImportExplainInput, ExplainView),
    indexes: method(IndexesInput, IndexReport),
    createIndex: method(CreateIndexInput, IndexBuild),
    indexBuild: method(z.object({ buildId: z.string().min(1).max(100) }).strict(), IndexBuild),
    history: method(PlanHistoryInput, z.array(PlanHistoryEntry)),
    /** Plan changes over time, for a timeline. */
    changes: method(PlanChangesInput, z.array(PlanChange)),
  },
  {
    planChanged: PlanChange,
    indexBuild: IndexBuild,
  },
);
