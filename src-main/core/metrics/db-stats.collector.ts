import { namespacedId } from '../../../src-shared/domain/metrics/catalogue';
import { type CollectContext, type Collected, type Collector, isDoc, toNumber } from './collector';

/** Databases listed per cycle at most; a deployment with more is covered in turn. */
const MAX_DBS_PER_CYCLE = 200;
const FIELDS = ['dataSize', 'storageSize', 'indexSize', 'objects', 'collections'] as const;

/** listDatabases, then dbStats of each database: sizes per database (`dbStats.dataSize@shop`). */
export class DbStatsCollector implements Collector {
  readonly source = 'dbStats' as const;
  readonly feature = 'dbStats' as const;
  private cursor = 0;

  async collect(ctx: CollectContext): Promise<Collected> {
    const opts = { deadlineMs: ctx.deadlineMs, signal: ctx.signal };
    const list = await ctx.client.command({ listDatabases: 1, nameOnly: true }, opts);
    const names = (Array.isArray(list.databases) ? (list.databases as unknown[]) : [])
      .filter(isDoc)
      .map((d) => d.name)
      .filter((n): n is string => typeof n === 'string' && n.length > 0);
    const chosen = rotate(names, this.cursor, MAX_DBS_PER_CYCLE);
    this.cursor = (this.cursor + chosen.length) % Math.max(1, names.length);
    const values: Record<string, number> = {};
    for (const db of chosen) {
      if (ctx.signal.aborted) break;
      const s = await ctx.client.command({ dbStats: 1, scale: 1 }, { ...opts, db });
      for (const f of FIELDS) {
        const v = toNumber(s[f]);
        if (v !== undefined && v >= 0) values[namespacedId(`dbStats.${f}`, db)] = v;
      }
    }
    return { values, unavailable: {} };
  }
}

/** Up to `n` items starting at `from`, wrapping around: every item gets its turn. */
export function rotate<T>(items: readonly T[], from: number, n: number): T[] {
  if (items.length <= n) return [...items];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[(from + i) % items.length]!);
  return out;
}
