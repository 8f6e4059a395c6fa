import { BSON, Double, Int32, Long, ObjectId } from '../../bson/bson';
import fc from 'fast-check';
import {
  MAX_MESSAGE_SIZE,
  MessageFramer,
  OP_MSG,
  OP_QUERY,
  OpMsgFlag,
  WireProtocolError,
  crc32c,
  decodeMessage,
  encodeOpMsg,
  encodeOpQuery,
  encodeOpReply,
} from './wire-protocol';

const exact = { bson: { promoteValues: false } };

function header(length: number, opCode: number, requestId = 7): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setInt32(0, length, true);
  v.setInt32(4, requestId, true);
  v.setInt32(12, opCode, true);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A hand-built OP_MSG with the given flag word and sections (bytes after the header). */
function rawOpMsg(flags: number, sections: Uint8Array): Uint8Array {
  const f = new Uint8Array(4);
  new DataView(f.buffer).setUint32(0, flags, true);
  return concat(header(16 + 4 + sections.length, OP_MSG), f, sections);
}

describe('wire framing round-trip', () => {
  it('OP_MSG keeps header fields, flags, the body with exact BSON types, and kind-1 sequences', () => {
    const id = new ObjectId();
    const body = { insert: 'c', $db: 'app', n: new Int32(3), big: Long.fromString('9007199254740993'), d: new Double(2), id };
    const frame = encodeOpMsg({
      requestId: 42,
      responseTo: 9,
      flags: OpMsgFlag.exhaustAllowed,
      body,
      sequences: { documents: [{ a: 1 }, { a: 2 }], updates: [{ q: {} }] },
    });
    const m = decodeMessage(frame, exact);
    expect(m.kind).toBe('msg');
    if (m.kind !== 'msg') return;
    expect(m.header).toEqual({ messageLength: frame.length, requestId: 42, responseTo: 9, opCode: OP_MSG });
    expect(m.flags).toBe(OpMsgFlag.exhaustAllowed);
    expect(m.body.n).toBeInstanceOf(Int32);
    expect(m.body.big).toBeInstanceOf(Long);
    expect((m.body.big as Long).toString()).toBe('9007199254740993');
    expect(m.body.d).toBeInstanceOf(Double);
    expect((m.body.id as ObjectId).equals(id)).toBe(true);
    expect([...m.sequences.keys()]).toEqual(['documents', 'updates']);
    expect(m.sequences.get('documents')!.map((d) => (d.a as Int32).value)).toEqual([1, 2]);
  });

  it('tolerates (strips) the OP_MSG checksum and computes CRC-32C correctly', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    const frame = encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin' }, checksum: true });
    const m = decodeMessage(frame);
    expect(m.kind === 'msg' && m.flags & OpMsgFlag.checksumPresent).toBeTruthy();
    expect(m.kind === 'msg' && m.body).toEqual({ ping: 1, $db: 'admin' });
    const trailer = new DataView(frame.buffer, frame.byteOffset + frame.length - 4).getUint32(0, true);
    expect(trailer).toBe(crc32c(frame.subarray(0, frame.length - 4)));
  });

  it('OP_QUERY and OP_REPLY round-trip', () => {
    const q = decodeMessage(encodeOpQuery({ requestId: 5, fullCollectionName: 'admin.$cmd', query: { ismaster: 1, helloOk: true } }));
    expect(q.kind).toBe('query');
    if (q.kind === 'query') {
      expect(q.header.opCode).toBe(OP_QUERY);
      expect(q.fullCollectionName).toBe('admin.$cmd');
      expect(q.numberToReturn).toBe(-1);
      expect(q.query).toEqual({ ismaster: 1, helloOk: true });
    }
    const r = decodeMessage(encodeOpReply({ requestId: 6, responseTo: 5, documents: [{ ok: 1 }, { x: 'y' }] }));
    expect(r.kind === 'reply' && r.header.responseTo).toBe(5);
    expect(r.kind === 'reply' && r.documents).toEqual([{ ok: 1 }, { x: 'y' }]);
  });

  it('the framer yields the same frames however the stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ k: fc.string(), v: fc.integer() }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 40 })), (docs, cuts) => {
        const frames = docs.map((d, i) => encodeOpMsg({ requestId: i, body: { ping: 1, $db: 'admin', [`f${d.k}`]: d.v } }));
        const stream = concat(...frames);
        const framer = new MessageFramer();
        const got: Uint8Array[] = [];
        let off = 0;
        for (const c of cuts) {
          if (off >= stream.length) break;
          got.push(...framer.push(stream.subarray(off, off + c)));
          off += c;
        }
        if (off < stream.length) got.push(...framer.push(stream.subarray(off)));
        expect(got.map((g) => [...g])).toEqual(frames.map((f) => [...f]));
        expect(framer.buffered).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
  it('reassembles a large message from many small chunks', () => {
    const big = encodeOpMsg({ requestId: 1, body: { ping: 1, $db: 'admin', pad: 'x'.repeat(3_000_000) } });
    const framer = new MessageFramer();
    const frames: Uint8Array[] = [];
    for (let off = 0; off < big.length; off += 1_000) frames.push(...framer.push(big.subarray(off, off + 1_000)));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.length).toBe(big.length);
    expect(Buffer.from(frames[0]!).equals(Buffer.from(big))).toBe(true);
  });
});

describe('malformed input is a WireProtocolError, never anything else', () => {
  it('rejects impossible lengths in the framer', () => {
    for (const len of [0, 15, -1, MAX_MESSAGE_SIZE + 1]) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, len, true);
      expect(() => new MessageFramer().push(b)).toThrow(WireProtocolError);
    }
  });

  it('rejects unknown opcodes, unknown required flags, bad sections and bad BSON', () => {
    const body = BSON.serialize({ ping: 1, $db: 'admin' });
    const cases: [string, Uint8Array][] = [
      ['unknown opcode', concat(header(20, 9999), new Uint8Array(4))],
      ['OP_COMPRESSED (not negotiated)', concat(header(20, 2012), new Uint8Array(4))],
      ['required flag bit 5', rawOpMsg(1 << 5, concat(Uint8Array.of(0), body))],
      ['two bodies', rawOpMsg(0, concat(Uint8Array.of(0), body, Uint8Array.of(0), body))],
      ['no body', rawOpMsg(0, new Uint8Array(0))],
      ['section kind 2', rawOpMsg(0, concat(Uint8Array.of(2), body))],
      ['BSON size beyond the message', rawOpMsg(0, concat(Uint8Array.of(0), body.subarray(0, body.length - 3)))],
      ['corrupt BSON element type', rawOpMsg(0, concat(Uint8Array.of(0), Uint8Array.from([...body.subarray(0, 4), 0x7f, ...body.subarray(5)])))],
      ['header length disagrees with the frame', concat(header(99, OP_MSG), new Uint8Array(10))],
    ];
    for (const [what, frame] of cases) expect(() => decodeMessage(frame), what).toThrow(WireProtocolError);
  });

  it('random bytes after a valid header never throw anything but WireProtocolError', () => {
    fc.assert(
      fc.property(fc.constantFrom(OP_MSG, OP_QUERY, 1), fc.uint8Array({ maxLength: 200 }), (opCode, tail) => {
        const frame = concat(header(16 + tail.length, opCode), tail);
        try {
          decodeMessage(frame);
        } catch (e) {
          expect(e).toBeInstanceOf(WireProtocolError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
