import { BaleenError } from '../../../src-shared/domain/errors';
import { clientHost, ShapeStatsTable, type ShapeStatsJSON, type ShapeSummary } from '../diagnosis';
import type { LogEvent, UnparsedLine, UnparsedReason } from './log-event';
import type { LogEventConsumer } from './log-reader';
import { detach } from './shape-cache';

/**
 * The summary of one or more log files: counts, slow-operation shapes, connections, state
 * changes, unparsed samples and (optionally) per-minute buckets. Bounded in every dimension, so
 * a 200 MB log and a 20 GB log cost the same memory; mergeable in input order (worker ranges of
 * one file, then file after file).
 */
export interface FileStats {
  path: string;
  lines: number;
  parsed: number;
  unparsed: number;
  json: number;
  legacy: number;
  firstTs: number | null;
  lastTs: number | null;
  /** Lines including blank ones: how far line numbers of the next range of this file start. */
  physicalLines: number;
  bytes: number;
  error?: string;
}

export interface StateChangeRow {
  ts: number | null;
  from: string | null;
  to: string;
  file: string;
}

export interface UnparsedSample {
  file: string;
  line: number;
  reason: UnparsedReason;
  text: string;
}

interface HostStats {
  opened: number;
  closed: number;
}

export interface SummaryOptions {
  /** Keep per-bucket counts by severity and component (the timeline). */
  timeline?: boolean;
  maxShapes?: number;
}

const MAX_KEYS = 64;
const MAX_HOSTS = 10_000;
const MAX_STATE_CHANGES = 10_000;
const MAX_UNPARSED_SAMPLES = 1000;
const SAMPLE_CHARS = 512;
const MAX_BUCKETS = 10_000;
const MINUTE = 60_000;
/** Timestamps outside these years are corruption (mongod predates neither 2009 nor lives past 2100). */
const PLAUSIBLE_FROM = Date.UTC(2009, 0, 1);
const PLAUSIBLE_TO = Date.UTC(2100, 0, 1);

const OTHER = '(other)';

function bump(m: Map<string, number>, key: string, n = 1, max = MAX_KEYS): void {
  const v = m.get(key);
  if (v !== undefined) m.set(key, v + n);
  else if (m.size < max) m.set(detach(key.length > 64 ? `${key.slice(0, 64)}…` : key), n);
  else m.set(OTHER, (m.get(OTHER) ?? 0) + n);
}

const minTs = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
const maxTs = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.max(a, b));
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
const sortedCounts = (m: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));

export interface SummaryJSON {
  version: 1;
  files: FileStats[];
  severity: [string, number][];
  component: [string, number][];
  shapes: ShapeStatsJSON;
  slowCount: number;
  slowTotalMs: number;
  opened: number;
  closed: number;
  hosts: [string, HostStats][];
  authOk: number;
  authFailed: number;
  drivers: [string, number][];
  apps: [string, number][];
  stateChanges: StateChangeRow[];
  stateChangesDropped: number;
  unparsedSamples: UnparsedSample[];
  bucketMs: number;
  buckets: [number, [string, number][]][] | null;
}

export class LogSummary implements LogEventConsumer {
  readonly files: FileStats[] = [];
  private current: FileStats | undefined;
  private readonly severity = new Map<string, number>();
  private readonly component = new Map<string, number>();
  readonly shapes: ShapeStatsTable;
  private slowCount = 0;
  private slowTotalMs = 0;
  private opened = 0;
  private closed = 0;
  private readonly hosts = new Map<string, HostStats>();
  private authOk = 0;
  private authFailed = 0;
  private readonly drivers = new Map<string, number>();
  private readonly apps = new Map<string, number>();
  private stateChanges: StateChangeRow[] = [];
  private stateChangesDropped = 0;
  private unparsedSamples: UnparsedSample[] = [];
  private bucketMs = MINUTE;
  private buckets: Map<number, Map<string, number>> | null;

  constructor(private readonly opts: SummaryOptions = {}) {
    this.shapes = new ShapeStatsTable({ maxShapes: opts.maxShapes });
    this.buckets = opts.timeline ? new Map() : null;
  }

  /** Starts a file (or an archive member); events go to it until the next one. */
  beginFile(path: string): FileStats {
    const f: FileStats = { path, lines: 0, parsed: 0, unparsed: 0, json: 0, legacy: 0, firstTs: null, lastTs: null, physicalLines: 0, bytes: 0 };
    this.files.push(f);
    this.current = f;
    return f;
  }

  private file(): FileStats {
    return this.current ?? this.beginFile('(input)');
  }

  event(e: LogEvent): void {
    const f = this.file();
    f.lines++;
    f.parsed++;
    if (e.format === 'json') f.json++;
    else f.legacy++;
    const ts = e.ts;
    if (ts !== null && ts >= PLAUSIBLE_FROM && ts < PLAUSIBLE_TO) {
      if (f.firstTs === null || ts < f.firstTs) f.firstTs = ts;
      if (f.lastTs === null || ts > f.lastTs) f.lastTs = ts;
      if (this.buckets !== null) this.bucket(ts, `${e.severity}|${e.component}`, 1);
    }
    bump(this.severity, e.severity);
    bump(this.component, e.component);
    switch (e.kind) {
      case 'slowOp':
        this.slowCount++;
        this.slowTotalMs += e.op.durationMs;
        this.shapes.add(e.op);
        return;
      case 'connAccepted': {
        this.opened++;
        if (e.conn.remote !== undefined) this.host(clientHost(e.conn.remote)).opened++;
        return;
      }
      case 'connEnded': {
        this.closed++;
        if (e.conn.remote !== undefined) this.host(clientHost(e.conn.remote)).closed++;
        return;
      }
      case 'clientMetadata': {
        const c = e.client;
        if (c.driver !== undefined) bump(this.drivers, c.driverVersion !== undefined ? `${c.driver} ${c.driverVersion}` : c.driver, 1, 256);
        if (c.appName !== undefined) bump(this.apps, c.appName, 1, 256);
        return;
      }
      case 'auth':
        if (e.auth.ok) this.authOk++;
        else this.authFailed++;
        return;
      case 'stateChange':
        if (this.stateChanges.length < MAX_STATE_CHANGES) {
          const row: StateChangeRow = { ts: e.ts, from: e.from === null ? null : detach(e.from), to: detach(e.to), file: f.path };
          this.stateChanges.push(row);
        } else this.stateChangesDropped++;
        return;
      default:
        return;
    }
  }

  unparsed(u: UnparsedLine): void {
    const f = this.file();
    f.lines++;
    f.unparsed++;
    if (this.unparsedSamples.length < MAX_UNPARSED_SAMPLES) {
      const text = u.text.length > SAMPLE_CHARS ? `${u.text.slice(0, SAMPLE_CHARS)}…` : u.text;
      this.unparsedSamples.push({ file: f.path, line: u.line, reason: u.reason, text: detach(text) });
    }
  }

  /** Closes the current file with what the splitter saw. */
  endFile(physicalLines: number, bytes: number): void {
    const f = this.file();
    f.physicalLines = physicalLines;
    f.bytes = bytes;
  }

  /** Reading the current file failed part-way: what was read stays, the error is shown. */
  fileError(message: string): void {
    this.file().error = message;
  }

  private host(h: string): HostStats {
    let s = this.hosts.get(h);
    if (s === undefined) {
      if (this.hosts.size >= MAX_HOSTS) h = OTHER;
      s = this.hosts.get(h);
      if (s === undefined) {
        s = { opened: 0, closed: 0 };
        this.hosts.set(detach(h), s);
      }
    }
    return s;
  }

  private bucket(ts: number, key: string, n: number): void {
    const buckets = this.buckets!;
    const b = Math.floor(ts / this.bucketMs) * this.bucketMs;
    let m = buckets.get(b);
    if (m === undefined) {
      if (buckets.size >= MAX_BUCKETS) {
        this.widen(this.bucketMs * 2);
        this.bucket(ts, key, n);
        return;
      }
      m = new Map();
      buckets.set(b, m);
    }
    bump(m, key, n);
  }

  /** Doubles bucket width until the timeline fits (a month of minutes becomes 2-, 4-minute buckets…). */
  private widen(bucketMs: number): void {
    const old = this.buckets!;
    this.bucketMs = bucketMs;
    const next = new Map<number, Map<string, number>>();
    for (const [b, counts] of old) {
      const nb = Math.floor(b / bucketMs) * bucketMs;
      let m = next.get(nb);
      if (m === undefined) next.set(nb, (m = new Map()));
      for (const [k, n] of counts) bump(m, k, n);
    }
    this.buckets = next;
  }

  /**
   * Folds `other` (input that came after this one) in. With `continuesLastFile`, other's first
   * file is the next byte range of this one's last file: they stay one file, line numbers shift.
   */
  merge(other: LogSummary, opts: { continuesLastFile?: boolean } = {}): void {
    const last = this.files[this.files.length - 1];
    let lineShift = 0;
    let continued: string | undefined;
    for (const [i, f] of other.files.entries()) {
      if (i === 0 && opts.continuesLastFile === true && last !== undefined && last.path === f.path) {
        lineShift = last.physicalLines;
        continued = f.path;
        last.lines += f.lines;
        last.parsed += f.parsed;
        last.unparsed += f.unparsed;
        last.json += f.json;
        last.legacy += f.legacy;
        last.firstTs = minTs(last.firstTs, f.firstTs);
        last.lastTs = maxTs(last.lastTs, f.lastTs);
        last.physicalLines += f.physicalLines;
        last.bytes += f.bytes;
        if (f.error !== undefined) last.error = f.error;
      } else this.files.push({ ...f });
    }
    this.current = this.files[this.files.length - 1];
    for (const [k, n] of other.severity) bump(this.severity, k, n);
    for (const [k, n] of other.component) bump(this.component, k, n);
    this.shapes.merge(other.shapes);
    this.slowCount += other.slowCount;
    this.slowTotalMs += other.slowTotalMs;
    this.opened += other.opened;
    this.closed += other.closed;
    for (const [h, s] of other.hosts) {
      const mine = this.host(h);
      mine.opened += s.opened;
      mine.closed += s.closed;
    }
    this.authOk += other.authOk;
    this.authFailed += other.authFailed;
    for (const [k, n] of other.drivers) bump(this.drivers, k, n, 256);
    for (const [k, n] of other.apps) bump(this.apps, k, n, 256);
    let fixFrom = continued !== undefined;
    for (const c of other.stateChanges) {
      const row = { ...c };
      // A range starts without knowing the node's state: the previous range knows it.
      if (fixFrom && row.file === continued && row.from === null) {
        const prev = [...this.stateChanges].reverse().find((p) => p.file === continued);
        if (prev !== undefined) row.from = prev.to;
      }
      if (row.file === continued) fixFrom = false;
      if (this.stateChanges.length < MAX_STATE_CHANGES) this.stateChanges.push(row);
      else this.stateChangesDropped++;
    }
    this.stateChangesDropped += other.stateChangesDropped;
    for (const s of other.unparsedSamples) {
      if (this.unparsedSamples.length >= MAX_UNPARSED_SAMPLES) break;
      this.unparsedSamples.push(s.file === continued ? { ...s, line: s.line + lineShift } : s);
    }
    if (this.buckets !== null && other.buckets !== null) {
      if (other.bucketMs > this.bucketMs) this.widen(other.bucketMs);
      for (const [b, counts] of other.buckets) {
        const at = Math.floor(b / this.bucketMs) * this.bucketMs;
        for (const [k, n] of counts) this.bucket(at, k, n);
      }
    }
  }

  toJSON(): SummaryJSON {
    return {
      version: 1,
      files: this.files.map((f) => ({ ...f })),
      severity: [...this.severity],
      component: [...this.component],
      shapes: this.shapes.toJSON(),
      slowCount: this.slowCount,
      slowTotalMs: this.slowTotalMs,
      opened: this.opened,
      closed: this.closed,
      hosts: [...this.hosts].map(([h, s]) => [h, { ...s }]),
      authOk: this.authOk,
      authFailed: this.authFailed,
      drivers: [...this.drivers],
      apps: [...this.apps],
      stateChanges: this.stateChanges.slice(),
      stateChangesDropped: this.stateChangesDropped,
      unparsedSamples: this.unparsedSamples.slice(),
      bucketMs: this.bucketMs,
      buckets: this.buckets === null ? null : [...this.buckets].map(([b, m]) => [b, [...m]]),
    };
  }

  /** Rebuilds a summary a worker sent back. */
  static fromJSON(j: SummaryJSON, opts: SummaryOptions = {}): LogSummary {
    if (j === null || typeof j !== 'object' || j.version !== 1 || !Array.isArray(j.files)) throw new BaleenError('E_PARSE', 'invalid log summary');
    const s = new LogSummary({ ...opts, timeline: j.buckets !== null });
    s.files.push(...j.files);
    s.current = s.files[s.files.length - 1];
    for (const [k, n] of j.severity) s.severity.set(k, n);
    for (const [k, n] of j.component) s.component.set(k, n);
    s.shapes.merge(ShapeStatsTable.fromJSON(j.shapes));
    s.slowCount = j.slowCount;
    s.slowTotalMs = j.slowTotalMs;
    s.opened = j.opened;
    s.closed = j.closed;
    for (const [h, st] of j.hosts) s.hosts.set(h, { ...st });
    s.authOk = j.authOk;
    s.authFailed = j.authFailed;
    for (const [k, n] of j.drivers) s.drivers.set(k, n);
    for (const [k, n] of j.apps) s.apps.set(k, n);
    s.stateChanges = j.stateChanges.slice();
    s.stateChangesDropped = j.stateChangesDropped;
    s.unparsedSamples = j.unparsedSamples.slice();
    s.bucketMs = j.bucketMs;
    if (j.buckets !== null) s.buckets = new Map(j.buckets.map(([b, m]) => [b, new Map(m)]));
    return s;
  }

  /** The report `baleen logs analyze --json` prints; `top` limits the shape list. */
  report(opts: { top?: number; skipped?: { path: string; reason: string }[] } = {}): LogAnalysisReport {
    let lines = 0;
    let parsed = 0;
    let unparsed = 0;
    let json = 0;
    let legacy = 0;
    let first: number | null = null;
    let last: number | null = null;
    for (const f of this.files) {
      lines += f.lines;
      parsed += f.parsed;
      unparsed += f.unparsed;
      json += f.json;
      legacy += f.legacy;
      first = minTs(first, f.firstTs);
      last = maxTs(last, f.lastTs);
    }
    const topClients = [...this.hosts]
      .sort((a, b) => b[1].opened - a[1].opened || b[1].closed - a[1].closed || (a[0] < b[0] ? -1 : 1))
      .slice(0, 20)
      .map(([host, s]) => ({ host, opened: s.opened, closed: s.closed }));
    const report: LogAnalysisReport = {
      files: this.files.map((f) => {
        const row: FileReport = {
          path: f.path,
          bytes: f.bytes,
          lines: f.lines,
          parsed: f.parsed,
          unparsed: f.unparsed,
          format: formatOf(f.json, f.legacy),
          firstTs: iso(f.firstTs),
          lastTs: iso(f.lastTs),
        };
        if (f.error !== undefined) row.error = f.error;
        return row;
      }),
      skipped: opts.skipped ?? [],
      lines,
      parsed,
      unparsed,
      format: formatOf(json, legacy),
      firstTs: iso(first),
      lastTs: iso(last),
      bySeverity: sortedCounts(this.severity),
      byComponent: sortedCounts(this.component),
      slowOps: {
        count: this.slowCount,
        totalMs: Math.round(this.slowTotalMs * 1000) / 1000,
        distinctShapes: this.shapes.size,
        quantileRelativeError: this.shapes.relativeAccuracy,
        shapes: this.shapes.summaries({ limit: opts.top }),
      },
      connections: {
        opened: this.opened,
        closed: this.closed,
        topClients,
        authSucceeded: this.authOk,
        authFailed: this.authFailed,
        drivers: [...this.drivers].sort((a, b) => b[1] - a[1]).map(([driver, count]) => ({ driver, count })),
        apps: [...this.apps].sort((a, b) => b[1] - a[1]).map(([appName, count]) => ({ appName, count })),
      },
      stateChanges: this.stateChanges.map((c) => ({ ts: iso(c.ts), from: c.from, to: c.to, file: c.file })),
      unparsedSamples: this.unparsedSamples.slice(),
    };
    if (this.stateChangesDropped > 0) report.stateChangesDropped = this.stateChangesDropped;
    if (this.buckets !== null) {
      report.timeline = {
        bucketMs: this.bucketMs,
        buckets: [...this.buckets].sort((a, b) => a[0] - b[0]).map(([t, m]) => ({ ts: new Date(t).toISOString(), counts: Object.fromEntries(m) })),
      };
    }
    return report;
  }
}

function formatOf(json: number, legacy: number): LogFormatName {
  if (json > 0 && legacy > 0) return 'mixed';
  if (json > 0) return 'json';
  if (legacy > 0) return 'legacy';
  return 'unknown';
}

/** `unknown` only when no line at all could be read. */
export type LogFormatName = 'json' | 'legacy' | 'mixed' | 'unknown';

export interface FileReport {
  path: string;
  bytes: number;
  lines: number;
  parsed: number;
  unparsed: number;
  format: LogFormatName;
  firstTs: string | null;
  lastTs: string | null;
  error?: string;
}

export interface LogAnalysisReport {
  files: FileReport[];
  skipped: { path: string; reason: string }[];
  lines: number;
  parsed: number;
  unparsed: number;
  format: LogFormatName;
  firstTs: string | null;
  lastTs: string | null;
  bySeverity: Record<string, number>;
  byComponent: Record<string, number>;
  slowOps: {
    count: number;
    totalMs: number;
    distinctShapes: number;
    /** The p50/p95/p99 figures are within this relative error of the true quantile (DDSketch). */
    quantileRelativeError: number;
    shapes: ShapeSummary[];
  };
  connections: {
    opened: number;
    closed: number;
    topClients: { host: string; opened: number; closed: number }[];
    authSucceeded: number;
    authFailed: number;
    drivers: { driver: string; count: number }[];
    apps: { appName: string; count: number }[];
  };
  stateChanges: { ts: string | null; from: string | null; to: string; file: string }[];
  stateChangesDropped?: number;
  unparsedSamples: UnparsedSample[];
  timeline?: { bucketMs: number; buckets: { ts: string; counts: Record<string, number> }[] };
}
