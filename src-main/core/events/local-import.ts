import { basename } from 'node:path';
import { BaleenError } from '../../../src-shared/domain/errors';
import { readLogEvents, type LogInput } from '../logs';
import type { EventStore } from './event.store';

export interface LocalImportProgress {
  path: string;
  fileIndex: number;
  fileCount: number;
  /** Bytes of this input consumed (compressed bytes for .gz) and its size. */
  bytesDone: number;
  bytesTotal: number;
  events: number;
}

export interface LocalImportOptions {
  nodeId?: string | null;
  signal?: AbortSignal;
  /** Records per transaction (default 5,000). */
  batchSize?: number;
  onProgress?: (p: LocalImportProgress) => void;
}

/**
 * Reads local inputs (files, folders' members, archives) into a source, one transaction per batch.
 * A file that fails part-way (corrupt gzip, truncated archive) keeps what was read and records why;
 * cancellation stops between batches and keeps what was committed.
 */
export async function importInputs(store: EventStore, sourceId: number, inputs: readonly LogInput[], o: LocalImportOptions = {}): Promise<{ events: number; unparsed: number; ops: number }> {
  const w = store.openWriter(sourceId, { nodeId: o.nodeId ?? null });
  const batchSize = o.batchSize ?? 5000;
  for (const [fileIndex, input] of inputs.entries()) {
    let open = false;
    let lastFileId: number | undefined;
    let bytesDone = 0;
    for await (const batch of readLogEvents(input, { signal: o.signal, batchSize, onBytes: (b) => (bytesDone = b) })) {
      if (o.signal?.aborted) throw new BaleenError('E_CANCELLED', 'The log import was cancelled; what was read so far is kept.');
      if (batch.error !== undefined) {
        if (open) w.fileError(batch.error);
        else if (lastFileId !== undefined) store.db.prepare('UPDATE files SET error = ? WHERE id = ?').run(batch.error, lastFileId);
        else {
          w.beginFile(batch.path);
          w.endFile({ physicalLines: 0, bytes: 0, error: batch.error });
        }
        continue;
      }
      if (!open) {
        lastFileId = w.beginFile(batch.path);
        open = true;
      }
      w.write(batch.records, { bytes: batch.fileDone?.bytes ?? 0 });
      if (batch.fileDone) {
        w.endFile(batch.fileDone);
        open = false;
      }
      o.onProgress?.({ path: input.path || basename(input.file), fileIndex, fileCount: inputs.length, bytesDone, bytesTotal: input.size, events: w.written.events });
    }
    if (open) w.endFile({ physicalLines: 0, bytes: 0 });
  }
  return w.written;
}
