/**
 * Query shapes: a filter / sort / projection / pipeline with its literals replaced by their type,
 * so `{status: "A", qty: {$gt: 5}}` and `{status: "B", qty: {$gt: 9}}` group together as
 * `{"status":"?string","qty":{"$gt":"?number"}}` (the notation of MongoDB 8.0's query shapes).
 *
 * Inputs are untrusted (log lines, profiler documents): the writer only reads own keys, never
 * assigns into objects (`__proto__` is just a key), caps depth and size, and never recurses
 * through JSON.stringify on a nested value.
 */

export interface ShapeInput {
  filter?: unknown;
  sort?: unknown;
  projection?: unknown;
  pipeline?: unknown;
  /** distinct's key. */
  key?: unknown;
}

/** Nesting deeper than this is summarised as "?…"; real filters are a handful of levels deep. */
export const MAX_SHAPE_DEPTH = 32;
/** Longer shapes are cut with "…" (the hash still tells them apart up to this length). */
export const MAX_SHAPE_LENGTH = 4096;

const EXT_TYPES: Record<string, string> = {
  $oid: '?objectId',
  $date: '?date',
  $numberLong: '?number',
  $numberInt: '?number',
  $numberDouble: '?number',
  $numberDecimal: '?number',
  $binary: '?binData',
  $uuid: '?binData',
  $regularExpression: '?regex',
  $timestamp: '?timestamp',
  $minKey: '?minKey',
  $maxKey: '?maxKey',
  $undefined: '?undefined',
  $symbol: '?string',
  $code: '?javascript',
  $dbPointer: '?dbPointer',
};

/** Stage and expression keys whose string values are names (collections, fields), not literals. */
const NAME_KEYS = new Set([
  'from',
  'as',
  'localField',
  'foreignField',
  'connectFromField',
  'connectToField',
  'depthField',
  'coll',
  'db',
  'into',
  'path',
  'includeArrayIndex',
  'distanceField',
  'includeLocs',
  'unit',
  'timeField',
  'metaField',
]);

const LOGICAL = new Set(['$and', '$or', '$nor']);

type Obj = Record<string, unknown>;

const own = Object.prototype.hasOwnProperty;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstKey(o: Obj): string | undefined {
  for (const k in o) if (own.call(o, k)) return k;
  return undefined;
}

function keysOf(o: Obj): string[] {
  return Object.keys(o);
}

/** `{"$oid": ...}` and friends: a typed literal, not a sub-document. */
function extType(o: Obj): string | undefined {
  const k = firstKey(o);
  if (k === undefined || k.charCodeAt(0) !== 36 /* $ */) return undefined;
  return own.call(EXT_TYPES, k) ? EXT_TYPES[k] : undefined;
}

function isOperatorObject(v: unknown): v is Obj {
  if (!isObject(v)) return false;
  const k = firstKey(v);
  return k !== undefined && k.charCodeAt(0) === 36 && extType(v) === undefined;
}

/** The type placeholder of a literal; arrays list their element types. */
export function typeName(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return '?string';
    case 'number':
    case 'bigint':
      return '?number';
    case 'boolean':
      return '?bool';
    case 'undefined':
      return '?undefined';
    case 'object': {
      if (v === null) return '?null';
      if (Array.isArray(v)) {
        const types = new Set<string>();
        const n = Math.min(v.length, 1000);
        for (let i = 0; i < n; i++) types.add(shallowTypeName(v[i]));
        return `?array<${[...types].sort().join(',')}>`;
      }
      return extType(v as Obj) ?? '?object';
    }
    default:
      return '?unknown';
  }
}

function shallowTypeName(v: unknown): string {
  if (Array.isArray(v)) return '?array';
  return typeName(v);
}

const q = (s: string): string => JSON.stringify(s);

class ShapeWriter {
  /** Set once the output grew past the cap; writers then stop descending. */
  full = false;
  private length = 0;

  private note(s: string): string {
    this.length += s.length;
    if (this.length > MAX_SHAPE_LENGTH) this.full = true;
    return s;
  }

  private tooDeep(depth: number): boolean {
    return depth > MAX_SHAPE_DEPTH || this.full;
  }

  placeholder(v: unknown): string {
    return this.note(q(typeName(v)));
  }

  filter(v: unknown, depth: number): string {
    if (!isObject(v) || extType(v) !== undefined) return this.placeholder(v);
    if (this.tooDeep(depth)) return this.note('"?…"');
    const parts: string[] = [];
    for (const k of keysOf(v)) {
      if (this.full) break;
      const val = v[k];
      let out: string;
      if (LOGICAL.has(k) && Array.isArray(val)) out = this.list(val, depth, (x, d) => this.filter(x, d));
      else if (k === '$expr') out = this.expr(val, depth + 1);
      else if (k.charCodeAt(0) === 36) out = isOperatorObject(val) ? this.operators(val, depth + 1) : this.placeholder(val);
      else out = this.fieldValue(val, depth + 1);
      parts.push(`${this.note(q(k))}:${out}`);
    }
    return `{${parts.join(',')}}`;
  }

  private list(arr: unknown[], depth: number, each: (x: unknown, depth: number) => string): string {
    if (this.tooDeep(depth)) return this.note('"?…"');
    const parts: string[] = [];
    for (const x of arr) {
      if (this.full) break;
      parts.push(each(x, depth + 1));
    }
    return `[${parts.join(',')}]`;
  }

  private fieldValue(v: unknown, depth: number): string {
    return isOperatorObject(v) ? this.operators(v, depth) : this.placeholder(v);
  }

  private operators(o: Obj, depth: number): string {
    if (this.tooDeep(depth)) return this.note('"?…"');
    const parts: string[] = [];
    for (const k of keysOf(o)) {
      if (this.full) break;
      const val = o[k];
      let out: string;
      if (k === '$elemMatch') out = isOperatorObject(val) ? this.operators(val, depth + 1) : this.filter(val, depth + 1);
      else if (k === '$not') out = this.fieldValue(val, depth + 1);
      else if (LOGICAL.has(k) && Array.isArray(val)) out = this.list(val, depth, (x, d) => this.filter(x, d));
      else out = this.placeholder(val);
      parts.push(`${this.note(q(k))}:${out}`);
    }
    return `{${parts.join(',')}}`;
  }

  /** Aggregation expressions: field paths (`"$a.b"`, `"$$NOW"`) and names stay; literals go. */
  expr(v: unknown, depth: number, nameKey = false): string {
    if (typeof v === 'string') return v.charCodeAt(0) === 36 || nameKey ? this.note(q(v)) : this.placeholder(v);
    if (Array.isArray(v)) return this.list(v, depth, (x, d) => this.expr(x, d));
    if (!isObject(v) || extType(v) !== undefined) return this.placeholder(v);
    if (this.tooDeep(depth)) return this.note('"?…"');
    const parts: string[] = [];
    for (const k of keysOf(v)) {
      if (this.full) break;
      const val = v[k];
      let out: string;
      if (k === '$literal') out = this.placeholder(val);
      else if (k === 'pipeline' && Array.isArray(val)) out = this.pipeline(val, depth + 1);
      else out = this.expr(val, depth + 1, NAME_KEYS.has(k));
      parts.push(`${this.note(q(k))}:${out}`);
    }
    return `{${parts.join(',')}}`;
  }

  pipeline(v: unknown, depth: number): string {
    if (!Array.isArray(v)) return this.placeholder(v);
    return this.list(v, depth, (stage, d) => this.stage(stage, d));
  }

  private stage(stage: unknown, depth: number): string {
    if (!isObject(stage)) return this.placeholder(stage);
    if (this.tooDeep(depth)) return this.note('"?…"');
    const parts: string[] = [];
    for (const k of keysOf(stage)) {
      if (this.full) break;
      const spec = stage[k];
      let out: string;
      if (k === '$match') out = this.filter(spec, depth + 1);
      else if (k === '$sort') out = this.verbatim(spec, depth + 1, true);
      else if (k === '$facet' && isObject(spec)) {
        const fp: string[] = [];
        for (const name of keysOf(spec)) fp.push(`${this.note(q(name))}:${this.pipeline(spec[name], depth + 2)}`);
        out = `{${fp.join(',')}}`;
      } else out = this.expr(spec, depth + 1);
      parts.push(`${this.note(q(k))}:${out}`);
    }
    return `{${parts.join(',')}}`;
  }

  /**
   * Sort and projection keep their numbers and booleans (1, -1, 0, true: they are the shape);
   * projection strings other than `$meta` names and field paths are literals and go.
   */
  verbatim(v: unknown, depth: number, keepStrings: boolean, metaKey = false): string {
    if (v === null) return this.note('null');
    if (typeof v === 'boolean') return this.note(v ? 'true' : 'false');
    if (typeof v === 'string') return keepStrings || metaKey || v.charCodeAt(0) === 36 ? this.note(q(v)) : this.placeholder(v);
    if (typeof v === 'number') return this.note(Number.isFinite(v) ? String(Object.is(v, -0) ? 0 : v) : 'null');
    if (Array.isArray(v)) return this.list(v, depth, (x, d) => this.verbatim(x, d, keepStrings));
    if (!isObject(v) || extType(v) !== undefined) return this.placeholder(v);
    if (this.tooDeep(depth)) return this.note('"?…"');
    const parts: string[] = [];
    for (const k of keysOf(v)) {
      if (this.full) break;
      parts.push(`${this.note(q(k))}:${this.verbatim(v[k], depth + 1, keepStrings, k === '$meta')}`);
    }
    return `{${parts.join(',')}}`;
  }
}

/**
 * The shape text of one operation's query parts, as canonical JSON (keys in source order, since
 * order matters for sort and is what the server saw). `{}` when the operation has no query.
 */
export function queryShapeText(input: ShapeInput): string {
  const w = new ShapeWriter();
  const parts: string[] = [];
  if (input.filter !== undefined) parts.push(`"filter":${w.filter(input.filter, 1)}`);
  if (input.sort !== undefined && !w.full) parts.push(`"sort":${w.verbatim(input.sort, 1, true)}`);
  if (input.projection !== undefined && !w.full) parts.push(`"projection":${w.verbatim(input.projection, 1, false)}`);
  if (input.pipeline !== undefined && !w.full) parts.push(`"pipeline":${w.pipeline(input.pipeline, 1)}`);
  if (input.key !== undefined && !w.full) parts.push(`"key":${typeof input.key === 'string' ? q(input.key) : w.placeholder(input.key)}`);
  let text = `{${parts.join(',')}}`;
  if (w.full || text.length > MAX_SHAPE_LENGTH) text = `${text.slice(0, MAX_SHAPE_LENGTH)}…`;
  return text;
}

/** FNV-1a 32-bit over UTF-16 code units, as 8 upper-case hex digits (the look of a queryHash). */
export function fnv1a32(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** Baleen's own shape hash, used when the server reported none: covers the op and its shape. */
export function baleenShapeHash(op: string, shapeText: string): string {
  return fnv1a32(`${op}\u0000${shapeText}`);
}
