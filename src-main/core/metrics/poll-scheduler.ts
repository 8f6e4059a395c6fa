import { BaleenError } from '../../../src-shared/domain/errors';
import type { Clock, TimerHandle } from '../ports/clock';

/**
 * Runs each task on its own tick grid (`phase + k × interval`), so samples are stamped on the grid and
 * timestamps compress to near zero bits; the next tick is always computed from the grid, so there is no
 * drift. A task never overlaps itself (a busy tick is skipped and counted), each run has a deadline
 * (its signal aborts), and one slow task never delays another.
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
  skipped: number;
  timedOut: number;
}

interface Entry {
  task: PollTask;
  timer: TimerHandle | undefined;
  busy: boolean;
  stats: TaskStats;
  stopped: boolean;
  inFlight: Promise<void> | undefined;
  abort: AbortController | undefined;
}

export function nextTick(now: number, intervalMs: number, phaseMs: number): number {
  const k = Math.floor((now - phaseMs) / intervalMs) + 1;
  return phaseMs + k * intervalMs;
}

export class PollScheduler {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  add(task: PollTask): void {
    if (this.entries.has(task.id)) throw new Error(`poll task ${task.id} already scheduled`);
    const e: Entry = { task, timer: undefined, busy: false, stats: { runs: 0, skipped: 0, timedOut: 0 }, stopped: false, inFlight: undefined, abort: undefined };
    this.entries.set(task.id, e);
    this.arm(e);
  }

  private arm(e: Entry): void {
    if (e.stopped) return;
    const now = this.clock.now();
    const at = nextTick(now, e.task.intervalMs, e.task.phaseMs);
    e.timer = this.clock.setTimeout(() => this.fire(e, at), at - now);
  }

  /** Run the task now, off the grid (resume from sleep, user asked for a recheck). */
  runNow(id: string): void {
    const e = this.entries.get(id);
    if (e) this.fire(e, this.clock.now(), false);
  }

  private fire(e: Entry, tickTs: number, rearm = true): void {
    if (rearm) this.arm(e);
    if (e.stopped) return;
    if (e.busy) {
      e.stats.skipped++;
      return;
    }
    e.busy = true;
    e.stats.runs++;
    const ac = new AbortController();
    e.abort = ac;
    const deadline = this.clock.setTimeout(() => {
      e.stats.timedOut++;
      ac.abort(new BaleenError('E_TIMEOUT', `poll ${e.task.id} passed its ${e.task.deadlineMs} ms deadline`));
    }, e.task.deadlineMs);
    e.inFlight = e.task
      .run(tickTs, ac.signal)
      .catch(() => undefined)
      .finally(() => {
        deadline.cancel();
        e.busy = false;
        e.abort = undefined;
        e.inFlight = undefined;
      });
  }

  stats(id: string): TaskStats | undefined {
    return this.entries.get(id)?.stats;
  }

  /** Stops a task: no new runs; an in-flight run is aborted and awaited. */
  async remove(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    e.stopped = true;
    e.timer?.cancel();
    e.abort?.abort(new BaleenError('E_CANCELLED', 'Monitoring stopped.'));
    await e.inFlight;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.remove(id)));
  }
}
