import { Decimal128 } from './bson';
import { BSON_TYPE, cstringEnd, docBounds, readDouble, readInt32, readInt64AsNumber, valueEnd } from './raw-bson';

/**
 * Fields of a lean reply: a command reply read with the driver's `raw: true` (NodeClient's `lean`),
 * where every embedded document stays as its BSON bytes (a Uint8Array view), mixed with plain values
 * at the top level. A serverStatus poll needs ~100 numbers out of hundreds (thousands on a real
 * mongod): looking them up in the bytes skips whole sections unread and builds no object tree, which
 * was most of what a poll cost the process (bench/poller.bench.ts).
 *
 * Values read from bytes: numbers for doubles, int32 and int64 (the number of the driver's bigint),
 * Date, boolean, string, null, Decimal128; embedded documents and arrays as RawDoc (their position in
 * the bytes); other types as OTHER (present, not a number). Damaged bytes read as absent.
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

/** An embedded document (or array) inside a raw one, by position: cheaper than a Buffer view per step. */
export class RawDoc {
  constructor(
    readonly buf: Uint8Array,
    readonly start: number,
  ) {}
}

/** Calls `each(type, nameStart, nameEnd, valueStart)` per element of the document at `start`; stops when it returns true. */
function elements(buf: Uint8Array, start: number, each: (type: number, nameStart: number, nameEnd: number, at: number) => boolean | void): void {
  const last = docBounds(buf, start, buf.length) - 1;
  let p = start + 4;
  while (p < last) {
    const type = buf[p]!;
    const nameEnd = cstringEnd(buf, p + 1, last);
    const at = nameEnd + 1;
    if (each(type, p + 1, nameEnd, at) === true) return;
    // Embedded documents are skipped by their length, unread; everything else by its checked size.
    p = type === BSON_TYPE.object || type === BSON_TYPE.array ? docBounds(buf, at, last) : valueEnd(buf, type, at, last, 8);
  }
}

function readValue(b: Uint8Array, type: number, p: number): unknown {
  switch (type) {
    case BSON_TYPE.double:
      return readDouble(b, p);
    case BSON_TYPE.int32:
      return readInt32(b, p);
    case BSON_TYPE.int64:
      // As a number: what Number() of the driver's bigint gives (correctly rounded beyond 2^53).
      return readInt64AsNumber(b, p);
    case BSON_TYPE.date:
      return new Date(readInt64AsNumber(b, p));
    case BSON_TYPE.bool:
      return b[p] === 1;
    case BSON_TYPE.null:
      return null;
    case BSON_TYPE.string:
      return decoder.decode(b.subarray(p + 4, p + 4 + readInt32(b, p) - 1));
    case BSON_TYPE.object:
    case BSON_TYPE.array:
      return new RawDoc(b, p);
    case BSON_TYPE.decimal128:
      return new Decimal128(b.slice(p, p + 16));
    default:
      return OTHER;
  }
}

function rawOf(doc: unknown): RawDoc | null {
  if (doc instanceof RawDoc) return doc;
  if (doc instanceof Uint8Array) return new RawDoc(doc, 0);
  return null;
}

/** An own field of a plain or raw document: its value, or ABSENT (the last one when a name repeats, as in a JS object). */
export function leanField(doc: unknown, key: string): unknown {
  const raw = rawOf(doc);
  if (raw) {
    const { buf } = raw;
    const want = encodedName(key);
    let found: unknown = ABSENT;
    try {
      elements(buf, raw.start, (type, s, e, at) => {
        if (e - s !== want.length) return;
        for (let i = 0; i < want.length; i++) if (buf[s + i] !== want[i]) return;
        found = readValue(buf, type, at);
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
  const raw = rawOf(doc);
  if (raw) {
    const out: unknown[] = [];
    try {
      elements(raw.buf, raw.start, (type, _s, _e, at) => void out.push(readValue(raw.buf, type, at)));
    } catch {
      return [];
    }
    return out;
  }
  return Object.values(doc);
}
