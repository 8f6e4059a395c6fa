import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BaleenError, errorMessage, type ErrorEnvelope } from '../../../src-shared/domain/errors';
import { analyzeInto, sniffNode } from './analyze-input';
import type { LogInput } from './log-sources';
import { LogSummary, type SummaryJSON } from './log-summary';

/**
 * Multi-core analysis of one large uncompressed file. The file is cut into byte ranges at line
 * boundaries; this thread and `threads - 1` workers take ranges from a queue (so a worker that
 * starts late, or a core another process is using, just takes fewer), and the range summaries
 * are merged in file order (shape sketches, counters and samples all merge).
 *
 * The worker runs this same module. Bundled (out/main), `import.meta.url` is the chunk holding
 * it; from sources (vitest, tsx) it is the .ts file, which a plain worker cannot load, so the
 * worker first registers tsx's loader. A worker that cannot start is an error the caller can fall
 * back from (one thread).
 */
const WORKER_KIND = 'baleen.logs.analyze-range';
/** Ranges this size keep every thread busy to the end without much merging. */
const RANGE_BYTES = 8 * 1024 * 1024;

interface WorkerSetup {
  kind: typeof WORKER_KIND;
  input: LogInput;
  referenceYear: number | undefined;
  node: string | undefined;
  timeline: boolean;
}

type ToWorker = { type: 'job'; index: number; range: { start: number; end: number } } | { type: 'abort' };
type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; bytes: number }
  | { type: 'done'; index: number; summary: SummaryJSON }
  | { type: 'error'; error: ErrorEnvelope };

if (!isMainThread && (workerData as Partial<WorkerSetup> | null)?.kind === WORKER_KIND) serve(workerData as WorkerSetup);

function serve(setup: WorkerSetup): void {
  const port = parentPort!;
  const ac = new AbortController();
  const post = (m: FromWorker) => port.postMessage(m);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') {
      ac.abort();
      port.close();
      return;
    }
    void runRange(setup, m.index, m.range, ac.signal, post).catch((e: unknown) => {
      post({ type: 'error', error: e instanceof BaleenError ? e.toEnvelope() : { code: 'E_INTERNAL', message: errorMessage(e) } });
    });
  });
  post({ type: 'ready' });
}

async function runRange(setup: WorkerSetup, index: number, range: { start: number; end: number }, signal: AbortSignal, post: (m: FromWorker) => void): Promise<void> {
  const summary = new LogSummary({ timeline: setup.timeline });
  let reported = 0;
  await analyzeInto(summary, setup.input, {
    signal,
    referenceYear: setup.referenceYear,
    node: range.start === 0 ? undefined : setup.node,
    onBytes: (n) => {
      if (n - reported >= 8 * 1024 * 1024) {
        post({ type: 'progress', bytes: n - reported });
        reported = n;
      }
    },
  }, range);
  post({ type: 'progress', bytes: range.end - range.start - reported });
  post({ type: 'done', index, summary: summary.toJSON() });
}

/** Byte ranges of about `rangeBytes` (at least `minParts` of them), each starting at a line start. */
export async function splitRanges(file: string, size: number, minParts: number, rangeBytes = RANGE_BYTES): Promise<{ start: number; end: number }[]> {
  const parts = Math.max(1, minParts, Math.ceil(size / rangeBytes));
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

/** tsx's ESM register API (the `import` condition of `tsx/esm/api`, which require.resolve cannot pick). */
function tsxEsmApi(from: string): string {
  const req = createRequire(from);
  const pkgPath = req.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
  const rel = pkg.exports?.['./esm/api']?.import?.default;
  if (rel === undefined) throw new BaleenError('E_UNSUPPORTED', 'tsx has no ESM register API: run the built CLI instead');
  return join(dirname(pkgPath), rel);
}

/**
 * Starts a worker running the module at `moduleUrl` (this file's `import.meta.url` style). From
 * TypeScript sources (vitest, tsx) a plain worker cannot load .ts, so it first registers tsx's
 * loader through a fixed bootstrap (no user input in it); bundled .js loads directly.
 */
export function startModuleWorker(moduleUrl: string, data: unknown): Worker {
  if (moduleUrl.endsWith('.ts')) {
    const tsxApi = pathToFileURL(tsxEsmApi(moduleUrl)).href;
    const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => (m.register ?? m.default.register)()).then(() => import(${JSON.stringify(moduleUrl)}))`;
    return new Worker(bootstrap, { eval: true, workerData: data });
  }
  return new Worker(new URL(moduleUrl), { workerData: data });
}

function spawn(setup: WorkerSetup): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) {
    // Bundled: prefer the small dedicated entry next to the entries (out/main/logs-worker.js) over
    // the chunk holding this code, which may carry the whole CLI.
    for (const rel of ['./logs-worker.js', '../logs-worker.js']) {
      const candidate = new URL(rel, self);
      if (candidate.href !== self && existsSync(fileURLToPath(candidate))) return new Worker(candidate, { workerData: setup });
    }
  }
  return startModuleWorker(self, setup);
}

export interface ParallelOptions {
  /** Threads in all, this one included. */
  threads: number;
  signal?: AbortSignal;
  referenceYear?: number;
  timeline?: boolean;
  onBytes?: (bytesDone: number) => void;
  /** Range size (tests use small ones). */
  rangeBytes?: number;
  /** Whether this thread takes ranges too (default true; tests turn it off to make workers work). */
  useThisThread?: boolean;
  /** Called as each range is done, with who did it. */
  onRange?: (index: number, by: 'this-thread' | 'worker') => void;
}

/** Analyses `input` (a plain file) on `threads` threads; resolves to the merged summary. */
export async function analyzeParallel(input: LogInput, opts: ParallelOptions): Promise<LogSummary> {
  if (input.container !== 'plain') throw new BaleenError('E_INVALID_INPUT', 'only uncompressed files can be split across threads');
  const threads = Math.max(1, Math.floor(opts.threads));
  const ranges = await splitRanges(input.file, input.size, threads, opts.rangeBytes);
  if (ranges.length === 0) throw new BaleenError('E_INVALID_INPUT', 'nothing to split: the file is empty');
  // Ranges past the start have not seen the start-up line that names the node: tell them.
  const node = await sniffNode(input.file);
  const setup: WorkerSetup = { kind: WORKER_KIND, input, referenceYear: opts.referenceYear, node, timeline: opts.timeline ?? false };
  const results: (LogSummary | undefined)[] = new Array<LogSummary | undefined>(ranges.length);
  let next = 0;
  let bytesDone = 0;
  const progress = (n: number) => {
    bytesDone += n;
    opts.onBytes?.(bytesDone);
  };
  const take = (): number | undefined => (next < ranges.length ? next++ : undefined);

  const workers: Worker[] = [];
  let failure: BaleenError | undefined;
  const fail = (e: BaleenError) => {
    failure ??= e;
    for (const w of workers) w.postMessage({ type: 'abort' } satisfies ToWorker);
  };
  const onAbort = () => fail(new BaleenError('E_CANCELLED', 'log analysis cancelled'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const workerDone = (w: Worker) =>
    new Promise<void>((resolve) => {
      let settled = false;
      const finish = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const give = () => {
        const i = failure === undefined ? take() : undefined;
        if (i === undefined) {
          w.postMessage({ type: 'abort' } satisfies ToWorker);
          finish();
        } else w.postMessage({ type: 'job', index: i, range: ranges[i]! } satisfies ToWorker);
      };
      w.on('message', (m: FromWorker) => {
        if (m.type === 'ready') give();
        else if (m.type === 'progress') progress(m.bytes);
        else if (m.type === 'done') {
          try {
            results[m.index] = LogSummary.fromJSON(m.summary, { timeline: opts.timeline });
            opts.onRange?.(m.index, 'worker');
          } catch (e) {
            fail(e instanceof BaleenError ? e : new BaleenError('E_INTERNAL', errorMessage(e)));
          }
          give();
        } else {
          fail(BaleenError.fromEnvelope(m.error));
          finish();
        }
      });
      w.on('error', (e) => {
        fail(new BaleenError('E_INTERNAL', `log worker failed: ${errorMessage(e)}`));
        finish();
      });
      w.on('exit', (code) => {
        if (!settled && code !== 0) fail(new BaleenError('E_INTERNAL', `log worker exited (${code}) before finishing`));
        finish();
      });
    });

  try {
    const waits: Promise<void>[] = [];
    const useThis = opts.useThisThread ?? true;
    for (let t = useThis ? 1 : 0; t < threads && t < ranges.length; t++) {
      let w: Worker;
      try {
        w = spawn(setup);
      } catch (e) {
        fail(new BaleenError('E_INTERNAL', `cannot start a log worker: ${errorMessage(e)}`));
        break;
      }
      workers.push(w);
      waits.push(workerDone(w));
    }
    // This thread works the queue too: it needs no start-up, and is idle otherwise.
    for (let i = useThis ? take() : undefined; i !== undefined && failure === undefined; i = take()) {
      const summary = new LogSummary({ timeline: opts.timeline });
      let seen = 0;
      const onBytes = (n: number) => {
        progress(n - seen);
        seen = n;
      };
      await analyzeInto(summary, input, { signal: opts.signal, referenceYear: opts.referenceYear, node: i === 0 ? undefined : node, onBytes }, ranges[i]);
      results[i] = summary;
      opts.onRange?.(i, 'this-thread');
    }
    await Promise.all(waits);
    if (failure !== undefined) throw failure;
    const merged = results[0]!;
    for (let i = 1; i < results.length; i++) {
      const part = results[i];
      if (part === undefined) throw new BaleenError('E_INTERNAL', `range ${i} of ${input.path} was not analysed`);
      merged.merge(part, { continuesLastFile: true });
    }
    return merged;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
