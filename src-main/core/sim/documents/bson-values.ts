import { Double, Int32, Long } from '../../bson/bson';

/**
 * Explicit BSON number types. A real server picks Int32, Int64 or Double per field; the JS driver
 * would pick by value, so generated documents never hand it a bare number.
 */
export const i32 = (n: number): Int32 => new Int32(Math.trunc(clampInt32(n)));
export const i64 = (n: number): Long => Long.fromNumber(Math.trunc(n));
export const dbl = (n: number): Double => new Double(n);

/** WiredTiger and tcmalloc statistics: Int32 when the value fits, else Int64 (as mongod appends them). */
export function intOrLong(n: number): Int32 | Long {
  const v = Math.trunc(n);
  return v >= -0x8000_0000 && v <= 0x7fff_ffff ? new Int32(v) : Long.fromNumber(v);
}

function clampInt32(n: number): number {
  return Math.min(0x7fff_ffff, Math.max(-0x8000_0000, n));
}
