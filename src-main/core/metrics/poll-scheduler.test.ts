import type { Clock, TimerHandle } from '../ports/clock';
import { ManualClock } from '../sim/testing/manual-clock';
import { nextTick, PollScheduler, type PollTask } from './poll-scheduler';

/** A clock whose timers fire late by a varying amount, as real timers under load do. */
function laggy(inner: ManualClock, lateMs: (i: number) => number): Clock {
  let i = 0;
  return {
    now: () => inner.now(),
    monotonic: () => inner.monotonic(),
    sleep: (ms, signal) => inner.sleep(ms, signal),
    setTimeout: (fn, ms): TimerHandle => inner.setTimeout(fn, ms + lateMs(i++)),
  };
}

const task = (over: Partial<PollTask> & Pick<PollTask, 'id' | 'run'>): PollTask => ({ intervalMs: 1000, phaseMs: 0, deadlineMs: 800, ...over });

/** Resolves when the signal aborts (a command that never answers but honours its deadline). */
const hang = (signal: AbortSignal) => new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

describe('PollScheduler', () => {
  it('does not drift over three hours even when every timer fires late', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1) + 123);
    const s = new PollScheduler(laggy(clock, (i) => (i * 37) % 90));
    const ticks: number[] = [];
    const starts: number[] = [];
    s.add(task({ id: 'n1', phaseMs: 250, run: async (ts) => void (ticks.push(ts), starts.push(clock.now())) }));
    const hours = 3;
    await clock.advance(hours * 3600_000);
    await s.dispose();
    // One run per second, every stamp on the grid, and the last one within a second of the end.
    expect(ticks.length).toBeGreaterThanOrEqual(hours * 3600 - 1);
    expect(ticks.length).toBeLessThanOrEqual(hours * 3600);
    expect(ticks.every((t) => t % 1000 === 250)).toBe(true);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(clock.now() - ticks.at(-1)!).toBeLessThan(1000 + 90);
    // Lateness never accumulates: each run starts less than the worst timer delay after its tick.
    expect(Math.max(...starts.map((t, i) => t - ticks[i]!))).toBeLessThan(90);
  });

  it('runs each tick once even when timers fire a little early and the poll is quick', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    // Every timer fires 1 ms before it is due (real timers and the wall clock disagree by that much).
    const early: Clock = { now: () => clock.now(), monotonic: () => clock.monotonic(), sleep: (ms, sig) => clock.sleep(ms, sig), setTimeout: (fn, ms) => clock.setTimeout(fn, Math.max(0, ms - 1)) };
    const s = new PollScheduler(early);
    const ticks: number[] = [];
    s.add(task({ id: 'fast', phaseMs: 0, run: async (ts) => void ticks.push(ts) }));
    await clock.advance(60_000);
    await s.dispose();
    expect(ticks.length).toBeGreaterThanOrEqual(59);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.slice(1).every((t, i) => t - ticks[i]! === 1000)).toBe(true);
  });

  it('never runs a task twice at once: busy ticks are skipped and counted', async () => {
    const clock = new ManualClock();
    const s = new PollScheduler(clock);
    let concurrent = 0;
    let peak = 0;
    s.add(
      task({
        id: 'slow',
        deadlineMs: 10_000,
        run: async (_ts, signal) => {
          peak = Math.max(peak, ++concurrent);
          await clock.sleep(2500, signal).finally(() => concurrent--);
        },
      }),
    );
    await clock.advance(10_000);
    const st = s.stats('slow')!;
    expect(peak).toBe(1);
    // Ticks at 1..10 s: runs start at 1, 4, 7, 10 s; the ticks in between find it busy.
    expect(st.runs).toBe(4);
    expect(st.skipped).toBe(6);
    await s.dispose();
  });

  it('aborts a run at its deadline and goes on with the next tick', async () => {
    const clock = new ManualClock();
    const s = new PollScheduler(clock);
    const outcomes: string[] = [];
    s.add(task({ id: 'hung', deadlineMs: 800, run: (_ts, signal) => hang(signal).catch((e: Error) => void outcomes.push(e.message)) }));
    await clock.advance(3900);
    expect(s.stats('hung')).toMatchObject({ runs: 3, timedOut: 3, skipped: 0 });
    expect(outcomes[0]).toMatch(/deadline/);
    await s.dispose();
  });

  it('one hung task does not delay the others (REL-S6 isolation, on the fake clock)', async () => {
    const clock = new ManualClock();
    const s = new PollScheduler(clock, { maxConcurrent: 64 });
    const late: number[] = [];
    s.add(task({ id: 'dead', deadlineMs: 60_000, run: (_ts, signal) => hang(signal) }));
    for (let i = 0; i < 19; i++) {
      s.add(task({ id: `n${i}`, phaseMs: i * 50, run: async (ts) => void late.push(clock.now() - ts) }));
    }
    await clock.advance(30_000);
    expect(late.length).toBeGreaterThanOrEqual(19 * 29);
    expect(Math.max(...late)).toBe(0);
    expect(s.stats('dead')!.skipped).toBeGreaterThan(25);
    await s.dispose();
  });

  it('bounds concurrency across tasks: extra runs wait for a slot in tick order, never overlap themselves', async () => {
    const clock = new ManualClock();
    const s = new PollScheduler(clock, { maxConcurrent: 2 });
    let peak = 0;
    const order: string[] = [];
    for (const id of ['a', 'b', 'c', 'd']) {
      s.add(
        task({
          id,
          deadlineMs: 5000,
          run: async (_ts, signal) => {
            order.push(id);
            peak = Math.max(peak, s.inFlight);
            await clock.sleep(300, signal);
          },
        }),
      );
    }
    await clock.advance(1000);
    expect(order).toEqual(['a', 'b']);
    await clock.advance(300);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    await clock.advance(10_000);
    expect(peak).toBe(2);
    expect(s.stats('c')!.queued).toBeGreaterThan(0);
    expect(s.stats('c')!.runs).toBe(11);
    await s.dispose();
  });

  it('pauses, resumes with an immediate run, and changes interval without leaving the grid', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const s = new PollScheduler(clock);
    const ticks: number[] = [];
    s.add(task({ id: 'x', phaseMs: 100, run: async (ts) => void ticks.push(ts) }));
    await clock.advance(3000);
    expect(ticks).toHaveLength(3);
    s.pause('x');
    await clock.advance(5000);
    expect(ticks).toHaveLength(3);
    s.resume('x');
    await clock.advance(0);
    expect(ticks).toHaveLength(4);
    expect(ticks[3]).toBe(clock.now());
    s.reschedule('x', 5000, 300);
    ticks.length = 0;
    await clock.advance(20_000);
    expect(ticks).toHaveLength(4);
    expect(ticks.every((t) => t % 5000 === 300)).toBe(true);
    await s.dispose();
  });

  it('computes the next grid tick strictly after now', () => {
    expect(nextTick(1000, 1000, 0)).toBe(2000);
    expect(nextTick(1999, 1000, 250)).toBe(2250);
    expect(nextTick(2250, 1000, 250)).toBe(3250);
  });
});
