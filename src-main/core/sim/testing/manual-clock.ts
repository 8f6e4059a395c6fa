import type { Clock, TimerHandle } from '../../ports/clock';

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A Clock that moves only when told to. Timers fire in due order during advance(), with the wall
 * and monotonic clocks set to each timer's due time, so code under test sees consistent time.
 * Exported for other features' tests too (the simulator is driven by it in unit tests).
 */
export class ManualClock implements Clock {
  private wall: number;
  private mono: number;
  private timers: PendingTimer[] = [];
  private seq = 0;

  constructor(startWallMs = Date.UTC(2026, 0, 1), startMonotonicMs = 0) {
    this.wall = startWallMs;
    this.mono = startMonotonicMs;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: PendingTimer = { at: this.mono + Math.max(0, Number.isFinite(ms) ? ms : 0), seq: this.seq++, fn };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        handle.cancel();
        reject(signal?.reason);
      };
      const handle = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }

  /** Step the wall clock alone (an NTP step); monotonic time does not move. */
  jumpWall(ms: number): void {
    this.wall += ms;
  }

  /** Move both clocks forward by `ms`, firing due timers in order and letting promise chains settle. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`advance(${ms}): time moves forward by a finite amount`);
    const end = this.mono + ms;
    for (;;) {
      const next = this.nextDue(end);
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.moveTo(next.at);
      next.fn();
      await settle();
    }
    this.moveTo(end);
    await settle();
  }

  private nextDue(end: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) {
      if (t.at > end) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }

  private moveTo(mono: number): void {
    this.wall += mono - this.mono;
    this.mono = mono;
  }
}

// Several macrotask turns: promise chains started by a timer (and their own awaits) run before the next timer.
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
