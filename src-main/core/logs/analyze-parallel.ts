import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BaleenError, errorMessage, type ErrorEnvelope } from '../../../src-shared/domain/errors';
import { analyzeInto } from './analyze-input';
import type { LogInput } from './log-sources';
import { LogSummary, type SummaryJSON } from './log-summary';

/**
 * Multi-core analysis of one large uncompressed file: split it into byte ranges at line
 * boundaries, analyse each in a worker thread, merge the summaries in order (shape sketches,
 * counters and samples all merge).
 *
 * The worker runs this same module. Bundled (out/main), `import.meta.url` is the chunk holding
 * it; from sources (vitest, tsx) it is the .ts file, which a plain worker cannot load, so the
 * worker first registers tsx's loader. Spawning failures surface as errors the caller can fall
 * back from (analyse on one thread).
 */
const WORKER_KIND = 'baleen.logs.analyze-range';

interface RangeJob {
  kind: typeof WORKER_KIND;
  input: LogInput;
  range: { start: number; end: number };
  referenceYear: number | undefined;
  timeline: boolean;
}

type FromWorker = { type: 'progress'; bytes: number } | { type: 'done'; summary: SummaryJSON } | { type: 'error'; error: ErrorEnvelope };

if (!isMainThread && (workerData as Partial<RangeJob> | null)?.kind === WORKER_KIND) {
  void serve(workerData as RangeJob);
}

async function serve(job: RangeJob): Promise<void> {
  const port = parentPort!;
  const ac = new AbortController();
  port.on('message', (m: unknown) => {
    if ((m as { type?: string } | null)?.type === 'abort') ac.abort();
  });
  let last = 0;
  try {
    const summary = new LogSummary({ timeline: job.timeline });
    await analyzeInto(
      summary,
      job.input,
      {
        signal: ac.signal,
        referenceYear: job.referenceYear,
        onBytes: (n) => {
          if (n - last >= 8 * 1024 * 1024) {
            port.postMessage({ type: 'progress', bytes: n - last } satisfies FromWorker);
            last = n;
          }
        },
      },
      job.range,
    );
    port.postMessage({ type: 'progress', bytes: job.range.end - job.range.start - last } satisfies FromWorker);
    port.postMessage({ type: 'done', summary: summary.toJSON() } satisfies FromWorker);
  } catch (e) {
    const error = e instanceof BaleenError ? e.toEnvelope() : { code: 'E_INTERNAL' as const, message: errorMessage(e) };
    port.postMessage({ type: 'error', error } satisfies FromWorker);
  } finally {
    port.close();
  }
}

/** Byte ranges of about equal size, each starting at a line start. */
export async function splitRanges(file: string, size: number, parts: number): Promise<{ start: number; end: number }[]> {
  const cuts = [0];
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    for (let k = 1; k < parts; k++) {
      let pos = Math.max(Math.floor((size * k) / parts), cuts[cuts.length - 1]!);
      let cut = -1;
      while (pos < size) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        const nl = buf.subarray(0, bytesRead).indexOf(10);
        if (nl >= 0) {
          cut = pos + nl + 1;
          break;
        }
        pos += bytesRead;
      }
      if (cut < 0 || cut >= size) break;
      if (cut > cuts[cuts.length - 1]!) cuts.push(cut);
    }
  } finally {
    await fh.close();
  }
  cuts.push(size);
  const ranges: { start: number; end: number }[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) if (cuts[i + 1]! > cuts[i]!) ranges.push({ start: cuts[i]!, end: cuts[i + 1]! });
  return ranges;
}

function spawn(job: RangeJob): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    const tsxApi = pathToFileURL(tsxEsmApi(self)).href;
    // A fixed bootstrap (no user input): register the TypeScript loader, then load this module.
    const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => (m.register ?? m.default.register)()).then(() => import(${JSON.stringify(self)}))`;
    return new Worker(bootstrap, { eval: true, workerData: job });
  }
  return new Worker(new URL(self), { workerData: job });
}

/** tsx's ESM register API (the `import` condition of `tsx/esm/api`, which require.resolve cannot pick). */
function tsxEsmApi(from: string): string {
  const req = createRequire(from);
  const pkgPath = req.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
  const rel = pkg.exports?.['./esm/api']?.import?.default;
  if (rel === undefined) throw new BaleenError('E_UNSUPPORTED', 'tsx has no ESM register API: run the built CLI instead');
  return join(dirname(pkgPath), rel);
}

export interface ParallelOptions {
  threads: number;
  signal?: AbortSignal;
  referenceYear?: number;
  timeline?: boolean;
  onBytes?: (bytesDone: number) => void;
}

/** Analyses `input` (a plain file) on `threads` workers; resolves to the merged summary. */
export async function analyzeParallel(input: LogInput, opts: ParallelOptions): Promise<LogSummary> {
  if (input.container !== 'plain') throw new BaleenError('E_INVALID_INPUT', 'only uncompressed files can be split across threads');
  const ranges = await splitRanges(input.file, input.size, Math.max(1, opts.threads));
  if (ranges.length === 0) throw new BaleenError('E_INVALID_INPUT', 'nothing to split: the file is empty');
  let done = 0;
  const workers: Worker[] = [];
  const onAbort = () => {
    for (const w of workers) w.postMessage({ type: 'abort' });
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const results = await Promise.all(
      ranges.map(
        (range) =>
          new Promise<SummaryJSON>((resolve, reject) => {
            let w: Worker;
            try {
              w = spawn({ kind: WORKER_KIND, input, range, referenceYear: opts.referenceYear, timeline: opts.timeline ?? false });
            } catch (e) {
              reject(new BaleenError('E_INTERNAL', `cannot start a log worker: ${errorMessage(e)}`));
              return;
            }
            workers.push(w);
            let settled = false;
            w.on('message', (m: FromWorker) => {
              if (m.type === 'progress') {
                done += m.bytes;
                opts.onBytes?.(done);
              } else if (m.type === 'done') {
                settled = true;
                resolve(m.summary);
              } else {
                settled = true;
                reject(BaleenError.fromEnvelope(m.error));
              }
            });
            w.on('error', (e) => {
              if (!settled) reject(new BaleenError('E_INTERNAL', `log worker failed: ${errorMessage(e)}`));
              settled = true;
            });
            w.on('exit', (code) => {
              if (!settled) reject(new BaleenError('E_INTERNAL', `log worker exited (${code}) without a result`));
              settled = true;
            });
          }),
      ),
    );
    const merged = LogSummary.fromJSON(results[0]!, { timeline: opts.timeline });
    for (let i = 1; i < results.length; i++) merged.merge(LogSummary.fromJSON(results[i]!, { timeline: opts.timeline }), { continuesLastFile: true });
    return merged;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
