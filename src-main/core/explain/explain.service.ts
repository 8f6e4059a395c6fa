import { randomUUID } from 'node:crypto';
import { EJSON } from '../bson/bson';
import type { Document } from 'mongodb';
import type {
  ConnectionSummary,
  ExplainSource,
  ExplainView,
  IndexBuild,
  IndexListSource,
  IndexReport,
  NodeSummary,
  ParsedQueryView,
  PlanChange,
  ParsedInput,
  PlanHistoryEntry,
} from '../../../src-shared/contract';
import { BaleenError, errorMessage, isBaleenError } from '../../../src-shared/domain/errors';
import type { ExistingIndex, ParsedQuery, Verbosity } from '../../../src-shared/domain/explain';
import type { NodeId } from '../../../src-shared/domain/identity';
import type { AuditLog } from '../audit/audit-log';
import type { ConnectionManager } from '../connections/connection-manager';
import type { NodeClient } from '../connections/node-client';
import { baleenShapeHash, queryShapeText } from '../diagnosis';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import { parseExistingIndexes } from './esr.advisor';
import { parseExplainDocument } from './explain-input.reader';
import { buildExplainReport, indexesSeenInPlans } from './explain-report.formatter';
import { parseExplainText } from './explain-text.parser';
import { normalizeExplain } from './explain.normalizer';
import type { JsonObject, PlanModel } from './explain.schema';
import { findRedundantIndexes, findUnusedIndexes, type MemberIndexStats } from './index-usage.analyzer';
import { parseMongoshQuery } from './mongosh-query.parser';
import { costliestPath, planSignature, planSummaryText } from './plan-cost';
import type { PlanHistoryStore } from './plan-history.store';

/**
 * Explain in the console: runs explain on a node (safely), imports saved explains, checks the advice
 * against the collection's indexes, judges unused indexes across every member, creates an index on
 * the primary (confirmed, audited) and follows its build, and keeps each shape's plan history.
 *
 * Safety rules (issue 6):
 * - executionStats / allPlansExecution RUN the query: on a node that takes writes (primary,
 *   standalone) or a mongos, the caller must confirm (`confirmedRunOnPrimary`), else E_INVALID_INPUT.
 * - a time limit always applies (maxTimeMS, and the client-side deadline just after it).
 * - a pipeline with `$out` / `$merge` is explained at queryPlanner only: on 3.6 and 4.0 an
 *   executionStats explain of it really writes.
 * - explain needs `find` on the namespace: the capability matrix says when it is missing, and a
 *   code 13 from the explain command turns the feature off (REL-M5).
 * - every run is audited (`explain.run`) with namespace, verbosity and the query shape, never literals.
 */

export interface ExplainServiceDeps {
  connections: Pick<ConnectionManager, 'runFeature' | 'capabilities' | 'list'>;
  audit: Pick<AuditLog, 'run'>;
  history: PlanHistoryStore;
  clock: Clock;
  log: Logger;
  onPlanChanged(c: PlanChange): void;
  onIndexBuild(b: IndexBuild): void;
}

export interface RunRequest {
  nodeId: NodeId;
  query: string;
  db?: string | undefined;
  verbosity: Verbosity;
  confirmedRunOnPrimary: boolean;
  maxTimeMs: number;
}

/** An index build may take hours on a big collection; its command gets this as maxTimeMS. */
export const INDEX_BUILD_DEADLINE_MS = 12 * 3_600_000;
const CURRENT_OP_DEADLINE_MS = 5000;
const INDEX_COMMAND_DEADLINE_MS = 15_000;
/** Finished builds are kept this long for the page that started them to read their outcome. */
const BUILD_KEEP_MS = 3_600_000;

interface NodeRole {
  role: string;
  /** The node runs the query where it takes writes: primary, standalone, or the shards' primaries behind a mongos. */
  runsOnPrimary: boolean;
  takesWrites: boolean;
  mongos: boolean;
}

interface BuildJob {
  view: IndexBuild;
  db: string;
  coll: string;
  abort: AbortController;
  settled: Promise<void>;
  lastProbe: number;
}

const isObj = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The parsed query is relaxed Extended JSON (`{$date: …}`, `{$oid: …}`): the server must get the BSON values. */
function toBson(cmd: JsonObject): Document {
  try {
    return EJSON.deserialize(cmd, { relaxed: true }) as Document;
  } catch (e) {
    throw new BaleenError('E_INVALID_INPUT', `A value in the query is not valid: ${errorMessage(e)}`);
  }
}

export function splitNamespace(ns: string): { db: string; coll: string } {
  const dot = ns.indexOf('.');
  if (dot <= 0 || dot === ns.length - 1) throw new BaleenError('E_INVALID_INPUT', `"${ns}" is not a namespace (<database>.<collection>).`);
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

/** A server's refusal of what the user typed is bad input, not a bug in Baleen. */
function asServerRefusal(e: unknown): unknown {
  if (isBaleenError(e) && e.code === 'E_INTERNAL' && typeof e.details?.code === 'number') {
    const msg = e.message.replace(/^.*? answered with an error: /, '');
    return new BaleenError('E_INVALID_INPUT', `The server refused it (code ${e.details.code}): ${msg}`, e.details);
  }
  return e;
}

export function roleFromHello(hello: Document): NodeRole {
  const mongos = hello.msg === 'isdbgrid';
  const writable = hello.isWritablePrimary === true || hello.ismaster === true;
  const set = typeof hello.setName === 'string';
  const role = mongos ? 'MONGOS' : hello.arbiterOnly === true ? 'ARBITER' : writable ? (set ? 'PRIMARY' : 'STANDALONE') : hello.secondary === true ? 'SECONDARY' : 'OTHER';
  return { role, runsOnPrimary: mongos || writable, takesWrites: writable || mongos, mongos };
}

export class ExplainService {
  private readonly builds = new Map<string, BuildJob>();
  private disposed = false;

  constructor(private readonly d: ExplainServiceDeps) {}

  // ---------------------------------------------------------------------------------------------
  // Reading a query

  parseQuery(query: string, db?: string): ParsedQueryView {
    const p = parseMongoshQuery(query);
    const dbName = p.db ?? db ?? null;
    return { ...p, namespace: dbName ? `${dbName}.${p.collection}` : null, shapeText: queryShapeText(p.shape) };
  }

  // ---------------------------------------------------------------------------------------------
  // Running explain on a node

  async run(req: RunRequest, actor: string, signal: AbortSignal): Promise<ExplainView> {
    const parsed = parseMongoshQuery(req.query);
    const db = parsed.db ?? req.db;
    if (!db) throw new BaleenError('E_INVALID_INPUT', 'Which database? Choose one, or write db.getSiblingDB("<name>").<collection>…');
    const namespace = `${db}.${parsed.collection}`;
    // A verbosity written in the query (`.explain("executionStats")`) is what the user asked for.
    const verbosity = parsed.verbosity ?? req.verbosity;
    if (parsed.writesOutput && verbosity !== 'queryPlanner') {
      throw new BaleenError(
        'E_INVALID_INPUT',
        `This pipeline ends in $out or $merge: Baleen explains it at queryPlanner only. At ${verbosity} the server runs it, and on MongoDB 3.6 and 4.0 that really writes its output collection.`,
        { reason: 'writes-output', verbosity },
      );
    }
    this.requireExplainAllowed(req.nodeId);
    const shapeText = queryShapeText(parsed.shape);
    const shapeHash = baleenShapeHash(parsed.op, shapeText);
    const node = this.nodeSummary(req.nodeId);

    const out = await this.d.connections.runFeature(
      req.nodeId,
      'explain',
      async (client) => {
        const role = await this.helloRole(client, signal);
        if (verbosity !== 'queryPlanner' && role.runsOnPrimary && !req.confirmedRunOnPrimary) {
          const where = role.mongos ? `${node.hostPort} is a mongos: the shards' primaries run it` : `${node.hostPort} is the ${role.role === 'STANDALONE' ? 'standalone server' : 'primary'}`;
          throw new BaleenError(
            'E_INVALID_INPUT',
            `${verbosity} RUNS the query, and ${where}. Confirm that it may run there (it reads what the query reads, for up to ${req.maxTimeMs} ms), run it at queryPlanner, or choose a secondary.`,
            { reason: 'confirm-run-on-primary', role: role.role, verbosity },
          );
        }
        const reply = await this.d.audit.run(
          { action: 'explain.run', target: req.nodeId, actor, details: { namespace, op: parsed.op, verbosity, shape: shapeText, shapeHash, maxTimeMs: req.maxTimeMs, role: role.role } },
          async () => {
            try {
              return await client.command({ explain: toBson(parsed.command), verbosity }, { db, deadlineMs: req.maxTimeMs, signal });
            } catch (e) {
              throw asServerRefusal(e);
            }
          },
        );
        const indexes = await this.tryListIndexes(client, db, parsed.collection, signal);
        return { reply, role, indexes };
      },
      signal,
    );

    const model = this.modelOf(out.reply);
    const source: ExplainSource = {
      kind: 'live',
      nodeId: req.nodeId,
      hostPort: node.hostPort,
      role: out.role.role,
      ranAt: this.d.clock.now(),
      verbosity,
      maxTimeMs: req.maxTimeMs,
      op: parsed.op,
      method: parsed.method,
      namespace,
      shapeText,
      shapeHash,
    };
    const view = this.view(model, source, out.indexes.list !== null ? { source: 'listIndexes', list: out.indexes.list, error: null } : { source: 'plans', list: [], error: out.indexes.error });
    view.notes.unshift(...parsed.notes);
    if (verbosity !== 'queryPlanner' && model.verbosity === 'queryPlanner') view.notes.push(`You asked for ${verbosity}, but the server returned no execution numbers: only the plan is shown.`);
    if (/"\?(string|number|date|objectId|bool|regex|array|object|binData|null)/.test(req.query)) {
      view.notes.push('The query holds type placeholders from a query shape ("?string"…): put real values in for a representative plan.');
    }

    const { change } = this.d.history.record({
      ts: source.ranAt,
      nodeId: req.nodeId,
      namespace,
      op: parsed.op,
      shapeHash,
      shapeText,
      signature: planSignature(model),
      planSummary: view.planSummary,
      // What was asked for: a server that prints no numbers (FerretDB) still ran it at this verbosity.
      verbosity,
      nReturned: view.summary.nReturned,
      executionTimeMillis: view.summary.executionTimeMillis,
      totalKeysExamined: view.summary.totalKeysExamined,
      totalDocsExamined: view.summary.totalDocsExamined,
    });
    view.planChange = change;
    if (change) this.d.onPlanChanged(change);
    return view;
  }

  private modelOf(reply: Document): PlanModel {
    return normalizeExplain(parseExplainDocument(reply));
  }

  private async helloRole(client: NodeClient, signal: AbortSignal): Promise<NodeRole> {
    try {
      return roleFromHello(await client.command({ hello: 1 }, { deadlineMs: 5000, signal }));
    } catch (e) {
      // Before 4.4.2 (and 5.0 for some builds) there is only isMaster.
      if (isBaleenError(e) && (e.code === 'E_UNSUPPORTED' || e.code === 'E_INTERNAL')) return roleFromHello(await client.command({ isMaster: 1 }, { deadlineMs: 5000, signal }));
      throw e;
    }
  }

  /** Off in the capability matrix (no `find` anywhere): say so before anything is sent. */
  private requireExplainAllowed(nodeId: NodeId): void {
    const cap = this.d.connections.capabilities(nodeId).features.find((f) => f.feature === 'explain');
    if (cap && cap.state === 'unavailable' && cap.deniedAt === undefined) {
      throw new BaleenError('E_NOT_AUTHORIZED', `${cap.label} is off on this node: ${cap.reason ?? `needs ${cap.needs}`}${cap.unlockRole ? ` (grant ${cap.unlockRole})` : ''}.`, {
        feature: 'explain',
        needs: cap.needs,
      });
    }
  }

  private nodeSummary(nodeId: NodeId): NodeSummary & { connection: ConnectionSummary } {
    for (const c of this.d.connections.list()) {
      const n = c.nodes.find((x) => x.id === nodeId);
      if (n) return { ...n, connection: c };
    }
    throw new BaleenError('E_NOT_FOUND', `No node ${nodeId}.`);
  }

  /**
   * Index commands (listIndexes, $indexStats, createIndexes) have no feature of their own: they ride
   * on explain's gate, but their refusals are reported without turning explain off.
   */
  private async underExplainGate<T>(nodeId: NodeId, fn: (c: NodeClient) => Promise<T>, signal: AbortSignal): Promise<T> {
    const r = await this.d.connections.runFeature(
      nodeId,
      'explain',
      async (client) => {
        try {
          return { ok: true as const, value: await fn(client) };
        } catch (e) {
          if (isBaleenError(e) && (e.code === 'E_NOT_AUTHORIZED' || e.code === 'E_UNSUPPORTED')) return { ok: false as const, error: e };
          throw e;
        }
      },
      signal,
    );
    if (!r.ok) throw r.error;
    return r.value;
  }

  private async listIndexesWith(client: NodeClient, db: string, coll: string, signal: AbortSignal): Promise<ExistingIndex[]> {
    let reply: Document;
    try {
      reply = await client.command({ listIndexes: coll }, { db, deadlineMs: INDEX_COMMAND_DEADLINE_MS, signal });
    } catch (e) {
      if (isBaleenError(e) && e.details?.code === 26) return [];
      throw asServerRefusal(e);
    }
    return parseExistingIndexes(parseExplainDocument(reply));
  }

  private async tryListIndexes(client: NodeClient, db: string, coll: string, signal: AbortSignal): Promise<{ list: ExistingIndex[] | null; error: string | null }> {
    try {
      return { list: await this.listIndexesWith(client, db, coll, signal), error: null };
    } catch (e) {
      if (signal.aborted) throw e;
      return { list: null, error: `listIndexes failed: ${errorMessage(e)}` };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Importing a saved explain

  importText(text: string, name: string | undefined, indexesText: string | undefined): ExplainView {
    const model = normalizeExplain(parseExplainText(text));
    let indexes: { source: IndexListSource; list: ExistingIndex[]; error: string | null } = { source: 'none', list: [], error: null };
    if (indexesText !== undefined && indexesText.trim() !== '') {
      try {
        indexes = { source: 'pasted', list: parseExistingIndexes(parseExplainText(indexesText)), error: null };
      } catch (e) {
        throw new BaleenError('E_PARSE', `The indexes pasted cannot be read: ${errorMessage(e)}`, isBaleenError(e) ? e.details : undefined);
      }
    } else if (indexesSeenInPlans(model).length > 0) indexes = { source: 'plans', list: [], error: null };
    return this.view(model, { kind: 'import', name: name ?? null, importedAt: this.d.clock.now() }, indexes);
  }

  private view(model: PlanModel, source: ExplainSource, indexes: { source: IndexListSource; list: ExistingIndex[]; error: string | null }): ExplainView {
    const report = buildExplainReport(model, { existingIndexes: indexes.list, findingOptions: { totalShards: null } });
    const notes: string[] = [];
    if (indexes.error) notes.push(`The advice was checked only against the indexes the plans name: ${indexes.error}`);
    const advice = report.advice;
    if (advice?.existingIndex && model.sharded) {
      const use = report.summary.indexes.find((i) => i.name === advice.existingIndex);
      const scanned = report.findings.filter((f) => f.code === 'COLLSCAN' && f.shard !== null).map((f) => f.shard!);
      if (use && use.shards.length > 0 && scanned.length > 0) {
        notes.push(`${advice.existingIndex} was used on ${use.shards.join(', ')}, but ${scanned.join(', ')} scanned the whole collection: check that the index exists on every shard.`);
      }
    }
    return {
      source,
      model,
      summary: report.summary,
      findings: report.findings,
      queryShape: report.queryShape,
      advice,
      indexes: { source: indexes.source, list: indexes.list, error: indexes.error },
      costliest: costliestPath(model.root),
      planSummary: planSummaryText(model),
      planChange: null,
      notes: [...notes, ...report.warnings],
    };
  }

  // ---------------------------------------------------------------------------------------------
  // A collection's indexes: existing, redundant, unused on every member

  async indexes(nodeId: NodeId, namespace: string, signal: AbortSignal): Promise<IndexReport> {
    const { db, coll } = splitNamespace(namespace);
    this.requireExplainAllowed(nodeId);
    const list = await this.underExplainGate(nodeId, (c) => this.listIndexesWith(c, db, coll, signal), signal);
    const redundant = findRedundantIndexes(list).map((r) => ({ name: r.name, key: r.key, coveredBy: r.coveredBy, reason: r.reason }));
    const { members, problem } = this.membersOf(nodeId);
    const checks: IndexReport['members'] = [];
    const stats: MemberIndexStats[] = [];
    for (const m of members) {
      if (signal.aborted) throw new BaleenError('E_CANCELLED', 'Cancelled.');
      if (!m.nodeId) {
        checks.push({ member: m.hostPort, nodeId: null, ok: false, error: 'not connected in Baleen' });
        continue;
      }
      try {
        const docs = await this.underExplainGate(
          m.nodeId,
          async (c) => {
            const r = await c.command({ aggregate: coll, pipeline: [{ $indexStats: {} }], cursor: {} }, { db, deadlineMs: INDEX_COMMAND_DEADLINE_MS, signal });
            const batch = isObj(r.cursor) ? (r.cursor as Document).firstBatch : undefined;
            if (!Array.isArray(batch)) throw new BaleenError('E_PARSE', '$indexStats answered without a cursor');
            return batch as unknown[];
          },
          signal,
        );
        stats.push({ member: m.hostPort, indexStats: docs });
        checks.push({ member: m.hostPort, nodeId: m.nodeId, ok: true, error: null });
      } catch (e) {
        if (signal.aborted) throw e;
        checks.push({ member: m.hostPort, nodeId: m.nodeId, ok: false, error: errorMessage(asServerRefusal(e)) });
      }
    }
    let unused: IndexReport['unused'];
    const failed = checks.filter((c) => !c.ok);
    if (problem) unused = { state: 'unavailable', reason: problem };
    else if (failed.length > 0) {
      // $indexStats counts per mongod: an index idle here may serve every query on another member.
      unused = { state: 'unavailable', reason: `$indexStats could not be read on ${failed.map((f) => `${f.member} (${f.error})`).join(', ')}; an index is called unused only when every member reports no access.` };
    } else {
      try {
        unused = { state: 'checked', list: findUnusedIndexes(stats) };
      } catch (e) {
        unused = { state: 'unavailable', reason: `$indexStats answered in an unexpected shape: ${errorMessage(e)}` };
      }
    }
    return { namespace, indexes: list, redundant, unused, members: checks };
  }

  /** The data-bearing members whose $indexStats must all be read before an index is called unused. */
  private membersOf(nodeId: NodeId): { members: Array<{ hostPort: string; nodeId: NodeId | null }>; problem: string | null } {
    const n = this.nodeSummary(nodeId);
    const conn = n.connection;
    if (n.role === 'MONGOS' || n.server === 'mongos') {
      return { members: [], problem: "Through a mongos, $indexStats answers for one member per shard: connect to each shard's members to judge unused indexes." };
    }
    if (!n.setName) return { members: [{ hostPort: n.hostPort, nodeId }], problem: null };
    const known = new Set(conn.nodes.map((x) => x.id));
    const t = conn.topology;
    const set = t ? [t.replicaSet, ...t.shards, t.configServers].find((s) => s?.name === n.setName) : undefined;
    if (set) {
      const members = set.members.filter((m) => !m.arbiter && m.state !== 'ARBITER').map((m) => ({ hostPort: m.hostPort, nodeId: m.nodeId && known.has(m.nodeId) ? m.nodeId : null }));
      return { members, problem: null };
    }
    const members = conn.nodes.filter((x) => x.setName === n.setName && x.role !== 'ARBITER').map((x) => ({ hostPort: x.hostPort, nodeId: x.id }));
    return { members, problem: null };
  }

  // ---------------------------------------------------------------------------------------------
  // Creating an index, and following its build

  async createIndex(input: ParsedInput<'explain.createIndex'>, actor: string, signal: AbortSignal): Promise<IndexBuild> {
    if (this.disposed) throw new BaleenError('E_CANCELLED', 'Baleen is shutting down.');
    if (input.confirmNamespace !== input.namespace) {
      throw new BaleenError('E_INVALID_INPUT', `Type the namespace "${input.namespace}" exactly to confirm creating the index.`, { reason: 'confirm-namespace' });
    }
    const { db, coll } = splitNamespace(input.namespace);
    const fields = new Set<string>();
    for (const [f] of input.key) {
      if (fields.has(f)) throw new BaleenError('E_INVALID_INPUT', `The key names ${f} twice.`);
      if (f.startsWith('$') || f.includes('\0')) throw new BaleenError('E_INVALID_INPUT', `"${f}" is not a field name for an index key.`);
      fields.add(f);
    }
    this.requireExplainAllowed(input.nodeId);
    const indexName = input.name ?? input.key.map(([f, dir]) => `${f}_${dir}`).join('_');
    const target = await this.writableTarget(input.nodeId, signal);
    const key = Object.fromEntries(input.key) as Record<string, number>;
    const buildId = randomUUID();
    const view: IndexBuild = {
      buildId,
      nodeId: target.nodeId,
      hostPort: target.hostPort,
      namespace: input.namespace,
      indexName,
      key,
      state: 'running',
      startedAt: this.d.clock.now(),
      finishedAt: null,
      progress: null,
      phase: null,
      progressNote: null,
      error: null,
    };
    const abort = new AbortController();
    let started = false;
    // A Map keeps the key's field order whatever the field names look like ("2" would jump ahead in an object).
    const keyDoc = new Map(input.key);
    const run = this.d.audit.run(
      { action: 'index.create', target: target.nodeId, actor, details: { namespace: input.namespace, key, name: indexName, requestedOn: input.nodeId } },
      () => {
        started = true;
        return this.underExplainGate(
          target.nodeId,
          async (c) => {
            try {
              return await c.command({ createIndexes: coll, indexes: [{ key: keyDoc, name: indexName }] }, { db, deadlineMs: INDEX_BUILD_DEADLINE_MS, signal: abort.signal });
            } catch (e) {
              throw asServerRefusal(e);
            }
          },
          abort.signal,
        );
      },
    );
    if (!started) await run; // the intent could not be written (E_AUDIT): nothing was sent
    const job: BuildJob = { view, db, coll, abort, lastProbe: 0, settled: Promise.resolve() };
    job.settled = run.then(
      (reply) => {
        job.view = { ...job.view, state: 'done', finishedAt: this.d.clock.now(), phase: typeof reply.note === 'string' ? reply.note : 'Index built', progress: job.view.progress ? { done: job.view.progress.total, total: job.view.progress.total } : null };
        this.d.onIndexBuild(job.view);
      },
      (e: unknown) => {
        job.view = { ...job.view, state: 'failed', finishedAt: this.d.clock.now(), error: isBaleenError(e) ? `${e.code}: ${e.message}` : errorMessage(e) };
        this.d.onIndexBuild(job.view);
      },
    );
    this.builds.set(buildId, job);
    this.prune();
    this.d.onIndexBuild(view);
    return view;
  }

  /** createIndexes runs on the primary: the node asked, if it takes writes (or is a mongos), else its set's primary. */
  private async writableTarget(nodeId: NodeId, signal: AbortSignal): Promise<{ nodeId: NodeId; hostPort: string }> {
    const n = this.nodeSummary(nodeId);
    const role = await this.underExplainGate(nodeId, (c) => this.helloRole(c, signal), signal);
    if (role.takesWrites) return { nodeId, hostPort: n.hostPort };
    const candidates = n.setName ? n.connection.nodes.filter((x) => x.id !== nodeId && x.setName === n.setName).sort((a, b) => (a.role === 'PRIMARY' ? -1 : b.role === 'PRIMARY' ? 1 : 0)) : [];
    for (const c of candidates) {
      try {
        const r = await this.underExplainGate(c.id, (cl) => this.helloRole(cl, signal), signal);
        if (r.takesWrites) return { nodeId: c.id, hostPort: c.hostPort };
      } catch (e) {
        if (signal.aborted) throw e;
      }
    }
    throw new BaleenError('E_INVALID_INPUT', `${n.hostPort} is a ${role.role.toLowerCase()} and no primary of ${n.setName ?? 'its set'} is connected in Baleen: an index is created on the primary.`, { reason: 'no-primary' });
  }

  async indexBuild(buildId: string, signal: AbortSignal): Promise<IndexBuild> {
    const job = this.builds.get(buildId);
    if (!job) throw new BaleenError('E_NOT_FOUND', `No index build ${buildId} (builds are kept for an hour after they end).`);
    if (job.view.state !== 'running') return job.view;
    const now = this.d.clock.now();
    if (now - job.lastProbe < 500) return job.view;
    job.lastProbe = now;
    try {
      const entry = await this.d.connections.runFeature(
        job.view.nodeId,
        'currentOp',
        async (c) => {
          const r = await c.command(
            { aggregate: 1, pipeline: [{ $currentOp: { allUsers: true, idleConnections: false } }, { $match: { 'command.createIndexes': job.coll } }], cursor: {} },
            { db: 'admin', deadlineMs: CURRENT_OP_DEADLINE_MS, signal },
          );
          const batch = isObj(r.cursor) ? (r.cursor as Document).firstBatch : undefined;
          return Array.isArray(batch) ? pickBuildOp(batch as Document[], job.db, job.view.indexName) : null;
        },
        signal,
      );
      if (job.view.state !== 'running') return job.view;
      if (entry) job.view = { ...job.view, progress: entry.progress, phase: entry.phase, progressNote: null };
      else job.view = { ...job.view, progressNote: job.view.progress ? job.view.progressNote : 'The build does not show in $currentOp (yet).' };
    } catch (e) {
      if (signal.aborted) throw e;
      if (job.view.state === 'running') job.view = { ...job.view, progressNote: `No progress from $currentOp: ${errorMessage(e)}` };
    }
    return job.view;
  }

  private prune(): void {
    const now = this.d.clock.now();
    for (const [id, j] of this.builds) if (j.view.finishedAt !== null && now - j.view.finishedAt > BUILD_KEEP_MS) this.builds.delete(id);
  }

  // ---------------------------------------------------------------------------------------------
  // Plan history

  history(q: { nodeId?: string | undefined; shapeHash?: string | undefined; namespace?: string | undefined; limit: number }): PlanHistoryEntry[] {
    return this.d.history.history(q);
  }

  changes(q: { nodeId?: string | undefined; from?: number | undefined; to?: number | undefined; limit: number }): PlanChange[] {
    return this.d.history.changes(q);
  }

  /** Stops waiting for builds (the server finishes them on its own) and closes plans.db. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const j of this.builds.values()) j.abort.abort(new BaleenError('E_CANCELLED', 'Baleen stopped waiting for the index build; the server carries on with it.'));
    await Promise.allSettled([...this.builds.values()].map((j) => j.settled));
    this.d.history.close();
  }
}

/** The index build's own operation in $currentOp: the one naming our index, preferring the one with progress. */
export function pickBuildOp(ops: Document[], db: string, indexName: string): { progress: { done: number; total: number } | null; phase: string | null } | null {
  let best: Document | null = null;
  for (const op of ops) {
    const cmd = isObj(op.command) ? (op.command as Document) : null;
    if (!cmd) continue;
    const ns = typeof op.ns === 'string' ? op.ns : '';
    if (!(ns.startsWith(`${db}.`) || cmd.$db === db)) continue;
    const names = Array.isArray(cmd.indexes) ? (cmd.indexes as unknown[]).map((i) => (isObj(i) ? (i as Document).name : undefined)) : [];
    if (!names.includes(indexName)) continue;
    if (!best || (op.progress !== undefined && best.progress === undefined)) best = op;
  }
  if (!best) return null;
  const p = isObj(best.progress) ? (best.progress as Document) : null;
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v && typeof (v as { toNumber?: unknown }).toNumber === 'function' ? (v as { toNumber(): number }).toNumber() : NaN);
  const done = p ? num(p.done) : NaN;
  const total = p ? num(p.total) : NaN;
  return {
    progress: Number.isFinite(done) && Number.isFinite(total) && total >= 0 ? { done, total } : null,
    phase: typeof best.msg === 'string' ? best.msg.slice(0, 300) : null,
  };
}

export type { ParsedQuery };
