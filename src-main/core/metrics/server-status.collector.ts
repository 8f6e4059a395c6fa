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

export function extractMetrics(doc: Document, defs: readonly MetricDef[], serverLabel: string): Extracted {
  const values: Record<string, number> = {};
  const unavailable: Record<string, string> = {};
  for (const def of defs) {
    if (def.computed) continue;
    const star = def.path.indexOf('*');
    if (star >= 0) {
      sumOver(doc, def, star, serverLabel, values, unavailable);
      continue;
    }
    const r = walk(doc, def.path);
    if (r.value !== undefined) values[def.id] = r.value;
    else unavailable[def.id] = missingReason(def, r.depth, serverLabel);
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

function missingReason(def: MetricDef, depth: number, serverLabel: string): string {
  const missing = `${def.source}.${def.path.slice(0, depth + 1).join('.')}`;
  return depth === def.path.length ? `${missing} is not a number on ${serverLabel}` : `${missing} is not returned by ${serverLabel}`;
}

/** `metrics.commands.*.failed`: the sum over every key at the `*` level that has the rest of the path. */
function sumOver(doc: Document, def: MetricDef, star: number, serverLabel: string, values: Record<string, number>, unavailable: Record<string, string>): void {
  const head = walk(doc, def.path.slice(0, star));
  let parent: unknown = doc;
  for (const k of def.path.slice(0, star)) {
    const next = leanField(parent, k);
    parent = next === ABSENT ? undefined : next;
  }
  if (parent === null || typeof parent !== 'object') {
    unavailable[def.id] = missingReason(def, head.depth, serverLabel);
    return;
  }
  let sum = 0;
  let found = 0;
  for (const child of leanValues(parent)) {
    const v = walk(child, def.path.slice(star + 1)).value;
    if (v !== undefined) {
      sum += v;
      found++;
    }
  }
  if (found > 0) values[def.id] = sum;
  else unavailable[def.id] = `${def.source}.${def.path.slice(0, star).join('.')} lists no ${def.path.slice(star + 1).join('.')} on ${serverLabel}`;
}

export function extractServerStatus(doc: Document, serverLabel: string): Extracted {
  return extractMetrics(doc, SERVER_STATUS_METRICS, serverLabel);
}
