import { LegacyParser } from './legacy.parser';
import type { LineSink } from './line-splitter';
import type { LogEvent, UnparsedLine, UnparsedReason } from './log-event';
import { Logv2Parser } from './logv2.parser';
import { ShapeCache } from './shape-cache';

/** Where a file's events go: the summary, a store writer's batch, a test. */
export interface LogEventConsumer {
  event(e: LogEvent): void;
  unparsed(u: UnparsedLine): void;
}

export interface LogReaderOptions {
  /** Year ctime timestamps (no year of their own) are resolved against: the file's mtime year. */
  referenceYear?: number;
  shapeCache?: ShapeCache;
  /** The node the lines come from until a start-up line says (a byte range past the file's start). */
  node?: string;
}

interface Session {
  remote?: string;
  appName?: string;
  user?: string;
}

/** Connections left open in a log (no "end connection") are forgotten past this many. */
const MAX_SESSIONS = 100_000;

/**
 * Turns one file's lines into events: picks the parser per line (a file may switch format
 * across an upgrade), and follows connections (`conn<N>`: accepted, metadata, auth, end) so slow
 * operations get the app name, user and client their own line leaves out.
 */
export class LogFileReader implements LineSink {
  private readonly v2: Logv2Parser;
  private readonly legacy: LegacyParser;
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly consumer: LogEventConsumer,
    opts: LogReaderOptions = {},
  ) {
    const shapeCache = opts.shapeCache ?? new ShapeCache();
    this.v2 = new Logv2Parser({ shapeCache, node: opts.node });
    this.legacy = new LegacyParser({ shapeCache, referenceYear: opts.referenceYear, node: opts.node });
  }

  line(text: string, line: number, offset: number, bytes: number): void {
    let i = 0;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    const isJson = text.charCodeAt(i) === 123;
    const r = isJson ? this.v2.parse(text, line, offset) : this.legacy.parse(text, line, offset);
    if (r.kind === 'unparsed') {
      this.consumer.unparsed({ kind: 'unparsed', line, offset, bytes, reason: r.reason, text });
      return;
    }
    this.follow(r);
    this.consumer.event(r);
  }

  oversized(line: number, offset: number, bytes: number, preview: string): void {
    this.consumer.unparsed({ kind: 'unparsed', line, offset, bytes, reason: 'oversized', text: preview });
  }

  /** Reports a line the caller could not even read as text. */
  bad(line: number, offset: number, bytes: number, reason: UnparsedReason, text: string): void {
    this.consumer.unparsed({ kind: 'unparsed', line, offset, bytes, reason, text });
  }

  private follow(e: LogEvent): void {
    switch (e.kind) {
      case 'startup': {
        const node = e.format === 'json' ? this.v2.node : this.legacy.node;
        this.v2.node = node;
        this.legacy.node = node;
        return;
      }
      case 'connAccepted':
        if (e.conn.id !== undefined) {
          if (this.sessions.size >= MAX_SESSIONS) {
            const oldest = this.sessions.keys().next().value;
            if (oldest !== undefined) this.sessions.delete(oldest);
          }
          this.sessions.set(e.conn.id, { remote: e.conn.remote });
        }
        return;
      case 'clientMetadata': {
        const s = e.conn.id === undefined ? undefined : this.sessions.get(e.conn.id);
        if (s !== undefined && e.client.appName !== undefined) s.appName = e.client.appName;
        return;
      }
      case 'auth': {
        const s = e.conn.id === undefined ? undefined : this.sessions.get(e.conn.id);
        if (s !== undefined && e.auth.ok && e.auth.user !== undefined) s.user = e.auth.db !== undefined ? `${e.auth.user}@${e.auth.db}` : e.auth.user;
        return;
      }
      case 'connEnded':
        if (e.conn.id !== undefined) this.sessions.delete(e.conn.id);
        return;
      case 'slowOp': {
        const op = e.op;
        const s = op.connection === undefined ? undefined : this.sessions.get(op.connection);
        if (s === undefined) return;
        if (op.appName === undefined && s.appName !== undefined) op.appName = s.appName;
        if (op.user === undefined && s.user !== undefined) op.user = s.user;
        if (op.client === undefined && s.remote !== undefined) op.client = s.remote;
        return;
      }
      default:
        return;
    }
  }
}
