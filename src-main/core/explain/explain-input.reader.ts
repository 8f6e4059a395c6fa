import { readFile, stat } from 'node:fs/promises';
import { EJSON, deserialize } from '../bson/bson';
import { BaleenError, isBaleenError } from '../../../src-shared/domain/errors';
import { DEFAULT_PARSE_LIMITS, parseExplainText, type ParseLimits } from './explain-text.parser';
import type { JsonValue } from './explain.schema';

/** A single BSON document is at most 16 MiB; a saved text explain may be pretty-printed, so allow more for text. */
const MAX_BSON_BYTES = 16 * 1024 * 1024;
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** A whole BSON document: its length prefix equals the byte count, it ends with NUL, its first element has a valid type. */
export function looksLikeBson(buf: Uint8Array): boolean {
  if (buf.length < 5) return false;
  const len = buf[0]! | (buf[1]! << 8) | (buf[2]! << 16) | (buf[3]! << 24);
  if (len !== buf.length || buf[buf.length - 1] !== 0) return false;
  const t = buf[4]!;
  return len === 5 || (t >= 0x01 && t <= 0x13) || t === 0x7f || t === 0xff;
}

/** Explain bytes from a file: one BSON document, or text (UTF-8, or UTF-16 with a BOM). */
export function parseExplainBytes(buf: Uint8Array, limits: Partial<ParseLimits> = {}): JsonValue {
  if (looksLikeBson(buf)) {
    if (buf.length > MAX_BSON_BYTES) throw new BaleenError('E_PARSE', `BSON document is larger than ${MAX_BSON_BYTES} bytes`);
    let doc: unknown;
    try {
      doc = deserialize(buf, { validation: { utf8: false } });
    } catch (e) {
      throw new BaleenError('E_PARSE', `not a valid BSON document: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
    }
    return parseExplainDocument(doc, limits);
  }
  let text: string;
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) text = new TextDecoder('utf-16le').decode(buf.subarray(2));
  else if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) text = new TextDecoder('utf-16be').decode(buf.subarray(2));
  else text = new TextDecoder('utf-8').decode(buf);
  return parseExplainText(text, limits);
}

/**
 * A document as the driver returns it (Long, ObjectId, Date …) → the same plain relaxed form the
 * text parser gives, so live and saved explains go through one normaliser.
 */
export function parseExplainDocument(doc: unknown, limits: Partial<ParseLimits> = {}): JsonValue {
  let text: string;
  try {
    text = EJSON.stringify(doc as Parameters<typeof EJSON.stringify>[0], { relaxed: true });
  } catch (e) {
    // Deeply nested or cyclic values overflow the serializer: untrusted shape, typed error.
    throw new BaleenError('E_PARSE', `explain document cannot be read: ${e instanceof Error ? e.message : String(e)}`, undefined, { cause: e });
  }
  if (typeof text !== 'string') throw new BaleenError('E_PARSE', 'explain document is empty');
  return parseExplainText(text, { ...DEFAULT_PARSE_LIMITS, ...limits });
}

/** Read and parse a saved explain file; every failure is a BaleenError. */
export async function readExplainFile(path: string, limits: Partial<ParseLimits> = {}): Promise<JsonValue> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new BaleenError('E_INVALID_INPUT', `${path} is not a file`);
    size = st.size;
  } catch (e) {
    if (isBaleenError(e)) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BaleenError('E_NOT_FOUND', `no such file: ${path}`);
    throw new BaleenError('E_INVALID_INPUT', `cannot read ${path}: ${code ?? String(e)}`);
  }
  if (size > MAX_FILE_BYTES) throw new BaleenError('E_PARSE', `${path} is ${size} bytes; explain files over ${MAX_FILE_BYTES} bytes are refused`);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new BaleenError('E_INVALID_INPUT', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseExplainBytes(buf, limits);
}
