import { BaleenError } from '../../../src-shared/domain/errors';
import { LogFileReader, type LogEvent, type UnparsedLine } from '../logs';
import type { Clock } from '../ports/clock';
import type { EventStore } from './event.store';
import { FollowedSource } from './followed-source';
import type { EventWriter } from './event-writer';

/**
 * Follows a node's log through `getLog` where there is no SSH to its host. The server keeps only the
 * newest 1,024 lines in memory, so each poll takes the lines written since the previous one — known
 * from `totalLinesWritten` — and when more were written than the ring holds, records how many were
 * missed (a gap event with the count). A restart (the total going down, or the line last seen no
 * longer where it should be) starts a new file.
 */
export interface GetLogPort {
  /** Runs `{getLog: name}` on the node; rejects with a typed BaleenError. */
  getLog(name: 'global' | 'startupWarnings', signal: AbortSignal): Promise<unknown>;
}

export interface GetLogCursor {
  total: number;
  /** The newest line taken, to recognise the same process on the next poll. */
  last: string | null;
  fileId: number;
  /** Incarnations seen (a restart starts a new file). */
  incarnation: number;
}

export interface PollResult {
  lines: number;
  missed: number;
  restarted: boolean;
}

const MAX_RING = 100_000;

function parseReply(reply: unknown): { total: number; lines: string[] } {
  if (typeof reply !== 'object' || reply === null) throw new BaleenError('E_PARSE', 'getLog answered with something that is not a document.');
  const r = reply as { totalLinesWritten?: unknown; log?: unknown };
  const rawTotal = r.totalLinesWritten;
  const total =
    typeof rawTotal === 'number'
      ? rawTotal
      : typeof rawTotal === 'bigint'
        ? Number(rawTotal)
        : typeof rawTotal === 'object' && rawTotal !== null && typeof (rawTotal as { toNumber?: unknown }).toNumber === 'function'
          ? (rawTotal as { toNumber(): number }).toNumber()
          : NaN;
  if (!Number.isSafeInteger(total) || total < 0) throw new BaleenError('E_PARSE', 'getLog answered without a valid totalLinesWritten.');
  if (!Array.isArray(r.log) || r.log.length > MAX_RING) throw new BaleenError('E_PARSE', 'getLog answered without a valid log array.');
  const lines = r.log.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)));
  return { total, lines };
}

export class GetLogPoller extends FollowedSource<PollResult> {
  private cursor: GetLogCursor | null;
  private readonly writer: EventWriter;

  constructor(
    private readonly o: {
      store: EventStore;
      sourceId: number;
      nodeId: string;
      port: GetLogPort;
      clock: Clock;
      intervalMs: number;
      /** After each poll (ok or failed): the source's state changed. */
      onChange?: () => void;
    },
  ) {
    super(o, 'getLog polling stopped.');
    const rec = o.store.requireSource(o.sourceId);
    this.writer = o.store.openWriter(o.sourceId, { nodeId: o.nodeId });
    const c = rec.cursor as Partial<GetLogCursor> | null;
    this.cursor = c && typeof c.total === 'number' && typeof c.fileId === 'number' ? { total: c.total, last: typeof c.last === 'string' ? c.last : null, fileId: c.fileId, incarnation: c.incarnation ?? 1 } : null;
    if (this.cursor) this.writer.resumeFile(this.cursor.fileId, this.label(this.cursor.incarnation), rec.info.lastTs);
  }

  private label(incarnation: number): string {
    return incarnation <= 1 ? 'getLog global' : `getLog global (after restart ${incarnation - 1})`;
  }

  /** One poll: the lines written since the last one, and a gap event when the ring lost some. */
  protected async poll(signal: AbortSignal): Promise<PollResult> {
    const { total, lines } = parseReply(await this.o.port.getLog('global', signal));
    const prev = this.cursor;
    let restarted = false;
    let take: number;
    let missed = 0;
    if (prev === null) {
      take = lines.length;
    } else {
      const delta = total - prev.total;
      // Same process: the line last taken sits `delta` lines from the end (when still in the ring).
      const at = lines.length - 1 - delta;
      const same = delta >= 0 && (prev.last === null || at < 0 || lines[at] === prev.last);
      if (!same) {
        restarted = true;
        take = lines.length;
        missed = Math.max(0, total - lines.length);
      } else {
        take = Math.min(delta, lines.length);
        missed = delta - take;
      }
    }
    if (restarted || prev === null) {
      const incarnation = (prev?.incarnation ?? 0) + 1;
      const fileId = this.writer.beginFile(this.label(incarnation));
      this.cursor = { total: prev?.total ?? 0, last: prev?.last ?? null, fileId, incarnation };
    }
    const cur = this.cursor!;
    const taken = lines.slice(lines.length - take);
    const records: (LogEvent | UnparsedLine)[] = [];
    const reader = new LogFileReader({ event: (e) => records.push(e), unparsed: (u) => records.push(u) }, { node: this.o.nodeId });
    const firstLineNo = total - take + 1;
    taken.forEach((text, i) => reader.line(text, firstLineNo + i, 0, Buffer.byteLength(text)));
    if (restarted || prev === null) {
      // Start-up warnings the ring no longer holds are still worth having.
      const warnings = await this.o.port.getLog('startupWarnings', signal).then(parseReply, () => null);
      if (warnings !== null) {
        const have = new Set(taken);
        const extra: (LogEvent | UnparsedLine)[] = [];
        const wr = new LogFileReader({ event: (e) => extra.push(e), unparsed: (u) => extra.push(u) }, { node: this.o.nodeId });
        warnings.lines.filter((l) => !have.has(l)).forEach((text) => wr.line(text, 0, 0, Buffer.byteLength(text)));
        records.unshift(...extra);
      }
    }
    const next: GetLogCursor = { total, last: lines.length > 0 ? lines[lines.length - 1]! : cur.last, fileId: cur.fileId, incarnation: cur.incarnation };
    if (missed > 0) {
      const firstTs = records.find((r): r is LogEvent => r.kind !== 'unparsed' && r.ts !== null)?.ts ?? this.o.clock.now();
      const why = restarted
        ? `${missed} log line(s) written since the node restarted were no longer in getLog's ring (it keeps the last 1,024)`
        : `${missed} log line(s) were missed between two getLog polls (the ring keeps the last 1,024); poll more often or follow the file over SSH`;
      this.writer.gap(firstTs - 1, missed, why);
    }
    this.writer.write(records, { bytes: taken.reduce((a, l) => a + Buffer.byteLength(l) + 1, 0), cursor: next });
    this.cursor = next;
    return { lines: take, missed, restarted };
  }
}
