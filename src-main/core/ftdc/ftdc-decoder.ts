/**
 * FTDC (diagnostic.data) file decoder.
 *
 * Format. A `metrics.*` file is a sequence of BSON documents, each `{_id: Date, type: int, ...}`:
 * type 0 metadata `{doc}` (buildInfo, getCmdLineOpts, hostInfo, ...; once per file), type 1 metric
 * chunk `{data: BinData}`, type 2 periodic metadata `{index, doc}` (5.0+, a one-level delta of the
 * previous one). `metrics.interim` holds the chunk being built and may end in a zero length.
 * A chunk payload is decoded by chunk-decoder.ts: a reference sample plus up to ~300 deltas, all
 * metrics flattened from the reference document (metric-extractor.ts); a schema change starts a new
 * chunk, so every chunk carries its own names.
 *
 * Limits (mongod's decompressor.cpp, plus ours where mongod has none): an outer document ≤ 16 MiB
 * + 16 KiB (BSONObjMaxInternalSize); uncompressed payload ≤ 10,000,000 bytes; metrics × samples
 * ≤ 1,000,000; varints ≤ 10 bytes; reference nesting ≤ 10; ≤ 100,000 metrics (and sub-documents)
 * and 8 Mi name bytes per chunk; metadata documents ≤ 1 MiB. So one chunk costs at most its outer
 * document (≤ 16 MiB) + 10 MB inflated + a schema key ≤ the reference document + ≤ 8.8 MB of Float64
 * values + names: under 64 MiB whatever its length fields say. Nothing is allocated before its size
 * is checked against these caps.
 *
 * Bad input. Every document is validated before use. A bad chunk (corrupt zlib, counts that do not
 * match, truncated deltas) is reported as an `error` event with its file and offset and skipped by
 * its (valid) length. A broken length field loses the framing: the decoder reports it and resyncs
 * on the next `{_id: Date, type: ...}` signature, so the rest of the file still decodes (at most
 * 256 resyncs per file, which bounds the work on adversarial input). Bad bytes never throw; only
 * BaleenError escapes (E_CANCELLED on abort, E_NOT_FOUND / E_INVALID_INPUT when a file cannot be
 * opened or read).
 *
 * A sample's time is its root `start` date: when mongod began collecting that sample, written by
 * every version (3.2–8.x, role-based 8.0 documents too) and the field FTDC tools chart against. In
 * ms since the epoch; documents without one fall back to `serverStatus.localTime`, else NaN. The
 * chunk `_id` is the reference sample's time, kept as `id`.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { deserialize, type Document } from '../bson/bson';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import {
  BSON_TYPE,
  BsonFormatError,
  MIN_DOC_LENGTH,
  cstringEnd,
  readDouble,
  readInt32,
  readInt64AsNumber,
  validateDocument,
  valueEnd,
} from '../bson/raw-bson';
import { decodeChunkPayload, type DecodedChunk } from './chunk-decoder';
import type { SchemaCache } from './metric-extractor';

/** BSONObjMaxInternalSize: the largest document mongod itself could have written. */
export const MAX_OUTER_DOC_BYTES = 16 * 1024 * 1024 + 16 * 1024;
/** Nesting allowed in metadata documents (FUZZ-3's depth limit). */
const METADATA_MAX_DEPTH = 100;
/**
 * Metadata becomes JS objects (~10× its BSON size for tiny elements), so it gets its own cap.
 * Real ones are 2–20 KB (buildInfo, getCmdLineOpts, hostInfo, ...).
 */
export const MAX_METADATA_BYTES = 1024 * 1024;
/** Give up on a file after this many resyncs: bounds the work on adversarial input to ~N × its size. */
const MAX_RESYNCS = 256;
const SCAN_BLOCK = 1024 * 1024;
/** `\x09_id\x00`: every document mongod writes starts with its Date `_id`. */
const ID_SIGNATURE = Buffer.from([0x09, 0x5f, 0x69, 0x64, 0x00]);
/** `type\x00` after the 8-byte `_id`, preceded by its BSON type byte. */
const TYPE_KEY = Buffer.from('type\0', 'latin1');

export interface FtdcMetadataEvent {
  kind: 'metadata';
  file: string;
  offset: number;
  /** 0 = metadata, 2 = periodic metadata (a delta of the previous one). */
  type: 0 | 2;
  /** The document's `_id` in ms since the epoch. */
  id: number;
  /** Type 2 only: its position in the delta sequence (0 = a full document). */
  index?: number;
  doc: Document;
}

export interface FtdcChunkEvent extends DecodedChunk {
  kind: 'chunk';
  file: string;
  offset: number;
  /** The chunk's `_id` in ms since the epoch. */
  id: number;
}

export interface FtdcErrorEvent {
  kind: 'error';
  file: string;
  /** Byte offset in the file of the document (or bytes) that could not be read. */
  offset: number;
  message: string;
  code: 'E_PARSE';
}

export type FtdcEvent = FtdcMetadataEvent | FtdcChunkEvent | FtdcErrorEvent;

/** Random access to the bytes of one FTDC file. */
export interface ByteSource {
  readonly size: number;
  /** Up to `len` bytes at `pos` (fewer only at the end). */
  read(pos: number, len: number): Promise<Buffer>;
}

export function bufferSource(buf: Uint8Array): ByteSource {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return { size: b.length, read: async (pos, len) => b.subarray(pos, Math.min(pos + len, b.length)) };
}

function fileSource(fh: FileHandle, size: number, path: string): ByteSource {
  return {
    size,
    async read(pos, len) {
      const n = Math.max(0, Math.min(len, size - pos));
      const out = Buffer.allocUnsafe(n);
      let got = 0;
      try {
        while (got < n) {
          const { bytesRead } = await fh.read(out, got, n - got, pos + got);
          if (bytesRead === 0) break; // the file shrank (metrics.interim is rewritten in place)
          got += bytesRead;
        }
      } catch (e) {
        throw new BaleenError('E_INVALID_INPUT', `cannot read ${path} at offset ${pos + got}: ${errorMessage(e)}`, { path });
      }
      return got === n ? out : out.subarray(0, got);
    },
  };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BaleenError('E_CANCELLED', 'FTDC decoding was cancelled', undefined, { cause: signal.reason });
}

interface OuterFields {
  id: number | null;
  type: number | null;
  dataStart: number;
  dataEnd: number;
  docStart: number;
  docEnd: number;
  index: number | null;
}

function integral(buf: Buffer, type: number, p: number): number | null {
  if (type === BSON_TYPE.int32) return readInt32(buf, p);
  if (type === BSON_TYPE.int64) return readInt64AsNumber(buf, p);
  if (type === BSON_TYPE.double) {
    const d = readDouble(buf, p);
    return Number.isInteger(d) ? d : null;
  }
  return null;
}

/** Picks `_id`, `type`, `data`, `doc`, `index` out of a document already validated. */
function outerFields(buf: Buffer): OuterFields {
  const f: OuterFields = { id: null, type: null, dataStart: -1, dataEnd: -1, docStart: -1, docEnd: -1, index: null };
  const last = buf.length - 1;
  let p = 4;
  while (p < last) {
    const t = buf[p]!;
    const keyEnd = cstringEnd(buf, p + 1, last);
    const key = buf.toString('latin1', p + 1, keyEnd);
    const v = keyEnd + 1;
    if (key === '_id' && t === BSON_TYPE.date && f.id === null) f.id = readInt64AsNumber(buf, v);
    else if (key === 'type' && f.type === null) f.type = integral(buf, t, v);
    else if (key === 'index' && f.index === null) f.index = integral(buf, t, v);
    else if (key === 'data' && t === BSON_TYPE.binary && f.dataStart < 0) {
      f.dataStart = v + 5;
      f.dataEnd = v + 5 + readInt32(buf, v);
    } else if (key === 'doc' && t === BSON_TYPE.object && f.docStart < 0) {
      f.docStart = v;
      f.docEnd = v + readInt32(buf, v);
    }
    p = skipValue(buf, t, v, last);
  }
  return f;
}

function skipValue(buf: Buffer, type: number, v: number, last: number): number {
  // The document is already validated: step over sub-documents by their length, not by descending.
  if (type === BSON_TYPE.object || type === BSON_TYPE.array) return v + readInt32(buf, v);
  return valueEnd(buf, type, v, last, METADATA_MAX_DEPTH);
}

/** Is there a plausible start of an FTDC document at `at`? Cheap checks only; the loop validates fully. */
async function looksLikeDocument(src: ByteSource, at: number): Promise<boolean> {
  if (at < 0 || at + 4 + 5 + 8 + 6 > src.size) return false;
  const head = await src.read(at, 4 + 5 + 8 + 6);
  const len = readInt32(head, 0);
  if (len < MIN_DOC_LENGTH || len > MAX_OUTER_DOC_BYTES || at + len > src.size) return false;
  const typeByte = head[17]!;
  if (typeByte !== BSON_TYPE.int32 && typeByte !== BSON_TYPE.int64 && typeByte !== BSON_TYPE.double) return false;
  if (!head.subarray(18, 23).equals(TYPE_KEY)) return false;
  const last = await src.read(at + len - 1, 1);
  return last[0] === 0;
}

/** The offset of the next plausible document at or after `from`, or -1. */
async function resync(src: ByteSource, from: number, signal: AbortSignal | undefined): Promise<number> {
  let pos = Math.max(0, from);
  while (pos < src.size) {
    throwIfAborted(signal);
    const block = await src.read(pos, SCAN_BLOCK + ID_SIGNATURE.length);
    let i = block.indexOf(ID_SIGNATURE);
    while (i >= 0) {
      const candidate = pos + i - 4;
      if (candidate >= from && (await looksLikeDocument(src, candidate))) return candidate;
      i = block.indexOf(ID_SIGNATURE, i + 1);
    }
    pos += SCAN_BLOCK;
  }
  return -1;
}

async function allZero(src: ByteSource, from: number): Promise<boolean> {
  for (let pos = from; pos < src.size; pos += SCAN_BLOCK) {
    const block = await src.read(pos, SCAN_BLOCK);
    for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  }
  return true;
}

function errorEvent(file: string, offset: number, message: string): FtdcErrorEvent {
  return { kind: 'error', file, offset, message, code: 'E_PARSE' };
}

/** Turns one validated outer document into its event. */
function interpret(doc: Buffer, file: string, offset: number, previous: SchemaCache | undefined): FtdcEvent {
  const f = outerFields(doc);
  if (f.id === null) return errorEvent(file, offset, 'document has no Date `_id`');
  if (f.type === 1) {
    if (f.dataStart < 0) return errorEvent(file, offset, 'metric chunk has no BinData `data`');
    try {
      const chunk = decodeChunkPayload(doc.subarray(f.dataStart, f.dataEnd), previous);
      return { kind: 'chunk', file, offset, id: f.id, ...chunk };
    } catch (e) {
      if (e instanceof BaleenError) return errorEvent(file, offset, `bad metric chunk: ${e.message}`);
      throw e;
    }
  }
  if (f.type === 0 || f.type === 2) {
    if (f.docStart < 0) return errorEvent(file, offset, `type ${f.type} document has no \`doc\` object`);
    if (f.docEnd - f.docStart > MAX_METADATA_BYTES) {
      return errorEvent(file, offset, `metadata document is ${f.docEnd - f.docStart} bytes, over the ${MAX_METADATA_BYTES} limit`);
    }
    let body: Document;
    try {
      // Validated above (depth ≤ 100), so bson's recursion is bounded; it defines `__proto__` keys as own properties.
      body = deserialize(doc.subarray(f.docStart, f.docEnd), { validation: { utf8: false } });
    } catch (e) {
      return errorEvent(file, offset, `bad metadata document: ${errorMessage(e)}`);
    }
    const ev: FtdcMetadataEvent = { kind: 'metadata', file, offset, type: f.type, id: f.id, doc: body };
    if (f.type === 2 && f.index !== null) ev.index = f.index;
    return ev;
  }
  return errorEvent(file, offset, f.type === null ? 'document has no integer `type`' : `unknown document type ${f.type}`);
}

/**
 * Decodes every document of one FTDC file held by `src`. Yields events in file order; never throws
 * for bad bytes (they become `error` events), only E_CANCELLED when `signal` aborts.
 */
export async function* decodeFtdcSource(
  src: ByteSource,
  file: string,
  signal?: AbortSignal,
): AsyncGenerator<FtdcEvent, void, undefined> {
  let off = 0;
  let resyncs = 0;
  // Only the names and schema key, not the chunk: its values must not outlive the consumer's use.
  let previous: SchemaCache | undefined;
  const recover = async (at: number, message: string): Promise<{ event: FtdcErrorEvent; next: number }> => {
    resyncs++;
    if (resyncs > MAX_RESYNCS) {
      return { event: errorEvent(file, at, `${message}; too many corrupt regions, rest of file skipped`), next: -1 };
    }
    const next = await resync(src, at + 1, signal);
    const tail = next < 0 ? '; no further document found' : `; resuming at offset ${next}`;
    return { event: errorEvent(file, at, message + tail), next };
  };
  while (off < src.size) {
    throwIfAborted(signal);
    const remaining = src.size - off;
    if (remaining < 4) {
      if (!(await allZero(src, off))) yield errorEvent(file, off, `${remaining} trailing bytes are not a document`);
      return;
    }
    const len = readInt32(await src.read(off, 4), 0);
    if (len === 0) {
      // metrics.interim ends in a zero length; anything but zeros after it is worth a look.
      if (await allZero(src, off)) return;
      const r = await recover(off, 'zero document length before the end of the file');
      yield r.event;
      if (r.next < 0) return;
      off = r.next;
      continue;
    }
    if (len < MIN_DOC_LENGTH || len > MAX_OUTER_DOC_BYTES || len > remaining) {
      const why = len > remaining ? `document length ${len} runs past the end of the file (${remaining} bytes left)` : `bad document length ${len}`;
      const r = await recover(off, why);
      yield r.event;
      if (r.next < 0) return;
      off = r.next;
      continue;
    }
    const doc = await src.read(off, len);
    try {
      validateDocument(doc, 0, doc.length, METADATA_MAX_DEPTH);
    } catch (e) {
      const why = e instanceof BsonFormatError ? `corrupt document (at +${e.at}: ${e.message})` : `corrupt document: ${errorMessage(e)}`;
      const r = await recover(off, why);
      yield r.event;
      if (r.next < 0) return;
      off = r.next;
      continue;
    }
    const ev = interpret(doc, file, off, previous);
    if (ev.kind === 'chunk') previous = { names: ev.names, schemaKey: ev.schemaKey };
    yield ev;
    off += len;
  }
}

/** Decodes one FTDC file from disk, reading document by document (memory stays per-document). */
export async function* readFtdcFile(path: string, opts: { signal?: AbortSignal; name?: string } = {}): AsyncGenerator<FtdcEvent, void, undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new BaleenError(code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_INVALID_INPUT', `cannot open ${path}: ${errorMessage(e)}`, { path });
  }
  try {
    let size: number;
    try {
      size = (await fh.stat()).size;
    } catch (e) {
      throw new BaleenError('E_INVALID_INPUT', `cannot stat ${path}: ${errorMessage(e)}`, { path });
    }
    yield* decodeFtdcSource(fileSource(fh, size, path), opts.name ?? path, opts.signal);
  } finally {
    await fh.close();
  }
}

/** Decodes an FTDC file already in memory. */
export function decodeFtdcBuffer(buf: Uint8Array, opts: { file?: string; signal?: AbortSignal } = {}): AsyncGenerator<FtdcEvent, void, undefined> {
  return decodeFtdcSource(bufferSource(buf), opts.file ?? '<buffer>', opts.signal);
}
