import { Decimal128 } from './bson';
import { BSON_TYPE, cstringEnd, docBounds, readDouble, readInt32, valueEnd } from './raw-bson';

/**
 * Fields of a lean reply: a command reply read with the driver's `raw: true` (NodeClient's `lean`),
 * where every embedded document stays as its BSON bytes (a Uint8Array view), mixed with plain values
 * at the top level. A serverStatus poll needs ~100 numbers out of hundreds (thousands on a real
 * mongod): looking them up in the bytes skips whole sections unread and builds no object tree, which
 * was most of what a poll cost the process (bench/poller.bench.ts).
 *
 * Values read from bytes are what the driver gives with `useBigInt64`: numbers for doubles and int32,
 * bigint for int64, Date, boolean, string, null, Decimal128; embedded documents and arrays come back as
 * their bytes again; other types as OTHER (present, not a number). Damaged bytes read as absent.
 */
export const ABSENT: unique symbol = Symbol('absent');
export const OTHER: unique symbol = Symbol('a BSON value of another type');

const decoder = new TextDecoder('utf-8');
const names = new Map<string, Uint8Array>();
const utf8 = new TextEncoder();

function encodedName(name: string): Uint8Array {
  let e = names.get(name);
  if (!e) {
    e = utf8.encode(name);
    if (names.size < 10_000) names.set(name, e);
  }
  return e;
}

/** Calls `each(type, nameStart, nameEnd, valueStart)` per element of the document in `doc`. */
function elements(doc: Uint8Array, each: (type: number, nameStart: number, nameEnd: number, at: number) => void): void {
  const last = docBounds(doc, 0, doc.length) - 1;
  let p = 4;
  while (p < last) {
    const type = doc[p]!;
    const nameEnd = cstringEnd(doc, p + 1, last);
    const at = nameEnd + 1;
    each(type, p + 1, nameEnd, at);
    // Embedded documents are skipped by their length, unread; everything else by its checked size.
    p = type === BSON_TYPE.object || type === BSON_TYPE.array ? docBounds(doc, at, last) : valueEnd(doc, type, at, last, 8);
  }
}

function readValue(b: Uint8Array, type: number, p: number): unknown {
  switch (type) {
    case BSON_TYPE.double:
      return readDouble(b, p);
    case BSON_TYPE.int32:
      return readInt32(b, p);
    case BSON_TYPE.int64:
      return new DataView(b.buffer, b.byteOffset + p, 8).getBigInt64(0, true);
    case BSON_TYPE.date:
      return new Date(Number(new DataView(b.buffer, b.byteOffset + p, 8).getBigInt64(0, true)));
    case BSON_TYPE.bool:
      return b[p] === 1;
    case BSON_TYPE.null:
      return null;
    case BSON_TYPE.string:
      return decoder.decode(b.subarray(p + 4, p + 4 + readInt32(b, p) - 1));
    case BSON_TYPE.object:
    case BSON_TYPE.array:
      return b.subarray(p, p + readInt32(b, p));
    case BSON_TYPE.decimal128:
      return new Decimal128(b.subarray(p, p + 16));
    default:
      return OTHER;
  }
}

/** An own field of a plain or raw document: its value, or ABSENT (the last one when a name repeats, as in a JS object). */
export function leanField(doc: unknown, key: string): unknown {
  if (doc instanceof Uint8Array) {
    const want = encodedName(key);
    let found: unknown = ABSENT;
    try {
      elements(doc, (type, s, e, at) => {
        if (e - s !== want.length) return;
        for (let i = 0; i < want.length; i++) if (doc[s + i] !== want[i]) return;
        found = readValue(doc, type, at);
      });
    } catch {
      return ABSENT;
    }
    return found;
  }
  if (doc === null || typeof doc !== 'object' || !Object.hasOwn(doc, key)) return ABSENT;
  return (doc as Record<string, unknown>)[key];
}

/** The values of a plain or raw document or array (Object.values); none when the bytes are damaged. */
export function leanValues(doc: object): unknown[] {
  if (doc instanceof Uint8Array) {
    const out: unknown[] = [];
    try {
      elements(doc, (type, _s, _e, at) => void out.push(readValue(doc, type, at)));
    } catch {
      return [];
    }
    return out;
  }
  return Object.values(doc);
}
