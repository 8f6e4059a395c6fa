// How far V8 lets the heap grow between full collections, for the process that runs Baleen's core.
//
// After each full GC V8 sets the next limit to a multiple of what survived, picked from how fast the
// program allocates: up to 4× on a machine with memory to spare. Baleen's main process is mostly a
// steady poller holding tens of thousands of small long-lived objects (one open chunk per series), and
// a burst — connecting 100 nodes, the minute-long sources landing together — raises the multiple and
// the heap stays up: the 100-node poller bench peaked at 280–314 MB RSS for ~85 MB live. While Baleen
// only monitors, the heap grows by STEADY_GROWING_PERCENT of what is live: the bench then peaks at
// 224–239 MB at the same CPU (13.6–13.7 % of a core). An import is a throughput burst where a tight heap
// costs 17–23 % more CPU per event (bench/logs-import.bench.ts at 30 %), so during one V8 gets its own
// heuristics back.
//
// The setting is V8's `--heap-growing-percent`, read at every full GC, so it can change at run time.
import { setFlagsFromString } from 'node:v8';

export const STEADY_GROWING_PERCENT = 30;

let busy = 0;
let applied: number | null = null;
let enabled = false;

function apply(percent: number): void {
  if (applied === percent) return;
  // 0 is V8's default: the dynamic factor.
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  applied = percent;
}

/** Called once by the core: from now on the heap stays tight unless an import is running. */
export function keepHeapTight(): void {
  enabled = true;
  if (busy === 0) apply(STEADY_GROWING_PERCENT);
}

/** For the length of a throughput burst (an import): V8's own growth. Returns the release (idempotent). */
export function throughputHeap(): () => void {
  busy++;
  if (enabled) apply(0);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--busy === 0 && enabled) apply(STEADY_GROWING_PERCENT);
  };
}

/** What is in force: the fixed percent, or 0 for V8's dynamic factor (null before the core set anything). */
export function heapGrowingPercent(): number | null {
  return applied;
}
