import { type CollectContext, type Collected, type Collector, firstBatch, timestampSecs } from './collector';

/**
 * The oplog window: the first and last `ts` of local.oplog.rs, read with a `{ts: 1}` projection,
 * sorted by $natural and limited to one document each way. Never an oplog entry's contents (REL-M9).
 */
export const OPLOG = { first: 'oplog.firstTs', last: 'oplog.lastTs', window: 'oplog.windowSecs' } as const;

export class OplogWindowCollector implements Collector {
  readonly source = 'oplog' as const;
  // clusterMonitor grants find on local.oplog.rs; a refusal is handled like any other (off for an hour).
  readonly feature = null;
  lastWindowSecs: number | null = null;

  async collect(ctx: CollectContext): Promise<Collected> {
    const bound = async (direction: 1 | -1) => {
      const reply = await ctx.client.command(
        { find: 'oplog.rs', filter: {}, projection: { ts: 1, _id: 0 }, sort: { $natural: direction }, limit: 1, singleBatch: true },
        { deadlineMs: ctx.deadlineMs, signal: ctx.signal, db: 'local' },
      );
      const doc = firstBatch(reply)[0];
      return doc ? timestampSecs(doc.ts) : undefined;
    };
    const first = await bound(1);
    const last = await bound(-1);
    if (first === undefined || last === undefined) {
      const why = `local.oplog.rs has no readable ts on ${ctx.serverLabel} (not a replica-set member?)`;
      this.lastWindowSecs = null;
      return { values: {}, unavailable: { [OPLOG.first]: why, [OPLOG.last]: why, [OPLOG.window]: why } };
    }
    this.lastWindowSecs = Math.max(0, last - first);
    return { values: { [OPLOG.first]: first, [OPLOG.last]: last, [OPLOG.window]: this.lastWindowSecs }, unavailable: {} };
  }
}
