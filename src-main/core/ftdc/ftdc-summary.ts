// Per-file summaries of FTDC inputs (what `baleen ftdc` prints) and one metric's samples.
import { basename } from 'node:path';
import type { Document } from '../bson/bson';
import { BaleenError } from '../../../src-shared/domain/errors';
import type { FtdcErrorEvent } from './ftdc-decoder';
import { compareFtdcFileNames, readFtdcInputs, resolveFtdcInputs } from './ftdc-inputs';

export interface FtdcFileSummary {
  path: string;
  /** Type 0 and type 2 documents. */
  metadataDocs: number;
  chunks: number;
  /** Each chunk's reference sample plus its deltas. */
  samples: number;
  /** The largest metric count of any chunk in the file. */
  metrics: number;
  /** Earliest and latest sample time (ISO-8601 UTC), or null when the file has no timed sample. */
  firstTs: string | null;
  lastTs: string | null;
  errors: { offset: number; message: string }[];
}

export interface FtdcSummary {
  files: FtdcFileSummary[];
  /** From the first type-0 metadata document: hostInfo.system.hostname and buildInfo.version. */
  host: string | null;
  version: string | null;
}

function isDoc(x: unknown): x is Document {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function pick(doc: Document, path: string[]): unknown {
  let cur: unknown = doc;
  for (const k of path) {
    if (!isDoc(cur) || !Object.hasOwn(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Host and version from a metadata document; 8.0 sharded nodes nest collectors under common/shard/router. */
export function hostAndVersion(doc: Document): { host: string | null; version: string | null } {
  const roots = [doc, pick(doc, ['common']), pick(doc, ['shard']), pick(doc, ['router'])].filter(isDoc);
  let host: string | null = null;
  let version: string | null = null;
  for (const r of roots) {
    const h = pick(r, ['hostInfo', 'system', 'hostname']);
    const v = pick(r, ['buildInfo', 'version']);
    if (host === null && typeof h === 'string') host = h;
    if (version === null && typeof v === 'string') version = v;
  }
  return { host, version };
}

interface Acc {
  summary: FtdcFileSummary;
  input: number;
  first: number;
  last: number;
}

function sortKey(a: Acc, b: Acc): number {
  return a.input - b.input || compareFtdcFileNames(basename(a.summary.path), basename(b.summary.path));
}

/** Summarises files, folders (all metrics.* files, in time order) and .tar/.tar.gz archives. */
export async function summarizeFtdc(paths: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<FtdcSummary> {
  const inputs = await resolveFtdcInputs(paths);
  const byFile = new Map<string, Acc>();
  let host: string | null = null;
  let version: string | null = null;
  for await (const { input, event } of readFtdcInputs(inputs, opts.signal)) {
    let acc = byFile.get(event.file);
    if (!acc) {
      acc = {
        summary: { path: event.file, metadataDocs: 0, chunks: 0, samples: 0, metrics: 0, firstTs: null, lastTs: null, errors: [] },
        input,
        first: Number.POSITIVE_INFINITY,
        last: Number.NEGATIVE_INFINITY,
      };
      byFile.set(event.file, acc);
    }
    const s = acc.summary;
    if (event.kind === 'metadata') {
      s.metadataDocs++;
      if (event.type === 0) {
        const hv = hostAndVersion(event.doc);
        host ??= hv.host;
        version ??= hv.version;
      }
    } else if (event.kind === 'chunk') {
      s.chunks++;
      s.samples += event.samples;
      s.metrics = Math.max(s.metrics, event.names.length);
      for (const t of event.ts) {
        if (t < acc.first) acc.first = t;
        if (t > acc.last) acc.last = t;
      }
    } else {
      s.errors.push({ offset: event.offset, message: event.message });
    }
  }
  const files = [...byFile.values()].sort(sortKey).map((acc) => {
    if (Number.isFinite(acc.first)) {
      acc.summary.firstTs = isoOrNull(acc.first);
      acc.summary.lastTs = isoOrNull(acc.last);
    }
    return acc.summary;
  });
  return { files, host, version };
}

function isoOrNull(ms: number): string | null {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export interface FtdcMetricSeries {
  /** Per file (time order), the samples of chunks that carry the metric. */
  files: { path: string; ts: Float64Array; values: Float64Array }[];
  /** How many chunks carried the metric. */
  chunks: number;
  errors: FtdcErrorEvent[];
}

/** One metric's samples (by flattened name, e.g. `serverStatus.opcounters.insert`) across the inputs. */
export async function readFtdcMetric(paths: readonly string[], metric: string, opts: { signal?: AbortSignal } = {}): Promise<FtdcMetricSeries> {
  if (metric === '') throw new BaleenError('E_INVALID_INPUT', 'metric name is empty');
  const inputs = await resolveFtdcInputs(paths);
  const parts = new Map<string, { input: number; ts: Float64Array[]; values: Float64Array[] }>();
  const errors: FtdcErrorEvent[] = [];
  let chunks = 0;
  for await (const { input, event } of readFtdcInputs(inputs, opts.signal)) {
    if (event.kind === 'error') errors.push(event);
    if (event.kind !== 'chunk') continue;
    const i = event.names.indexOf(metric);
    if (i < 0) continue;
    chunks++;
    let p = parts.get(event.file);
    if (!p) {
      p = { input, ts: [], values: [] };
      parts.set(event.file, p);
    }
    // Copies, so the chunk's whole matrix can be collected.
    p.ts.push(event.ts.slice());
    p.values.push(event.columns[i]!.slice());
  }
  const concat = (xs: Float64Array[]) => {
    const out = new Float64Array(xs.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of xs) {
      out.set(x, o);
      o += x.length;
    }
    return out;
  };
  const files = [...parts.entries()]
    .sort(([pa, a], [pb, b]) => a.input - b.input || compareFtdcFileNames(pa, pb))
    .map(([path, p]) => ({ path, ts: concat(p.ts), values: concat(p.values) }));
  return { files, chunks, errors };
}
