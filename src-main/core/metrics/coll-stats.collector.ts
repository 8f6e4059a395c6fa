import { namespacedId } from '../../../src-shared/domain/metrics/catalogue';
import { BaleenError } from '../../../src-shared/domain/errors';
import { type CollectContext, type Collected, type Collector, firstBatch, isDoc, toNumber } from './collector';
import { rotate } from './db-stats.collector';

/**
 * `$collStats` (storageStats, latencyStats) per collection, capped per cycle so that Baleen never loads
 * the server it watches: half the budget goes to the largest collections seen so far, the other half
 * rotates through the rest (those never measured first). Collections are listed again every few cycles.
 */
const LIST_EVERY_CYCLES = 10;
const SKIP_DBS = new Set(['local', 'config']);
const STORAGE = ['size', 'storageSize', 'totalIndexSize', 'count'] as const;
const LATENCY = [
  ['reads', 'latency'],
  ['reads', 'ops'],
  ['writes', 'latency'],
  ['writes', 'ops'],
] as const;

export class CollStatsCollector implements Collector {
  readonly source = 'collStats' as const;
  readonly feature = 'collStats' as const;
  private namespaces: string[] = [];
  private cycle = 0;
  private cursor = 0;
  private readonly sizes = new Map<string, number>();
  /** How many $collStats calls the last cycle made (the cap is checked by tests and the bench). */
  lastCalls = 0;

  async collect(ctx: CollectContext): Promise<Collected> {
    const opts = { deadlineMs: ctx.deadlineMs, signal: ctx.signal };
    if (this.cycle++ % LIST_EVERY_CYCLES === 0 || this.namespaces.length === 0) this.namespaces = await this.list(ctx);
    const budget = Math.max(1, ctx.collStatsPerCycle);
    const bySize = this.namespaces.filter((ns) => this.sizes.has(ns)).sort((a, b) => this.sizes.get(b)! - this.sizes.get(a)!);
    const largest = bySize.slice(0, Math.ceil(budget / 2));
    const taken = new Set(largest);
    // The rest in turn, never-measured ones first.
    const rest = [...this.namespaces.filter((ns) => !this.sizes.has(ns)), ...bySize.filter((ns) => !taken.has(ns))];
    const turn = rotate(rest, this.cursor, budget - largest.length);
    this.cursor = rest.length === 0 ? 0 : (this.cursor + turn.length) % rest.length;
    const values: Record<string, number> = {};
    this.lastCalls = 0;
    for (const ns of [...largest, ...turn]) {
      if (ctx.signal.aborted) break;
      const dot = ns.indexOf('.');
      this.lastCalls++;
      let reply;
      try {
        reply = await ctx.client.command(
          { aggregate: ns.slice(dot + 1), pipeline: [{ $collStats: { storageStats: {}, latencyStats: {} } }], cursor: {} },
          { ...opts, db: ns.slice(0, dot) },
        );
      } catch (e) {
        // A collection dropped since it was listed: forget it; anything else ends the cycle.
        if (e instanceof BaleenError && /NamespaceNotFound|not found/i.test(e.message)) {
          this.sizes.delete(ns);
          continue;
        }
        throw e;
      }
      const doc = firstBatch(reply)[0];
      if (!doc) continue;
      const st = doc.storageStats;
      if (isDoc(st)) {
        for (const f of STORAGE) {
          const v = toNumber(st[f]);
          if (v !== undefined && v >= 0) values[namespacedId(`collStats.storageStats.${f}`, ns)] = v;
        }
        const size = toNumber(st.size);
        if (size !== undefined) this.sizes.set(ns, size);
      }
      const lat = doc.latencyStats;
      if (isDoc(lat)) {
        for (const [k, f] of LATENCY) {
          const part = lat[k];
          const v = isDoc(part) ? toNumber(part[f]) : undefined;
          if (v !== undefined && v >= 0) values[namespacedId(`collStats.latencyStats.${k}.${f}`, ns)] = v;
        }
      }
    }
    return { values, unavailable: {} };
  }

  private async list(ctx: CollectContext): Promise<string[]> {
    const opts = { deadlineMs: ctx.deadlineMs, signal: ctx.signal };
    const dbs = await ctx.client.command({ listDatabases: 1, nameOnly: true }, opts);
    const names = (Array.isArray(dbs.databases) ? (dbs.databases as unknown[]) : []).filter(isDoc).map((d) => d.name).filter((n): n is string => typeof n === 'string' && !SKIP_DBS.has(n));
    const out: string[] = [];
    for (const db of names) {
      if (ctx.signal.aborted) break;
      const r = await ctx.client.command({ listCollections: 1, nameOnly: true, authorizedCollections: true }, { ...opts, db });
      for (const c of firstBatch(r)) {
        // Views have no storage, and system collections are not the user's data.
        if (typeof c.name === 'string' && c.type !== 'view' && !c.name.startsWith('system.')) out.push(`${db}.${c.name}`);
      }
    }
    const known = new Set(out);
    for (const ns of [...this.sizes.keys()]) if (!known.has(ns)) this.sizes.delete(ns);
    return out;
  }
}
