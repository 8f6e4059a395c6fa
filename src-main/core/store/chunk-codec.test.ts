import fc from 'fast-check';
import { BitReader, BitWriter } from './bit-stream';
import { decodeRawChunk, decodeTierChunk, decodeValues, encodeRawChunk, encodeTierChunk, encodeValues, HeadEncoder, rawChunkCount, TIER_COLUMNS, type TierColumns } from './chunk-codec';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).every((x, i) => Object.is(x, b[i]));

function roundTripValues(vals: number[]): { out: Float64Array; bytes: number } {
  const w = new BitWriter();
  encodeValues(w, vals, vals.length);
  const bytes = w.finish();
  const out = new Float64Array(vals.length);
  decodeValues(new BitReader(bytes), vals.length, out);
  return { out, bytes: bytes.length };
}

describe('chunk codec', () => {
  it('round-trips any finite float64 column bit for bit (XOR, ints, consts, -0, huge ints)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(finite, { maxLength: 300 }),
          fc.array(fc.integer({ min: -1e6, max: 1e6 }), { maxLength: 300 }),
          fc.array(fc.constantFrom(0, -0, 1, 2 ** 50, -(2 ** 50), 2 ** 53, Number.MAX_SAFE_INTEGER, 1e300, -1e-300, 5e-324), { maxLength: 50 }),
          fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 5000 }), fc.nat(400)).map(([start, rate, len]) => {
            const out: number[] = [];
            let v = start;
            for (let i = 0; i < len; i++) out.push((v += rate + ((i * 7919) % 97)));
            return out;
          }),
        ),
        (vals) => {
          const { out } = roundTripValues(vals);
          expect(sameBits(out, vals)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('round-trips timestamps: on a grid, jittered, unordered, far apart', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 45 }), finite), { minLength: 0, maxLength: 400 }),
        fc.boolean(),
        (pairs, grid) => {
          const ts = grid ? pairs.map((_, i) => 1_700_000_000_000 + i * 1000) : pairs.map(([t]) => t);
          const vals = pairs.map(([, v]) => v);
          const blob = encodeRawChunk(ts, vals, ts.length);
          const d = decodeRawChunk(blob);
          expect(d.n).toBe(ts.length);
          expect(rawChunkCount(blob)).toBe(ts.length);
          expect(Array.from(d.ts)).toEqual(ts);
          expect(sameBits(d.vals, vals)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a streaming head decodes to exactly what was pushed at every length, across an integer → XOR switch', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), finite), { minLength: 1, maxLength: 200 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 5000 }),
        (vals, counterLike, step) => {
          let enc = new HeadEncoder(counterLike);
          const ts: number[] = [];
          vals.forEach((v, i) => {
            const t = 1_700_000_000_000 + i * step + (i % 3);
            if (!enc.accepts(v)) enc = HeadEncoder.rebuild(ts, vals, i, counterLike, true);
            enc.push(t, v);
            ts.push(t);
            const d = decodeRawChunk(enc.blob());
            expect(d.n).toBe(i + 1);
            expect(Array.from(d.ts)).toEqual(ts);
            expect(sameBits(d.vals, vals.slice(0, i + 1))).toBe(true);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('spends almost nothing on grid timestamps and constant or steady columns', () => {
    const n = 512;
    const ts = Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1000);
    const constant = encodeRawChunk(ts, new Array<number>(n).fill(42), n).length;
    const steady = encodeRawChunk(ts, ts.map((_, i) => 1e9 + i * 250), n).length;
    expect(constant).toBeLessThan(24);
    expect(steady).toBeLessThan(24 + n / 8 + 1);
  });

  it('codes a noisy counter in ~9 bits per sample (Rice), outliers and resets included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 50, max: 5000 }), fc.array(fc.nat(511), { maxLength: 3 }), (seed, rate, spikes) => {
        let x = seed;
        const rnd = () => ((x = (x * 16807) % 2147483647) / 2147483647);
        const n = 512;
        const vals: number[] = [];
        let v = 1e9;
        for (let i = 0; i < n; i++) {
          v += Math.floor(rate * (0.7 + 0.6 * rnd())) + (spikes.includes(i) ? 2 ** 40 : 0);
          vals.push(i === 300 && spikes.length > 1 ? 0 : v);
        }
        const { out, bytes } = roundTripValues(vals);
        expect(sameBits(out, vals)).toBe(true);
        // Entropy of the jitter is log2(0.6·rate) bits; allow ~3 bits over it plus the outliers.
        expect((bytes * 8) / n).toBeLessThan(Math.log2(0.6 * rate) + 3 + (spikes.length * 150) / n);
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips rollup chunks and decodes only the columns asked for', () => {
    const n = 60;
    const col = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
    const c: TierColumns = {
      n,
      ts: col((i) => 1_700_000_040_000 + i * 60_000 * (i % 7 === 0 ? 2 : 1)),
      count: col(() => 60),
      min: col((i) => i * 0.5),
      max: col((i) => i * 1.5 + 0.1),
      sum: col((i) => i * 60.25),
      inc: col((i) => i * 1000),
      incDt: col(() => 59_000),
      resets: col((i) => (i === 30 ? 1 : 0)),
    };
    const blob = encodeTierChunk(c);
    const all = decodeTierChunk(blob);
    for (const k of TIER_COLUMNS) expect(Array.from(all[k]!)).toEqual(Array.from(c[k]));
    expect(Array.from(all.ts)).toEqual(Array.from(c.ts));
    const some = decodeTierChunk(blob, ['max']);
    expect(some.min).toBeUndefined();
    expect(Array.from(some.max!)).toEqual(Array.from(c.max));
  });

  it('rejects damaged blobs with a typed error, never a crash or a hang', () => {
    const n = 200;
    const ts = Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 997 + (i % 3));
    const good = encodeRawChunk(ts, ts.map((t) => Math.sin(t)), n);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: good.length }), fc.uint8Array({ minLength: 1, maxLength: 8 }), (at, cut, junk) => {
        for (const bad of [good.slice(0, cut), Uint8Array.from([...good.slice(0, at), ...junk, ...good.slice(at + junk.length)])]) {
          try {
            decodeRawChunk(bad);
          } catch (e) {
            expect((e as { code?: string }).code).toBe('E_STORE');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
