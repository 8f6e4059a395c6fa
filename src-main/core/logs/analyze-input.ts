import { open } from 'node:fs/promises';
import { LineSplitter } from './line-splitter';
import { LogFileReader, type LogEventConsumer } from './log-reader';
import { readInput, type LogInput } from './log-sources';
import type { LogSummary } from './log-summary';
import { ShapeCache } from './shape-cache';

export interface ReadOptions {
  signal?: AbortSignal;
  /** Overrides the year ctime timestamps are resolved against (default: the file's mtime year). */
  referenceYear?: number;
  /** The node the lines come from until a start-up line says (for byte ranges past the start). */
  node?: string;
  /** Called as raw bytes are consumed, with the bytes of this input read so far. */
  onBytes?: (rawBytesRead: number) => void;
}

/**
 * Streams one input (or a byte range of it) through the splitter and parsers into `summary`.
 * Archive members become files of their own. A read error keeps what was read and marks the file.
 */
export async function analyzeInto(summary: LogSummary, input: LogInput, opts: ReadOptions = {}, range?: { start: number; end: number }): Promise<void> {
  await streamInput(input, opts, range, {
    begin: (path) => summary.beginFile(path),
    consumer: () => summary,
    end: (physicalLines, bytes) => summary.endFile(physicalLines, bytes),
    error: (message) => summary.fileError(message),
  });
}

/**
 * The node a file's first start-up line names ("MongoDB starting": host:port), from its first
 * bytes: what ranges past the start of the file attribute their operations to.
 */
export async function sniffNode(file: string, bytes = 1024 * 1024): Promise<string | undefined> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    let node: string | undefined;
    const reader = new LogFileReader({
      event: (e) => {
        if (node === undefined && e.kind === 'startup' && e.node.host !== undefined) node = e.node.port !== undefined ? `${e.node.host}:${e.node.port}` : e.node.host;
      },
      unparsed: () => {},
    });
    const splitter = new LineSplitter(reader);
    splitter.push(buf.subarray(0, bytesRead));
    return node;
  } finally {
    await fh.close();
  }
}

export interface StreamHandlers {
  begin(path: string): void;
  consumer(): LogEventConsumer;
  end(physicalLines: number, bytes: number): void;
  error(message: string): void;
  /** After each chunk: lets a caller flush batches (store writer) or yield. */
  afterChunk?(): void | Promise<void>;
}

export async function streamInput(input: LogInput, opts: ReadOptions, range: { start: number; end: number } | undefined, h: StreamHandlers): Promise<void> {
  const referenceYear = opts.referenceYear ?? new Date(input.mtimeMs).getUTCFullYear();
  const shapeCache = new ShapeCache();
  let splitter: LineSplitter | undefined;
  let bytes = 0;
  for await (const piece of readInput(input, opts.signal, range)) {
    switch (piece.type) {
      case 'begin': {
        h.begin(piece.path);
        const reader = new LogFileReader(h.consumer(), { referenceYear, shapeCache, node: opts.node });
        splitter = new LineSplitter(reader, { firstOffset: range?.start ?? 0 });
        bytes = 0;
        break;
      }
      case 'data':
        if (splitter === undefined) break;
        splitter.push(piece.chunk);
        bytes += piece.chunk.length;
        opts.onBytes?.(piece.rawBytesRead);
        await h.afterChunk?.();
        break;
      case 'end':
        if (splitter !== undefined) {
          splitter.end();
          h.end(splitter.physicalLines, bytes);
        }
        splitter = undefined;
        break;
      case 'error':
        h.error(piece.message);
        break;
    }
  }
}
