import { namespacedId } from '../../../src-shared/domain/metrics/catalogue';
import { type CollectContext, type Collected, type Collector, isDoc, toNumber } from './collector';

/**
 * `top`: time and operations per collection since the server started (counters; rates and the hot
 * collections of a window come from their increases). Only collections with activity are kept, the
 * busiest first, at most MAX_NAMESPACES a cycle, so thousands of idle collections cost nothing; a
 * collection stays tracked for a while after it goes quiet, so its line ends cleanly.
 */
const MAX_NAMESPACES = 500;
const KEEP_QUIET_CYCLES = 30;
const FIELDS = [
  ['total', 'time'],
  ['total', 'count'],
  ['readLock', 'time'],
  ['readLock', 'count'],
  ['writeLock', 'time'],
  ['writeLock', 'count'],
] as const;

export class TopCollector implements Collector {
  readonly source = 'top' as const;
  readonly feature = 'top' as const;
  private previous = new Map<string, number>();
  private readonly lastActive = new Map<string, number>();
  private cycle = 0;

  async collect(ctx: CollectContext): Promise<Collected> {
    const reply = await ctx.client.command({ top: 1 }, { deadlineMs: ctx.deadlineMs, signal: ctx.signal });
    const totals = reply.totals;
    if (!isDoc(totals)) return { values: {}, unavailable: {} };
    this.cycle++;
    const current = new Map<string, number>();
    const entries = new Map<string, Record<string, unknown>>();
    for (const [ns, e] of Object.entries(totals)) {
      if (ns === 'note' || !isDoc(e) || !isDoc(e.total)) continue;
      const t = toNumber(e.total.time);
      if (t === undefined) continue;
      current.set(ns, t);
      entries.set(ns, e);
    }
    // Busy collections first: how much time each spent since the last cycle (all of it, the first time).
    const activity: [string, number][] = [];
    for (const [ns, t] of current) {
      const prev = this.previous.get(ns);
      const delta = prev === undefined || t < prev ? t : t - prev;
      if (delta > 0) this.lastActive.set(ns, this.cycle);
      const active = this.lastActive.get(ns);
      if (active !== undefined && this.cycle - active <= KEEP_QUIET_CYCLES) activity.push([ns, delta]);
    }
    activity.sort((a, b) => b[1] - a[1]);
    const values: Record<string, number> = {};
    for (const [ns] of activity.slice(0, MAX_NAMESPACES)) {
      const e = entries.get(ns)!;
      for (const [k, f] of FIELDS) {
        const part = e[k];
        const v = isDoc(part) ? toNumber(part[f]) : undefined;
        if (v !== undefined && v >= 0) values[namespacedId(`top.${k}.${f}`, ns)] = v;
      }
    }
    for (const ns of [...this.lastActive.keys()]) if (!current.has(ns)) this.lastActive.delete(ns);
    this.previous = current;
    return { values, unavailable: {} };
  }
}
