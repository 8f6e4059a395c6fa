import type { HotCollection } from '../../../src-shared/contract';
import { RESTART_METRICS, splitNamespaced } from '../../../src-shared/domain/metrics/catalogue';
import { counterRates, detectRestarts } from '../../../src-shared/domain/metrics/rates';
import type { MetricStore } from '../store/metric-store';
import { TIER } from '../store/rollup';
import { gapThreshold, tierFor } from './metrics-query';

/**
 * The collections that took the most time in a window, from the `top` counters the store holds: each
 * one's increase over the window is the sum of the steps the shared rate function accepts (a restart
 * or a reset of top is never a negative time), from rollup buckets for long windows.
 */
export interface HotCollectionsQuery {
  entity: string;
  from: number;
  to: number;
  limit: number;
  by: 'total' | 'read' | 'write';
}

export function hotCollections(store: MetricStore, q: HotCollectionsQuery): HotCollection[] {
  const nss = new Set<string>();
  for (const s of store.listSeries(q.entity)) {
    const ns = splitNamespaced(s.metric);
    if (ns?.template === 'top.total.time' && s.last !== null && s.last >= q.from && s.first !== null && s.first <= q.to) nss.add(ns.ns);
  }
  const restarts = detectRestarts(store.query(q.entity, RESTART_METRICS.uptime, q.from, q.to, { withPrevious: true }), store.query(q.entity, RESTART_METRICS.pid, q.from, q.to, { withPrevious: true }));
  const inc = (metric: string) => increase(store, q.entity, metric, q.from, q.to, restarts);
  const rows: HotCollection[] = [...nss].map((ns) => {
    const size = store.query(q.entity, `collStats.storageStats.size@${ns}`, q.from, q.to).at(-1)?.value ?? null;
    return {
      ns,
      totalUs: inc(`top.total.time@${ns}`),
      readUs: inc(`top.readLock.time@${ns}`),
      writeUs: inc(`top.writeLock.time@${ns}`),
      reads: inc(`top.readLock.count@${ns}`),
      writes: inc(`top.writeLock.count@${ns}`),
      sizeBytes: size,
    };
  });
  const key = q.by === 'read' ? 'readUs' : q.by === 'write' ? 'writeUs' : 'totalUs';
  return rows
    .filter((r) => r[key] > 0)
    .sort((a, b) => b[key] - a[key] || a.ns.localeCompare(b.ns))
    .slice(0, q.limit);
}

/** How much a counter grew in [from, to], counting only steps the rate function accepts. */
function increase(store: MetricStore, entity: string, metric: string, from: number, to: number, restarts: ReadonlySet<number>): number {
  const tier = tierFor(from, to, 200);
  if (tier === 0) return rawIncrease(store, entity, metric, from, to, restarts);
  const r = store.readRollup(entity, metric, tier, from, to, ['inc', 'incDt']);
  let total = 0;
  const bucketMs = TIER[tier].bucketMs;
  for (const b of r.buckets) {
    const covered = r.pending.some((p) => b.ts + bucketMs > p.from && b.ts <= p.to);
    if (!covered) total += b.inc;
  }
  for (const p of r.pending) total += rawIncrease(store, entity, metric, p.from, p.to, restarts);
  return total;
}

function rawIncrease(store: MetricStore, entity: string, metric: string, from: number, to: number, restarts: ReadonlySet<number>): number {
  const raw = store.query(entity, metric, from, to, { withPrevious: true });
  const r = counterRates(raw, { restarts, maxGapMs: gapThreshold(raw) });
  let total = 0;
  let prevTs: number | undefined = raw[0]?.ts;
  const byTs = new Map(r.points);
  for (const p of raw.slice(1)) {
    const v = byTs.get(p.ts);
    if (v !== undefined && v !== null && prevTs !== undefined && p.ts >= from) total += (v * (p.ts - prevTs)) / 1000;
    prevTs = p.ts;
  }
  return total;
}
