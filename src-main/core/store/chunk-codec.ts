import { BitReader, BitWriter, corrupt } from './bit-stream';

/**
 * Chunk codecs (Gorilla / Prometheus style), lossless for every finite float64.
 *
 * Timestamps: t0, the first delta, then delta-of-deltas. Samples stamped on a tick grid have all
 * dods = 0, flagged "regular" and stored in zero bits per sample; otherwise each dod costs 1 bit
 * when 0 and 6–25 bits when small.
 *
 * Values, per column, whichever codec is smallest for that column:
 * - CONST: one float64 for the whole column (most FTDC metrics within a chunk; 0 bits/sample);
 * - INT_DELTA / INT_DOD: integers (|v| < 2^50, what counters and most gauges are) as first value plus
 *   deltas (gauges that wander) or delta-of-deltas (counters at a steady rate), in the same
 *   variable-length buckets as timestamps;
 * - XOR: Gorilla's XOR of consecutive float64s with a leading/trailing-zero window (true floats);
 * - RICE_DELTA / RICE_DOD: the same integers Rice-coded with a per-chunk parameter k, for noisy
 *   series: deltas minus the chunk's mean delta (a counter's rate), or delta-of-deltas. A counter
 *   whose per-second increments jitter ±30 % then costs about log2(jitter range) + 2 bits per sample
 *   instead of 11–17 in the fixed buckets. Open heads stream with buckets; Rice is chosen at close.
 *
 * Signed buckets: '0' → 0; '10'+4 bits; '110'+8; '1110'+13; '11110'+20; '11111'+6-bit length+payload.
 */

const CODEC = { EMPTY: 0, CONST: 1, INT_DELTA: 2, INT_DOD: 3, XOR: 4, RICE_DELTA: 5, RICE_DOD: 6 } as const;
const RAW_CHUNK = 1;
const TIER_CHUNK = 2;
/** Integers up to here keep their dods (< 2^52) exact in a float64. */
const INT_LIMIT = 2 ** 50;

/** Zigzag of a non-zero integer to 0, 1, 2, …: 1→0, −1→1, 2→2, −2→3. */
function zig(d: number): number {
  return d > 0 ? 2 * d - 2 : -2 * d - 1;
}

function unzig(z: number): number {
  return z % 2 === 0 ? z / 2 + 1 : -(z + 1) / 2;
}

/** Bits the signed bucket encoding spends on `d`. */
function signedCost(d: number): number {
  if (d === 0) return 1;
  const z = zig(d);
  if (z < 16) return 6;
  if (z < 272) return 11;
  if (z < 8464) return 17;
  if (z < 1_057_040) return 25;
  return 11 + bitLength(z);
}

function bitLength(z: number): number {
  let n = 0;
  while (z >= 1) {
    z = Math.floor(z / 2);
    n++;
  }
  return Math.max(1, n);
}

const POW2 = Array.from({ length: 54 }, (_, k) => 2 ** k);
/** Unary quotients at or past this length escape to an explicit length and value (outliers, resets). */
const RICE_ESCAPE = 32;

/** Zigzag including zero: 0→0, −1→1, 1→2, −2→3 … */
function zz(d: number): number {
  return d >= 0 ? 2 * d : -2 * d - 1;
}

function unzz(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

function riceCost(z: number, k: number): number {
  const q = Math.floor(z / POW2[k]!);
  return q < RICE_ESCAPE ? q + 1 + k : RICE_ESCAPE + 6 + bitLength(z);
}

function writeRice(w: BitWriter, z: number, k: number): void {
  const q = Math.floor(z / POW2[k]!);
  if (q < RICE_ESCAPE) {
    // q ones and a zero, then the k low bits.
    let left = q;
    while (left >= 24) {
      w.bits(0xffffff, 24);
      left -= 24;
    }
    w.bits((POW2[left + 1]! - 2) | 0, left + 1);
    w.bigBits(z - q * POW2[k]!, k);
  } else {
    w.bits(0xffffff, 24);
    w.bits(0xff, RICE_ESCAPE - 24);
    const n = bitLength(z);
    w.bits(n, 6);
    w.bigBits(z, n);
  }
}

function readRice(r: BitReader, k: number): number {
  let q = 0;
  while (q < RICE_ESCAPE && r.bit() === 1) q++;
  if (q < RICE_ESCAPE) return q * POW2[k]! + r.bigBits(k);
  const n = r.bits(6);
  if (n > 53) throw corrupt('integer wider than 53 bits');
  return r.bigBits(n);
}

function writeSigned(w: BitWriter, d: number): void {
  if (d === 0) {
    w.bit(0);
    return;
  }
  const z = zig(d);
  if (z < 16) w.bits(0b100000 | z, 6);
  else if (z < 272) w.bits((0b110 << 8) | (z - 16), 11);
  else if (z < 8464) w.bits((0b1110 << 13) | (z - 272), 17);
  else if (z < 1_057_040) {
    w.bits(0b11110, 5);
    w.bits(z - 8464, 20);
  } else {
    const n = bitLength(z);
    w.bits(0b11111, 5);
    w.bits(n, 6);
    w.bigBits(z, n);
  }
}

function readSigned(r: BitReader): number {
  if (r.bit() === 0) return 0;
  if (r.bit() === 0) return unzig(r.bits(4));
  if (r.bit() === 0) return unzig(r.bits(8) + 16);
  if (r.bit() === 0) return unzig(r.bits(13) + 272);
  if (r.bit() === 0) return unzig(r.bits(20) + 8464);
  const n = r.bits(6);
  if (n > 53) throw corrupt('integer wider than 53 bits');
  return unzig(r.bigBits(n));
}

// ---- timestamps ----------------------------------------------------------------------------------

/** Timestamps (integer ms ≥ 0, any order) → bytes. */
export function encodeTimestamps(w: BitWriter, ts: ArrayLike<number>, n: number): void {
  if (n === 0) return;
  w.varint(ts[0]!);
  if (n === 1) return;
  const d1 = ts[1]! - ts[0]!;
  w.varint(d1 === 0 ? 0 : zig(d1) + 1);
  if (n === 2) return;
  let regular = true;
  for (let i = 2; i < n; i++) {
    if (ts[i]! - ts[i - 1]! !== d1) {
      regular = false;
      break;
    }
  }
  w.bit(regular ? 1 : 0);
  if (regular) return;
  let prevD = d1;
  for (let i = 2; i < n; i++) {
    const d = ts[i]! - ts[i - 1]!;
    writeSigned(w, d - prevD);
    prevD = d;
  }
}

export function decodeTimestamps(r: BitReader, n: number, out: Float64Array): void {
  if (n === 0) return;
  let t = r.varint();
  out[0] = t;
  if (n === 1) return;
  const z = r.varint();
  let d = z === 0 ? 0 : unzig(z - 1);
  t += d;
  out[1] = t;
  if (n === 2) return;
  if (r.bit() === 1) {
    for (let i = 2; i < n; i++) out[i] = t += d;
    return;
  }
  for (let i = 2; i < n; i++) {
    d += readSigned(r);
    out[i] = t += d;
  }
}

// ---- values --------------------------------------------------------------------------------------

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LO = 0;
const HI = 1;

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

function isIntValue(v: number): boolean {
  return Number.isInteger(v) && v < INT_LIMIT && v > -INT_LIMIT && !(v === 0 && 1 / v < 0);
}

/** Values (finite float64) → bytes, with the cheapest codec for this column. */
export function encodeValues(w: BitWriter, vals: ArrayLike<number>, n: number): void {
  if (n === 0) {
    w.bits(CODEC.EMPTY, 8);
    return;
  }
  const v0 = vals[0]!;
  let constant = true;
  let ints = isIntValue(v0);
  let deltaCost = 0;
  let dodCost = 0;
  let prev = v0;
  let prevD = 0;
  for (let i = 1; i < n; i++) {
    const v = vals[i]!;
    if (constant && !Object.is(v, v0)) constant = false;
    if (ints) {
      if (!isIntValue(v)) ints = false;
      else {
        const d = v - prev;
        deltaCost += signedCost(d);
        if (i > 1) dodCost += signedCost(d - prevD);
        prevD = d;
      }
    }
    if (!constant && !ints) break;
    prev = v;
  }
  if (constant) {
    w.bits(CODEC.CONST, 8);
    w.f64(v0);
    return;
  }
  if (!ints) {
    const x = new XorStream(w);
    for (let i = 0; i < n; i++) x.push(vals[i]!);
    return;
  }
  const firstDeltaCost = n > 1 ? signedCost(vals[1]! - v0) : 0;
  const bucketDod = n > 2 && dodCost + firstDeltaCost < deltaCost;
  const bucketBest = bucketDod ? dodCost + firstDeltaCost : deltaCost;
  // Below ~5 bits a sample the buckets are near what Rice could save; skip its parameter search.
  const rice = n > 8 && bucketBest > 5 * n ? bestRice(vals, n) : null;
  if (rice && rice.cost + 16 < bucketBest) {
    w.bits(rice.dod ? CODEC.RICE_DOD : CODEC.RICE_DELTA, 8);
    w.bits(rice.k, 6);
    writeSigned(w, v0);
    if (!rice.dod) writeSigned(w, rice.bias);
    let p = v0;
    let pd = 0;
    for (let i = 1; i < n; i++) {
      const v = vals[i]!;
      const d = v - p;
      if (rice.dod && i === 1) writeSigned(w, d);
      else writeRice(w, zz(rice.dod ? d - pd : d - rice.bias), rice.k);
      pd = d;
      p = v;
    }
    return;
  }
  const stream = new IntStream(w, bucketDod);
  for (let i = 0; i < n; i++) stream.push(vals[i]!);
}

/**
 * The cheapest Rice coding by exact cost: deltas minus their median (a counter's typical increment)
 * or delta-of-deltas, with k tried around log2 of the median residual. Medians, because one spike or
 * reset in a chunk must not set the parameters for all the other samples.
 */
function bestRice(vals: ArrayLike<number>, n: number): { dod: boolean; k: number; bias: number; cost: number } {
  const d = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) d[i - 1] = vals[i]! - vals[i - 1]!;
  const median = (a: Float64Array) => Float64Array.from(a).sort()[a.length >> 1]!;
  const bias = median(d);
  const rd = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) rd[i] = zz(d[i]! - bias);
  const rdd = new Float64Array(n - 2);
  for (let i = 1; i < n - 1; i++) rdd[i - 1] = zz(d[i]! - d[i - 1]!);
  const tryKs = (res: Float64Array, base: number) => {
    const k0 = Math.max(0, Math.min(50, Math.floor(Math.log2(median(res) + 1))));
    let best = { k: k0, cost: Infinity };
    for (let k = Math.max(0, k0 - 1); k <= Math.min(50, k0 + 2); k++) {
      let c = base;
      for (let i = 0; i < res.length; i++) c += riceCost(res[i]!, k);
      if (c < best.cost) best = { k, cost: c };
    }
    return best;
  };
  const a = tryKs(rd, signedCost(bias));
  const b = tryKs(rdd, signedCost(d[0]!));
  return a.cost <= b.cost ? { dod: false, k: a.k, bias, cost: a.cost } : { dod: true, k: b.k, bias: 0, cost: b.cost };
}

/** A value codec written one sample at a time (after its codec byte). */
interface ValueStream {
  push(v: number): void;
}

/** INT_DELTA / INT_DOD: the first value, then deltas or delta-of-deltas. */
class IntStream implements ValueStream {
  private n = 0;
  private prev = 0;
  private prevD = 0;

  constructor(
    private readonly w: BitWriter,
    private readonly dod: boolean,
  ) {
    w.bits(dod ? CODEC.INT_DOD : CODEC.INT_DELTA, 8);
  }

  push(v: number): void {
    if (this.n === 0) writeSigned(this.w, v);
    else {
      const d = v - this.prev;
      writeSigned(this.w, this.dod && this.n > 1 ? d - this.prevD : d);
      this.prevD = d;
    }
    this.prev = v;
    this.n++;
  }
}

/** Gorilla XOR with a leading/trailing-zero window. */
class XorStream implements ValueStream {
  private n = 0;
  private pHi = 0;
  private pLo = 0;
  private wLead = -1;
  private wTrail = 0;

  constructor(private readonly w: BitWriter) {
    w.bits(CODEC.XOR, 8);
  }

  push(v: number): void {
    const w = this.w;
    f64[0] = v;
    const hi = u32[HI]!;
    const lo = u32[LO]!;
    if (this.n++ === 0) {
      w.bits32(hi, 32);
      w.bits32(lo, 32);
      this.pHi = hi;
      this.pLo = lo;
      return;
    }
    const xh = (hi ^ this.pHi) >>> 0;
    const xl = (lo ^ this.pLo) >>> 0;
    this.pHi = hi;
    this.pLo = lo;
    if (xh === 0 && xl === 0) {
      w.bit(0);
      return;
    }
    w.bit(1);
    const lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (this.wLead >= 0 && lead >= this.wLead && trail >= this.wTrail) {
      w.bit(0);
      writeXorBits(w, xh, xl, this.wTrail, 64 - this.wLead - this.wTrail);
    } else {
      w.bit(1);
      this.wLead = Math.min(lead, 31);
      this.wTrail = trail;
      const sig = 64 - this.wLead - this.wTrail;
      w.bits(this.wLead, 5);
      w.bits(sig - 1, 6);
      writeXorBits(w, xh, xl, this.wTrail, sig);
    }
  }
}

/** Delta-of-delta timestamps one at a time, in the layout decodeTimestamps reads (never "regular"). */
class TsStream {
  readonly w = new BitWriter(32);
  private n = 0;
  private last = 0;
  private d = 0;

  push(t: number): void {
    if (this.n === 0) this.w.varint(t);
    else {
      const d = t - this.last;
      if (this.n === 1) this.w.varint(d === 0 ? 0 : zig(d) + 1);
      else {
        if (this.n === 2) this.w.bit(0);
        writeSigned(this.w, d - this.d);
      }
      this.d = d;
    }
    this.last = t;
    this.n++;
  }
}

/**
 * A live head chunk encoded as samples arrive, so a flush copies bytes instead of re-encoding the
 * whole head: integer delta-of-deltas for counters, deltas otherwise, XOR once a non-integer shows up
 * (the caller rebuilds with `accepts`). When the head closes it is re-encoded once with the best codec.
 */
export class HeadEncoder {
  private readonly ts = new TsStream();
  private readonly vw = new BitWriter(64);
  private readonly vals: ValueStream;
  private readonly xor: boolean;
  n = 0;

  constructor(counterLike: boolean, xor = false) {
    this.xor = xor;
    this.vals = xor ? new XorStream(this.vw) : new IntStream(this.vw, counterLike);
  }

  static rebuild(ts: ArrayLike<number>, vals: ArrayLike<number>, n: number, counterLike: boolean, xor: boolean): HeadEncoder {
    const e = new HeadEncoder(counterLike, xor);
    for (let i = 0; i < n; i++) e.push(ts[i]!, vals[i]!);
    return e;
  }

  get isXor(): boolean {
    return this.xor;
  }

  /** False when `v` cannot continue an integer stream: rebuild the head as XOR. */
  accepts(v: number): boolean {
    return this.xor || isIntValue(v);
  }

  push(t: number, v: number): void {
    this.ts.push(t);
    this.vals.push(v);
    this.n++;
  }

  /** The raw chunk so far, readable by decodeRawChunk. */
  blob(): Uint8Array {
    const h = new BitWriter(16);
    h.bits(RAW_CHUNK, 8);
    h.varint(this.n);
    h.varint(this.ts.w.byteLength);
    const head = h.finish();
    const out = new Uint8Array(head.length + this.ts.w.byteLength + this.vw.byteLength);
    out.set(head, 0);
    this.ts.w.copyTo(out, head.length);
    this.vw.copyTo(out, head.length + this.ts.w.byteLength);
    return out;
  }
}

/** Writes `sig` bits of the 64-bit (xh:xl) shifted right by `shift`. */
function writeXorBits(w: BitWriter, xh: number, xl: number, shift: number, sig: number): void {
  let hi: number;
  let lo: number;
  if (shift >= 32) {
    lo = xh >>> (shift - 32);
    hi = 0;
  } else if (shift > 0) {
    lo = ((xl >>> shift) | (xh << (32 - shift))) >>> 0;
    hi = xh >>> shift;
  } else {
    lo = xl;
    hi = xh;
  }
  if (sig > 32) {
    w.bits32(hi, sig - 32);
    w.bits32(lo, 32);
  } else w.bits32(lo, sig);
}

export function decodeValues(r: BitReader, n: number, out: Float64Array): void {
  const codec = r.bits(8);
  if (n === 0) {
    if (codec !== CODEC.EMPTY) throw corrupt('values for an empty chunk');
    return;
  }
  switch (codec) {
    case CODEC.CONST: {
      const v = r.f64();
      out.fill(v, 0, n);
      return;
    }
    case CODEC.INT_DELTA:
    case CODEC.INT_DOD: {
      const dod = codec === CODEC.INT_DOD;
      let v = readSigned(r);
      out[0] = v;
      let d = 0;
      for (let i = 1; i < n; i++) {
        const x = readSigned(r);
        d = dod && i > 1 ? d + x : x;
        out[i] = v += d;
      }
      return;
    }
    case CODEC.RICE_DELTA:
    case CODEC.RICE_DOD: {
      const dod = codec === CODEC.RICE_DOD;
      const k = r.bits(6);
      if (k > 50) throw corrupt('rice parameter out of range');
      let v = readSigned(r);
      const bias = dod ? 0 : readSigned(r);
      out[0] = v;
      let d = 0;
      for (let i = 1; i < n; i++) {
        if (dod && i === 1) d = readSigned(r);
        else {
          const x = unzz(readRice(r, k));
          d = dod ? d + x : x + bias;
        }
        out[i] = v += d;
      }
      return;
    }
    case CODEC.XOR:
      decodeXor(r, n, out);
      return;
    default:
      throw corrupt(`unknown value codec ${codec}`);
  }
}

function decodeXor(r: BitReader, n: number, out: Float64Array): void {
  let hi = r.bits32(32);
  let lo = r.bits32(32);
  u32[HI] = hi;
  u32[LO] = lo;
  out[0] = f64[0]!;
  let wLead = 0;
  let wTrail = 0;
  for (let i = 1; i < n; i++) {
    if (r.bit() === 1) {
      if (r.bit() === 1) {
        wLead = r.bits(5);
        wTrail = 64 - wLead - (r.bits(6) + 1);
        if (wTrail < 0) throw corrupt('xor window wider than 64 bits');
      }
      const sig = 64 - wLead - wTrail;
      let xh: number;
      let xl: number;
      if (sig > 32) {
        xh = r.bits32(sig - 32);
        xl = r.bits32(32);
      } else {
        xh = 0;
        xl = r.bits32(sig);
      }
      // Shift (xh:xl) left by wTrail back into place.
      const s = wTrail;
      if (s >= 32) {
        xh = (xl << (s - 32)) >>> 0;
        xl = 0;
      } else if (s > 0) {
        xh = ((xh << s) | (xl >>> (32 - s))) >>> 0;
        xl = (xl << s) >>> 0;
      }
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
    }
    u32[HI] = hi;
    u32[LO] = lo;
    out[i] = f64[0]!;
  }
}

// ---- chunks --------------------------------------------------------------------------------------


/**
 * A raw chunk: `[1][varint n][varint tsBytes][timestamps][values]`. Timestamps strictly increase
 * within a chunk (the store starts a new chunk otherwise).
 */
export function encodeRawChunk(ts: ArrayLike<number>, vals: ArrayLike<number>, n: number): Uint8Array {
  const tsw = new BitWriter(16 + (n >> 3));
  encodeTimestamps(tsw, ts, n);
  const tsBytes = tsw.finish();
  const w = new BitWriter(tsBytes.length + 24 + n);
  w.bits(RAW_CHUNK, 8);
  w.varint(n);
  w.varint(tsBytes.length);
  w.bytes(tsBytes);
  encodeValues(w, vals, n);
  return w.finish();
}

export interface DecodedRaw {
  n: number;
  ts: Float64Array;
  vals: Float64Array;
}

export function decodeRawChunk(blob: Uint8Array): DecodedRaw {
  const r = new BitReader(blob);
  if (r.bits(8) !== RAW_CHUNK) throw corrupt('not a raw chunk');
  const n = r.varint();
  if (n > 1_000_000) throw corrupt('sample count out of range');
  const tsLen = r.varint();
  const [s, e] = r.slice(tsLen);
  const ts = new Float64Array(n);
  decodeTimestamps(new BitReader(blob, s, e), n, ts);
  const vals = new Float64Array(n);
  decodeValues(r, n, vals);
  return { n, ts, vals };
}

/** Only the sample count, from the header. */
export function rawChunkCount(blob: Uint8Array): number {
  const r = new BitReader(blob);
  if (r.bits(8) !== RAW_CHUNK) throw corrupt('not a raw chunk');
  return r.varint();
}

/**
 * Rollup buckets of one window, column by column so a query decodes only what it needs:
 * `[2][varint n][varint tsBytes][bucket starts]` then each column as `[varint bytes][values]`.
 */
export const TIER_COLUMNS = ['count', 'min', 'max', 'sum', 'inc', 'incDt', 'resets'] as const;
export type TierColumn = (typeof TIER_COLUMNS)[number];
export type TierColumns = Record<TierColumn, Float64Array> & { ts: Float64Array; n: number };

export function encodeTierChunk(c: TierColumns): Uint8Array {
  const w = new BitWriter(64 + c.n * 4);
  w.bits(TIER_CHUNK, 8);
  w.varint(c.n);
  const sections: Uint8Array[] = [];
  const tsw = new BitWriter(16);
  encodeTimestamps(tsw, c.ts, c.n);
  sections.push(tsw.finish());
  for (const col of TIER_COLUMNS) {
    const cw = new BitWriter(16 + c.n);
    encodeValues(cw, c[col], c.n);
    sections.push(cw.finish());
  }
  for (const s of sections) {
    w.varint(s.length);
    w.bytes(s);
  }
  return w.finish();
}

export function decodeTierChunk(blob: Uint8Array, want: readonly TierColumn[] = TIER_COLUMNS): Partial<Record<TierColumn, Float64Array>> & { ts: Float64Array; n: number } {
  const r = new BitReader(blob);
  if (r.bits(8) !== TIER_CHUNK) throw corrupt('not a rollup chunk');
  const n = r.varint();
  if (n > 1_000_000) throw corrupt('bucket count out of range');
  const [s, e] = r.slice(r.varint());
  const ts = new Float64Array(n);
  decodeTimestamps(new BitReader(blob, s, e), n, ts);
  const out: Partial<Record<TierColumn, Float64Array>> & { ts: Float64Array; n: number } = { ts, n };
  for (const col of TIER_COLUMNS) {
    const [cs, ce] = r.slice(r.varint());
    if (!want.includes(col)) continue;
    const arr = new Float64Array(n);
    decodeValues(new BitReader(blob, cs, ce), n, arr);
    out[col] = arr;
  }
  return out;
}
