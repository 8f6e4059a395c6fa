import { BaleenError } from '../../../src-shared/domain/errors';
import { analyzeInto } from './analyze-input';
import { analyzeParallel } from './analyze-parallel';
import { expandInputs, type LogInput, type SkippedInput } from './log-sources';
import { LogSummary, type LogAnalysisReport } from './log-summary';

export interface AnalyzeProgress {
  path: string;
  /** Bytes of this input consumed (compressed bytes for .gz). */
  bytesDone: number;
  bytesTotal: number;
  fileIndex: number;
  fileCount: number;
}

export interface AnalyzeOptions {
  /** Resolves relative paths. */
  cwd: string;
  signal?: AbortSignal;
  /** Worker threads for large uncompressed files; 1 keeps everything on this thread. */
  threads?: number;
  /** Files smaller than this are not worth splitting (worker start-up costs ~50–200 ms). */
  splitMinBytes?: number;
  timeline?: boolean;
  referenceYear?: number;
  onProgress?: (p: AnalyzeProgress) => void;
  /** Called when a parallel run fell back to one thread, with why. */
  onFallback?: (reason: string) => void;
}

export interface LogAnalysis {
  summary: LogSummary;
  inputs: LogInput[];
  skipped: SkippedInput[];
  /** Threads actually used for the largest input. */
  threadsUsed: number;
  report(opts?: { top?: number }): LogAnalysisReport;
}

const DEFAULT_SPLIT_MIN = 32 * 1024 * 1024;

/** Analyses files and folders into one merged summary. */
export async function analyzeLogs(paths: string[], opts: AnalyzeOptions): Promise<LogAnalysis> {
  if (paths.length === 0) throw new BaleenError('E_INVALID_INPUT', 'no log file or folder given');
  const { inputs, skipped } = await expandInputs(paths, opts.cwd);
  const summary = new LogSummary({ timeline: opts.timeline });
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  let threadsUsed = 1;
  for (const [index, input] of inputs.entries()) {
    if (opts.signal?.aborted) throw new BaleenError('E_CANCELLED', 'log analysis cancelled');
    const progress = (bytesDone: number) =>
      opts.onProgress?.({ path: input.path, bytesDone: Math.min(bytesDone, input.size), bytesTotal: input.size, fileIndex: index, fileCount: inputs.length });
    if (threads > 1 && input.container === 'plain' && input.size >= (opts.splitMinBytes ?? DEFAULT_SPLIT_MIN)) {
      try {
        const part = await analyzeParallel(input, { threads, signal: opts.signal, referenceYear: opts.referenceYear, timeline: opts.timeline, onBytes: progress });
        summary.merge(part);
        threadsUsed = Math.max(threadsUsed, threads);
        continue;
      } catch (e) {
        if (e instanceof BaleenError && e.code === 'E_CANCELLED') throw e;
        opts.onFallback?.(e instanceof Error ? e.message : String(e));
      }
    }
    await analyzeInto(summary, input, { signal: opts.signal, referenceYear: opts.referenceYear, onBytes: progress });
  }
  return {
    summary,
    inputs,
    skipped,
    threadsUsed,
    report: (o = {}) => summary.report({ top: o.top, skipped }),
  };
}
