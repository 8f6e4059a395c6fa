import { BaleenError } from '../../../src-shared/domain/errors';

/**
 * Bit-level writer and reader for the chunk codecs. Numbers up to 2^53 are handled without BigInt
 * (it is ~10× slower in V8); bits are written most significant first.
 */

const TWO_24 = 16_777_216;

export class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  /** Pending bits, fewer than 8 between calls, kept in the low end of a 32-bit int. */
  private acc = 0;
  private nAcc = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(Math.max(8, initialBytes));
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let len = this.buf.length * 2;
    while (len < this.pos + extra) len *= 2;
    const b = new Uint8Array(len);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  bit(b: number): void {
    this.acc = (this.acc << 1) | (b & 1);
    if (++this.nAcc === 8) {
      this.ensure(1);
      this.buf[this.pos++] = this.acc & 0xff;
      this.acc = 0;
      this.nAcc = 0;
    }
  }

  /** The low `n` bits of `v` (n ≤ 24, v ≥ 0). */
  bits(v: number, n: number): void {
    if (n === 0) return;
    this.acc = (this.acc << n) | (v & ((1 << n) - 1));
    this.nAcc += n;
    if (this.nAcc >= 8) {
      this.ensure(4);
      while (this.nAcc >= 8) {
        this.nAcc -= 8;
        this.buf[this.pos++] = (this.acc >>> this.nAcc) & 0xff;
      }
      this.acc &= (1 << this.nAcc) - 1;
    }
  }

  /** The low `n` bits of an unsigned 32-bit value (n ≤ 32). */
  bits32(v: number, n: number): void {
    if (n > 24) {
      this.bits((v >>> 16) & 0xffff, n - 16);
      this.bits(v & 0xffff, 16);
    } else this.bits(v, n);
  }

  /** A non-negative integer < 2^53 in exactly `n` bits (n ≤ 53). */
  bigBits(v: number, n: number): void {
    if (n <= 24) return this.bits(v, n);
    const hi = Math.floor(v / TWO_24);
    this.bigBits(hi, n - 24);
    this.bits(v - hi * TWO_24, 24);
  }

  /** Pads to a byte boundary with zero bits. */
  align(): void {
    if (this.nAcc > 0) this.bits(0, 8 - this.nAcc);
  }

  /** LEB128 of a non-negative integer < 2^53, byte-aligned. */
  varint(v: number): void {
    this.align();
    this.ensure(8);
    while (v >= 128) {
      this.buf[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  bytes(b: Uint8Array): void {
    this.align();
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  f64(v: number): void {
    this.align();
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** The written bytes (a copy, so the writer can be reused or dropped). */
  finish(): Uint8Array {
    this.align();
    return this.buf.slice(0, this.pos);
  }

  /** Bytes written so far, counting a partial last byte. */
  get byteLength(): number {
    return this.pos + (this.nAcc > 0 ? 1 : 0);
  }

  /** Copies what is written so far (a partial last byte zero-padded) without ending the stream. */
  copyTo(out: Uint8Array, offset: number): void {
    out.set(this.buf.subarray(0, this.pos), offset);
    if (this.nAcc > 0) out[offset + this.pos] = (this.acc << (8 - this.nAcc)) & 0xff;
  }
}

export function corrupt(what: string): BaleenError {
  return new BaleenError('E_STORE', `A stored chunk is damaged (${what}); its samples cannot be read.`);
}

export class BitReader {
  private bytePos: number;
  private bitOff = 0;
  private readonly end: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.bytePos = start;
    this.end = end;
  }

  get position(): number {
    return this.bytePos;
  }

  bit(): number {
    if (this.bytePos >= this.end) throw corrupt('bits run past the end');
    const b = (this.buf[this.bytePos]! >>> (7 - this.bitOff)) & 1;
    if (++this.bitOff === 8) {
      this.bitOff = 0;
      this.bytePos++;
    }
    return b;
  }

  /** `n` bits (n ≤ 24) as an unsigned int. */
  bits(n: number): number {
    let v = 0;
    while (n > 0) {
      if (this.bytePos >= this.end) throw corrupt('bits run past the end');
      const avail = 8 - this.bitOff;
      const take = avail < n ? avail : n;
      v = (v << take) | ((this.buf[this.bytePos]! >>> (avail - take)) & ((1 << take) - 1));
      this.bitOff += take;
      if (this.bitOff === 8) {
        this.bitOff = 0;
        this.bytePos++;
      }
      n -= take;
    }
    return v;
  }

  bits32(n: number): number {
    if (n > 24) {
      const hi = this.bits(n - 16);
      return ((hi << 16) | this.bits(16)) >>> 0;
    }
    return this.bits(n);
  }

  bigBits(n: number): number {
    if (n <= 24) return this.bits(n);
    const hi = this.bigBits(n - 24);
    return hi * TWO_24 + this.bits(24);
  }

  align(): void {
    if (this.bitOff !== 0) {
      this.bitOff = 0;
      this.bytePos++;
    }
  }

  varint(): number {
    this.align();
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.bytePos >= this.end) throw corrupt('varint runs past the end');
      const b = this.buf[this.bytePos++]!;
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
    }
    throw corrupt('varint too long');
  }

  f64(): number {
    this.align();
    if (this.bytePos + 8 > this.end) throw corrupt('float runs past the end');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset).getFloat64(this.bytePos, true);
    this.bytePos += 8;
    return v;
  }

  /** A byte-aligned sub-range of `len` bytes, skipped over. */
  slice(len: number): [start: number, end: number] {
    this.align();
    if (this.bytePos + len > this.end) throw corrupt('section runs past the end');
    const s = this.bytePos;
    this.bytePos += len;
    return [s, this.bytePos];
  }
}
