import type { Document } from 'mongodb';
import { metricsOf, type MetricDef } from '../../../src-shared/domain/metrics/catalogue';

/**
 * Takes the catalogue's serverStatus metrics out of one serverStatus reply. A field the server does not
 * return is reported with a reason naming the missing section and the server, never as a zero
 * (FerretDB, DocumentDB and old versions return less).
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
    let cur: unknown = doc;
    let depth = 0;
    for (; depth < def.path.length; depth++) {
      if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, def.path[depth]!)) break;
      cur = (cur as Record<string, unknown>)[def.path[depth]!];
    }
    const n = depth === def.path.length ? toNumber(cur) : undefined;
    if (n !== undefined) values[def.id] = n;
    else {
      const missing = `${def.source}.${def.path.slice(0, depth + 1).join('.')}`;
      unavailable[def.id] =
        depth === def.path.length ? `${missing} is not a number on ${serverLabel}` : `${missing} is not returned by ${serverLabel}`;
    }
  }
  return { values, unavailable };
}

export function extractServerStatus(doc: Document, serverLabel: string): Extracted {
  return extractMetrics(doc, SERVER_STATUS_METRICS, serverLabel);
}
