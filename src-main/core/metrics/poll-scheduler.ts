import { BaleenError } from '../../../src-shared/domain/errors';
import type { Clock, TimerHandle } from '../ports/clock';
import type { MonitoringPolicy } from './monitoring-settings';

/**
 * Runs each task on its own tick grid (`phase + k × interval`), so samples are stamped on the grid and
 * timestamps compress to near zero bits; the next tick is always computed from the grid, so there is no
 * drift however late a timer fires. A task never overlaps itself (a busy tick is skipped and counted),
 * each run has a deadline (its signal aborts), and one slow task never delays another: runs only wait
 * for one another when more than `maxConcurrent` are in flight at once, and then in tick order.
 */
export interface PollTask {
  id: string;
  intervalMs: number;
  /** Offset of this task's grid, 0 ≤ phase < interval (one random phase per node). */
  phaseMs: number;
  deadlineMs: number;
  run(tickTs: number, signal: AbortSignal): Promise<void>;
}

export interface TaskStats {
  runs: number;
  /** Ticks that found the previous run still going (or still waiting for a slot). */
  skipped: number;
  timedOut: number;
  /** Ticks that waited for a free slot before running. */
  queued: number;
  /** When the last run started (clock ms), and how late that was after its tick. */
  lastStartedAt: number | null;
  lastLatenessMs: number;
  maxLatenessMs: number;
  /** Runs that started more than a tenth of the interval after their tick (the event loop or a slot was busy). */
  lateRuns: number;
}

export interface PollSchedulerOptions {
  /** Runs in flight at once across all tasks (bounded concurrency across nodes). Default 64. */
  maxConcurrent?: number;
  /** The user's polling settings (intervals per node and source, pauses) the monitors follow. */
  policy?: MonitoringPolicy;
}

interface Entry {
  task: PollTask;
  timer: TimerHandle | undefined;
  busy: boolean;
  paused: boolean;
  stats: TaskStats;
  stopped: boolean;
  inFlight: Promise<void> | undefined;
  abort: AbortController | undefined;
  /** A tick waiting for a slot. */
  waiting: number | null;
  /** The last grid tick armed: a timer that fires a little early must not arm the same tick again. */
  lastTick: number;
}

export function nextTick(now: number, intervalMs: number, phaseMs: number): number {
  const k = Math.floor((now - phaseMs) / intervalMs) + 1;
  return phaseMs + k * intervalMs;
}

export class PollScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly maxConcurrent: number;
  private running = 0;
  private readonly queue: Entry[] = [];
  readonly policy: MonitoringPolicy | undefined;

  constructor(
    private readonly clock: Clock,
    opts: PollSchedulerOptions = {},
  ) {
    this.policy = opts.policy;
    this.maxConcurrent = opts.maxConcurrent ?? 64;
    if (!(Number.isInteger(this.maxConcurrent) && this.maxConcurrent >= 1)) throw new RangeError(`maxConcurrent must be an integer ≥ 1, got ${opts.maxConcurrent}`);
  }

  add(task: PollTask): void {
    if (this.entries.has(task.id)) throw new Error(`poll task ${task.id} already scheduled`);
    checkGrid(task.intervalMs, task.phaseMs);
    const e: Entry = {
      task: { ...task },
      timer: undefined,
      busy: false,
      paused: false,
      stats: { runs: 0, skipped: 0, timedOut: 0, queued: 0, lastStartedAt: null, lastLatenessMs: 0, maxLatenessMs: 0, lateRuns: 0 },
      stopped: false,
      inFlight: undefined,
      abort: undefined,
      waiting: null,
      lastTick: -Infinity,
    };
    this.entries.set(task.id, e);
    this.arm(e);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  private arm(e: Entry): void {
    if (e.stopped || e.paused) return;
    const now = this.clock.now();
    // Timers may fire a millisecond early by the wall clock: the grid only ever moves forward.
    const at = nextTick(Math.max(now, e.lastTick), e.task.intervalMs, e.task.phaseMs);
    e.lastTick = at;
    e.timer = this.clock.setTimeout(() => this.fire(e, at), Math.max(0, at - now));
  }

  /** Run the task now, off the grid (resume from sleep, user asked for a recheck). */
  runNow(id: string): void {
    const e = this.entries.get(id);
    if (e && !e.paused) this.fire(e, this.clock.now(), false);
  }

  /** A new interval (and phase) from the next tick on; a run in flight finishes undisturbed. */
  reschedule(id: string, intervalMs: number, phaseMs = intervalMs > 0 ? id.length % intervalMs : 0): void {
    const e = this.entries.get(id);
    if (!e) return;
    checkGrid(intervalMs, phaseMs);
    e.task = { ...e.task, intervalMs, phaseMs };
    e.timer?.cancel();
    // The tick that was armed and cancelled did not run: the new grid may start before it.
    e.lastTick = -Infinity;
    this.arm(e);
  }

  /** No ticks until resumed; a run in flight finishes. */
  pause(id: string): void {
    const e = this.entries.get(id);
    if (!e || e.paused) return;
    e.paused = true;
    e.timer?.cancel();
    e.timer = undefined;
  }

  /** Back on the grid, with one run right away (no waiting a whole interval to see the node again). */
  resume(id: string): void {
    const e = this.entries.get(id);
    if (!e || !e.paused) return;
    e.paused = false;
    e.lastTick = -Infinity;
    this.arm(e);
    this.fire(e, this.clock.now(), false);
  }

  isPaused(id: string): boolean {
    return this.entries.get(id)?.paused ?? false;
  }

  private fire(e: Entry, tickTs: number, rearm = true): void {
    if (rearm) this.arm(e);
    if (e.stopped) return;
    if (e.busy) {
      e.stats.skipped++;
      // A tick still waiting for a slot is superseded by this one: samples carry the newest tick.
      if (e.waiting !== null) e.waiting = tickTs;
      return;
    }
    e.busy = true;
    if (this.running >= this.maxConcurrent) {
      e.stats.queued++;
      e.waiting = tickTs;
      this.queue.push(e);
      return;
    }
    this.start(e, tickTs);
  }

  private start(e: Entry, tickTs: number): void {
    this.running++;
    e.stats.runs++;
    const startedAt = this.clock.now();
    const late = Math.max(0, startedAt - tickTs);
    e.stats.lastStartedAt = startedAt;
    e.stats.lastLatenessMs = late;
    if (late > e.stats.maxLatenessMs) e.stats.maxLatenessMs = late;
    if (late > e.task.intervalMs / 10) e.stats.lateRuns++;
    const ac = new AbortController();
    e.abort = ac;
    const deadline = this.clock.setTimeout(() => {
      e.stats.timedOut++;
      ac.abort(new BaleenError('E_TIMEOUT', `poll ${e.task.id} passed its ${e.task.deadlineMs} ms deadline`));
    }, e.task.deadlineMs);
    let run: Promise<void>;
    try {
      run = e.task.run(tickTs, ac.signal);
    } catch (err) {
      run = Promise.reject(err);
    }
    e.inFlight = run
      .catch(() => undefined)
      .finally(() => {
        deadline.cancel();
        e.busy = false;
        e.abort = undefined;
        e.inFlight = undefined;
        this.running--;
        this.drain();
      });
  }

  /** Hands freed slots to waiting ticks, oldest first. */
  private drain(): void {
    while (this.running < this.maxConcurrent && this.queue.length > 0) {
      const e = this.queue.shift()!;
      const tick = e.waiting;
      e.waiting = null;
      if (e.stopped || tick === null) {
        e.busy = false;
        continue;
      }
      this.start(e, tick);
    }
  }

  stats(id: string): TaskStats | undefined {
    return this.entries.get(id)?.stats;
  }

  get inFlight(): number {
    return this.running;
  }

  /** Stops a task: no new runs; an in-flight run is aborted and awaited. */
  async remove(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    e.stopped = true;
    e.timer?.cancel();
    const q = this.queue.indexOf(e);
    if (q >= 0) {
      this.queue.splice(q, 1);
      e.busy = false;
    }
    e.abort?.abort(new BaleenError('E_CANCELLED', 'Monitoring stopped.'));
    await e.inFlight;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.remove(id)));
  }
}

function checkGrid(intervalMs: number, phaseMs: number): void {
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new RangeError(`poll interval must be > 0 ms, got ${intervalMs}`);
  if (!(Number.isFinite(phaseMs) && phaseMs >= 0)) throw new RangeError(`poll phase must be ≥ 0 ms, got ${phaseMs}`);
}
