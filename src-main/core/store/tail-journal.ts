/**
 * The tail journal: one row per polled tick, written with every flush, so open chunk heads need not be
 * rewritten each second to be durable (REL-D1). A row holds `(series id, value)` pairs for one time:
 * series ids as zig-zag varint deltas, shifted left by one with the low bit telling the value's form —
 * 1: a whole number as a zig-zag varint, 0: a float64 (little endian). A 300-metric tick of a
 * serverStatus poll takes ~1.5 KB. Rows are deleted once every head holding their samples has been
 * written to its chunk row.
 */

const INT_LIMIT = 2 ** 52;

class ByteWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** An unsigned whole number below 2^53. */
  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const zigzag = (v: number) => (v >= 0 ? v * 2 : -v * 2 - 1);
const unzigzag = (u: number) => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);

/** Encodes one tick; `ids[i]` is the series of `vals[i]`. Reuses one buffer per encoder. */
export class TailEncoder {
  private readonly w = new ByteWriter();

  encode(ids: ArrayLike<number>, vals: ArrayLike<number>, n: number): Uint8Array {
    const w = this.w;
    w.reset();
    w.varint(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      const v = vals[i]!;
      const int = Number.isSafeInteger(v) && Math.abs(v) < INT_LIMIT && !Object.is(v, -0);
      w.varint(zigzag(id - prev) * 2 + (int ? 1 : 0));
      prev = id;
      if (int) w.varint(zigzag(v));
      else w.f64(v);
    }
    return w.bytes();
  }
}

export class TailFormatError extends Error {}

/** Calls `each(seriesId, value)` for every pair of a row; throws TailFormatError on a damaged row. */
export function decodeTail(data: Uint8Array, each: (seriesId: number, value: number) => void): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let p = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (p >= data.length || mul > 2 ** 56) throw new TailFormatError('tail row ends inside a number');
      const b = data[p++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  };
  const n = varint();
  if (n > data.length) throw new TailFormatError(`tail row claims ${n} samples in ${data.length} bytes`);
  let id = 0;
  for (let i = 0; i < n; i++) {
    const tag = varint();
    id += unzigzag(Math.floor(tag / 2));
    let v: number;
    if (tag % 2 === 1) v = unzigzag(varint());
    else {
      if (p + 8 > data.length) throw new TailFormatError('tail row ends inside a value');
      v = view.getFloat64(p, true);
      p += 8;
    }
    each(id, v);
  }
}
