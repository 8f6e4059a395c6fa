// Flattens an FTDC reference document into its metrics, in document order, exactly as mongod's
// FTDCBSONUtil::extractMetricsFromDocument does (util.cpp): doubles, int32, int64 and decimal128
// become int64 (doubles truncated toward zero, NaN → 0, clamped to the int64 range), bools 0/1,
// dates their ms, a Timestamp two metrics (seconds `.t`, then increment `.i`); objects and arrays
// are walked in order (array elements named by their index keys); every other type is skipped.
// Values are kept as int64 halves so the delta stream can be applied exactly modulo 2^64.
import {
  BSON_TYPE,
  BsonFormatError,
  cstringEnd,
  decodeKey,
  docBounds,
  readDouble,
  readInt32,
  readUint32,
  valueEnd,
} from '../bson/raw-bson';

/** What a metric was in the reference document (an importer keeps dates and flags apart from counters). */
export const METRIC_KIND = { number: 0, bool: 1, date: 2, timestampSeconds: 3, timestampIncrement: 4 } as const;
export type MetricKindCode = (typeof METRIC_KIND)[keyof typeof METRIC_KIND];

export interface ExtractLimits {
  /** Refuse more metrics than this (real files carry ~1,000–2,600). */
  maxMetrics: number;
  /** Budget for the total length of all flattened names of one chunk. */
  maxNameChars: number;
  /** mongod's kMaxRecursion: sub-documents deeper than this are refused. */
  maxDepth: number;
}

export interface ReferenceMetrics {
  /** Offset just past the reference document. */
  docEnd: number;
  count: number;
  names: readonly string[];
  /** The document's name layout (types and keys of every named element): equal ⇒ equal names. */
  schemaKey: Uint8Array;
  kinds: Uint8Array;
  /** High (signed) and low (unsigned) 32-bit halves of each metric's int64 value. */
  hi: Int32Array;
  lo: Uint32Array;
}

/** What a previous chunk left behind so an unchanged schema reuses its names instead of rebuilding them. */
export interface SchemaCache {
  names: readonly string[];
  schemaKey: Uint8Array;
}

/** Nesting deeper than this inside skipped values (code-with-scope) is refused outright. */
const SKIPPED_VALUE_DEPTH = 100;
const SUFFIX = ['', '.t', '.i'] as const;
const END_OF_OBJECT = 0;

function grown<T extends Uint8Array | Int32Array | Uint32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/**
 * Collects values and, instead of strings, where each name's parts are (prefix node + key range):
 * names are only materialised when the schema differs from the previous chunk's. Every structure
 * here is bounded by the reference document's size or by `limits`, never by a count it declares.
 */
class Builder {
  count = 0;
  nameBytes = 0;
  kinds = new Uint8Array(4096);
  hi = new Int32Array(4096);
  lo = new Uint32Array(4096);
  private mPrefix = new Int32Array(4096);
  private mKey = new Int32Array(8192);
  private mSuffix = new Uint8Array(4096);
  /** Prefix nodes (sub-documents): parent, key start, key end, byte length of the full prefix with its dot. Node 0 is the root. */
  private nodes = new Int32Array(4 * 1024);
  private nodeCount = 1;
  /** Never grows: every byte it gets is matched by at least one byte of the reference document. */
  private readonly skeleton: Uint8Array;
  private skLen = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly limits: ExtractLimits,
    docLength: number,
  ) {
    this.skeleton = new Uint8Array(docLength + 1);
  }

  /** Records a named element in the schema key: its type, then its key and a NUL (≤ the element's own size). */
  mark(type: number, keyStart: number, keyEnd: number): void {
    const sk = this.skeleton;
    let o = this.skLen;
    sk[o++] = type;
    for (let i = keyStart; i < keyEnd; i++) sk[o++] = this.buf[i]!;
    sk[o++] = 0;
    this.skLen = o;
  }

  /** One byte per sub-document (≤ its 4-byte length). */
  endObject(): void {
    this.skeleton[this.skLen++] = END_OF_OBJECT;
  }

  prefix(parent: number, keyStart: number, keyEnd: number, at: number): number {
    const n = this.nodeCount;
    if (n >= this.limits.maxMetrics) throw new BsonFormatError(`reference document has more than ${this.limits.maxMetrics} sub-documents`, at);
    if (4 * n === this.nodes.length) this.nodes = grown(this.nodes, Math.min(2 * this.nodes.length, 4 * this.limits.maxMetrics));
    const nodes = this.nodes;
    nodes[4 * n] = parent;
    nodes[4 * n + 1] = keyStart;
    nodes[4 * n + 2] = keyEnd;
    nodes[4 * n + 3] = nodes[4 * parent + 3]! + keyEnd - keyStart + 1;
    this.nodeCount = n + 1;
    return n;
  }

  push(kind: MetricKindCode, hi: number, lo: number, prefix: number, keyStart: number, keyEnd: number, suffix: 0 | 1 | 2, at: number): void {
    const i = this.count;
    if (i >= this.limits.maxMetrics) throw new BsonFormatError(`reference document has more than ${this.limits.maxMetrics} metrics`, at);
    this.nameBytes += this.nodes[4 * prefix + 3]! + keyEnd - keyStart + (suffix ? 2 : 0);
    if (this.nameBytes > this.limits.maxNameChars) throw new BsonFormatError('metric names exceed the per-chunk budget', at);
    if (i === this.kinds.length) {
      const n = Math.min(i * 2, this.limits.maxMetrics);
      this.kinds = grown(this.kinds, n);
      this.hi = grown(this.hi, n);
      this.lo = grown(this.lo, n);
      this.mPrefix = grown(this.mPrefix, n);
      this.mKey = grown(this.mKey, 2 * n);
      this.mSuffix = grown(this.mSuffix, n);
    }
    this.kinds[i] = kind;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.mPrefix[i] = prefix;
    this.mKey[2 * i] = keyStart;
    this.mKey[2 * i + 1] = keyEnd;
    this.mSuffix[i] = suffix;
    this.count = i + 1;
  }

  /** The names, reusing `previous` when the schema key is byte-for-byte the same. */
  finish(previous: SchemaCache | undefined): { names: readonly string[]; schemaKey: Uint8Array } {
    const key = this.skeleton.subarray(0, this.skLen);
    if (previous && Buffer.from(key.buffer, key.byteOffset, key.length).equals(previous.schemaKey)) {
      return { names: previous.names, schemaKey: previous.schemaKey };
    }
    const nodes = this.nodes;
    const prefixes: string[] = new Array<string>(this.nodeCount);
    prefixes[0] = '';
    for (let p = 1; p < this.nodeCount; p++) {
      prefixes[p] = `${prefixes[nodes[4 * p]!]}${decodeKey(this.buf, nodes[4 * p + 1]!, nodes[4 * p + 2]!)}.`;
    }
    const names: string[] = new Array<string>(this.count);
    for (let i = 0; i < this.count; i++) {
      names[i] = prefixes[this.mPrefix[i]!]! + decodeKey(this.buf, this.mKey[2 * i]!, this.mKey[2 * i + 1]!) + SUFFIX[this.mSuffix[i]! as 0 | 1 | 2];
    }
    return { names, schemaKey: key.slice() };
  }
}

const TWO32 = 4294967296;
const TWO63 = 9223372036854775808;

/** mongod's double → int64: NaN → 0, clamp to [INT64_MIN, INT64_MAX], truncate toward zero. */
export function doubleToInt64Halves(x: number): [hi: number, lo: number] {
  if (x !== x) return [0, 0];
  if (x >= TWO63) return [0x7fffffff, 0xffffffff];
  if (x <= -TWO63) return [-0x80000000, 0];
  const t = Math.trunc(x);
  const hi = Math.floor(t / TWO32);
  return [hi | 0, t - hi * TWO32];
}

const INT64_MIN_BIG = -(1n << 63n);
const INT64_MAX_BIG = (1n << 63n) - 1n;
const DEC_MAX_COEFF = 10n ** 34n - 1n;

/**
 * Decimal128 → int64 as mongod's Decimal128::toLong does (round half to even); NaN, infinities and
 * out-of-range values become INT64_MIN (the IEEE "integer indefinite"). Rare in FTDC, so BigInt is fine.
 */
export function decimal128ToInt64(buf: Uint8Array, p: number): bigint {
  const low = (BigInt(readUint32(buf, p + 4)) << 32n) | BigInt(readUint32(buf, p));
  const high = (BigInt(readUint32(buf, p + 12)) << 32n) | BigInt(readUint32(buf, p + 8));
  const negative = (high >> 63n) === 1n;
  const combination = (high >> 58n) & 0x1fn;
  if (combination === 0x1fn || combination === 0x1en) return INT64_MIN_BIG; // NaN / Infinity
  let exponent: bigint;
  let coeff: bigint;
  if (((high >> 61n) & 3n) === 3n) {
    // The "large coefficient" form always exceeds 10^34 - 1: non-canonical, read as zero.
    exponent = (high >> 47n) & 0x3fffn;
    coeff = 0n;
  } else {
    exponent = (high >> 49n) & 0x3fffn;
    coeff = ((high & 0x1ffffffffffffn) << 64n) | low;
    if (coeff > DEC_MAX_COEFF) coeff = 0n;
  }
  const e = Number(exponent) - 6176;
  let v: bigint;
  if (coeff === 0n) v = 0n;
  else if (e >= 0) {
    if (e > 19) return INT64_MIN_BIG;
    v = coeff * 10n ** BigInt(e);
  } else if (-e > 40) v = 0n;
  else {
    const d = 10n ** BigInt(-e);
    const q = coeff / d;
    const r = coeff % d;
    v = r * 2n > d || (r * 2n === d && (q & 1n) === 1n) ? q + 1n : q;
  }
  if (negative) v = -v;
  return v < INT64_MIN_BIG || v > INT64_MAX_BIG ? INT64_MIN_BIG : v;
}

function walk(buf: Buffer, start: number, end: number, prefix: number, depth: number, out: Builder, maxDepth: number): number {
  const docEnd = docBounds(buf, start, end);
  const last = docEnd - 1;
  let p = start + 4;
  while (p < last) {
    const type = buf[p]!;
    const keyStart = p + 1;
    const keyEnd = cstringEnd(buf, keyStart, last);
    const v = keyEnd + 1;
    switch (type) {
      case BSON_TYPE.double: {
        if (v + 8 > last) throw new BsonFormatError('double runs past the end of the document', v);
        const [hi, lo] = doubleToInt64Halves(readDouble(buf, v));
        out.mark(type, keyStart, keyEnd);
        out.push(METRIC_KIND.number, hi, lo, prefix, keyStart, keyEnd, 0, v);
        p = v + 8;
        break;
      }
      case BSON_TYPE.int32: {
        if (v + 4 > last) throw new BsonFormatError('int32 runs past the end of the document', v);
        const x = readInt32(buf, v);
        out.mark(type, keyStart, keyEnd);
        out.push(METRIC_KIND.number, x < 0 ? -1 : 0, x >>> 0, prefix, keyStart, keyEnd, 0, v);
        p = v + 4;
        break;
      }
      case BSON_TYPE.int64:
      case BSON_TYPE.date: {
        if (v + 8 > last) throw new BsonFormatError('int64 runs past the end of the document', v);
        const kind = type === BSON_TYPE.date ? METRIC_KIND.date : METRIC_KIND.number;
        out.mark(type, keyStart, keyEnd);
        out.push(kind, readInt32(buf, v + 4), readUint32(buf, v), prefix, keyStart, keyEnd, 0, v);
        p = v + 8;
        break;
      }
      case BSON_TYPE.bool: {
        p = valueEnd(buf, type, v, last, 0);
        out.mark(type, keyStart, keyEnd);
        out.push(METRIC_KIND.bool, 0, buf[v]!, prefix, keyStart, keyEnd, 0, v);
        break;
      }
      case BSON_TYPE.timestamp: {
        if (v + 8 > last) throw new BsonFormatError('timestamp runs past the end of the document', v);
        out.mark(type, keyStart, keyEnd);
        out.push(METRIC_KIND.timestampSeconds, 0, readUint32(buf, v + 4), prefix, keyStart, keyEnd, 1, v);
        out.push(METRIC_KIND.timestampIncrement, 0, readUint32(buf, v), prefix, keyStart, keyEnd, 2, v);
        p = v + 8;
        break;
      }
      case BSON_TYPE.decimal128: {
        if (v + 16 > last) throw new BsonFormatError('decimal128 runs past the end of the document', v);
        const x = BigInt.asUintN(64, decimal128ToInt64(buf, v));
        out.mark(type, keyStart, keyEnd);
        out.push(METRIC_KIND.number, Number(x >> 32n) | 0, Number(x & 0xffffffffn), prefix, keyStart, keyEnd, 0, v);
        p = v + 16;
        break;
      }
      case BSON_TYPE.object:
      case BSON_TYPE.array: {
        if (depth + 1 > maxDepth) throw new BsonFormatError(`reference document nests deeper than ${maxDepth} levels`, v);
        out.mark(type, keyStart, keyEnd);
        p = walk(buf, v, last, out.prefix(prefix, keyStart, keyEnd, v), depth + 1, out, maxDepth);
        out.endObject();
        break;
      }
      default:
        p = valueEnd(buf, type, v, last, SKIPPED_VALUE_DEPTH);
    }
  }
  if (p !== last) throw new BsonFormatError('document elements overrun its terminator', p);
  return docEnd;
}

/**
 * Validates the reference document at `start` and flattens its metrics. Throws BsonFormatError.
 * With `previous`, an unchanged schema returns the previous names array itself.
 */
export function extractReferenceMetrics(buf: Buffer, start: number, end: number, limits: ExtractLimits, previous?: SchemaCache): ReferenceMetrics {
  const docEnd = docBounds(buf, start, end);
  const out = new Builder(buf, limits, docEnd - start);
  walk(buf, start, end, 0, 0, out, limits.maxDepth);
  const { names, schemaKey } = out.finish(previous);
  return { docEnd, count: out.count, names, schemaKey, kinds: out.kinds, hi: out.hi, lo: out.lo };
}
