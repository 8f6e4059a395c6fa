import type { Document } from 'mongodb';
import { metricsOf, type MetricDef } from '../../../src-shared/domain/metrics/catalogue';
import { ABSENT, leanField, leanValues } from '../bson/lean-reply';

/**
 * Takes the catalogue's serverStatus metrics out of one serverStatus reply. A field the server does not
 * return is reported with a reason naming the missing section and the server, never as a zero
 * (FerretDB, DocumentDB and old versions return less). The reply may be a plain document or one read
 * with the driver's `raw: true` (embedded documents left as BSON bytes, bson/lean-reply.ts): both give the same.
 */
export interface Extracted {
  values: Record<string, number>;
  unavailable: Record<string, string>;
}

const SERVER_STATUS_METRICS = metricsOf('serverStatus');

/** Numbers, Int32/Long/Double wrappers, booleans and dates all become plain numbers; anything else is absent. */
export function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  if (v !== null && typeof v === 'object') {
    const bt = (v as { _bsontype?: string })._bsontype;
    if (bt === 'Long' || bt === 'Int32' || bt === 'Double' || bt === 'Decimal128') {
      const n = Number((v as { toString(): string }).toString());
      return Number.isFinite(n) ? n : undefined;
    }
  }
  return undefined;
}

/**
 * One catalogue metric, prepared once per metric list: this runs for every node every second, so the
 * `*` position, the path halves around it and the reasons for missing fields (per server label and
 * depth) are worked out once, not on every reply.
 */
interface Step {
  def: MetricDef;
  star: number;
  /** For a `*` path: the parts before and after the `*`. */
  before: readonly string[];
  after: readonly string[];
  /** Reasons already built, by server label, then by the depth the walk stopped at (path.length + 1: "lists no"). */
  reasons: Map<string, string[]>;
}

const plans = new WeakMap<readonly MetricDef[], Step[]>();

function planOf(defs: readonly MetricDef[]): Step[] {
  let plan = plans.get(defs);
  if (!plan) {
    plan = defs
      .filter((def) => !def.computed)
      .map((def) => {
        const star = def.path.indexOf('*');
        return { def, star, before: star >= 0 ? def.path.slice(0, star) : def.path, after: star >= 0 ? def.path.slice(star + 1) : [], reasons: new Map<string, string[]>() };
      });
    plans.set(defs, plan);
  }
  return plan;
}

export function extractMetrics(doc: Document, defs: readonly MetricDef[], serverLabel: string): Extracted {
  const values: Record<string, number> = {};
  const unavailable: Record<string, string> = {};
  for (const step of planOf(defs)) {
    if (step.star >= 0) {
      sumOver(doc, step, serverLabel, values, unavailable);
      continue;
    }
    const r = walk(doc, step.def.path);
    if (r.value !== undefined) values[step.def.id] = r.value;
    else unavailable[step.def.id] = reasonOf(step, r.depth, serverLabel);
  }
  return { values, unavailable };
}

function walk(doc: unknown, path: readonly string[]): { value: number | undefined; depth: number } {
  let cur: unknown = doc;
  let depth = 0;
  for (; depth < path.length; depth++) {
    const next = leanField(cur, path[depth]!);
    if (next === ABSENT) break;
    cur = next;
  }
  return { value: depth === path.length ? toNumber(cur) : undefined, depth };
}

/** Why a metric has no value: the walk stopped at `depth` (path.length: not a number; path.length + 1: a `*` level with no match). */
function reasonOf(step: Step, depth: number, serverLabel: string): string {
  let byDepth = step.reasons.get(serverLabel);
  if (!byDepth) {
    if (step.reasons.size >= 8) step.reasons.clear(); // labels change only when a node's version or role does
    step.reasons.set(serverLabel, (byDepth = []));
  }
  return (byDepth[depth] ??= missingReason(step, depth, serverLabel));
}

function missingReason({ def, before, after }: Step, depth: number, serverLabel: string): string {
  if (depth > def.path.length) return `${def.source}.${before.join('.')} lists no ${after.join('.')} on ${serverLabel}`;
  const missing = `${def.source}.${def.path.slice(0, depth + 1).join('.')}`;
  return depth === def.path.length ? `${missing} is not a number on ${serverLabel}` : `${missing} is not returned by ${serverLabel}`;
}

/** `metrics.commands.*.failed`: the sum over every key at the `*` level that has the rest of the path. */
function sumOver(doc: Document, step: Step, serverLabel: string, values: Record<string, number>, unavailable: Record<string, string>): void {
  let parent: unknown = doc;
  let depth = 0;
  for (; depth < step.before.length; depth++) {
    const next = leanField(parent, step.before[depth]!);
    if (next === ABSENT) break;
    parent = next;
  }
  if (depth < step.before.length || parent === null || typeof parent !== 'object') {
    unavailable[step.def.id] = reasonOf(step, depth, serverLabel);
    return;
  }
  let sum = 0;
  let found = 0;
  for (const child of leanValues(parent)) {
    const v = walk(child, step.after).value;
    if (v !== undefined) {
      sum += v;
      found++;
    }
  }
  if (found > 0) values[step.def.id] = sum;
  else unavailable[step.def.id] = reasonOf(step, step.def.path.length + 1, serverLabel);
}

export function extractServerStatus(doc: Document, serverLabel: string): Extracted {
  return extractMetrics(doc, SERVER_STATUS_METRICS, serverLabel);
}
