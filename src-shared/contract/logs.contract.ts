import { z } from 'zod';
import { NodeId } from '../domain/identity';
import { defineService, method } from './define';

/**
 * Logs in the store (issue 5): sources (local files and folders, a remote file followed over SSH,
 * getLog polling), the log explorer, the could-not-parse view, per-minute counts for the timeline lane,
 * connection analysis and slow operations by shape. Incidents and "what happened here?" are in
 * events.contract.ts.
 */
const Ts = z.number().int();
const Id = z.number().int().positive();

export const LogSourceKind = z.enum(['file', 'ssh', 'getLog']);
export type LogSourceKind = z.infer<typeof LogSourceKind>;

/** importing → done | error | cancelled; following ⇄ waiting (a follower retrying after a failure) → stopped. */
export const LogSourceState = z.enum(['importing', 'done', 'error', 'cancelled', 'following', 'waiting', 'stopped']);
export type LogSourceState = z.infer<typeof LogSourceState>;

export const LogSourceInfo = z.object({
  id: Id,
  kind: LogSourceKind,
  /** What the user sees: the path(s) given, `host:/var/log/mongodb/mongod.log`, `getLog on host:port`. */
  label: z.string(),
  nodeId: NodeId.nullable(),
  createdAt: Ts,
  updatedAt: Ts,
  state: LogSourceState,
  /** Why the source stopped or is waiting (typed code first: `E_UNREACHABLE: …`). */
  error: z.string().nullable(),
  events: z.number().int().nonnegative(),
  unparsed: z.number().int().nonnegative(),
  operations: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Lines known to be missing (getLog's ring overflowed between polls, a rotated file not found). */
  missed: z.number().int().nonnegative(),
  firstTs: Ts.nullable(),
  lastTs: Ts.nullable(),
  files: z.array(z.object({ path: z.string(), lines: z.number().int().nonnegative(), bytes: z.number().nonnegative(), error: z.string().nullable() })),
});
export type LogSourceInfo = z.infer<typeof LogSourceInfo>;

const PathString = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'paths cannot hold NUL');

export const LogImportInput = z
  .object({
    /** Files or folders on the machine running Baleen's core (in the browser build: a server-side path). */
    paths: z.array(PathString).min(1).max(100),
    /** Every file of this import is this node (its start-up name becomes an alias); else names come from start-up lines. */
    nodeId: NodeId.optional(),
  })
  .strict();

export const LogImportProgress = z.object({
  sourceId: Id,
  path: z.string(),
  fileIndex: z.number().int().nonnegative(),
  fileCount: z.number().int().nonnegative(),
  bytesDone: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  events: z.number().int().nonnegative(),
});
export type LogImportProgress = z.infer<typeof LogImportProgress>;

export const FollowRemoteInput = z
  .object({
    nodeId: NodeId,
    /** Absolute path of the log on the node's host. */
    path: z
      .string()
      .min(2)
      .max(1024)
      .regex(/^\/[^\0\n\r]*$/, 'an absolute path on the host'),
    /** Read through `sudo -n` (files owned by the mongod user); needs a sudoers rule for the SSH user. */
    sudo: z.boolean().default(false),
    /** How much of the existing file to import first (the newest bytes); the rest is skipped and recorded as such. */
    initialBytes: z
      .number()
      .int()
      .min(0)
      .max(64 * 1024 ** 3)
      .default(64 * 1024 * 1024),
    intervalMs: z.number().int().min(200).max(3_600_000).default(5000),
  })
  .strict();
export type FollowRemoteInput = z.infer<typeof FollowRemoteInput>;

export const PollGetLogInput = z
  .object({
    nodeId: NodeId,
    intervalMs: z.number().int().min(200).max(3_600_000).default(5000),
  })
  .strict();

const SourceRef = z.object({ sourceId: Id }).strict();

export const LogNode = z.object({
  /** The node's name in the event store: a NodeId when resolved, else `log:host:port` or `file:…`. */
  name: z.string(),
  nodeId: NodeId.nullable(),
  /** host:port, or the file it came from when no start-up line said. */
  label: z.string(),
  events: z.number().int().nonnegative(),
});
export type LogNode = z.infer<typeof LogNode>;

/** Which nodes: names from `logs.nodes`, and/or NodeIds (every name resolved to them). Both empty = all. */
const NodeSelector = {
  nodes: z.array(z.string().min(1).max(300)).max(200).optional(),
  nodeIds: z.array(NodeId).max(200).optional(),
};

export const EventFilter = z
  .object({
    ...NodeSelector,
    severities: z.array(z.string().min(1).max(4)).max(12).optional(),
    components: z.array(z.string().min(1).max(64)).max(64).optional(),
    /** logv2 message ids. */
    ids: z.array(z.number().int()).max(64).optional(),
    /** Exact context: `conn1234`, `ReplCoord-0`. */
    ctx: z.string().min(1).max(200).optional(),
    /** Full-text search over message and attributes: every word must appear; a quoted "phrase" must appear as written. */
    text: z.string().max(500).optional(),
    from: Ts.optional(),
    to: Ts.optional(),
    sourceId: Id.optional(),
  })
  .strict();
export type EventFilter = z.infer<typeof EventFilter>;

export const EventCursor = z.object({ ts: Ts, id: Id }).strict();
export type EventCursor = z.infer<typeof EventCursor>;

export const SearchInput = z
  .object({
    filter: EventFilter,
    /** Rows strictly after (or before) this (ts, id); absent: from the start (after) or the end (before) of the filter's range. */
    cursor: EventCursor.nullable().default(null),
    direction: z.enum(['after', 'before']).default('after'),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();
export type SearchInput = z.input<typeof SearchInput>;

export const EventRow = z.object({
  id: Id,
  ts: Ts,
  node: z.string(),
  severity: z.string(),
  component: z.string(),
  mid: z.number().int().nullable(),
  ctx: z.string(),
  msg: z.string(),
  /** Attributes as JSON text, cut to 2,000 characters in lists (`logs.event` has all of it). */
  attr: z.string().nullable(),
  attrTruncated: z.boolean(),
});
export type EventRow = z.infer<typeof EventRow>;

export const SearchResult = z.object({
  /** In time order whatever the direction. */
  rows: z.array(EventRow),
  /** More rows exist past the last (after) or before the first (before) row returned. */
  more: z.boolean(),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const EventDetail = EventRow.extend({ file: z.string(), line: z.number().int(), sourceId: Id.nullable() });
export type EventDetail = z.infer<typeof EventDetail>;

export const CountResult = z.object({ count: z.number().int().nonnegative(), exact: z.boolean() });

export const BucketsInput = z
  .object({
    ...NodeSelector,
    from: Ts,
    to: Ts,
    /**
     * Bucket width. Whole minutes come from the stored per-minute counts; a step under a minute (for a
     * range of at most 2 h: a zoomed-in window) is counted from the lines. Default: about 120 buckets.
     */
    stepMs: z.number().int().min(1000).max(31 * 86_400_000).optional(),
    by: z.enum(['severity', 'component']).default('severity'),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: '`from` must not be after `to`' });

export const BucketsResult = z.object({
  stepMs: z.number().int().positive(),
  from: Ts,
  to: Ts,
  /** One series per severity or component; points are [bucket start, count], empty buckets left out. */
  series: z.array(z.object({ key: z.string(), total: z.number().int().nonnegative(), points: z.array(z.tuple([Ts, z.number().int().nonnegative()])) })),
});
export type BucketsResult = z.infer<typeof BucketsResult>;

export const UnparsedInput = z
  .object({
    sourceId: Id.optional(),
    afterId: Id.optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();

export const UnparsedRow = z.object({
  id: Id,
  sourceId: Id.nullable(),
  file: z.string(),
  line: z.number().int(),
  bytes: z.number().int().nonnegative(),
  reason: z.enum(['oversized', 'bad-json', 'no-header', 'bad-timestamp']),
  text: z.string(),
});
export type UnparsedRow = z.infer<typeof UnparsedRow>;

const Window = {
  ...NodeSelector,
  from: Ts.optional(),
  to: Ts.optional(),
};

export const ShapesInput = z
  .object({
    ...Window,
    ns: z.string().min(1).max(300).optional(),
    sortBy: z.enum(['totalMs', 'count', 'maxMs']).default('totalMs'),
    limit: z.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const ShapeRow = z.object({
  /** Stable id of the shape in the store (for `logs.operations`). */
  shapeId: Id.nullable(),
  ns: z.string(),
  op: z.string(),
  shape: z.string(),
  hash: z.string(),
  hashSource: z.string(),
  count: z.number().int(),
  totalMs: z.number(),
  avgMs: z.number(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  maxMs: z.number(),
  docsExamined: z.number(),
  keysExamined: z.number(),
  nreturned: z.number(),
  examinedPerReturned: z.number().nullable(),
  errors: z.number().int(),
  planSummaries: z.array(z.object({ plan: z.string(), count: z.number().int(), firstSeen: z.string().nullable(), lastSeen: z.string().nullable() })),
  planChangeCount: z.number().int(),
  planChanges: z.array(z.object({ ts: z.string().nullable(), from: z.string(), to: z.string() })),
  firstSeen: z.string().nullable(),
  lastSeen: z.string().nullable(),
  nodes: z.array(z.string()),
  clients: z.array(z.object({ host: z.string(), count: z.number().int() })),
  apps: z.array(z.object({ app: z.string(), count: z.number().int() })),
});
export type ShapeRow = z.infer<typeof ShapeRow>;

export const ShapesResult = z.object({ operations: z.number().int().nonnegative(), shapes: z.array(ShapeRow) });
export type ShapesResult = z.infer<typeof ShapesResult>;

export const OperationsInput = z
  .object({
    ...Window,
    shapeId: Id.optional(),
    sessionId: Id.optional(),
    lsid: z.string().min(8).max(64).optional(),
    failedOnly: z.boolean().default(false),
    sort: z.enum(['ts', 'duration']).default('ts'),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();

export const OperationRow = z.object({
  id: Id,
  ts: Ts,
  node: z.string(),
  ns: z.string(),
  op: z.string(),
  durationMs: z.number(),
  keysExamined: z.number().nullable(),
  docsExamined: z.number().nullable(),
  nreturned: z.number().nullable(),
  planSummary: z.string().nullable(),
  shapeId: Id.nullable(),
  client: z.string().nullable(),
  ctx: z.string().nullable(),
  appName: z.string().nullable(),
  user: z.string().nullable(),
  failed: z.boolean(),
  errorCode: z.number().int().nullable(),
  errorName: z.string().nullable(),
  lsid: z.string().nullable(),
  txnNumber: z.number().int().nullable(),
  sessionId: Id.nullable(),
});
export type OperationRow = z.infer<typeof OperationRow>;

export const ConnectionsInput = z
  .object({
    ...Window,
    by: z.enum(['app', 'driver', 'host', 'user', 'os']).default('app'),
    limit: z.number().int().min(1).max(500).default(50),
  })
  .strict();

export const ConnectionGroup = z.object({
  key: z.string(),
  sessions: z.number().int(),
  operations: z.number().int(),
  authFailures: z.number().int(),
  firstAccepted: Ts.nullable(),
  lastAccepted: Ts.nullable(),
  /** Other facets of the group, most frequent first (drivers of an app, apps of a host…). */
  drivers: z.array(z.string()),
  apps: z.array(z.string()),
  hosts: z.array(z.string()),
});

export const ConnectionsResult = z.object({
  sessions: z.number().int(),
  groups: z.array(ConnectionGroup),
  /** Accepted and ended connections per bucket: [bucket start, accepted, ended]. */
  churn: z.object({ stepMs: z.number().int().positive(), points: z.array(z.tuple([Ts, z.number().int(), z.number().int()])) }),
});
export type ConnectionsResult = z.infer<typeof ConnectionsResult>;

export const SessionsInput = z
  .object({
    ...Window,
    app: z.string().max(300).optional(),
    driver: z.string().max(300).optional(),
    host: z.string().max(300).optional(),
    user: z.string().max(300).optional(),
    os: z.string().max(300).optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();

export const SessionRow = z.object({
  id: Id,
  node: z.string(),
  ctx: z.string(),
  remote: z.string().nullable(),
  accepted: Ts.nullable(),
  ended: Ts.nullable(),
  driver: z.string().nullable(),
  driverVersion: z.string().nullable(),
  appName: z.string().nullable(),
  os: z.string().nullable(),
  user: z.string().nullable(),
  mechanism: z.string().nullable(),
  authOk: z.boolean().nullable(),
  authFailures: z.number().int(),
  operations: z.number().int(),
});
export type SessionRow = z.infer<typeof SessionRow>;

export const SessionDetail = z.object({
  session: SessionRow,
  operations: z.array(OperationRow),
  /** The connection's own log lines (accepted, metadata, auth, end, its slow operations...). */
  events: z.array(EventRow),
});
export type SessionDetail = z.infer<typeof SessionDetail>;

export const logsContract = defineService(
  'logs',
  {
    import: method(LogImportInput, LogSourceInfo),
    followRemote: method(FollowRemoteInput, LogSourceInfo),
    pollGetLog: method(PollGetLogInput, LogSourceInfo),
    stopSource: method(SourceRef, LogSourceInfo),
    /** Polls a followed source (SSH or getLog) now, whatever its interval. */
    pollNow: method(SourceRef, LogSourceInfo),
    deleteSource: method(SourceRef, z.object({ deleted: z.boolean(), events: z.number().int().nonnegative() })),
    sources: method(z.object({}).strict(), z.array(LogSourceInfo)),
    nodes: method(z.object({}).strict(), z.array(LogNode)),
    search: method(SearchInput, SearchResult),
    event: method(z.object({ id: Id }).strict(), EventDetail),
    count: method(z.object({ filter: EventFilter }).strict(), CountResult),
    buckets: method(BucketsInput, BucketsResult),
    unparsed: method(UnparsedInput, z.array(UnparsedRow)),
    shapes: method(ShapesInput, ShapesResult),
    operations: method(OperationsInput, z.array(OperationRow)),
    connections: method(ConnectionsInput, ConnectionsResult),
    sessions: method(SessionsInput, z.array(SessionRow)),
    session: method(z.object({ id: Id }).strict(), SessionDetail),
  },
  {
    progress: LogImportProgress,
    /** A source changed (new lines followed, stopped, an error): the views refresh. */
    source: LogSourceInfo,
  },
);
