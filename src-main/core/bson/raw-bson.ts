// A minimal, allocation-free BSON walker over untrusted bytes. The FTDC decoder validates every
// document itself (mongod's decompressor does the same with Validated<BSONObj>) so that a corrupt
// length field is caught here, before any allocation it would drive, and so the hot path can read
// metric values straight out of the inflated buffer without materialising JS objects.

/** Thrown by the walker; the decoder turns it into a located BaleenError('E_PARSE'). */
export class BsonFormatError extends Error {
  override readonly name = 'BsonFormatError';
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

export const BSON_TYPE = {
  double: 0x01,
  string: 0x02,
  object: 0x03,
  array: 0x04,
  binary: 0x05,
  undefined: 0x06,
  objectId: 0x07,
  bool: 0x08,
  date: 0x09,
  null: 0x0a,
  regex: 0x0b,
  dbPointer: 0x0c,
  code: 0x0d,
  symbol: 0x0e,
  codeWithScope: 0x0f,
  int32: 0x10,
  timestamp: 0x11,
  int64: 0x12,
  decimal128: 0x13,
  minKey: 0xff,
  maxKey: 0x7f,
} as const;

/** The smallest BSON document: a length and the terminating NUL. */
export const MIN_DOC_LENGTH = 5;

export function readInt32(buf: Uint8Array, p: number): number {
  return buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
}

export function readUint32(buf: Uint8Array, p: number): number {
  return readInt32(buf, p) >>> 0;
}

/** An int64 as a double: exact within ±2^53, correctly rounded beyond. */
export function readInt64AsNumber(buf: Uint8Array, p: number): number {
  return readInt32(buf, p + 4) * 4294967296 + readUint32(buf, p);
}

/** Reads a little-endian IEEE double without a DataView per call. */
const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);
export function readDouble(buf: Uint8Array, p: number): number {
  for (let i = 0; i < 8; i++) f64bytes[i] = buf[p + i]!;
  return f64[0]!;
}

/** Index of the NUL ending the cstring at p, or a format error if the document ends first. */
export function cstringEnd(buf: Uint8Array, p: number, end: number): number {
  const z = buf.indexOf(0, p);
  if (z < 0 || z >= end) throw new BsonFormatError('unterminated field name', p);
  return z;
}

/**
 * Checks the framing of the document starting at `start` (length, bounds, terminator) and returns
 * its end offset (exclusive). `end` is the last byte it may use.
 */
export function docBounds(buf: Uint8Array, start: number, end: number): number {
  if (start + 4 > end) throw new BsonFormatError('document length runs past the end of its container', start);
  const len = readInt32(buf, start);
  if (len < MIN_DOC_LENGTH) throw new BsonFormatError(`document length ${len} is too small`, start);
  const docEnd = start + len;
  if (docEnd > end) throw new BsonFormatError(`document length ${len} runs past the end of its container`, start);
  if (buf[docEnd - 1] !== 0) throw new BsonFormatError('document is not NUL-terminated', docEnd - 1);
  return docEnd;
}

function stringEnd(buf: Uint8Array, p: number, end: number): number {
  if (p + 4 > end) throw new BsonFormatError('string length runs past the end of the document', p);
  const len = readInt32(buf, p);
  if (len < 1 || p + 4 + len > end) throw new BsonFormatError(`bad string length ${len}`, p);
  if (buf[p + 4 + len - 1] !== 0) throw new BsonFormatError('string is not NUL-terminated', p);
  return p + 4 + len;
}

function fixed(p: number, n: number, end: number): number {
  if (p + n > end) throw new BsonFormatError('value runs past the end of the document', p);
  return p + n;
}

/**
 * The end of the value of type `type` at `p` (exclusive), checking every length it crosses.
 * Nested documents are validated recursively down to `depthLeft` levels.
 */
export function valueEnd(buf: Uint8Array, type: number, p: number, end: number, depthLeft: number): number {
  switch (type) {
    case BSON_TYPE.double:
    case BSON_TYPE.date:
    case BSON_TYPE.int64:
    case BSON_TYPE.timestamp:
      return fixed(p, 8, end);
    case BSON_TYPE.int32:
      return fixed(p, 4, end);
    case BSON_TYPE.bool: {
      const e = fixed(p, 1, end);
      if (buf[p]! > 1) throw new BsonFormatError(`bad boolean byte ${buf[p]}`, p);
      return e;
    }
    case BSON_TYPE.objectId:
      return fixed(p, 12, end);
    case BSON_TYPE.decimal128:
      return fixed(p, 16, end);
    case BSON_TYPE.undefined:
    case BSON_TYPE.null:
    case BSON_TYPE.minKey:
    case BSON_TYPE.maxKey:
      return p;
    case BSON_TYPE.string:
    case BSON_TYPE.code:
    case BSON_TYPE.symbol:
      return stringEnd(buf, p, end);
    case BSON_TYPE.object:
    case BSON_TYPE.array:
      return validateDocument(buf, p, end, depthLeft - 1);
    case BSON_TYPE.binary: {
      if (p + 5 > end) throw new BsonFormatError('binary length runs past the end of the document', p);
      const len = readInt32(buf, p);
      if (len < 0 || p + 5 + len > end) throw new BsonFormatError(`bad binary length ${len}`, p);
      return p + 5 + len;
    }
    case BSON_TYPE.regex:
      return cstringEnd(buf, cstringEnd(buf, p, end) + 1, end) + 1;
    case BSON_TYPE.dbPointer:
      return fixed(stringEnd(buf, p, end), 12, end);
    case BSON_TYPE.codeWithScope: {
      if (p + 4 > end) throw new BsonFormatError('code-with-scope length runs past the end of the document', p);
      const total = readInt32(buf, p);
      if (total < 14 || p + total > end) throw new BsonFormatError(`bad code-with-scope length ${total}`, p);
      const scopeEnd = validateDocument(buf, stringEnd(buf, p + 4, p + total), p + total, depthLeft - 1);
      if (scopeEnd !== p + total) throw new BsonFormatError('code-with-scope length disagrees with its parts', p);
      return scopeEnd;
    }
    default:
      throw new BsonFormatError(`unknown BSON type 0x${type.toString(16)}`, p - 1);
  }
}

/** Validates the whole document at `start` (framing, every element, nesting depth) and returns its end. */
export function validateDocument(buf: Uint8Array, start: number, end: number, depthLeft: number): number {
  if (depthLeft < 0) throw new BsonFormatError('document nests too deeply', start);
  const docEnd = docBounds(buf, start, end);
  const last = docEnd - 1;
  let p = start + 4;
  while (p < last) {
    const type = buf[p]!;
    const valueStart = cstringEnd(buf, p + 1, last) + 1;
    p = valueEnd(buf, type, valueStart, last, depthLeft);
  }
  if (p !== last) throw new BsonFormatError('document elements overrun its terminator', p);
  return docEnd;
}

/** Decodes a field name (invalid UTF-8 becomes U+FFFD: a name is a label, never code). */
export function decodeKey(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end);
}
