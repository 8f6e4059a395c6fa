import type { Clock, TimerHandle } from '../../src-main/core/ports/clock';

/** A clock that moves only when the test says so; timers fire in time order during advance(). */
export class ManualClock implements Clock {
  private t: number;
  private mono = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.push({ at: this.mono + Math.max(0, ms), fn, id });
    return { cancel: () => void (this.timers = this.timers.filter((x) => x.id !== id)) };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const h = this.setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        h.cancel();
        reject(signal.reason);
      }, { once: true });
    });
  }

  /** Jump the wall clock without moving monotonic time (an NTP step). */
  jumpWall(ms: number): void {
    this.t += ms;
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Move time forward, firing due timers in order and letting their promise chains settle. */
  async advance(ms: number): Promise<void> {
    const end = this.mono + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t += next.at - this.mono;
      this.mono = next.at;
      next.fn();
      await flush();
    }
    this.t += end - this.mono;
    this.mono = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
