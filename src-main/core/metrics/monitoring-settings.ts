import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodePolling, POLL_SOURCES, PollingSettings, type Intervals, type PollSource, type Settings } from '../../../src-shared/contract/settings.contract';
import type { Logger } from '../ports/logger';

/**
 * Polling settings: per-source intervals (global defaults and per-node overrides), paused nodes, the
 * $collStats budget. Kept in `settings.json` in the data folder, written atomically (temp file, then
 * rename), read back through the schema: a damaged or hand-edited file falls back to the defaults
 * with one log line, never a crash. Monitors read it through the MonitoringPolicy view.
 */
export const BALEEN_DEFAULT_INTERVALS: Intervals = {
  serverStatus: 1000,
  replSetGetStatus: 5000,
  oplog: 60_000,
  dbStats: 60_000,
  collStats: 60_000,
  top: 10_000,
};
export const DEFAULT_COLLSTATS_PER_CYCLE = 100;

/** What a node monitor asks of the settings. */
export interface MonitoringPolicy {
  intervalMs(nodeId: string, source: PollSource): number;
  paused(nodeId: string): boolean;
  setPaused(nodeId: string, paused: boolean): void;
  collStatsPerCycle(): number;
  /** Called after every change, with the node it concerns (none: all nodes). */
  subscribe(listener: (nodeId: string | null) => void): () => void;
}

export class MonitoringSettings implements MonitoringPolicy {
  private current: Settings;
  private readonly listeners = new Set<(nodeId: string | null) => void>();
  private readonly file: string | null;

  /**
   * @param baseDefaults Baleen's defaults before the user's own (a test or `baleen demo` may poll faster).
   * @param dataDir null keeps the settings in memory only.
   */
  constructor(
    dataDir: string | null,
    private readonly log: Logger,
    private readonly baseDefaults: Intervals = BALEEN_DEFAULT_INTERVALS,
  ) {
    this.file = dataDir === null ? null : join(dataDir, 'settings.json');
    this.current = this.load();
  }

  private fresh(): Settings {
    return { polling: { defaults: { ...this.baseDefaults }, nodes: {}, collStatsPerCycle: DEFAULT_COLLSTATS_PER_CYCLE } };
  }

  private load(): Settings {
    if (this.file === null || !existsSync(this.file)) return this.fresh();
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as { polling?: unknown; userDefaults?: unknown };
      const parsed = PollingSettings.safeParse(raw.polling);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      // Only what the user changed is persisted over Baleen's defaults: a faster test default still applies.
      const userDefaults = NodePolling.shape.intervals.safeParse(raw.userDefaults);
      return { polling: { ...parsed.data, defaults: { ...this.baseDefaults, ...(userDefaults.success ? userDefaults.data : {}) } } };
    } catch (e) {
      this.log.warn('settings.json could not be read: using the defaults', { error: e instanceof Error ? e.message : String(e) });
      return this.fresh();
    }
  }

  private userDefaults(): Partial<Intervals> {
    const out: Partial<Intervals> = {};
    for (const s of POLL_SOURCES) if (this.current.polling.defaults[s] !== this.baseDefaults[s]) out[s] = this.current.polling.defaults[s];
    return out;
  }

  private save(): void {
    if (this.file === null) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ polling: this.current.polling, userDefaults: this.userDefaults() }, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  get(): Settings {
    return structuredClone(this.current);
  }

  private changed(nodeId: string | null): Settings {
    this.save();
    for (const l of this.listeners) {
      try {
        l(nodeId);
      } catch (e) {
        this.log.error('a settings listener failed', { error: e instanceof Error ? e.message : String(e) });
      }
    }
    return this.get();
  }

  private nodeEntry(nodeId: string) {
    return (this.current.polling.nodes[nodeId] ??= { intervals: {}, paused: false });
  }

  setInterval(source: PollSource, intervalMs: number | null, nodeId?: string): Settings {
    if (nodeId === undefined) this.current.polling.defaults[source] = intervalMs ?? this.baseDefaults[source];
    else {
      const n = this.nodeEntry(nodeId);
      if (intervalMs === null) delete n.intervals[source];
      else n.intervals[source] = intervalMs;
      this.prune(nodeId);
    }
    return this.changed(nodeId ?? null);
  }

  setPaused(nodeId: string, paused: boolean): Settings {
    this.nodeEntry(nodeId).paused = paused;
    this.prune(nodeId);
    return this.changed(nodeId);
  }

  setCollStatsPerCycle(n: number): Settings {
    this.current.polling.collStatsPerCycle = n;
    return this.changed(null);
  }

  private prune(nodeId: string): void {
    const n = this.current.polling.nodes[nodeId];
    if (n && !n.paused && Object.keys(n.intervals).length === 0) delete this.current.polling.nodes[nodeId];
  }

  intervalMs(nodeId: string, source: PollSource): number {
    return this.current.polling.nodes[nodeId]?.intervals[source] ?? this.current.polling.defaults[source];
  }

  paused(nodeId: string): boolean {
    return this.current.polling.nodes[nodeId]?.paused ?? false;
  }

  collStatsPerCycle(): number {
    return this.current.polling.collStatsPerCycle;
  }

  subscribe(listener: (nodeId: string | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
