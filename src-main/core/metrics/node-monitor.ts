import type { NodeStatus } from '../../../src-shared/contract';
import { BaleenError } from '../../../src-shared/domain/errors';
import { nodeEntityKey, type NodeId } from '../../../src-shared/domain/identity';
import { classifyMongoError, isTransientServerError } from '../connections/mongo-errors';
import type { NodeClient } from '../connections/node-client';
import type { EventBus } from '../events';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { MetricStore } from '../store/metric-store';
import { extractServerStatus } from './server-status.collector';
import type { PollScheduler } from './poll-scheduler';

/**
 * Watches one node: polls serverStatus on its tick grid, writes raw values to the store, emits them
 * live, and turns failures into a status (unreachable / auth-failed / not-authorized, never a crash)
 * with an explicit gap record for the outage and backoff between attempts.
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
  intervalMs: number;
  deadlineMs: number;
  phaseMs: number;
  onStatus: (status: NodeStatus) => void;
}

const BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 30_000];

export class NodeMonitor {
  private client: NodeClient | undefined;
  private batchId: number | undefined;
  private failures = 0;
  private retryAt = 0;
  private gapOpen = false;
  private lastUnavailable = '';
  private running = false;
  private current: NodeStatus;
  readonly entity: string;

  constructor(private readonly o: NodeMonitorOptions) {
    this.entity = nodeEntityKey(o.nodeId);
    this.current = { state: 'stopped', since: o.clock.now() };
  }

  get status(): NodeStatus {
    return this.current;
  }

  private setStatus(state: NodeStatus['state'], reason?: string): void {
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = reason === undefined ? { state, since: this.o.clock.now() } : { state, reason, since: this.o.clock.now() };
    this.o.onStatus(this.current);
  }

  start(existingClient?: NodeClient): void {
    if (this.running) return;
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
      intervalMs: this.o.intervalMs,
      phaseMs: this.o.phaseMs,
      // A backstop only: the command's own deadline fires first and names the host in its error.
      deadlineMs: this.o.deadlineMs + 1000,
      run: (ts, signal) => this.poll(ts, signal),
    });
  }

  /** A deliberate stop: no reconnect afterwards (REL-S8); the silence is recorded as a gap. */
  async stop(reason = 'Monitoring stopped'): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.o.scheduler.remove(this.o.nodeId);
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
      const doc = await this.client.command({ serverStatus: 1 }, { deadlineMs: this.o.deadlineMs, signal });
      if (!this.running) return; // stopped while the reply was in flight: write nothing (REL-S8)
      const { values, unavailable } = extractServerStatus(doc, this.o.serverLabel());
      this.write(tickTs, values, unavailable);
      this.failures = 0;
      this.setStatus('monitoring');
    } catch (e) {
      if (!this.running) return;
      this.onFailure(tickTs, e);
    }
  }

  private write(ts: number, values: Record<string, number>, unavailable: Record<string, string>): void {
    try {
      this.o.store.append(this.batchId!, this.entity, ts, values);
      const key = JSON.stringify(unavailable);
      if (key !== this.lastUnavailable) {
        const was = this.o.store.unavailable(this.entity);
        for (const m of Object.keys(was)) if (!(m in unavailable)) this.o.store.setUnavailable(this.entity, m, null, ts);
        for (const [m, reason] of Object.entries(unavailable)) if (was[m] !== reason) this.o.store.setUnavailable(this.entity, m, reason, ts);
        this.lastUnavailable = key;
      }
      if (this.gapOpen) {
        this.o.store.closeGap(this.entity, ts);
        this.gapOpen = false;
      }
    } catch (e) {
      // The live view still gets the sample; the store's own failure handling is issue 4 (REL-D3).
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
    if (this.failures === 1) this.o.log.warn('poll failed', { node: this.o.nodeId, code: err.code, message: err.message });
  }
}
