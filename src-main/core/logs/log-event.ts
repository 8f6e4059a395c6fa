import type { Operation } from '../diagnosis';

/**
 * What the log readers emit: one typed event per non-blank line, in file order. Events are plain
 * data (structured-clone safe) so a store writer can batch them and workers can ship them.
 */
export type LogFormat = 'json' | 'legacy';

export interface LogEventBase {
  /** 1-based line number in its file (blank lines count, as an editor shows them). */
  line: number;
  /** Byte offset of the line's first byte in its (decompressed) file. */
  offset: number;
  format: LogFormat;
  /** Epoch ms; null when the line's time could not be read. */
  ts: number | null;
  /** F, E, W, I, D1..D5 (logv2), F/E/W/I/D (3.0–4.2); '-' when the format has none (2.x). */
  severity: string;
  /** NETWORK, COMMAND, ...; '-' when the format has none. */
  component: string;
  /** logv2 message id; null for legacy lines. */
  id: number | null;
  /** Thread / connection context (`conn123`, `initandlisten`); '' when absent. */
  ctx: string;
  msg: string;
  /** logv2 8.0 service (`S` shard, `R` router, `-`). */
  svc?: string;
  /** logv2 `attr` as raw JSON text (parse on demand); legacy lines have none. */
  attr?: string;
  tags?: string[];
  /** logv2 said it truncated some attributes (`truncated` / `size`). */
  truncated?: boolean;
  /** The whole line as read, for full-text search. */
  text: string;
}

export type LogEvent =
  | (LogEventBase & { kind: 'other' })
  | (LogEventBase & { kind: 'slowOp'; op: Operation })
  | (LogEventBase & { kind: 'connAccepted'; conn: ConnectionRef })
  | (LogEventBase & { kind: 'connEnded'; conn: ConnectionRef })
  | (LogEventBase & { kind: 'clientMetadata'; conn: ConnectionRef; client: ClientInfo })
  | (LogEventBase & { kind: 'auth'; conn: ConnectionRef; auth: AuthInfo })
  | (LogEventBase & { kind: 'stateChange'; from: string | null; to: string })
  | (LogEventBase & { kind: 'startup'; node: NodeInfo });

export type LogEventKind = LogEvent['kind'];

export interface ConnectionRef {
  /** `conn123`; undefined when the line does not say. */
  id?: string;
  /** Remote `ip:port`. */
  remote?: string;
}

export interface ClientInfo {
  driver?: string;
  driverVersion?: string;
  appName?: string;
  os?: string;
  platform?: string;
}

export interface AuthInfo {
  ok: boolean;
  user?: string;
  db?: string;
  mechanism?: string;
  error?: string;
}

export interface NodeInfo {
  host?: string;
  port?: number;
  version?: string;
}

/** A line that could not be read: kept (for the "could not parse" view), never dropped. */
export interface UnparsedLine {
  kind: 'unparsed';
  line: number;
  offset: number;
  /** Byte length of the line as read. */
  bytes: number;
  reason: UnparsedReason;
  /** The line (cut to a preview length for oversized lines). */
  text: string;
}

export type UnparsedReason = 'oversized' | 'bad-json' | 'no-header' | 'bad-timestamp';

/** Longest line we parse; longer ones are counted as unparsed ('oversized') and skipped. */
export const MAX_LINE_BYTES = 1024 * 1024;
