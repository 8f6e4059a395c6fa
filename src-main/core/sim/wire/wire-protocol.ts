import { BSON, type Document } from '../../bson/bson';

/**
 * MongoDB wire protocol framing (https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/):
 * the 16-byte header, OP_MSG (sections kind 0 and 1, optional CRC-32C), the legacy OP_QUERY handshake
 * and its OP_REPLY. Decoding is for untrusted bytes: anything malformed throws WireProtocolError.
 */

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const HEADER_SIZE = 16;
/** hello.maxMessageSizeBytes of a real server. */
export const MAX_MESSAGE_SIZE = 48_000_000;

export const OpMsgFlag = {
  checksumPresent: 1 << 0,
  moreToCome: 1 << 1,
  exhaustAllowed: 1 << 16,
} as const;
/** Bits 0-15 are "required": a receiver must reject a message with one it does not know. */
const REQUIRED_MASK = 0xffff;
const KNOWN_REQUIRED = OpMsgFlag.checksumPresent | OpMsgFlag.moreToCome;

export const OpReplyFlag = { queryFailure: 1 << 1, awaitCapable: 1 << 3 } as const;

export class WireProtocolError extends Error {
  override readonly name = 'WireProtocolError';
}

export interface MsgHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

export interface OpMsg {
  kind: 'msg';
  header: MsgHeader;
  flags: number;
  body: Document;
  /** Kind-1 sections: identifier → documents. */
  sequences: Map<string, Document[]>;
}

export interface OpQuery {
  kind: 'query';
  header: MsgHeader;
  flags: number;
  fullCollectionName: string;
  numberToSkip: number;
  numberToReturn: number;
  query: Document;
  returnFieldsSelector: Document | undefined;
}

export interface OpReply {
  kind: 'reply';
  header: MsgHeader;
  responseFlags: number;
  cursorId: bigint;
  startingFrom: number;
  documents: Document[];
}

export type WireMessage = OpMsg | OpQuery | OpReply;

export interface DecodeOptions {
  /** bson deserialisation options (e.g. promoteValues: false to see exact BSON number types). */
  bson?: BSON.DeserializeOptions;
}

export function readHeader(buf: Uint8Array): MsgHeader {
  if (buf.length < HEADER_SIZE) throw new WireProtocolError(`message shorter than its header (${buf.length} bytes)`);
  const v = view(buf);
  return { messageLength: v.getInt32(0, true), requestId: v.getInt32(4, true), responseTo: v.getInt32(8, true), opCode: v.getInt32(12, true) };
}

/** Decode one complete frame (exactly `messageLength` bytes). */
export function decodeMessage(frame: Uint8Array, opts: DecodeOptions = {}): WireMessage {
  const header = readHeader(frame);
  if (header.messageLength !== frame.length) throw new WireProtocolError(`frame is ${frame.length} bytes but its header says ${header.messageLength}`);
  switch (header.opCode) {
    case OP_MSG:
      return decodeOpMsg(header, frame, opts);
    case OP_QUERY:
      return decodeOpQuery(header, frame, opts);
    case OP_REPLY:
      return decodeOpReply(header, frame, opts);
    default:
      throw new WireProtocolError(`unsupported opCode ${header.opCode}`);
  }
}

function decodeOpMsg(header: MsgHeader, frame: Uint8Array, opts: DecodeOptions): OpMsg {
  const v = view(frame);
  if (frame.length < HEADER_SIZE + 4 + 1) throw new WireProtocolError('OP_MSG too short');
  const flags = v.getUint32(HEADER_SIZE, true);
  const unknownRequired = flags & REQUIRED_MASK & ~KNOWN_REQUIRED;
  if (unknownRequired !== 0) throw new WireProtocolError(`OP_MSG has unknown required flag bits 0x${unknownRequired.toString(16)}`);
  // The checksum is tolerated, not verified: nothing between client and simulator can corrupt it.
  const end = flags & OpMsgFlag.checksumPresent ? frame.length - 4 : frame.length;
  if (end < HEADER_SIZE + 5) throw new WireProtocolError('OP_MSG too short for its checksum');
  let off = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences = new Map<string, Document[]>();
  while (off < end) {
    const kind = frame[off]!;
    off += 1;
    if (kind === 0) {
      if (body !== undefined) throw new WireProtocolError('OP_MSG has more than one body section');
      const size = docSize(frame, off, end);
      body = deserialize(frame.subarray(off, off + size), opts);
      off += size;
    } else if (kind === 1) {
      if (off + 4 > end) throw new WireProtocolError('truncated OP_MSG document sequence');
      const size = v.getInt32(off, true);
      const seqEnd = off + size;
      if (size < 5 || seqEnd > end) throw new WireProtocolError(`bad OP_MSG document sequence size ${size}`);
      let p = off + 4;
      const nul = frame.indexOf(0, p);
      if (nul < 0 || nul >= seqEnd) throw new WireProtocolError('unterminated document sequence identifier');
      const id = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(p, nul));
      if (sequences.has(id)) throw new WireProtocolError(`duplicate document sequence "${id}"`);
      p = nul + 1;
      const docs: Document[] = [];
      while (p < seqEnd) {
        const n = docSize(frame, p, seqEnd);
        docs.push(deserialize(frame.subarray(p, p + n), opts));
        p += n;
      }
      sequences.set(id, docs);
      off = seqEnd;
    } else {
      throw new WireProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (body === undefined) throw new WireProtocolError('OP_MSG has no body section');
  return { kind: 'msg', header, flags, body, sequences };
}

function decodeOpQuery(header: MsgHeader, frame: Uint8Array, opts: DecodeOptions): OpQuery {
  const v = view(frame);
  let off = HEADER_SIZE;
  if (frame.length < off + 4 + 1 + 8 + 5) throw new WireProtocolError('OP_QUERY too short');
  const flags = v.getInt32(off, true);
  off += 4;
  const nul = frame.indexOf(0, off);
  if (nul < 0) throw new WireProtocolError('unterminated OP_QUERY collection name');
  const fullCollectionName = decodeUtf8(frame.subarray(off, nul));
  off = nul + 1;
  if (off + 8 > frame.length) throw new WireProtocolError('OP_QUERY too short');
  const numberToSkip = v.getInt32(off, true);
  const numberToReturn = v.getInt32(off + 4, true);
  off += 8;
  const qSize = docSize(frame, off, frame.length);
  const query = deserialize(frame.subarray(off, off + qSize), opts);
  off += qSize;
  let returnFieldsSelector: Document | undefined;
  if (off < frame.length) {
    const sSize = docSize(frame, off, frame.length);
    returnFieldsSelector = deserialize(frame.subarray(off, off + sSize), opts);
    off += sSize;
  }
  if (off !== frame.length) throw new WireProtocolError('trailing bytes after OP_QUERY');
  return { kind: 'query', header, flags, fullCollectionName, numberToSkip, numberToReturn, query, returnFieldsSelector };
}

function decodeOpReply(header: MsgHeader, frame: Uint8Array, opts: DecodeOptions): OpReply {
  const v = view(frame);
  if (frame.length < HEADER_SIZE + 20) throw new WireProtocolError('OP_REPLY too short');
  const responseFlags = v.getInt32(HEADER_SIZE, true);
  const cursorId = v.getBigInt64(HEADER_SIZE + 4, true);
  const startingFrom = v.getInt32(HEADER_SIZE + 12, true);
  const numberReturned = v.getInt32(HEADER_SIZE + 16, true);
  let off = HEADER_SIZE + 20;
  const documents: Document[] = [];
  for (let i = 0; i < numberReturned; i++) {
    const n = docSize(frame, off, frame.length);
    documents.push(deserialize(frame.subarray(off, off + n), opts));
    off += n;
  }
  if (off !== frame.length) throw new WireProtocolError('OP_REPLY length does not match its documents');
  return { kind: 'reply', header, responseFlags, cursorId, startingFrom, documents };
}

export interface EncodeOpMsg {
  requestId: number;
  responseTo?: number;
  flags?: number;
  body: Document;
  sequences?: ReadonlyMap<string, readonly Document[]> | Record<string, readonly Document[]>;
  /** Append a CRC-32C checksum and set checksumPresent. */
  checksum?: boolean;
}

export function encodeOpMsg(m: EncodeOpMsg): Uint8Array {
  const parts: Uint8Array[] = [];
  let flags = (m.flags ?? 0) >>> 0;
  if (m.checksum) flags |= OpMsgFlag.checksumPresent;
  parts.push(u32(flags));
  parts.push(Uint8Array.of(0), BSON.serialize(m.body));
  const seqs: [string, readonly Document[]][] =
    m.sequences instanceof Map ? [...(m.sequences as ReadonlyMap<string, readonly Document[]>)] : Object.entries((m.sequences ?? {}) as Record<string, readonly Document[]>);
  for (const [id, docs] of seqs) {
    const idBytes = new TextEncoder().encode(`${id}\0`);
    const docBytes = docs.map((d: Document) => BSON.serialize(d));
    const size = 4 + idBytes.length + docBytes.reduce((n: number, d: Uint8Array) => n + d.length, 0);
    parts.push(Uint8Array.of(1), i32le(size), idBytes, ...docBytes);
  }
  const frame = withHeader(m.requestId, m.responseTo ?? 0, OP_MSG, parts, m.checksum ? 4 : 0);
  if (m.checksum) view(frame).setUint32(frame.length - 4, crc32c(frame.subarray(0, frame.length - 4)), true);
  return frame;
}

export interface EncodeOpQuery {
  requestId: number;
  flags?: number;
  fullCollectionName: string;
  numberToSkip?: number;
  numberToReturn?: number;
  query: Document;
}

export function encodeOpQuery(q: EncodeOpQuery): Uint8Array {
  const parts = [
    i32le(q.flags ?? 0),
    new TextEncoder().encode(`${q.fullCollectionName}\0`),
    i32le(q.numberToSkip ?? 0),
    i32le(q.numberToReturn ?? -1),
    BSON.serialize(q.query),
  ];
  return withHeader(q.requestId, 0, OP_QUERY, parts, 0);
}

export interface EncodeOpReply {
  requestId: number;
  responseTo: number;
  responseFlags?: number;
  documents: readonly Document[];
}

export function encodeOpReply(r: EncodeOpReply): Uint8Array {
  const cursor = new Uint8Array(8);
  const parts = [i32le(r.responseFlags ?? 0), cursor, i32le(0), i32le(r.documents.length), ...r.documents.map((d) => BSON.serialize(d))];
  return withHeader(r.requestId, r.responseTo, OP_REPLY, parts, 0);
}

function withHeader(requestId: number, responseTo: number, opCode: number, parts: Uint8Array[], trailer: number): Uint8Array {
  const length = HEADER_SIZE + parts.reduce((n, p) => n + p.length, 0) + trailer;
  const out = new Uint8Array(length);
  const v = view(out);
  v.setInt32(0, length, true);
  v.setInt32(4, requestId | 0, true);
  v.setInt32(8, responseTo | 0, true);
  v.setInt32(12, opCode, true);
  let off = HEADER_SIZE;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function docSize(buf: Uint8Array, off: number, end: number): number {
  if (off + 5 > end) throw new WireProtocolError('truncated BSON document');
  const size = view(buf).getInt32(off, true);
  if (size < 5 || off + size > end) throw new WireProtocolError(`BSON document size ${size} does not fit the message`);
  return size;
}

function deserialize(bytes: Uint8Array, opts: DecodeOptions): Document {
  try {
    return BSON.deserialize(bytes, { ...opts.bson, validation: { utf8: true } });
  } catch (e) {
    throw new WireProtocolError(`invalid BSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WireProtocolError('invalid UTF-8 in a C string');
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  view(b).setUint32(0, n >>> 0, true);
  return b;
}

function i32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  view(b).setInt32(0, n | 0, true);
  return b;
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), as OP_MSG's optional checksum uses. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Accumulates socket chunks and yields complete frames. A length outside [16, max] is a protocol
 * error: the stream cannot be resynchronised, so the caller closes the connection. Chunks are kept
 * as a list and copied once per frame, so a large message arriving in many chunks costs O(size).
 */
export class MessageFramer {
  private chunks: Uint8Array[] = [];
  private total = 0;

  constructor(private readonly maxMessageSize = MAX_MESSAGE_SIZE) {}

  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.total += chunk.length;
    }
    const frames: Uint8Array[] = [];
    while (this.total >= 4) {
      const length = view(this.peek(4)).getInt32(0, true);
      if (length < HEADER_SIZE || length > this.maxMessageSize) throw new WireProtocolError(`bad message length ${length}`);
      if (this.total < length) break;
      frames.push(this.take(length));
    }
    return frames;
  }

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.total;
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let off = 0;
    for (const c of this.chunks) {
      const part = c.subarray(0, n - off);
      out.set(part, off);
      off += part.length;
      if (off === n) break;
    }
    return out;
  }

  /** Remove and return the next n bytes as a fresh copy (never aliasing a pooled socket buffer). */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const part = c.subarray(0, n - off);
      out.set(part, off);
      off += part.length;
      if (part.length === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(part.length);
    }
    this.total -= n;
    return out;
  }
}
