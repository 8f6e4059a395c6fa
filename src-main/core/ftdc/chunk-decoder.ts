// Decodes one FTDC metric chunk payload (the BinData of a type-1 document) into metric columns.
// Payload: uint32 LE uncompressed length, then zlib → [reference BSON doc][uint32 metricsCount]
// [uint32 sampleCount][varints]. The varints are the deltas of metric 0 for samples 1..S, then of
// metric 1, ...; a 0 is followed by a varint count of *further* zeros, and a run may cross into the
// next metric (mongod's compressor only flushes it at the end). Each value is previous + delta
// modulo 2^64, read as int64. Limits and rejections mirror mongod's decompressor.cpp.
import { inflateSync } from 'node:zlib';
import { BaleenError, errorMessage } from '../../../src-shared/domain/errors';
import { BsonFormatError, readUint32 } from '../bson/raw-bson';
import { METRIC_KIND, extractReferenceMetrics, type ExtractLimits, type SchemaCache } from './metric-extractor';

export const FTDC_LIMITS = {
  /** decompressor.cpp: "Metrics chunk has exceeded the allowable size." */
  maxUncompressedBytes: 10_000_000,
  /** decompressor.cpp: metricsCount × sampleCount (we multiply exactly; mongod's uint32 product can wrap). */
  maxValues: 1_000_000,
  /** S2 varint: at most 10 bytes, the 10th carrying only bit 63. */
  maxVarintBytes: 10,
  /** Ours (mongod has none): real files carry ~1,000–2,600 metrics; this keeps names bounded. */
  maxMetrics: 100_000,
  maxNameChars: 8 * 1024 * 1024,
  /** util.cpp kMaxRecursion. */
  maxDepth: 10,
} as const;

const EXTRACT_LIMITS: ExtractLimits = {
  maxMetrics: FTDC_LIMITS.maxMetrics,
  maxNameChars: FTDC_LIMITS.maxNameChars,
  maxDepth: FTDC_LIMITS.maxDepth,
};

export interface DecodedChunk {
  /**
   * Flattened metric names, in reference-document order (may repeat if keys contain dots). Chunks
   * of one schema decoded in sequence share this very array: `names === previous.names`.
   */
  names: readonly string[];
  /** The reference document's name layout; pass the chunk back as `previous` to reuse its names. */
  schemaKey: Uint8Array;
  /** METRIC_KIND per metric. */
  kinds: Uint8Array;
  /** Samples in the chunk: the reference sample plus its deltas. */
  samples: number;
  /** All values, column-major: metric i occupies [i * samples, (i + 1) * samples). */
  values: Float64Array;
  /** Views into `values`, one per metric: write a whole column at once. */
  columns: Float64Array[];
  /** Each sample's time (ms since epoch): the `start` column, or NaN when the chunk has none. */
  ts: Float64Array;
  /** Index of the metric `ts` came from, or -1. */
  timeMetric: number;
  /** Bytes the payload inflated to. */
  inflatedBytes: number;
}

function parseError(message: string, details?: Record<string, unknown>): BaleenError {
  return new BaleenError('E_PARSE', message, details);
}

function inflate(payload: Uint8Array): Buffer {
  if (payload.length < 4) throw parseError('chunk payload is shorter than its length header');
  const declared = readUint32(payload, 0);
  if (declared > FTDC_LIMITS.maxUncompressedBytes) {
    throw parseError(`chunk declares ${declared} uncompressed bytes, over the ${FTDC_LIMITS.maxUncompressedBytes} limit`);
  }
  if (declared === 0) throw parseError('chunk declares 0 uncompressed bytes');
  try {
    // maxOutputLength stops a zlib bomb at the declared size, as mongod's fixed output buffer does.
    return inflateSync(payload.subarray(4), { maxOutputLength: declared });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw parseError(`chunk inflates past its declared ${declared} bytes`);
    throw parseError(`chunk does not inflate: ${errorMessage(e)}`);
  }
}

const TWO32 = 4294967296;

/**
 * Applies the varint delta stream at `pos` to the reference values, writing `values` column-major.
 * Returns the offset after the last varint consumed. Throws BaleenError on a truncated stream or an
 * over-long varint. The int64 running value is kept as exact 32-bit halves; only the output is a double.
 */
function applyDeltas(
  buf: Buffer,
  pos: number,
  end: number,
  metrics: number,
  samples: number,
  refHi: Int32Array,
  refLo: Uint32Array,
  values: Float64Array,
): number {
  let zeros = 0;
  for (let m = 0; m < metrics; m++) {
    let hi = refHi[m]!;
    let lo = refLo[m]!;
    const base = m * samples;
    const stop = base + samples;
    let v = hi * TWO32 + lo;
    values[base] = v;
    let j = base + 1;
    while (j < stop) {
      if (zeros > 0) {
        const n = zeros < stop - j ? zeros : stop - j;
        values.fill(v, j, j + n);
        zeros -= n;
        j += n;
        continue;
      }
      if (pos >= end) throw parseError('delta stream is truncated', { metric: m, sample: j - base });
      let b = buf[pos++]!;
      let dlo: number;
      let dhi = 0;
      if (b < 0x80) {
        if (b === 0) {
          // A zero delta, then a varint count of further zeros.
          if (pos >= end) throw parseError('delta stream is truncated in a zero run', { metric: m, sample: j - base });
          b = buf[pos++]!;
          if (b < 0x80) zeros = b;
          else {
            let zlo = b & 0x7f;
            let zhi = 0;
            let k = 1;
            for (;;) {
              if (pos >= end) throw parseError('delta stream is truncated in a varint', { metric: m, sample: j - base });
              b = buf[pos++]!;
              if (k < 4) zlo |= (b & 0x7f) << (7 * k);
              else if (k === 4) {
                zlo |= (b & 0x0f) << 28;
                zhi = (b & 0x7f) >>> 4;
              } else if (k < 9) zhi |= (b & 0x7f) << (7 * k - 32);
              else {
                if (b > 1) throw parseError('varint is longer than 10 bytes', { metric: m, sample: j - base });
                zhi |= b << 31;
              }
              if (b < 0x80) break;
              k++;
            }
            // Runs longer than the chunk are harmless (mongod ignores the excess): keep a double.
            zeros = (zhi >>> 0) * TWO32 + (zlo >>> 0);
          }
          values[j++] = v;
          continue;
        }
        dlo = b;
      } else {
        dlo = b & 0x7f;
        let k = 1;
        for (;;) {
          if (pos >= end) throw parseError('delta stream is truncated in a varint', { metric: m, sample: j - base });
          b = buf[pos++]!;
          if (k < 4) dlo |= (b & 0x7f) << (7 * k);
          else if (k === 4) {
            dlo |= (b & 0x0f) << 28;
            dhi = (b & 0x7f) >>> 4;
          } else if (k < 9) dhi |= (b & 0x7f) << (7 * k - 32);
          else {
            if (b > 1) throw parseError('varint is longer than 10 bytes', { metric: m, sample: j - base });
            dhi |= b << 31;
          }
          if (b < 0x80) break;
          k++;
        }
        dlo >>>= 0;
      }
      lo += dlo;
      if (lo >= TWO32) {
        lo -= TWO32;
        hi = (hi + dhi + 1) | 0;
      } else hi = (hi + dhi) | 0;
      v = hi * TWO32 + lo;
      values[j++] = v;
    }
  }
  return pos;
}

/** The metric whose column gives each sample's time: the root `start`, else `serverStatus.localTime`. */
function findTimeMetric(names: readonly string[], kinds: Uint8Array): number {
  let fallback = -1;
  for (let i = 0; i < names.length; i++) {
    if (kinds[i] !== METRIC_KIND.date) continue;
    if (names[i] === 'start') return i;
    if (fallback < 0 && names[i] === 'serverStatus.localTime') fallback = i;
  }
  return fallback;
}

/**
 * Decodes one chunk payload. `previous` (the last chunk decoded) lets consecutive chunks with the
 * same schema share one names array (an importer can test `names === previous.names` to reuse its
 * series lookup). Throws BaleenError('E_PARSE') for anything mongod's decompressor would refuse.
 */
export function decodeChunkPayload(payload: Uint8Array, previous?: SchemaCache): DecodedChunk {
  const buf = inflate(payload);
  let ref;
  try {
    ref = extractReferenceMetrics(buf, 0, buf.length, EXTRACT_LIMITS, previous);
  } catch (e) {
    if (e instanceof BsonFormatError) throw parseError(`bad reference document: ${e.message}`, { at: e.at });
    throw e;
  }
  let p = ref.docEnd;
  if (p + 8 > buf.length) throw parseError('chunk ends before its metric and sample counts');
  const metricsCount = readUint32(buf, p);
  const sampleCount = readUint32(buf, p + 4);
  p += 8;
  if (Math.max(metricsCount, 1) * sampleCount > FTDC_LIMITS.maxValues) {
    throw parseError(`metrics count ${metricsCount} × sample count ${sampleCount} exceeds ${FTDC_LIMITS.maxValues}`);
  }
  if (metricsCount !== ref.count) {
    throw parseError(`chunk declares ${metricsCount} metrics but its reference document has ${ref.count}`);
  }
  const samples = sampleCount + 1;
  const values = new Float64Array(metricsCount * samples);
  if (sampleCount === 0) {
    for (let m = 0; m < metricsCount; m++) values[m] = ref.hi[m]! * TWO32 + ref.lo[m]!;
  } else {
    applyDeltas(buf, p, buf.length, metricsCount, samples, ref.hi, ref.lo, values);
  }
  const columns: Float64Array[] = new Array<Float64Array>(metricsCount);
  for (let m = 0; m < metricsCount; m++) columns[m] = values.subarray(m * samples, (m + 1) * samples);
  const kinds = ref.kinds.slice(0, metricsCount);
  const names = ref.names;
  const timeMetric = findTimeMetric(names, kinds);
  const ts = timeMetric >= 0 ? columns[timeMetric]! : new Float64Array(samples).fill(Number.NaN);
  return { names, schemaKey: ref.schemaKey, kinds, samples, values, columns, ts, timeMetric, inflatedBytes: buf.length };
}
