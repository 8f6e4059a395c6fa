// Test-only (not exported by index.ts): an FTDC encoder and a straightforward reference decoder,
// written independently of the production decoder so that tests compare two implementations.
// They follow mongod's compressor.cpp / decompressor.cpp literally: BigInt values, bson's own
// element parser (`onDemand.parseToElements`) for document order, DataView for numbers.
import { deflateSync, inflateSync } from 'node:zlib';
import { Binary, Decimal128, deserialize, onDemand, serialize, type Document } from '../bson/bson';

export interface RefMetric {
  name: string;
  /** 'number' for double/int32/int64/decimal (one schema class in mongod), else the BSON kind. */
  kind: 'number' | 'bool' | 'date' | 'ts.t' | 'ts.i';
  value: bigint;
}

const utf8 = new TextDecoder();
const U64 = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Decimal128 → int64 through its string form, round half to even; NaN/Inf/overflow → INT64_MIN. */
function decimalToInt64(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:E([+-]\d+))?$/.exec(s);
  if (!m) return I64_MIN;
  const neg = m[1] === '-';
  const digits = (m[2] ?? '') + (m[3] ?? '');
  const exp = Number(m[4] ?? '0') - (m[3]?.length ?? 0);
  let v: bigint;
  if (exp >= 0) v = BigInt(digits) * 10n ** BigInt(exp);
  else {
    const d = 10n ** BigInt(-exp);
    const n = BigInt(digits);
    const q = n / d;
    const r = n % d;
    v = 2n * r > d || (2n * r === d && q % 2n === 1n) ? q + 1n : q;
  }
  if (neg) v = -v;
  return v < I64_MIN || v > I64_MAX ? I64_MIN : v;
}

function doubleToInt64(x: number): bigint {
  if (Number.isNaN(x)) return 0n;
  if (x >= 2 ** 63) return I64_MAX;
  if (x <= -(2 ** 63)) return I64_MIN;
  return BigInt(Math.trunc(x));
}

/** mongod's extractMetricsFromDocument over raw BSON bytes of one document. */
export function referenceMetrics(bytes: Uint8Array, prefix = ''): RefMetric[] {
  const out: RefMetric[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [type, nameOff, nameLen, off, len] of onDemand.parseToElements(bytes, 0)) {
    const name = prefix + utf8.decode(bytes.subarray(nameOff, nameOff + nameLen));
    switch (type) {
      case 1:
        out.push({ name, kind: 'number', value: doubleToInt64(dv.getFloat64(off, true)) });
        break;
      case 0x10:
        out.push({ name, kind: 'number', value: BigInt(dv.getInt32(off, true)) });
        break;
      case 0x12:
        out.push({ name, kind: 'number', value: dv.getBigInt64(off, true) });
        break;
      case 0x13:
        out.push({ name, kind: 'number', value: decimalToInt64(new Decimal128(bytes.slice(off, off + 16)).toString()) });
        break;
      case 8:
        out.push({ name, kind: 'bool', value: bytes[off] ? 1n : 0n });
        break;
      case 9:
        out.push({ name, kind: 'date', value: dv.getBigInt64(off, true) });
        break;
      case 0x11:
        out.push({ name: `${name}.t`, kind: 'ts.t', value: BigInt(dv.getUint32(off + 4, true)) });
        out.push({ name: `${name}.i`, kind: 'ts.i', value: BigInt(dv.getUint32(off, true)) });
        break;
      case 3:
      case 4:
        out.push(...referenceMetrics(bytes.subarray(off, off + len), `${name}.`));
        break;
      default:
        break;
    }
  }
  return out;
}

// ---- encoder ----

export function encodeVarint(v: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

export interface PayloadParts {
  ref: Uint8Array;
  metricsCount: number;
  sampleCount: number;
  /** The varint delta stream. */
  stream: Uint8Array;
  /** Overrides the uncompressed-length header. */
  declaredLength?: number;
  /** Bytes appended after the stream, inside the zlib data. */
  trailer?: Uint8Array;
}

export function inflatedBody(p: PayloadParts): Buffer {
  const counts = Buffer.alloc(8);
  counts.writeUInt32LE(p.metricsCount >>> 0, 0);
  counts.writeUInt32LE(p.sampleCount >>> 0, 4);
  return Buffer.concat([p.ref, counts, p.stream, p.trailer ?? new Uint8Array(0)]);
}

/** A chunk payload: uint32 uncompressed length, then zlib. */
export function buildPayload(p: PayloadParts): Buffer {
  const body = inflatedBody(p);
  const head = Buffer.alloc(4);
  head.writeUInt32LE((p.declaredLength ?? body.length) >>> 0, 0);
  return Buffer.concat([head, deflateSync(body)]);
}

/** mongod's compressor: column-major deltas, zero runs as (0, count - 1) flushed only at the end. */
export function encodeDeltaStream(columns: bigint[][]): Buffer {
  const bytes: number[] = [];
  let zeros = 0;
  const m = columns.length;
  for (let i = 0; i < m; i++) {
    const col = columns[i]!;
    for (let j = 1; j < col.length; j++) {
      const delta = BigInt.asUintN(64, col[j]! - col[j - 1]!);
      if (delta === 0n) {
        zeros++;
        continue;
      }
      if (zeros > 0) {
        bytes.push(0, ...encodeVarint(BigInt(zeros - 1)));
        zeros = 0;
      }
      bytes.push(...encodeVarint(delta));
    }
    if (i === m - 1 && zeros > 0) bytes.push(0, ...encodeVarint(BigInt(zeros - 1)));
  }
  return Buffer.from(bytes);
}

export function chunkDocument(id: Date, payload: Uint8Array): Buffer {
  return Buffer.from(serialize({ _id: id, type: 1, data: new Binary(payload) }));
}

export function metadataDocument(id: Date, doc: Document, type: 0 | 2 = 0, index?: number): Buffer {
  const body: Document = type === 2 ? { _id: id, type, index: index ?? 0, doc } : { _id: id, type, doc };
  return Buffer.from(serialize(body));
}

function schemaOf(ms: RefMetric[]): string {
  return ms.map((x) => `${x.name}\u0000${x.kind}`).join('\u0001');
}

export interface EncodedChunk {
  offset: number;
  id: Date;
  names: string[];
  /** Exact int64 values per metric, reference sample first. */
  columns: bigint[][];
}

export interface EncodedFile {
  bytes: Buffer;
  chunks: EncodedChunk[];
  metadataOffsets: number[];
}

/**
 * Encodes samples into an FTDC file the way mongod does: a new chunk when the schema changes or
 * `maxDeltas` deltas are buffered. The `_id` of a chunk is its reference sample's `start`.
 */
export function encodeFtdcFile(samples: Document[], opts: { metadata?: Document; maxDeltas?: number; periodic?: Document[] } = {}): EncodedFile {
  const maxDeltas = opts.maxDeltas ?? 300;
  const parts: Buffer[] = [];
  const chunks: EncodedChunk[] = [];
  const metadataOffsets: number[] = [];
  let offset = 0;
  const add = (b: Buffer) => {
    parts.push(b);
    offset += b.length;
  };
  const firstStart = (samples[0]?.start as Date | undefined) ?? new Date(0);
  if (opts.metadata) {
    metadataOffsets.push(offset);
    add(metadataDocument(firstStart, opts.metadata));
  }
  (opts.periodic ?? []).forEach((doc, i) => {
    metadataOffsets.push(offset);
    add(metadataDocument(firstStart, doc, 2, i));
  });
  let ref: Uint8Array | null = null;
  let refId = new Date(0);
  let schema = '';
  let cols: bigint[][] = [];
  let names: string[] = [];
  const flush = () => {
    if (!ref) return;
    const payload = buildPayload({ ref, metricsCount: cols.length, sampleCount: (cols[0]?.length ?? 1) - 1, stream: encodeDeltaStream(cols) });
    chunks.push({ offset, id: refId, names, columns: cols });
    add(chunkDocument(refId, payload));
    ref = null;
  };
  for (const s of samples) {
    const bytes = serialize(s);
    const ms = referenceMetrics(bytes);
    const sch = schemaOf(ms);
    if (ref && (sch !== schema || (cols[0]?.length ?? 0) - 1 >= maxDeltas)) flush();
    if (!ref) {
      ref = bytes;
      refId = (s.start as Date | undefined) ?? new Date(0);
      schema = sch;
      names = ms.map((x) => x.name);
      cols = ms.map((x) => [x.value]);
      continue;
    }
    ms.forEach((x, i) => cols[i]!.push(x.value));
  }
  flush();
  return { bytes: Buffer.concat(parts), chunks, metadataOffsets };
}

// ---- reference decoder ----

export interface RefChunk {
  offset: number;
  id: Date;
  names: string[];
  columns: bigint[][];
}

function readVarint(buf: Uint8Array, pos: { p: number }): bigint {
  let v = 0n;
  for (let k = 0; k < 10; k++) {
    if (pos.p >= buf.length) throw new Error('truncated varint');
    const b = buf[pos.p++]!;
    v |= BigInt(b & 0x7f) << BigInt(7 * k);
    if (b < 0x80) return v & U64;
  }
  throw new Error('varint too long');
}

/** decompressor.cpp, literally, with BigInt. Values are int64 (BigInt.asIntN(64, ...)). */
export function referenceDecodeChunk(payload: Uint8Array): { names: string[]; columns: bigint[][] } {
  const body = inflateSync(payload.subarray(4));
  const refLen = new DataView(body.buffer, body.byteOffset).getInt32(0, true);
  const ref = referenceMetrics(body.subarray(0, refLen));
  const m = body.readUInt32LE(refLen);
  const s = body.readUInt32LE(refLen + 4);
  if (m !== ref.length) throw new Error('metric count mismatch');
  const deltas: bigint[][] = ref.map(() => new Array<bigint>(s).fill(0n));
  const pos = { p: refLen + 8 };
  let zeros = 0n;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < s; j++) {
      if (zeros > 0n) {
        zeros--;
        continue;
      }
      const d = readVarint(body, pos);
      if (d === 0n) zeros = readVarint(body, pos);
      deltas[i]![j] = d;
    }
  }
  const columns = ref.map((x, i) => {
    const col = [BigInt.asIntN(64, x.value)];
    let cur = BigInt.asUintN(64, x.value);
    for (let j = 0; j < s; j++) {
      cur = (cur + deltas[i]![j]!) & U64;
      col.push(BigInt.asIntN(64, cur));
    }
    return col;
  });
  return { names: ref.map((x) => x.name), columns };
}

export interface RefFile {
  metadata: { offset: number; type: number; doc: Document }[];
  chunks: RefChunk[];
}

/** Walks a well-formed FTDC file (trusting its lengths; for real and encoded files only). */
export function referenceDecodeFile(bytes: Uint8Array): RefFile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RefFile = { metadata: [], chunks: [] };
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readInt32LE(off);
    if (len === 0) break;
    const d = deserialize(buf.subarray(off, off + len));
    if (d.type === 1) {
      const { names, columns } = referenceDecodeChunk((d.data as Binary).buffer);
      out.chunks.push({ offset: off, id: d._id as Date, names, columns });
    } else out.metadata.push({ offset: off, type: d.type as number, doc: d.doc as Document });
    off += len;
  }
  return out;
}
