import { BaleenError } from '../../../src-shared/domain/errors';
import { clientHost, type Operation, type ShapeHashSource } from './operation';
import { QuantileSketch, type QuantileSketchJSON } from './quantile-sketch';

/**
 * Operations grouped by query shape: count, time, quantiles, examined/returned, plans seen and
 * when the plan changed, first/last seen, nodes and clients. Every part is bounded (shapes,
 * clients, nodes, plans, plan changes) so memory stays flat whatever the input, and tables merge
 * (worker ranges, several files) in input order.
 */
export interface ShapeStatsOptions {
  /** Shapes beyond this are pooled into one "(other shapes)" row. */
  maxShapes?: number;
  /** Relative accuracy of the duration quantiles (DDSketch α). */
  relativeAccuracy?: number;
}

const MAX_CLIENTS = 32;
const MAX_NODES = 32;
const MAX_PLANS = 16;
const MAX_PLAN_CHANGES = 20;
export const OVERFLOW_KEY = '\u0000overflow';

interface PlanSeen {
  count: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface PlanChange {
  ts: number | null;
  from: string;
  to: string;
}

interface Entry {
  key: string;
  ns: string;
  op: string;
  shape: string;
  hash: string;
  hashSource: ShapeHashSource;
  count: number;
  totalMs: number;
  maxMs: number;
  sketch: QuantileSketch;
  docsExamined: number;
  keysExamined: number;
  nreturned: number;
  /** Operations that reported examined/returned at all (inserts and most commands do not). */
  withCounts: number;
  errors: number;
  plans: Map<string, PlanSeen>;
  /** Plans beyond MAX_PLANS are counted here. */
  otherPlans: number;
  firstPlan: string | null;
  lastPlan: string | null;
  planChangeCount: number;
  planChanges: PlanChange[];
  firstSeen: number | null;
  lastSeen: number | null;
  nodes: Set<string>;
  clients: Map<string, number>;
  otherClients: number;
}

export interface ShapeSummary {
  ns: string;
  op: string;
  shape: string;
  hash: string;
  hashSource: ShapeHashSource;
  count: number;
  totalMs: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  docsExamined: number;
  keysExamined: number;
  nreturned: number;
  /** max(docs, keys) examined per document returned; null when nothing was returned. */
  examinedPerReturned: number | null;
  errors: number;
  planSummaries: { plan: string; count: number; firstSeen: string | null; lastSeen: string | null }[];
  planChangeCount: number;
  planChanges: { ts: string | null; from: string; to: string }[];
  firstSeen: string | null;
  lastSeen: string | null;
  nodes: string[];
  clients: { host: string; count: number }[];
}

export interface ShapeStatsJSON {
  version: 1;
  maxShapes: number;
  relativeAccuracy: number;
  operations: number;
  entries: EntryJSON[];
}

interface EntryJSON extends Omit<Entry, 'sketch' | 'plans' | 'nodes' | 'clients'> {
  sketch: QuantileSketchJSON;
  plans: [string, PlanSeen][];
  nodes: string[];
  clients: [string, number][];
}

const iso = (ts: number | null): string | null => (ts === null || !Number.isFinite(ts) ? null : new Date(ts).toISOString());
const minTs = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
const maxTs = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));

export class ShapeStatsTable {
  readonly maxShapes: number;
  readonly relativeAccuracy: number;
  private readonly entries = new Map<string, Entry>();
  private operations_ = 0;

  constructor(opts: ShapeStatsOptions = {}) {
    this.maxShapes = opts.maxShapes ?? 10_000;
    this.relativeAccuracy = opts.relativeAccuracy ?? 0.01;
  }

  /** Operations added (or merged) so far, including pooled ones. */
  get operations(): number {
    return this.operations_;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The grouping key: the server's hash when it gave one (per namespace and op), else Baleen's
   * hash of the shape text. A Baleen-hash collision between different texts falls back to keying
   * by the full text (see entryFor), so two shapes never merge.
   */
  static keyOf(op: Pick<Operation, 'ns' | 'op' | 'shape'>): string {
    const s = op.shape;
    if (s === undefined) return `${op.ns}\u0000${op.op}\u0000`;
    return `${op.ns}\u0000${op.op}\u0000#${s.hashSource}:${s.hash}`;
  }

  add(o: Operation): void {
    this.operations_++;
    const entry = this.entryFor(ShapeStatsTable.keyOf(o), o);
    const d = o.durationMs >= 0 && Number.isFinite(o.durationMs) ? o.durationMs : 0;
    entry.count++;
    entry.totalMs += d;
    if (d > entry.maxMs) entry.maxMs = d;
    entry.sketch.add(d);
    if (o.docsExamined !== undefined || o.keysExamined !== undefined || o.nreturned !== undefined) {
      entry.withCounts++;
      entry.docsExamined += o.docsExamined ?? 0;
      entry.keysExamined += o.keysExamined ?? 0;
      entry.nreturned += o.nreturned ?? 0;
    }
    if (o.error !== undefined) entry.errors++;
    if (o.ts !== null) {
      entry.firstSeen = minTs(entry.firstSeen, o.ts);
      entry.lastSeen = maxTs(entry.lastSeen, o.ts);
    }
    if (o.planSummary !== undefined) this.seePlan(entry, o.planSummary, 1, o.ts, o.ts);
    if (o.node !== undefined && entry.nodes.size < MAX_NODES) entry.nodes.add(o.node);
    if (o.client !== undefined) this.seeClient(entry, clientHost(o.client), 1);
  }

  private entryFor(key: string, o: Pick<Operation, 'ns' | 'op' | 'shape'>): Entry {
    let e = this.entries.get(key);
    if (e !== undefined) {
      if (e.hashSource !== 'baleen' || o.shape === undefined || e.shape === o.shape.text || key === OVERFLOW_KEY) return e;
      // Same 32-bit hash, different shape: key this one by its text instead.
      return this.entryFor(`${key}\u0000${o.shape.text}`, o);
    }
    if (this.entries.size >= this.maxShapes && key !== OVERFLOW_KEY) return this.entryFor(OVERFLOW_KEY, { ns: '*', op: '*' });
    const shape = key === OVERFLOW_KEY ? '(other shapes beyond the table limit)' : (o.shape?.text ?? '{}');
    e = {
      key,
      ns: o.ns,
      op: o.op,
      shape,
      hash: o.shape?.hash ?? '',
      hashSource: o.shape?.hashSource ?? 'baleen',
      count: 0,
      totalMs: 0,
      maxMs: 0,
      sketch: new QuantileSketch(this.relativeAccuracy),
      docsExamined: 0,
      keysExamined: 0,
      nreturned: 0,
      withCounts: 0,
      errors: 0,
      plans: new Map(),
      otherPlans: 0,
      firstPlan: null,
      lastPlan: null,
      planChangeCount: 0,
      planChanges: [],
      firstSeen: null,
      lastSeen: null,
      nodes: new Set(),
      clients: new Map(),
      otherClients: 0,
    };
    this.entries.set(key, e);
    return e;
  }

  private seePlan(e: Entry, plan: string, count: number, first: number | null, last: number | null): void {
    const seen = e.plans.get(plan);
    if (seen !== undefined) {
      seen.count += count;
      seen.firstSeen = minTs(seen.firstSeen, first);
      seen.lastSeen = maxTs(seen.lastSeen, last);
    } else if (e.plans.size < MAX_PLANS) e.plans.set(plan, { count, firstSeen: first, lastSeen: last });
    else e.otherPlans += count;
    if (e.firstPlan === null) e.firstPlan = plan;
    if (e.lastPlan !== null && e.lastPlan !== plan) this.notePlanChange(e, { ts: first, from: e.lastPlan, to: plan });
    e.lastPlan = plan;
  }

  private notePlanChange(e: Entry, change: PlanChange): void {
    e.planChangeCount++;
    if (e.planChanges.length < MAX_PLAN_CHANGES) e.planChanges.push(change);
  }

  private seeClient(e: Entry, host: string, count: number): void {
    const n = e.clients.get(host);
    if (n !== undefined) e.clients.set(host, n + count);
    else if (e.clients.size < MAX_CLIENTS) e.clients.set(host, count);
    else e.otherClients += count;
  }

  /** Folds `other` (which came after this table's input) into this one. */
  merge(other: ShapeStatsTable): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) throw new BaleenError('E_INVALID_INPUT', 'cannot merge shape tables with different sketch accuracy');
    this.operations_ += other.operations_;
    for (const o of other.entries.values()) {
      const e = this.entryFor(o.key, { ns: o.ns, op: o.op, shape: { text: o.shape, hash: o.hash, hashSource: o.hashSource } });
      e.count += o.count;
      e.totalMs += o.totalMs;
      if (o.maxMs > e.maxMs) e.maxMs = o.maxMs;
      e.sketch.merge(o.sketch);
      e.docsExamined += o.docsExamined;
      e.keysExamined += o.keysExamined;
      e.nreturned += o.nreturned;
      e.withCounts += o.withCounts;
      e.errors += o.errors;
      e.firstSeen = minTs(e.firstSeen, o.firstSeen);
      e.lastSeen = maxTs(e.lastSeen, o.lastSeen);
      // The boundary between the two inputs is a plan change if the plan differs across it.
      if (o.firstPlan !== null && e.lastPlan !== null && e.lastPlan !== o.firstPlan) {
        const firstOfOther = o.plans.get(o.firstPlan);
        this.notePlanChange(e, { ts: firstOfOther?.firstSeen ?? null, from: e.lastPlan, to: o.firstPlan });
      }
      for (const [plan, seen] of o.plans) {
        const mine = e.plans.get(plan);
        if (mine !== undefined) {
          mine.count += seen.count;
          mine.firstSeen = minTs(mine.firstSeen, seen.firstSeen);
          mine.lastSeen = maxTs(mine.lastSeen, seen.lastSeen);
        } else if (e.plans.size < MAX_PLANS) e.plans.set(plan, { ...seen });
        else e.otherPlans += seen.count;
      }
      e.otherPlans += o.otherPlans;
      e.planChangeCount += o.planChangeCount;
      for (const c of o.planChanges) if (e.planChanges.length < MAX_PLAN_CHANGES) e.planChanges.push(c);
      if (e.firstPlan === null) e.firstPlan = o.firstPlan;
      if (o.lastPlan !== null) e.lastPlan = o.lastPlan;
      for (const n of o.nodes) if (e.nodes.size < MAX_NODES) e.nodes.add(n);
      for (const [host, n] of o.clients) this.seeClient(e, host, n);
      e.otherClients += o.otherClients;
    }
  }

  /** Shapes sorted by total time (then count), the order a DBA reads them in. */
  summaries(opts: { limit?: number; sortBy?: 'totalMs' | 'count' | 'maxMs' } = {}): ShapeSummary[] {
    const by = opts.sortBy ?? 'totalMs';
    const sorted = [...this.entries.values()].sort((a, b) => b[by] - a[by] || b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const out = opts.limit === undefined ? sorted : sorted.slice(0, opts.limit);
    return out.map((e) => summarise(e));
  }

  toJSON(): ShapeStatsJSON {
    return {
      version: 1,
      maxShapes: this.maxShapes,
      relativeAccuracy: this.relativeAccuracy,
      operations: this.operations_,
      entries: [...this.entries.values()].map((e) => ({
        ...e,
        sketch: e.sketch.toJSON(),
        plans: [...e.plans],
        planChanges: e.planChanges.slice(),
        nodes: [...e.nodes],
        clients: [...e.clients],
      })),
    };
  }

  static fromJSON(j: ShapeStatsJSON): ShapeStatsTable {
    if (j === null || typeof j !== 'object' || j.version !== 1 || !Array.isArray(j.entries)) throw new BaleenError('E_PARSE', 'invalid shape table');
    const t = new ShapeStatsTable({ maxShapes: j.maxShapes, relativeAccuracy: j.relativeAccuracy });
    t.operations_ = j.operations;
    for (const e of j.entries) {
      t.entries.set(e.key, {
        ...e,
        sketch: QuantileSketch.fromJSON(e.sketch),
        plans: new Map(e.plans),
        planChanges: e.planChanges.slice(),
        nodes: new Set(e.nodes),
        clients: new Map(e.clients),
      });
    }
    return t;
  }
}

const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  const y = Math.round(x * f) / f;
  // Near the top of the double range x·f overflows: keep x rather than report Infinity.
  return Number.isFinite(y) ? y : x;
};

function summarise(e: Entry): ShapeSummary {
  const clients = [...e.clients].sort((a, b) => b[1] - a[1]).map(([host, count]) => ({ host, count }));
  if (e.otherClients > 0) clients.push({ host: '(others)', count: e.otherClients });
  const plans = [...e.plans]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([plan, p]) => ({ plan, count: p.count, firstSeen: iso(p.firstSeen), lastSeen: iso(p.lastSeen) }));
  if (e.otherPlans > 0) plans.push({ plan: '(other plans)', count: e.otherPlans, firstSeen: null, lastSeen: null });
  const examined = Math.max(e.docsExamined, e.keysExamined);
  return {
    ns: e.ns,
    op: e.op,
    shape: e.shape,
    hash: e.hash,
    hashSource: e.hashSource,
    count: e.count,
    totalMs: round(e.totalMs, 3),
    avgMs: e.count > 0 ? round(e.totalMs / e.count) : 0,
    p50Ms: e.count > 0 ? round(e.sketch.quantile(0.5)) : 0,
    p95Ms: e.count > 0 ? round(e.sketch.quantile(0.95)) : 0,
    p99Ms: e.count > 0 ? round(e.sketch.quantile(0.99)) : 0,
    maxMs: e.maxMs,
    docsExamined: e.docsExamined,
    keysExamined: e.keysExamined,
    nreturned: e.nreturned,
    examinedPerReturned: e.withCounts > 0 && e.nreturned > 0 ? round(examined / e.nreturned) : null,
    errors: e.errors,
    planSummaries: plans,
    planChangeCount: e.planChangeCount,
    planChanges: e.planChanges.map((c) => ({ ts: iso(c.ts), from: c.from, to: c.to })),
    firstSeen: iso(e.firstSeen),
    lastSeen: iso(e.lastSeen),
    nodes: [...e.nodes].sort(),
    clients,
  };
}
