import fc from 'fast-check';
import { LineSplitter, type LineSink } from './line-splitter';

interface Seen {
  lines: [string, number, number][];
  oversized: [number, number, number, number][];
}

function collector(): { sink: LineSink; seen: Seen } {
  const seen: Seen = { lines: [], oversized: [] };
  return {
    seen,
    sink: {
      line: (text, line, offset) => void seen.lines.push([text, line, offset]),
      oversized: (line, offset, bytes, preview) => void seen.oversized.push([line, offset, bytes, preview.length]),
    },
  };
}

function feed(bytes: Buffer, cuts: number[], opts?: { maxLineBytes?: number }): { seen: Seen; splitter: LineSplitter } {
  const { sink, seen } = collector();
  const splitter = new LineSplitter(sink, opts);
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const to = Math.min(bytes.length, Math.floor(c * bytes.length));
    if (to > at) splitter.push(bytes.subarray(at, to));
    at = Math.max(at, to);
  }
  splitter.push(bytes.subarray(at));
  return { seen, splitter };
}

/** What a plain split says: non-blank lines with their 1-based number and byte offset. */
function reference(text: string): [string, number, number][] {
  const out: [string, number, number][] = [];
  let offset = 0;
  text.split('\n').forEach((l, i, all) => {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (i < all.length - 1 || l !== '') if (t.trim() !== '') out.push([t, i + 1, offset]);
    offset += Buffer.byteLength(l) + 1;
  });
  return out;
}

describe('LineSplitter', () => {
  it('gives the same lines, numbers and byte offsets however the bytes are chunked', () => {
    const lineArb = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant(''), fc.constant('  '), fc.constant('x\r'), fc.constant('日本語 ✓ 🐋'));
    fc.assert(
      fc.property(fc.array(lineArb.map((s) => s.replace(/\n/g, '')), { maxLength: 30 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), (lines, cuts) => {
        const text = `${lines.join('\n')}\n`;
        const { seen, splitter } = feed(Buffer.from(text), cuts);
        splitter.end();
        expect(seen.lines).toEqual(reference(text));
        expect(seen.oversized).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a partial last line for the next read, and flushes it at end()', () => {
    const { sink, seen } = collector();
    const s = new LineSplitter(sink);
    s.push(Buffer.from('{"a":1}\n{"b":'));
    expect(seen.lines.map((l) => l[0])).toEqual(['{"a":1}']);
    expect(s.pendingBytes).toBe(5);
    expect(s.resumeOffset).toBe(8);
    s.push(Buffer.from('2}\n{"c"'));
    expect(seen.lines.map((l) => l[0])).toEqual(['{"a":1}', '{"b":2}']);
    expect(s.resumeOffset).toBe(16);
    s.end();
    expect(seen.lines[2]).toEqual(['{"c"', 3, 16]);
    expect(s.physicalLines).toBe(3);
  });

  it('skips a line over the limit as it streams past, counts it, and loses no neighbour', () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const text = `first\n${big}\nsecond\n`;
    const { seen } = feed(Buffer.from(text), [0.1, 0.2, 0.5, 0.9]);
    expect(seen.lines.map((l) => [l[0], l[1]])).toEqual([
      ['first', 1],
      ['second', 3],
    ]);
    expect(seen.oversized).toEqual([[2, 6, big.length, 4096]]);
    expect(seen.lines[1]![2]).toBe(6 + big.length + 1);
  });

  it('treats a line of exactly the limit as a line and one byte more as oversized', () => {
    const { seen } = feed(Buffer.from(`${'a'.repeat(100)}\n${'b'.repeat(101)}\nc\n`), [0.3, 0.7], { maxLineBytes: 100 });
    expect(seen.lines.map((l) => l[0].length)).toEqual([100, 1]);
    expect(seen.oversized.map((o) => [o[0], o[2]])).toEqual([[2, 101]]);
  });

  it('keeps invalid UTF-8 as replacement characters, never throws', () => {
    const { seen, splitter } = feed(Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a, 0xc3]), [0.5]);
    splitter.end();
    expect(seen.lines.map((l) => l[0])).toEqual(['{\uFFFD\uFFFD}', '\uFFFD']);
  });
});
