import type { ReadOptions } from './analyze-input';
import { LineSplitter } from './line-splitter';
import type { LogEvent, UnparsedLine } from './log-event';
import { LogFileReader } from './log-reader';
import { readInput, type LogInput } from './log-sources';
import { ShapeCache } from './shape-cache';

/** One batch for a store writer: events and unparsed lines of one file, in file order. */
export interface LogEventBatch {
  /** The file (or archive member) the records come from. */
  path: string;
  records: (LogEvent | UnparsedLine)[];
  /** Set on the last batch of a file: its line count (blank lines included) and bytes. */
  fileDone?: { physicalLines: number; bytes: number };
  /** Reading stopped early (corrupt gzip, truncated archive): everything before is in the batches. */
  error?: string;
}

/**
 * The parsed records of one input, in batches of up to `batchSize` (a store writer inserts each
 * in one transaction). Batches are handed out as chunks are read, so memory holds one chunk and
 * its batches whatever the file size, and the reader goes at the consumer's pace.
 */
export async function* readLogEvents(input: LogInput, opts: ReadOptions & { batchSize?: number } = {}): AsyncGenerator<LogEventBatch> {
  const batchSize = opts.batchSize ?? 1000;
  const referenceYear = opts.referenceYear ?? new Date(input.mtimeMs).getUTCFullYear();
  const shapeCache = new ShapeCache();
  const ready: LogEventBatch[] = [];
  let current: LogEventBatch | undefined;
  let splitter: LineSplitter | undefined;
  let bytes = 0;
  const push = (r: LogEvent | UnparsedLine): void => {
    if (current === undefined) return;
    current.records.push(r);
    if (current.records.length >= batchSize) {
      ready.push(current);
      current = { path: current.path, records: [] };
    }
  };
  const consumer = { event: push, unparsed: push };
  for await (const piece of readInput(input, opts.signal)) {
    switch (piece.type) {
      case 'begin':
        current = { path: piece.path, records: [] };
        splitter = new LineSplitter(new LogFileReader(consumer, { referenceYear, shapeCache }));
        bytes = 0;
        break;
      case 'data':
        splitter?.push(piece.chunk);
        bytes += piece.chunk.length;
        opts.onBytes?.(piece.rawBytesRead);
        break;
      case 'end':
        if (splitter !== undefined && current !== undefined) {
          splitter.end();
          current.fileDone = { physicalLines: splitter.physicalLines, bytes };
          ready.push(current);
        }
        current = undefined;
        splitter = undefined;
        break;
      case 'error':
        ready.push({ path: current?.path ?? input.path, records: [], error: piece.message });
        break;
    }
    while (ready.length > 0) yield ready.shift()!;
  }
}
