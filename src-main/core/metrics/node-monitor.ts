import type { NodeStatus, PollSource, PollStatus, ReplicationSnapshot, SourceState } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import { nodeEntityKey, type NodeId } from '../../../src-shared/domain/identity';
import { metricDef, metricsOf } from '../../../src-shared/domain/metrics/catalogue';
import { RETRY_DENIED_MS, type FeatureGate } from '../connections/capabilities';
import { classifyMongoError, isTransientServerError } from '../connections/mongo-errors';
import type { NodeClient } from '../connections/node-client';
import type { EventBus } from '../events';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { MetricStore } from '../store/metric-store';
import type { Collected, Collector } from './collector';
import { CollStatsCollector } from './coll-stats.collector';
import { DbStatsCollector } from './db-stats.collector';
import { BALEEN_DEFAULT_INTERVALS, DEFAULT_COLLSTATS_PER_CYCLE } from './monitoring-settings';
import { OplogWindowCollector } from './oplog-window.collector';
import type { PollScheduler } from './poll-scheduler';
import { ReplStatusCollector } from './repl-status.collector';
import { extractServerStatus } from './server-status.collector';
import { TopCollector } from './top.collector';

/**
 * Watches one node. serverStatus, on its tick grid, decides the node's health: failures become a status
 * (unreachable / auth-failed / not-authorized, never a crash) with an explicit gap record and backoff;
 * stepdown codes are transient (REL-M6). The slower sources (replSetGetStatus, the oplog window,
 * dbStats, $collStats, top) each run on their own grid while the node answers; a source the user may
 * not use is switched off with the reason and tried again at most once an hour (REL-M5), one the
 * server lacks is marked unsupported; neither ever marks the node down.
 */
export interface NodeMonitorOptions {
  nodeId: NodeId;
  hostPort: string;
  /** e.g. `MongoDB 7.0.14` or `FerretDB 1.24.2`: used in "not returned by …" reasons. */
  serverLabel: () => string;
  connect: (signal: AbortSignal) => Promise<NodeClient>;
  store: MetricStore;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  scheduler: PollScheduler;
  /** serverStatus interval when the scheduler carries no policy. */
  intervalMs: number;
  deadlineMs: number;
  phaseMs: number;
  onStatus: (status: NodeStatus) => void;
  /** The node's capability matrix (REL-M5); without it refusals are tracked here alone. */
  gate?: FeatureGate;
}

const BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 30_000];
/** A source failing for another reason (a bad reply, a server error) waits this long before the next try. */
const SOURCE_ERROR_RETRY_MS = 5 * 60_000;
const PAUSED_REASON = 'Monitoring paused by the user';

interface SourceRun {
  collector: Collector;
  taskId: string;
  state: SourceState['state'];
  reason?: string;
  retryAt?: number;
  lastUnavailable: Record<string, string> | null;
}

export class NodeMonitor {
  private client: NodeClient | undefined;
  private batchId: number | undefined;
  private failures = 0;
  private retryAt = 0;
  private gapOpen = false;
  private running = false;
  private paused = false;
  private current: NodeStatus;
  private readonly sources = new Map<PollSource, SourceRun>();
  private readonly repl: ReplStatusCollector;
  private readonly oplog = new OplogWindowCollector();
  private offPolicy: (() => void) | undefined;
  private lastStatusKey = '';
  readonly entity: string;

  constructor(private readonly o: NodeMonitorOptions) {
    this.entity = nodeEntityKey(o.nodeId);
    this.current = { state: 'stopped', since: o.clock.now() };
    this.repl = new ReplStatusCollector(o.nodeId);
    const collectors: Collector[] = [this.repl, this.oplog, new DbStatsCollector(), new CollStatsCollector(), new TopCollector()];
    for (const c of collectors) this.sources.set(c.source, { collector: c, taskId: `${o.nodeId}#${c.source}`, state: 'on', lastUnavailable: null });
  }

  get status(): NodeStatus {
    return this.current;
  }

  private setStatus(state: NodeStatus['state'], reason?: string): void {
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = reason === undefined ? { state, since: this.o.clock.now() } : { state, reason, since: this.o.clock.now() };
    this.o.onStatus(this.current);
  }

  private label: { text: string; at: number } | undefined;

  /** The server's name for reasons, read from the config at most every 30 s (not once per poll). */
  private serverLabel(): string {
    const now = this.o.clock.monotonic();
    if (!this.label || now - this.label.at > 30_000) this.label = { text: this.o.serverLabel(), at: now };
    return this.label.text;
  }

  private intervalOf(source: PollSource): number {
    const p = this.o.scheduler.policy;
    if (p) return p.intervalMs(this.o.nodeId, source);
    return source === 'serverStatus' ? this.o.intervalMs : BALEEN_DEFAULT_INTERVALS[source];
  }

  private phaseOf(source: PollSource): number {
    return this.o.phaseMs % this.intervalOf(source);
  }

  /** Starts polling; on a monitor that is running but paused, resumes it (the user pressed Start). */
  start(existingClient?: NodeClient): void {
    if (this.running) {
      if (this.paused) this.resume();
      return;
    }
    this.running = true;
    this.client = existingClient;
    this.failures = 0;
    this.retryAt = 0;
    this.batchId = this.o.store.openBatch('live', this.o.nodeId);
    const last = this.o.store.lastTs(this.entity);
    // Whatever happened between the last sample and now was not watched: say so, don't join the line.
    if (last !== null) this.openGap(last, 'Baleen was not monitoring this node');
    this.setStatus('connecting');
    this.o.scheduler.add({
      id: this.o.nodeId,
      intervalMs: this.intervalOf('serverStatus'),
      phaseMs: this.phaseOf('serverStatus'),
      // A backstop only: the command's own deadline fires first and names the host in its error.
      deadlineMs: this.o.deadlineMs + 1000,
      run: (ts, signal) => this.poll(ts, signal),
    });
    for (const [source, s] of this.sources) {
      const intervalMs = this.intervalOf(source);
      this.o.scheduler.add({
        id: s.taskId,
        intervalMs,
        phaseMs: this.phaseOf(source),
        // A cycle of many commands (dbStats per database, $collStats per collection) gets most of its interval.
        deadlineMs: Math.max(this.o.deadlineMs + 1000, Math.min(Math.floor(intervalMs * 0.9), 5 * 60_000)),
        run: (ts, signal) => this.pollSource(s, ts, signal),
      });
    }
    this.offPolicy = this.o.scheduler.policy?.subscribe((nodeId) => {
      if (nodeId === null || nodeId === this.o.nodeId) this.applyPolicy();
    });
    if (this.o.scheduler.policy?.paused(this.o.nodeId)) this.pauseTasks();
  }

  /** New intervals or a pause from the settings take effect at once, on each source's own grid. */
  private applyPolicy(): void {
    if (!this.running) return;
    this.o.scheduler.reschedule(this.o.nodeId, this.intervalOf('serverStatus'), this.phaseOf('serverStatus'));
    for (const [source, s] of this.sources) this.o.scheduler.reschedule(s.taskId, this.intervalOf(source), this.phaseOf(source));
    const wantPaused = this.o.scheduler.policy?.paused(this.o.nodeId) ?? false;
    if (wantPaused && !this.paused) this.pauseTasks();
    else if (!wantPaused && this.paused) this.resumeTasks();
    else this.emitPollStatus();
  }

  /** Pause: no polls until resumed, the silence recorded as a gap; the connection is kept. */
  pause(): void {
    if (this.o.scheduler.policy) this.o.scheduler.policy.setPaused(this.o.nodeId, true);
    else this.pauseTasks();
  }

  resume(): void {
    if (this.o.scheduler.policy) this.o.scheduler.policy.setPaused(this.o.nodeId, false);
    else this.resumeTasks();
  }

  private pauseTasks(): void {
    if (!this.running || this.paused) return;
    this.paused = true;
    for (const id of this.taskIds()) this.o.scheduler.pause(id);
    const last = this.o.store.lastTs(this.entity);
    if (last !== null) this.openGap(last, PAUSED_REASON);
    this.setStatus('stopped', PAUSED_REASON);
    this.emitPollStatus();
  }

  private resumeTasks(): void {
    if (!this.running || !this.paused) return;
    this.paused = false;
    this.retryAt = 0;
    this.setStatus('connecting');
    // Immediate recheck: each source runs now, then goes back on its grid.
    for (const id of this.taskIds()) this.o.scheduler.resume(id);
    this.emitPollStatus();
  }

  private taskIds(): string[] {
    return [this.o.nodeId, ...[...this.sources.values()].map((s) => s.taskId)];
  }

  /** A deliberate stop: no reconnect afterwards (REL-S8); the silence is recorded as a gap. */
  async stop(reason = 'Monitoring stopped'): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.offPolicy?.();
    this.offPolicy = undefined;
    await Promise.all(this.taskIds().map((id) => this.o.scheduler.remove(id)));
    this.paused = false;
    const last = this.o.store.lastTs(this.entity);
    if (last !== null) this.openGap(last, reason);
    await this.client?.close();
    this.client = undefined;
    this.setStatus('stopped');
  }

  /** Recheck now, off the grid and ignoring backoff (resume from sleep, a user's "retry"). */
  recheck(): void {
    this.retryAt = 0;
    this.o.scheduler.runNow(this.o.nodeId);
  }

  /** The last replica-set status this node answered, with its oplog window. */
  replication(): ReplicationSnapshot | null {
    const last = this.repl.last;
    return last ? { ...last, oplogWindowSecs: this.oplog.lastWindowSecs } : null;
  }

  pollStatus(): PollStatus {
    const sources: SourceState[] = [];
    const push = (source: PollSource, taskId: string, s: Pick<SourceRun, 'state' | 'reason' | 'retryAt'>) => {
      const st = this.o.scheduler.stats(taskId);
      sources.push({
        source,
        intervalMs: this.intervalOf(source),
        state: this.paused ? 'paused' : s.state,
        ...(this.paused ? { reason: PAUSED_REASON } : s.reason !== undefined ? { reason: s.reason } : {}),
        ...(s.retryAt !== undefined && !this.paused ? { retryAt: s.retryAt } : {}),
        runs: st?.runs ?? 0,
        skipped: st?.skipped ?? 0,
        timedOut: st?.timedOut ?? 0,
        lastRunAt: st?.lastStartedAt ?? null,
      });
    };
    const down = this.current.state !== 'monitoring' && this.current.state !== 'connecting' && !this.paused;
    push('serverStatus', this.o.nodeId, down ? { state: 'off', reason: this.current.reason ?? this.current.state } : { state: 'on' });
    for (const [source, s] of this.sources) push(source, s.taskId, s);
    return { nodeId: this.o.nodeId, paused: this.paused, sources };
  }

  private emitPollStatus(): void {
    const s = this.pollStatus();
    // Run counters move every tick; only state changes are news.
    const key = JSON.stringify({ paused: s.paused, sources: s.sources.map((x) => [x.source, x.state, x.reason, x.intervalMs]) });
    if (key === this.lastStatusKey) return;
    this.lastStatusKey = key;
    this.o.bus.emit('metrics.pollStatus', s);
  }

  private openGap(from: number, reason: string): void {
    if (this.gapOpen) return;
    this.gapOpen = true;
    this.o.store.openGap(this.entity, from, reason);
    this.o.bus.emit('metrics.gap', { entity: this.entity, gap: { from, to: this.o.clock.now(), reason } });
  }

  private async poll(tickTs: number, signal: AbortSignal): Promise<void> {
    if (this.o.clock.now() < this.retryAt) return;
    try {
      this.client ??= await this.o.connect(signal);
      const doc = await this.client.command({ serverStatus: 1 }, { deadlineMs: this.o.deadlineMs, signal, lean: true });
      if (!this.running || this.paused) return; // stopped while the reply was in flight: write nothing (REL-S8)
      const { values, unavailable } = extractServerStatus(doc, this.serverLabel());
      const wasDown = this.current.state !== 'monitoring';
      this.write(tickTs, 'serverStatus', values, unavailable);
      this.failures = 0;
      this.setStatus('monitoring');
      // Back from an outage (or just connected): the slower sources look again now, not at their next tick.
      if (wasDown) {
        for (const s of this.sources.values()) this.o.scheduler.runNow(s.taskId);
        this.emitPollStatus();
      }
    } catch (e) {
      if (!this.running || this.paused) return;
      this.onFailure(tickTs, e);
    }
  }

  private async pollSource(s: SourceRun, tickTs: number, signal: AbortSignal): Promise<void> {
    // Only while the node answers serverStatus: an unreachable node's health is serverStatus's to report.
    if (!this.running || this.paused || this.current.state !== 'monitoring' || !this.client) return;
    const now = this.o.clock.now();
    if (s.state === 'unsupported' || (s.state === 'off' && s.retryAt !== undefined && now < s.retryAt)) return;
    const c = s.collector;
    const gate = c.feature !== null ? this.o.gate : undefined;
    const ctx = {
      client: this.client,
      deadlineMs: this.o.deadlineMs,
      signal,
      serverLabel: this.serverLabel(),
      now: () => this.o.clock.now(),
      collStatsPerCycle: this.o.scheduler.policy?.collStatsPerCycle() ?? DEFAULT_COLLSTATS_PER_CYCLE,
    };
    let got: Collected;
    try {
      got = gate && c.feature !== null ? await gate.run(c.feature, () => c.collect(ctx)) : await c.collect(ctx);
    } catch (e) {
      if (!this.running || this.paused) return;
      this.onSourceFailure(s, e);
      return;
    }
    if (!this.running || this.paused) return;
    const wasOff = s.state !== 'on';
    if (wasOff) {
      s.state = 'on';
      delete s.reason;
      delete s.retryAt;
    }
    this.write(tickTs, c.source, got.values, got.unavailable);
    if (wasOff) this.emitPollStatus();
  }

  private onSourceFailure(s: SourceRun, e: unknown): void {
    if (isTransientServerError(e)) return; // REL-M6: the next tick tries again
    const err = e instanceof BaleenError ? e : classifyMongoError(e, this.client?.label ?? this.o.hostPort);
    const now = this.o.clock.now();
    const source = s.collector.source;
    if (err.code === 'E_NOT_AUTHORIZED') {
      // The gate (or, without one, this monitor) retries at most once an hour (REL-M5).
      const retryAt = typeof err.details?.retryAt === 'number' ? err.details.retryAt : now + RETRY_DENIED_MS;
      this.turnOff(s, 'off', `${source} is off: not authorized (code 13). ${err.message}`, retryAt);
    } else if (err.code === 'E_UNSUPPORTED') {
      this.turnOff(s, 'unsupported', `${source} is not available on ${this.serverLabel()}: ${err.message}`);
    } else if (err.code === 'E_TIMEOUT' || err.code === 'E_CANCELLED' || err.code === 'E_UNREACHABLE') {
      // The node's own poll reports reachability; one slow cycle of a slow source is not news.
      this.o.log.info('source poll did not finish', { node: this.o.nodeId, source, code: err.code });
    } else {
      this.turnOff(s, 'off', `${source} failed: ${err.message}`, now + SOURCE_ERROR_RETRY_MS);
      this.o.log.warn('source poll failed', { node: this.o.nodeId, source, code: err.code, message: err.message });
    }
  }

  /** The source's charts say why they are empty, rather than showing nothing (or a zero). */
  private turnOff(s: SourceRun, state: 'off' | 'unsupported', reason: string, retryAt?: number): void {
    const changed = s.state !== state || s.reason !== reason;
    s.state = state;
    s.reason = reason;
    if (retryAt !== undefined) s.retryAt = retryAt;
    else delete s.retryAt;
    if (!changed) return;
    const unavailable: Record<string, string> = {};
    for (const m of metricsOf(s.collector.source)) unavailable[m.id] = reason;
    const now = this.o.clock.now();
    this.recordUnavailable(s.collector.source, unavailable, now);
    // Live charts learn it now, not at their next reload.
    this.o.bus.emit('metrics.samples', { entity: this.entity, ts: now, values: {}, unavailable });
    this.emitPollStatus();
  }

  private lastUnavailable: Record<string, string> | null = null;

  /** Sets and clears reasons for the metrics of one source only (another source's reasons stay). */
  private recordUnavailable(source: PollSource, unavailable: Record<string, string>, ts: number): void {
    const run = this.sources.get(source);
    const last = run ? run.lastUnavailable : this.lastUnavailable;
    if (last !== null && sameReasons(last, unavailable)) return;
    const was = this.o.store.unavailable(this.entity);
    for (const m of Object.keys(was)) if (!(m in unavailable) && metricDef(m)?.source === source) this.o.store.setUnavailable(this.entity, m, null, ts);
    for (const [m, reason] of Object.entries(unavailable)) if (was[m] !== reason) this.o.store.setUnavailable(this.entity, m, reason, ts);
    if (run) run.lastUnavailable = unavailable;
    else this.lastUnavailable = unavailable;
  }

  private write(ts: number, source: PollSource, values: Record<string, number>, unavailable: Record<string, string>): void {
    try {
      this.o.store.append(this.batchId!, this.entity, ts, values);
      this.recordUnavailable(source, unavailable, ts);
      if (this.gapOpen && source === 'serverStatus') {
        this.o.store.closeGap(this.entity, ts);
        this.gapOpen = false;
      }
    } catch (e) {
      // The live view still gets the sample; the store pauses and buffers itself on a full disk (REL-D3).
      this.o.log.error('could not store samples', { node: this.o.nodeId, error: e instanceof Error ? e.message : String(e) });
    }
    this.o.bus.emit('metrics.samples', { entity: this.entity, ts, values, unavailable });
  }

  private onFailure(tickTs: number, e: unknown): void {
    if (isTransientServerError(e)) {
      // Stepdown/recovering codes: skip this sample, keep the node's status (REL-M6).
      this.o.log.info('transient error, skipping one sample', { node: this.o.nodeId });
      return;
    }
    const err = e instanceof BaleenError ? e : classifyMongoError(e, this.client?.label ?? this.o.hostPort);
    this.failures++;
    this.retryAt = this.o.clock.now() + BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length) - 1]!;
    if (err.code !== 'E_TIMEOUT' && this.client) {
      // A fresh client after anything but a plain timeout: the old one may be wedged or hold bad credentials.
      void this.client.close();
      this.client = undefined;
    }
    const state = err.code === 'E_AUTH' ? 'auth-failed' : err.code === 'E_NOT_AUTHORIZED' ? 'not-authorized' : 'unreachable';
    this.openGap(this.o.store.lastTs(this.entity) ?? tickTs, err.message);
    this.setStatus(state, err.message);
    this.emitPollStatus();
    if (this.failures === 1) this.o.log.warn('poll failed', { node: this.o.nodeId, code: err.code, message: err.message });
  }
}

/** The same metrics unavailable for the same reasons (checked every poll, so no string is built). */
function sameReasons(a: Record<string, string>, b: Record<string, string>): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) if (--n < 0) return false;
  return n === 0;
}
